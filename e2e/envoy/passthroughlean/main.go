// Command passthroughlean is bench-envoy's second baseline: a proxy-wasm
// filter, network or HTTP as its plugin configuration says ("filter":
// "http"), that reads the same two properties as tcpwrap's filter the way
// tcpwrap's does (package hostcall: straight from the host, the paths
// serialised once), shares one stream context, and lets
// every stream through. e2e/envoy/passthrough and passthroughhttp read
// them through the SDK, as a filter written the obvious way does, which
// costs four and a half more allocations a stream.
package main

import (
	"bytes"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/tcpwrap/tcpwrap/wasm/envoy/hostcall"
)

func main() {}

func init() { proxywasm.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct {
	types.DefaultPluginContext
	http bool
	conn conn
	req  request
}

func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	conf, _ := proxywasm.GetPluginConfiguration()
	p.http = bytes.Contains(conf, []byte(`"filter":"http"`))
	return types.OnPluginStartStatusOK
}

// The SDK asks for an HTTP context first and takes a TCP one when that is
// nil.
func (p *plugin) NewHttpContext(uint32) types.HttpContext {
	if !p.http {
		return nil
	}
	return &p.req
}

func (p *plugin) NewTcpContext(uint32) types.TcpContext { return &p.conn }

type conn struct{ types.DefaultTcpContext }

func (*conn) OnNewConnection() types.Action {
	_, _ = hostcall.Property(source), hostcall.Property(destination)
	return types.ActionContinue
}

type request struct{ types.DefaultHttpContext }

func (*request) OnHttpRequestHeaders(int, bool) types.Action {
	_, _ = hostcall.Property(source), hostcall.Property(destination)
	return types.ActionContinue
}

var (
	source      = hostcall.NewPath("source", "address")
	destination = hostcall.NewPath("destination", "address")
)
