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
	if rs := p.remembered(src); rs != nil {
		p.record(rs, rs.value, src, "")
		return connection(rs.close)
	}
	client, err := filter.ParseAddr(src)
	if err != nil {
		hostcall.Increment(p.errors)
		proxywasm.LogWarnf("tcpwrap: source.address %q unreadable; connection left open", src)
		return types.ActionContinue
	}
	return connection(p.decide(client, src, ""))
}

// connection is the action on a connection to close or not.
func connection(close bool) types.Action {
	if close {
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
