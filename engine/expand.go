package engine

import "strconv"

// okChars are the bytes libwrap's percent_x keeps in an expansion; every
// other byte becomes '_' (spec §6.4).
var okChars = func() (t [256]bool) {
	for _, c := range []byte("1234567890!@%-_=+:,./abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t[c] = true
	}
	return t
}()

func sanitize(s string) string {
	for i := 0; i < len(s); i++ {
		if !okChars[s[i]] {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if !okChars[b[j]] {
					b[j] = '_'
				}
			}
			return string(b)
		}
	}
	return s
}

// percentX expands s like libwrap's percent_x into a buffer of size bytes.
// Expanded values are sanitised, and so are the request attributes they
// came from, for the rest of the decision.
func (st *evalState) percentX(s string, size int) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		var exp string
		if s[i] == '%' && i+1 < len(s) {
			exp = st.expandOne(s[i+1])
			i += 2
		} else {
			exp = s[i : i+1]
			i++
		}
		if len(out)+len(exp) >= size-1 {
			head := string(out)
			if len(head) > 30 {
				head = head[:30]
			}
			st.warn("percent_x: expansion too long: %s...", head)
			msg := "expansion too long: libwrap logs this, sleeps 5 seconds and exits without a decision"
			panic(jump{access: Denied, reason: msg, err: msg, exit: true})
		}
		out = append(out, exp...)
	}
	return string(out)
}

// percentCodes calls f with the character after each '%' of s, reading s
// as percentX does: "%%" is one sequence, and a '%' at the end is kept as
// it is.
func percentCodes(s string, f func(c byte)) {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '%' {
			f(s[i+1])
			i++
		}
	}
}

// knownPercent reports whether expandOne knows %c under profile p.
func knownPercent(c byte, p Profile) bool {
	switch c {
	case 'a', 'A', 'c', 'd', 'h', 'H', 'n', 'N', 'p', 's', 'u', '%':
		return true
	case 'r', 'R':
		return p.percentPorts()
	}
	return false
}

// expandOne returns the sanitised value of %c, updating the attribute it
// came from in place as libwrap does.
func (st *evalState) expandOne(c byte) string {
	switch c {
	case 'a':
		st.client.addr = sanitize(st.hostaddr(&st.client))
		return st.client.addr
	case 'A':
		st.server.addr = sanitize(st.hostaddr(&st.server))
		return st.server.addr
	case 'c':
		p := st.hostinfo(&st.client)
		if !st.userDone || asciiEqualFold(st.evalUser(), unknown) {
			*p = sanitize(*p)
			return *p
		}
		return sanitize(st.user + "@" + *p)
	case 'd':
		st.daemon = sanitize(st.daemon)
		return st.daemon
	case 'h':
		p := st.hostinfo(&st.client)
		*p = sanitize(*p)
		return *p
	case 'H':
		p := st.hostinfo(&st.server)
		*p = sanitize(*p)
		return *p
	case 'n':
		st.client.name = sanitize(st.hostname(&st.client))
		return st.client.name
	case 'N':
		st.server.name = sanitize(st.hostname(&st.server))
		return st.server.name
	case 'p':
		return strconv.Itoa(st.pid)
	case 'r', 'R':
		if st.prof.percentPorts() {
			h := &st.client
			if c == 'R' {
				h = &st.server
			}
			return strconv.Itoa(int(h.ep.Socket.Port()))
		}
	case 's':
		p := st.hostinfo(&st.server)
		if !asciiEqualFold(*p, unknown) {
			return sanitize(st.daemon + "@" + *p)
		}
		st.daemon = sanitize(st.daemon)
		return st.daemon
	case 'u':
		st.user = sanitize(st.evalUser())
		return st.user
	case '%':
		return "%"
	}
	st.warn("unrecognized %%%c", c)
	return ""
}

// hostinfo is libwrap's eval_hostinfo: the name if it was looked up or
// preset (or, for builds with ALWAYS_HOSTNAME, after looking it up) and
// is known, otherwise the address. A preset name (hosts_ctl's) is in
// libwrap's name field from the start, so it counts even before any
// pattern asked for it (engine/testdata/found/F50.txtar). It returns the
// attribute itself so that sanitising can write back to it.
func (st *evalState) hostinfo(h *hostState) *string {
	if !st.prof.alwaysHostname() && !h.nameDone && h.ep.Name == "" {
		st.hostaddr(h)
		return &h.addr
	}
	if hostnameKnown(st.hostname(h)) {
		return &h.name
	}
	st.hostaddr(h)
	return &h.addr
}
