package engine

import (
	"net/netip"
	"sort"
)

// This file lets Decide skip lines. A rule line may be skipped when it
// provably cannot match the request and evaluating it would have had no
// effect: no lookup, no warning. Lines are classified once per table:
//
//   - "address" lines: every daemon token is a plain name or port (no
//     @host part) and every client token before the first EXCEPT is an
//     address pattern (exact digits-and-dots text, a trailing-dot prefix,
//     a leading-dot suffix, or a net/mask). They only compare the address.
//   - "name" lines: as above, but client tokens may also be exact, prefix
//     or suffix patterns with letters, which compare the host name once the
//     address does not match. Once the client's name has been looked up,
//     they cost no lookup either.
//
// Every other line (and every line that is not a rule but has an effect:
// a missing separator warns, an unterminated line ends the table) must be
// evaluated. For a request, the candidates are the lines that must be
// evaluated plus the indexed lines one of whose keys the address (or, in
// the name phase, the name) hits. They are evaluated in table order, so
// first-match order is kept.

type tableIndex struct {
	genericAddr []int // lines to evaluate before the name is known
	genericName []int // lines to evaluate once the name is known
	noSep       []int // lines that warn about a missing separator
	addr        keyIndex
	name        keyIndex
	// pure marks the rule lines whose daemon list depends on the daemon
	// name alone (no daemon@host, no port number), so its result can be
	// remembered per daemon (see evalState.generic).
	pure []bool
}

// keyIndex maps pattern keys to the sorted lines that carry them.
type keyIndex struct {
	exact, prefix, suffix keyMap
	v4                    []v4Nets // one per distinct mask
	v6                    []v6Nets // one per distinct prefix length
}

// A keyMap maps string keys to lines. lens has bit n set when some key is
// n bytes long (bit 63: 63 or more), so most lookups that cannot hit are
// skipped without hashing the key (a subject is looked up once for each
// of its dots, and hashing is slow under wasm).
type keyMap struct {
	m    map[string][]int
	lens uint64
}

func (k *keyMap) add(key string, line int) {
	if k.m == nil {
		k.m = map[string][]int{}
	}
	k.lens |= lenBit(len(key))
	appendLine(k.m, key, line)
}

func lenBit(n int) uint64 { return 1 << min(n, 63) }

// lookup appends the lines of key to out.
func (k *keyMap) lookup(key string, out []int) []int {
	if k.lens&lenBit(len(key)) == 0 {
		return out
	}
	return append(out, k.m[key]...)
}

type v4Nets struct {
	mask uint32
	nets map[uint32][]int
}

type v6Nets struct {
	bits int32
	nets map[netip.Prefix][]int
}

// appendLine adds line to key's lines, once (lines arrive in order).
func appendLine[K comparable](m map[K][]int, key K, line int) {
	if l := m[key]; len(l) == 0 || l[len(l)-1] != line {
		m[key] = append(l, line)
	}
}

func (k *keyIndex) add(hp *hostPat, line int, p Profile) {
	switch hp.kind {
	case hostNetmask:
		if hp.v4ok {
			i := 0
			for i < len(k.v4) && k.v4[i].mask != hp.mask4 {
				i++
			}
			if i == len(k.v4) {
				k.v4 = append(k.v4, v4Nets{mask: hp.mask4, nets: map[uint32][]int{}})
			}
			appendLine(k.v4[i].nets, hp.net4, line)
		}
		if hp.v6ok {
			if pfx, err := hp.net6.Prefix(int(hp.len6)); err == nil {
				i := 0
				for i < len(k.v6) && k.v6[i].bits != hp.len6 {
					i++
				}
				if i == len(k.v6) {
					k.v6 = append(k.v6, v6Nets{bits: hp.len6, nets: map[netip.Prefix][]int{}})
				}
				appendLine(k.v6[i].nets, pfx, line)
			}
		}
	case hostString:
		k.addString(&hp.sp, line)
	}
}

// addString adds line under an exact, prefix or suffix string pattern's
// key (a host pattern's, or a daemon name's); other patterns have none.
func (k *keyIndex) addString(sp *strPat, line int) {
	key := toLowerASCII(sp.text)
	switch sp.kind {
	case strExact:
		k.exact.add(key, line)
	case strPrefix:
		k.prefix.add(key, line)
	case strSuffix:
		k.suffix.add(key, line)
	}
}

// hits appends the lines whose keys match subject (an address text or a
// name) to out.
func (k *keyIndex) hits(subject string, p Profile, out []int) []int {
	if k.exact.m == nil && k.prefix.m == nil && k.suffix.m == nil {
		return out
	}
	if p.ipv6() {
		subject, _ = unmapV4(subject)
	}
	s := toLowerASCII(subject)
	out = k.exact.lookup(s, out)
	if k.prefix.m != nil {
		for i := 0; i < len(s); i++ {
			if s[i] == '.' {
				out = k.prefix.lookup(s[:i+1], out)
			}
		}
	}
	if k.suffix.m != nil {
		for i := 1; i < len(s); i++ {
			if s[i] == '.' {
				out = k.suffix.lookup(s[i:], out)
			}
		}
	}
	return out
}

// netHits appends the net/mask lines whose network holds the address
// (h's, whose text is addr).
func (k *keyIndex) netHits(h *hostState, addr string, p Profile, res Resolver, out []int) []int {
	if k.v4 == nil && k.v6 == nil {
		return out
	}
	f := h.formOf(addr, p)
	if f.isQuad {
		for _, n := range k.v4 {
			out = append(out, n.nets[f.quad&n.mask]...)
		}
		return out
	}
	if !p.ipv6() || k.v6 == nil {
		return out
	}
	a, _, ok := parseV6(f.text, res)
	if !ok || (a.Is4In6() && p == FreeBSD) {
		return out
	}
	for _, n := range k.v6 {
		if pfx, err := a.Prefix(int(n.bits)); err == nil {
			out = append(out, n.nets[pfx]...)
		}
	}
	return out
}

// addressOnly reports whether hp compares the address alone.
func addressOnly(hp *hostPat, p Profile) bool {
	switch hp.kind {
	case hostNetmask:
		// Upstream warns about an invalid expression at match time.
		return p.ipv6() || hp.v4ok
	case hostString:
		return !hp.nameToo && (hp.sp.kind == strExact || hp.sp.kind == strPrefix || hp.sp.kind == strSuffix)
	}
	return false
}

// nameKeyed reports whether hp compares the address and then the name
// with an exact, prefix or suffix rule.
func nameKeyed(hp *hostPat, p Profile) bool {
	if hp.kind == hostNetmask {
		return addressOnly(hp, p)
	}
	return hp.kind == hostString && (hp.sp.kind == strExact || hp.sp.kind == strPrefix || hp.sp.kind == strSuffix)
}

func buildIndex(t *Table) *tableIndex {
	ix := &tableIndex{pure: make([]bool, len(t.Lines))}
	for i, ln := range t.Lines {
		switch ln.Kind {
		case LineComment, LineBlank:
			continue
		case LineNoSeparator:
			ix.noSep = append(ix.noSep, i)
			continue
		case LineUnterminated:
			ix.genericAddr = append(ix.genericAddr, i)
			ix.genericName = append(ix.genericName, i)
			continue
		}
		pureDaemons := true
		ix.pure[i] = true
		for _, tok := range ln.Daemons.Tokens {
			if !tok.Except && tok.pat.daemon.hasHost {
				pureDaemons = false
			}
			if !tok.Except && (tok.pat.daemon.hasHost || tok.pat.daemon.port >= 0) {
				ix.pure[i] = false
			}
		}
		var positive []*hostPat
		addrOK, nameOK := pureDaemons, pureDaemons
		for _, tok := range ln.Clients.Tokens {
			if tok.Except {
				break
			}
			cp := tok.pat.client
			if cp.hasUser {
				addrOK, nameOK = false, false
				break
			}
			positive = append(positive, cp.host)
			if !addressOnly(cp.host, t.Profile) {
				addrOK = false
				if !nameKeyed(cp.host, t.Profile) {
					nameOK = false
				}
			}
		}
		if addrOK {
			for _, hp := range positive {
				ix.addr.add(hp, i, t.Profile)
			}
		} else {
			ix.genericAddr = append(ix.genericAddr, i)
		}
		if nameOK {
			for _, hp := range positive {
				ix.name.add(hp, i, t.Profile)
			}
		} else {
			ix.genericName = append(ix.genericName, i)
		}
	}
	return ix
}

// daemonLines are a table's generic lines for one daemon: those whose
// daemon list cannot match it are left out. A Decider keeps a few from one
// decision to the next, since its daemon rarely changes (the Envoy filter's
// never does), and a line for another daemon then costs nothing.
type daemonLines struct {
	t          *Table
	daemon     string
	addr, name []int
}

// maxDaemonLines bounds the daemonLines a Decider keeps, and
// maxDaemonLinesSize the generic lines of a table for which it keeps them
// (so a Decider holds at most 4 MiB of them, whatever the tables).
const (
	maxDaemonLines     = 4
	maxDaemonLinesSize = 1 << 16
)

// generic returns the lines of t that must be evaluated in the address
// phase or, when named, in the name phase.
func (st *evalState) generic(t *Table, named bool) []int {
	ix := t.index
	if !st.keepLines || len(ix.genericAddr)+len(ix.genericName) > maxDaemonLinesSize {
		if named {
			return ix.genericName
		}
		return ix.genericAddr
	}
	var m *daemonLines
	for i := range st.daemonLines {
		if d := &st.daemonLines[i]; d.t == t && d.daemon == st.daemon {
			m = d
		}
	}
	if m == nil {
		if len(st.daemonLines) == maxDaemonLines {
			st.daemonLines = append(st.daemonLines[:0], st.daemonLines[1:]...)
		}
		st.daemonLines = append(st.daemonLines, daemonLines{t: t, daemon: st.daemon,
			addr: st.forDaemon(t, ix.genericAddr), name: st.forDaemon(t, ix.genericName)})
		m = &st.daemonLines[len(st.daemonLines)-1]
	}
	if named {
		return m.name
	}
	return m.addr
}

// forDaemon returns lines without the rules whose daemon list depends on
// the daemon name alone and does not match st's daemon. Evaluating such a
// list has no effect, so leaving the line out changes nothing else.
func (st *evalState) forDaemon(t *Table, lines []int) []int {
	out := make([]int, 0, len(lines))
	for _, i := range lines {
		ln := t.Lines[i]
		if ln.Kind == LineRule && t.index.pure[i] && !st.listFrom(ln.Daemons.Tokens, 0, false, nil) {
			continue
		}
		out = append(out, i)
	}
	return out
}

// lineCursor walks a table for one request, yielding only the lines that
// must be evaluated.
type lineCursor struct {
	t        *Table
	ix       *tableIndex
	st       *evalState
	prof     Profile
	named    bool  // in the name phase
	generic  []int // current phase's generic lines
	hits     []int // current phase's sorted candidate lines
	g, h     int   // positions in generic and hits
	noSepPos int
}

// reset points c at table t for the request of st, reusing its buffers.
func (c *lineCursor) reset(t *Table, st *evalState) {
	c.t, c.ix, c.st, c.prof, c.hits, c.noSepPos = t, t.index, st, t.Profile, c.hits[:0], 0
	c.enter(st.client.nameDone)
}

func (c *lineCursor) enter(named bool) {
	c.named = named
	c.g, c.h = 0, 0
	addr := c.st.peekAddr(&c.st.client)
	hits := c.hits[:0]
	if named {
		c.generic = c.st.generic(c.t, true)
		hits = c.ix.name.hits(addr, c.prof, hits)
		hits = c.ix.name.hits(c.st.client.name, c.prof, hits)
		hits = c.ix.name.netHits(&c.st.client, addr, c.prof, c.st.res, hits)
	} else {
		c.generic = c.st.generic(c.t, false)
		hits = c.ix.addr.hits(addr, c.prof, hits)
		hits = c.ix.addr.netHits(&c.st.client, addr, c.prof, c.st.res, hits)
	}
	if len(hits) > 1 {
		sort.Ints(hits)
	}
	c.hits = hits
}

// next returns the first line at or after i that must be evaluated, or
// len(lines) when none is left.
func (c *lineCursor) next(i int) int {
	if !c.named && c.st.client.nameDone {
		c.enter(true)
	}
	for c.g < len(c.generic) && c.generic[c.g] < i {
		c.g++
	}
	for c.h < len(c.hits) && c.hits[c.h] < i {
		c.h++
	}
	n := 1 << 62
	if c.g < len(c.generic) {
		n = c.generic[c.g]
	}
	if c.h < len(c.hits) && c.hits[c.h] < n {
		n = c.hits[c.h]
	}
	return n
}

// skippedWarnings returns the lines in [from, to) that warn about a
// missing separator, which libwrap would have logged while reading them.
func (c *lineCursor) skippedWarnings(from, to int) []int {
	ns := c.ix.noSep
	for c.noSepPos < len(ns) && ns[c.noSepPos] < from {
		c.noSepPos++
	}
	start := c.noSepPos
	for c.noSepPos < len(ns) && ns[c.noSepPos] < to {
		c.noSepPos++
	}
	return ns[start:c.noSepPos]
}

// peekAddr is the client's address text without evaluating it (looking at
// the address has no effect in libwrap, but the engine reports which
// attributes a decision evaluated).
func (st *evalState) peekAddr(h *hostState) string {
	if h.addrDone {
		return h.addr
	}
	if st.peek == "" {
		st.peek = h.addrText(st.res)
	}
	return st.peek
}
