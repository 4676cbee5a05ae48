// Command passthrough is one of bench-envoy's baselines: a proxy-wasm
// network filter that reads the same two properties as tcpwrap's filter,
// through the SDK (e2e/envoy/passthroughlean reads them as tcpwrap does),
// and lets every connection through.
package main

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}

// SetVMContext, not SetTcpContext: the SDK's elided plugin context calls
// the (nil) HTTP factory first and traps.
func init() { proxywasm.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct{ types.DefaultPluginContext }

func (*plugin) NewTcpContext(uint32) types.TcpContext { return &conn{} }

type conn struct{ types.DefaultTcpContext }

func (*conn) OnNewConnection() types.Action {
	_, _ = proxywasm.GetProperty([]string{"source", "address"})
	_, _ = proxywasm.GetProperty([]string{"destination", "address"})
	return types.ActionContinue
}
