package engine

import (
	"net/netip"
	"strings"
)

// This file classifies list tokens once, at parse time, into the pattern
// forms of spec §4 and §5, and holds the matching rules that need no
// request state: the generic string rules (§5.3), net/mask (§5.5) and
// wildcards (§5.6).

// strKind is the string rule that applies to a pattern (spec §5.3).
type strKind uint8

const (
	strExact   strKind = iota // case-insensitive equality
	strWild                   // '*' or '?' (Debian)
	strSuffix                 // leading '.'
	strAll                    // ALL
	strKnown                  // KNOWN: not "unknown"
	strPrefix                 // trailing '.'
	strBracket                // [IPv6]
)

var strKindNames = [...]string{"exact", "wildcard", "suffix", "ALL", "KNOWN", "prefix", "IPv6 address"}

// strPat is a pattern for the generic string rules.
type strPat struct {
	kind strKind
	text string
	v6   netip.Addr // strBracket: the address, if it parses
	v6ok bool
	zone string
}

func compileStr(tok string, p Profile) strPat {
	sp := strPat{text: tok}
	switch {
	case p.wildcards() && strings.ContainsAny(tok, "*?"):
		sp.kind = strWild
	case strings.HasPrefix(tok, "."):
		sp.kind = strSuffix
	case asciiEqualFold(tok, "ALL"):
		sp.kind = strAll
	case asciiEqualFold(tok, "KNOWN"):
		sp.kind = strKnown
	case strings.HasSuffix(tok, "."):
		sp.kind = strPrefix
	case p.ipv6() && len(tok) >= 2 && tok[0] == '[' && tok[len(tok)-1] == ']':
		sp.kind = strBracket
		sp.v6, sp.zone, sp.v6ok = parseV6(tok[1:len(tok)-1], nil)
	default:
		sp.kind = strExact
	}
	return sp
}

// match applies the string rules to s (an address, a name, a daemon or a
// user name); res's interfaces read the scope of an IPv6 address in s
// (nil: only "lo").
func (sp *strPat) match(s string, p Profile, res Resolver) bool {
	if p.ipv6() {
		s, _ = unmapV4(s)
	}
	switch sp.kind {
	case strWild:
		return wildMatch(s, sp.text)
	case strSuffix:
		n := len(s) - len(sp.text)
		return n > 0 && asciiEqualFold(sp.text, s[n:])
	case strAll:
		return true
	case strKnown:
		return !asciiEqualFold(s, unknown)
	case strPrefix:
		return len(s) >= len(sp.text) && asciiEqualFold(sp.text, s[:len(sp.text)])
	case strBracket:
		if !sp.v6ok {
			return false
		}
		a, zone, ok := parseV6(s, res)
		if !ok {
			return false
		}
		// Debian compares the addresses only (hosts_access.c checks
		// scopes under NI_WITHSCOPEID, which glibc does not define):
		// "[fe80::1%lo]" matches fe80::1 with any scope or none
		// (engine/testdata/glibc/G03.txtar). FreeBSD's must be equal.
		if p.scopedPatterns() && sp.zone != "" && sp.zone != zone {
			return false
		}
		return a == sp.v6
	}
	return asciiEqualFold(sp.text, s)
}

// hostKind is the row of the host-pattern dispatcher (spec §5.2).
type hostKind uint8

const (
	hostNetgroup hostKind = iota // @group
	hostFile                     // /path
	hostKnown                    // KNOWN
	hostLocal                    // LOCAL
	hostNetmask                  // net/mask
	hostString                   // everything else: string rules on address, then name
)

// hostPat is a compiled host pattern.
type hostPat struct {
	kind hostKind
	text string
	sp   strPat // hostString
	// nameToo: the pattern has a character other than digits and '.', so a
	// failed address comparison goes on to the host name.
	nameToo bool

	// hostNetmask
	netText, maskText string
	net4, mask4       uint32
	v4ok              bool
	net6              netip.Addr
	len6              int32
	v6ok              bool
}

func compileHost(tok string, p Profile) *hostPat {
	hp := new(hostPat)
	hp.init(tok, p)
	return hp
}

// fileWord reports whether host pattern tok names a pattern file.
func (p Profile) fileWord(tok string) bool {
	return p.patternFiles() && strings.HasPrefix(tok, "/")
}

// init compiles tok into hp.
func (hp *hostPat) init(tok string, p Profile) {
	hp.text = tok
	switch {
	case strings.HasPrefix(tok, "@"):
		hp.kind = hostNetgroup
	case p.fileWord(tok):
		hp.kind = hostFile
	case asciiEqualFold(tok, "KNOWN"):
		hp.kind = hostKnown
	case asciiEqualFold(tok, "LOCAL"):
		hp.kind = hostLocal
	default:
		if i := splitAt(tok, 0, '/', p.ipv6()); i >= 0 {
			hp.kind = hostNetmask
			hp.netText, hp.maskText = tok[:i], tok[i+1:]
			hp.compileNetmask(p)
			return
		}
		hp.kind = hostString
		hp.sp = compileStr(tok, p)
		hp.nameToo = notInaddr(tok)
		if p.colonNoName() && strings.Contains(tok, ":") {
			hp.nameToo = false
		}
	}
}

// notInaddr is libwrap's NOT_INADDR: the text has a character other than a
// digit or a dot.
func notInaddr(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return true
		}
	}
	return false
}

func (hp *hostPat) compileNetmask(p Profile) {
	if net, ok := dotQuadAddr(hp.netText); ok {
		if mask, ok := dotQuadAddr(hp.maskText); ok {
			hp.net4, hp.mask4, hp.v4ok = net, mask, true
		} else if p.cidr() {
			if bits := cAtoi(hp.maskText); bits >= 1 && bits <= 32 {
				hp.net4, hp.mask4, hp.v4ok = net, ^uint32(0)<<(32-uint(bits)), true
			}
		}
	}
	if p.ipv6() {
		n := hp.netText
		if len(n) >= 2 && n[0] == '[' && n[len(n)-1] == ']' {
			if a, _, ok := parseV6(n[1:len(n)-1], nil); ok {
				if l := cAtoi(hp.maskText); l >= 0 && l <= 128 {
					hp.net6, hp.len6, hp.v6ok = a, l, true
				}
			}
		}
	}
}

// An addrForm is an address text as net/mask matching reads it: without
// an "::ffff:" prefix in IPv6 builds, and its dotted-quad value when it has
// one. A decision computes it once per endpoint (hostState.formOf).
type addrForm struct {
	orig   string // the text it was made from
	text   string
	quad   uint32
	isQuad bool
}

func makeAddrForm(s string, p Profile) addrForm {
	f := addrForm{orig: s, text: s}
	if p.ipv6() {
		f.text, _ = unmapV4(s)
	}
	f.quad, f.isQuad = dotQuadAddr(f.text)
	return f
}

// maskedMatch tests an address against a net/mask pattern; res's
// interfaces read the scope of an IPv6 address (nil: only "lo"). It
// reports whether the upstream build would warn about the expression.
func (hp *hostPat) maskedMatch(f *addrForm, p Profile, res Resolver) (match, badExpr bool) {
	if !p.ipv6() {
		if !f.isQuad {
			return false, false
		}
		if !hp.v4ok {
			return false, true
		}
		return f.quad&hp.mask4 == hp.net4, false
	}
	if f.isQuad {
		return hp.v4ok && f.quad&hp.mask4 == hp.net4, false
	}
	a, _, ok := parseV6(f.text, res)
	if !ok || !hp.v6ok || a.Is4In6() && p == FreeBSD {
		return false, false
	}
	pfx, err := hp.net6.Prefix(int(hp.len6))
	if err != nil {
		return false, false
	}
	return pfx.Contains(a), false
}

// wildMatch reports whether s matches the Debian wildcard pattern pat. It
// computes exactly what libwrap's recursive matcher computes (every
// character compares without case, a trailing "**" needs one more
// character), memoised so hostile patterns cannot make it exponential.
func wildMatch(s, pat string) bool {
	w := wildMatcher{s: s, pat: pat}
	return w.match(0, 0)
}

type wildMatcher struct {
	s, pat string
	memo   map[[2]int]bool
}

func (w *wildMatcher) match(si, pi int) bool {
	for {
		if pi == len(w.pat) {
			return si == len(w.s)
		}
		if w.pat[pi] == '*' {
			pi++
			if pi == len(w.pat) {
				return true
			}
			key := [2]int{si, pi}
			if r, ok := w.memo[key]; ok {
				return r
			}
			r := w.star(si, pi)
			if w.memo == nil {
				w.memo = make(map[[2]int]bool)
			}
			w.memo[key] = r
			return r
		}
		if si == len(w.s) {
			return false
		}
		if w.pat[pi] != '?' && toUpper(w.pat[pi]) != toUpper(w.s[si]) {
			return false
		}
		si++
		pi++
	}
}

// star handles the text after a '*' at pattern offset pi.
func (w *wildMatcher) star(si, pi int) bool {
	c := w.pat[pi]
	if c != '?' && c != '*' {
		for ; si < len(w.s); si++ {
			if toUpper(w.s[si]) == toUpper(c) && w.match(si+1, pi+1) {
				return true
			}
		}
		return false
	}
	for ; si < len(w.s); si++ {
		if w.match(si, pi) {
			return true
		}
	}
	return false
}

// daemonPat is a compiled daemon-list token (spec §4).
type daemonPat struct {
	name    strPat
	port    int32 // >= 0: the token is a port number (Debian)
	host    *hostPat
	hasHost bool
}

func compileDaemon(tok string, p Profile) *pattern {
	// One allocation for the pattern and its daemon part.
	box := &struct {
		pattern
		dp daemonPat
	}{}
	dp := &box.dp
	dp.port = -1
	name := tok
	if i := atSplit(tok, p); i >= 0 {
		name = tok[:i]
		dp.host = compileHost(tok[i+1:], p)
		dp.hasHost = true
	}
	if p.portPatterns() {
		if n, ok := portNumber(name); ok {
			dp.port = n
		}
	}
	dp.name = compileStr(name, p)
	box.daemon = dp
	return &box.pattern
}

// portNumber reports whether a daemon pattern reads as a port number the
// way Debian's check does, sscanf(tok, "%u%c", &port, &junk) == 1 &&
// port <= 65535: optional leading white space, an optional sign, decimal
// digits and nothing after them, converted as glibc's scanf converts %u
// (strtoul to 64 bits, which negates a '-' value and clamps an overflow
// to ULONG_MAX, then truncation to a 32-bit unsigned int). So "-0" is 0
// and "-22" a huge number, but "4294967318" (2^32 + 22) and
// "-4294967274" are port 22 (engine/testdata/found/F06.txtar).
func portNumber(s string) (int32, bool) {
	i, neg := skipSpaceSign(s)
	if i == len(s) {
		return 0, false
	}
	var v uint64
	over := false
	for ; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		d := uint64(s[i] - '0')
		if v > (1<<64-1-d)/10 {
			over = true
		}
		v = v*10 + d
	}
	switch {
	case over:
		v = 1<<64 - 1
	case neg:
		v = -v
	}
	if u := uint32(v); u <= 65535 {
		return int32(u), true
	}
	return 0, false
}

// atSplit finds the '@' that splits "left@right" in a token: the first one
// after the first character, outside brackets in IPv6 builds.
func atSplit(tok string, p Profile) int {
	if len(tok) < 2 {
		return -1
	}
	i := splitAt(tok, 1, '@', p.ipv6())
	return i
}

// clientPat is a compiled client-list token (spec §5.1).
type clientPat struct {
	user    strPat
	hasUser bool
	host    *hostPat
}

func compileClient(tok string, p Profile) *pattern {
	// One allocation for the pattern, its client part and its host part.
	box := &struct {
		pattern
		cp clientPat
		hp hostPat
	}{}
	cp := &box.cp
	if i := atSplit(tok, p); i >= 0 {
		cp.user = compileStr(tok[:i], p)
		cp.hasUser = true
		box.hp.init(tok[i+1:], p)
	} else {
		box.hp.init(tok, p)
	}
	cp.host = &box.hp
	box.client = cp
	return &box.pattern
}

// pattern is a compiled token: exactly one of daemon and client is set.
type pattern struct {
	daemon *daemonPat
	client *clientPat
}
