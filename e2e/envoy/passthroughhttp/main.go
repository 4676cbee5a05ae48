// Command passthroughhttp is one of bench-envoy's HTTP baselines: a
// proxy-wasm HTTP filter that reads the same two properties as tcpwrap's
// filter, through the SDK (e2e/envoy/passthroughlean reads them as
// tcpwrap does), and lets every request through.
package main

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}

func init() { proxywasm.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct{ types.DefaultPluginContext }

func (*plugin) NewHttpContext(uint32) types.HttpContext { return &request{} }

type request struct{ types.DefaultHttpContext }

func (*request) OnHttpRequestHeaders(int, bool) types.Action {
	_, _ = proxywasm.GetProperty([]string{"source", "address"})
	_, _ = proxywasm.GetProperty([]string{"destination", "address"})
	return types.ActionContinue
}
