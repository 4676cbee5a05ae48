package engine

// explain says what a token is and what it was compared with, for traces.
func (st *evalState) explain(t *Token, client bool, ok bool) string {
	if !client {
		dp := t.pat.daemon
		var s string
		if dp.port >= 0 {
			port := "no server port"
			if st.server.ep.Socket.IsValid() {
				port = sprintf("server port %d", st.server.ep.Socket.Port())
			}
			s = sprintf("port number %d vs %s", dp.port, port)
		} else {
			s = sprintf("%s pattern vs daemon %q", strKindNames[dp.name.kind], st.daemon)
		}
		if dp.hasHost {
			s += "; server host " + st.explainHost(dp.host, &st.server)
		}
		return s
	}
	cp := t.pat.client
	s := st.explainHost(cp.host, &st.client)
	if cp.hasUser {
		s += sprintf("; user %s pattern vs %q", strKindNames[cp.user.kind], st.user)
	}
	return s
}

func (st *evalState) explainHost(hp *hostPat, h *hostState) string {
	addr, name := h.addr, h.name
	if !h.addrDone {
		addr = "(not evaluated)"
	}
	if !h.nameDone {
		name = "(not looked up)"
	}
	switch hp.kind {
	case hostNetgroup:
		return sprintf("netgroup %q vs host name %q", hp.text[1:], name)
	case hostFile:
		return sprintf("pattern file %s vs address %q / name %q", hp.text, addr, name)
	case hostKnown:
		return sprintf("KNOWN: address %q and a verified name (%q)", addr, name)
	case hostLocal:
		return sprintf("LOCAL: verified name without a dot (%q)", name)
	case hostNetmask:
		if !hp.v4ok && !hp.v6ok {
			return sprintf("net/mask %s/%s is not valid: it never matches", hp.netText, hp.maskText)
		}
		return sprintf("net/mask vs address %q", addr)
	}
	kind := strKindNames[hp.sp.kind] + " pattern"
	if hp.sp.kind == strExact {
		// libwrap has no code of its own for these two words: they are
		// the texts it gives what it could not find or verify.
		switch {
		case asciiEqualFold(hp.text, "PARANOID"):
			kind = `PARANOID (matches the name "paranoid", which libwrap gives a host whose name fails its double check)`
		case asciiEqualFold(hp.text, "UNKNOWN"):
			kind = `UNKNOWN (matches the text "unknown", which libwrap gives an address or name it cannot find)`
		}
	}
	if hp.nameToo && h.nameDone {
		return sprintf("%s vs address %q, then name %q", kind, addr, name)
	}
	return sprintf("%s vs address %q", kind, addr)
}
