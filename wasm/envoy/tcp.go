package main

import (
	"unsafe"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/tcpwrap/tcpwrap/wasm/envoy/filter"
	"github.com/tcpwrap/tcpwrap/wasm/envoy/hostcall"
)

// tcpContext is the network filter: one per downstream connection.
type tcpContext struct {
	types.DefaultTcpContext
	p *pluginContext
}

// str views b as a string without copying; b must never be written to
// afterwards (property bytes are not).
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func (t *tcpContext) OnNewConnection() (action types.Action) {
	defer t.p.recoverStream(&action, "connection", closeDownstream)
	p := t.p
	p.gc.tick()
	if p.testHook != nil {
		p.testHook()
	}
	src := str(hostcall.Property(sourceAddress))
	p.dst.read()
	client, err := filter.ParseAddr(src)
	if err != nil {
		p.errors.Increment(1)
		proxywasm.LogWarnf("tcpwrap: source.address %q unreadable; connection left open", src)
		return types.ActionContinue
	}
	r := p.f.DecideText(client, src, p.dst.server)
	p.record(&r, src, "")
	if r.Close {
		return closeDownstream()
	}
	return types.ActionContinue
}

func closeDownstream() types.Action {
	if err := proxywasm.CloseDownstream(); err != nil {
		proxywasm.LogErrorf("tcpwrap: close downstream: %v", err)
	}
	return types.ActionPause
}
