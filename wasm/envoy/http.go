package main

import (
	"net/netip"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/wasm/envoy/filter"
	"github.com/tcpwrap/tcpwrap/wasm/envoy/hostcall"
)

// httpContext is the HTTP filter: one per request.
type httpContext struct {
	types.DefaultHttpContext
	p *pluginContext
}

// denyBody is the body of the local 403 answer.
var denyBody = []byte("access denied\n")

var denyHeaders = [][2]string{{"content-type", "text/plain"}}

func (h *httpContext) OnHttpRequestHeaders(int, bool) (action types.Action) {
	defer h.p.recoverStream(&action, "request", h.deny)
	p := h.p
	p.gc.tick()
	if p.testHook != nil {
		p.testHook()
	}
	src := str(hostcall.Property(sourceAddress))
	p.dst.read()
	name := p.f.Config.ClientAddressHeader
	if name == "" {
		if rs := p.remembered(src); rs != nil {
			p.record(rs, rs.value, src, "")
			return h.action(rs.close)
		}
	}
	peer, perr := filter.ParseAddr(src)
	client, text, via := peer, src, ""
	if name != "" && p.trusted(peer, perr) {
		if v, err := proxywasm.GetHttpRequestHeader(name); err == nil {
			ap, entry, err := p.f.Config.HeaderClient(v)
			if err != nil {
				return h.badHeader(src, err)
			}
			client, text, via, perr = ap, entry, " ("+name+" from "+src+")", nil
		}
	}
	if perr != nil {
		hostcall.Increment(p.errors)
		proxywasm.LogWarnf("tcpwrap: source.address %q unreadable; request let through", src)
		return types.ActionContinue
	}
	return h.action(p.decide(client, text, via))
}

// action is the action on a request to deny or not.
func (h *httpContext) action(deny bool) types.Action {
	if deny {
		return h.deny()
	}
	return types.ActionContinue
}

// trusted reports whether the header may be read from this peer: one in
// trustedPeers, or any peer, even an unreadable one, when trustedPeers is
// empty.
func (p *pluginContext) trusted(peer netip.AddrPort, perr error) bool {
	if perr != nil {
		return len(p.f.Config.TrustedPeers) == 0
	}
	return p.f.Config.TrustedPeer(peer.Addr())
}

// badHeader answers a request whose client address header is present but
// unreadable: it is denied (a client address the operator said to trust
// cannot be known), logged and counted as an address error, and in
// shadow mode let through.
func (h *httpContext) badHeader(src string, err error) types.Action {
	p := h.p
	proxywasm.LogWarnf("tcpwrap: %s %s -> %s: %s by bad client address header: %v%s", p.f.Config.Daemon, src, p.dst.text, engine.Denied, err, p.mode)
	return p.refuse(p.errors, []byte("error: bad "+p.f.Config.ClientAddressHeader), h.deny)
}

func (h *httpContext) deny() types.Action {
	if err := proxywasm.SendHttpResponse(403, denyHeaders, denyBody, -1); err != nil {
		proxywasm.LogErrorf("tcpwrap: send 403: %v", err)
	}
	return types.ActionPause
}
