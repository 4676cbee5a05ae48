// Command passthroughlean is bench-envoy's lean baselines: a proxy-wasm
// filter, network or HTTP as its plugin configuration says ("filter":
// "http"), that shares one stream context and lets every stream through.
// What it does on each stream is set by "passthrough" in the
// configuration:
//
//   - "read" (the default): it reads the same two properties as tcpwrap's
//     filter, the way tcpwrap's does (package hostcall: straight from the
//     host, the paths serialised once). e2e/envoy/passthrough and
//     passthroughhttp read them through the SDK, as a filter written the
//     obvious way does, which costs four and a half more allocations a
//     stream;
//   - "none": nothing at all, the floor of any filter;
//   - "record": it reads them, then makes the four host calls with which
//     tcpwrap's filter records a decision (two counters, filter state, a
//     log line as long as tcpwrap's), with a fixed line and value: what a
//     filter that records as tcpwrap does costs before it decides
//     anything.
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

// What a stream does.
const (
	read = iota
	none
	record
)

// mode is the configured passthrough; outcome and rule are record's
// counters.
var (
	mode          int
	outcome, rule proxywasm.MetricCounter
)

func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	conf, _ := proxywasm.GetPluginConfiguration()
	p.http = bytes.Contains(conf, []byte(`"filter":"http"`))
	switch {
	case bytes.Contains(conf, []byte(`"passthrough":"none"`)):
		mode = none
	case bytes.Contains(conf, []byte(`"passthrough":"record"`)):
		mode = record
		outcome = proxywasm.DefineCounterMetric("passthrough.granted")
		rule = proxywasm.DefineCounterMetric("passthrough.rule.hosts_allow_3")
	}
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
	stream()
	return types.ActionContinue
}

type request struct{ types.DefaultHttpContext }

func (*request) OnHttpRequestHeaders(int, bool) types.Action {
	stream()
	return types.ActionContinue
}

func stream() {
	if mode == none {
		return
	}
	_, _ = hostcall.Property(source), hostcall.Property(destination)
	if mode == record {
		hostcall.Increment(outcome)
		hostcall.Increment(rule)
		hostcall.SetProperty(state, value)
		hostcall.LogInfo(line)
	}
}

var (
	source      = hostcall.NewPath("source", "address")
	destination = hostcall.NewPath("destination", "address")
	state       = hostcall.NewPath("tcpwrap.rule")
	value       = []byte("hosts.allow:3")
	line        = []byte("tcpwrap: envoy 10.1.2.3:40000 -> 10.255.0.1:22: granted by hosts.allow:3")
)
