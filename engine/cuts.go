package engine

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
)

// MaxClientCuts bounds the cuts ClientCutsV4 and ClientCutsV6 return: a
// policy that would need more gets none.
const MaxClientCuts = 1 << 17

// ClientCutsV4 divides the IPv4 address space into intervals inside which
// every client gets the same decision from p. It returns the sorted first
// addresses of the intervals, starting with 0 (interval i is cuts[i] up to
// cuts[i+1]-1, the last one up to 255.255.255.255), and ok=false when it
// cannot tell: a resolver other than nil or a *HostsResolver, an Aclexec
// callback, pattern files that exist, a pattern whose set of IPv4
// addresses is not one interval (a wildcard other than "*" after a dotted
// prefix, a "." suffix of digits, a net/mask with holes in the mask), or
// more than MaxClientCuts cuts.
//
// Same decision means: for two requests that differ only in the client's
// IPv4 address (a netip.Addr that Is4, with no preset address text or
// name, or the address's dotted quad as the text), both addresses in one
// interval, the same lines are read and the same rule matches, with the
// same access; only what the matched rule's options expand (%a, %c, ...)
// can differ, so a caller that remembers an interval's decision must not
// remember one whose options expand anything.
//
// Why it holds: a client's address reaches a decision through its text,
// which the host patterns read (spec §5), and through its reverse lookup.
// Every host pattern's set of addresses is an interval or a point, cut
// here at both ends; every address the resolver knows a name for is an
// interval of its own, so that all the others get the same "no name"; and
// so are 0.0.0.0 (the upstream build skips its lookup) and
// 255.255.255.255 (not a dotted quad to net/mask matching). User names,
// netgroups and the server do not depend on the client's address.
func (p *Policy) ClientCutsV4() (cuts []uint32, ok bool) {
	return clientCuts(p, []uint32{0, 1, 0xffffffff},
		func(a netip.Addr) (uint32, bool) {
			if !a.Is4() {
				return 0, false
			}
			// By hand: encoding/binary would bring reflect into the
			// browser module (make check).
			b := a.As4()
			return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]), true
		},
		func(hp *hostPat, prof Profile) (lo, hi uint32, kind setKind) { return v4Set(hp, prof, p.Files != nil) },
		func(a uint32) (uint32, bool) { return a + 1, a != 0xffffffff },
		cmp.Compare[uint32])
}

// clientCuts is ClientCutsV4 and ClientCutsV6 for addresses of type T,
// starting from the cuts first: every address of the family the resolver
// knows (addr) is a point, every host pattern's set (set) an interval or
// nothing; next is the address after a (false for the last), compare
// orders them.
func clientCuts[T comparable](p *Policy, first []T, addr func(netip.Addr) (T, bool),
	set func(hp *hostPat, prof Profile) (lo, hi T, kind setKind), next func(a T) (T, bool), compare func(a, b T) int) ([]T, bool) {
	if p.Aclexec != nil {
		return nil, false
	}
	cuts := first
	add := func(lo, hi T) {
		cuts = append(cuts, lo)
		if n, ok := next(hi); ok {
			cuts = append(cuts, n)
		}
	}
	switch r := p.Resolver.(type) {
	case nil:
	case *HostsResolver:
		for a := range r.byAddr {
			if x, ok := addr(a); ok {
				add(x, x)
			}
		}
	default:
		return nil, false
	}
	ok := p.clientHosts(func(hp *hostPat, prof Profile) bool {
		lo, hi, kind := set(hp, prof)
		switch kind {
		case setUnknown:
			return false
		case setRange:
			add(lo, hi)
		}
		return len(cuts) <= 2*MaxClientCuts
	})
	if !ok {
		return nil, false
	}
	slices.SortFunc(cuts, compare)
	cuts = slices.Compact(cuts)
	if len(cuts) > MaxClientCuts {
		return nil, false
	}
	return cuts, true
}

// clientHosts calls f with every host pattern of the client lists of p's
// tables and the table's profile, until f returns false; it reports
// whether f never did.
func (p *Policy) clientHosts(f func(hp *hostPat, prof Profile) bool) bool {
	for _, t := range []*Table{p.Allow, p.Deny} {
		if t == nil {
			continue
		}
		for _, ln := range t.Lines {
			if ln.Kind != LineRule || ln.Clients == nil {
				continue
			}
			for _, tok := range ln.Clients.Tokens {
				if tok.pat != nil && tok.pat.client != nil && !f(tok.pat.client.host, t.Profile) {
					return false
				}
			}
		}
	}
	return true
}

// setKind is what a host pattern's address test does over the clients of
// one address family.
type setKind uint8

const (
	setNone    setKind = iota // the same answer for every address
	setRange                  // true on one interval, false elsewhere
	setUnknown                // something else
)

// v4Set reports the set of IPv4 addresses whose dotted quad hp's address
// test matches (hostMatch, leaving the name test aside).
func v4Set(hp *hostPat, prof Profile, files bool) (lo, hi uint32, kind setKind) {
	switch hp.kind {
	case hostNetgroup, hostKnown, hostLocal:
		return 0, 0, setNone // the name only
	case hostFile:
		if files {
			return 0, 0, setUnknown
		}
		return 0, 0, setNone // no file: never matches
	case hostNetmask:
		if !hp.v4ok || hp.net4&^hp.mask4 != 0 {
			return 0, 0, setNone // matches no dotted quad
		}
		if size := ^hp.mask4; size&(size+1) != 0 {
			return 0, 0, setUnknown // holes in the mask
		}
		return hp.net4, hp.net4 | ^hp.mask4, setRange
	}
	sp := &hp.sp
	switch sp.kind {
	case strAll, strKnown, strBracket:
		return 0, 0, setNone // every dotted quad, or none
	}
	text, chars := sp.text, "0123456789."
	if sp.kind == strWild {
		chars += "*?"
	}
	if !onlyOf(text, chars) {
		return 0, 0, setNone // a character no dotted quad has
	}
	switch sp.kind {
	case strExact:
		if v, n, ok := quadPrefix(text); ok && n == 4 {
			return v, v, setRange
		}
		return 0, 0, setNone // not how an address prints
	case strPrefix:
		return prefixRange(text)
	case strWild:
		if text == "*" {
			return 0, 0, setNone
		}
		if p := text[:len(text)-1]; text[len(text)-1] == '*' && onlyOf(p, "0123456789.") && strings.HasSuffix(p, ".") {
			return prefixRange(p) // "10.1.*" is the prefix "10.1."
		}
	}
	return 0, 0, setUnknown
}

// prefixRange is the interval of addresses whose dotted quad starts with
// text, a run of digits and dots ending in a dot.
func prefixRange(text string) (lo, hi uint32, kind setKind) {
	v, n, ok := quadPrefix(text[:len(text)-1])
	if !ok || n > 3 {
		return 0, 0, setNone // no dotted quad starts so
	}
	bits := uint(32 - 8*n)
	return v << bits, v<<bits | (1<<bits - 1), setRange
}

// quadPrefix reads s as n dot-separated decimal numbers as an address
// prints them (0 to 255, no leading zero), and their value.
func quadPrefix(s string) (v uint32, n int, ok bool) {
	for _, part := range strings.Split(s, ".") {
		if part == "" || len(part) > 3 || len(part) > 1 && part[0] == '0' || n == 4 {
			return 0, 0, false
		}
		x := 0
		for i := 0; i < len(part); i++ {
			x = x*10 + int(part[i]-'0')
		}
		if x > 255 {
			return 0, 0, false
		}
		v = v<<8 | uint32(x)
		n++
	}
	return v, n, true
}

// onlyOf reports whether every byte of s is in chars.
func onlyOf(s, chars string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(chars, s[i]) < 0 {
			return false
		}
	}
	return true
}

// ClientCutsV6 is ClientCutsV4 for the IPv6 clients that CutsCoverV6:
// the sorted first addresses of intervals of the IPv6 address space,
// starting with ::, inside which every covered client gets the same
// decision (in the sense of ClientCutsV4), or ok=false when it cannot
// tell: the resolvers, callbacks and files ClientCutsV4 refuses, a
// wildcard pattern that could match an IPv6 address's text (one made only
// of hexadecimal digits, colons, '*' and '?', other than "*" alone), or
// more than MaxClientCuts cuts.
//
// Why it holds: a covered client's address text is hexadecimal digits and
// colons, never a dot, so no prefix ("10."), suffix (".example.com") or
// net/mask pattern over dotted quads can match it. What can is an exact
// address (a point), a [bracketed] address (a point), a [net]/len (a
// prefix, an interval) and a wildcard, refused above; and the resolver's
// names, every address it knows being a point.
func (p *Policy) ClientCutsV6() (cuts []netip.Addr, ok bool) {
	return clientCuts(p, []netip.Addr{netip.IPv6Unspecified()},
		func(a netip.Addr) (netip.Addr, bool) { return a.WithZone(""), a.Is6() && !a.Is4In6() },
		func(hp *hostPat, prof Profile) (lo, hi netip.Addr, kind setKind) {
			return v6Set(hp, prof, p.Files != nil)
		},
		func(a netip.Addr) (netip.Addr, bool) { n := a.Next(); return n, n.IsValid() },
		netip.Addr.Compare)
}

// CutsCoverV6 reports whether ClientCutsV6's promise holds for client
// address a: an IPv6 address without a zone whose text has no dotted
// quad, that is, neither IPv4-mapped (::ffff:10.0.0.1) nor IPv4-compatible
// (::10.0.0.1, which glibc prints so from ::0.1.0.0 up).
func CutsCoverV6(a netip.Addr) bool {
	if !a.Is6() || a.Is4In6() || a.Zone() != "" {
		return false
	}
	b := a.As16()
	for _, x := range b[:12] {
		if x != 0 {
			return true
		}
	}
	return b[12] == 0 && b[13] == 0
}

// v6Set is v4Set for the IPv6 addresses CutsCoverV6: the set whose text
// hp's address test matches.
func v6Set(hp *hostPat, prof Profile, files bool) (lo, hi netip.Addr, kind setKind) {
	switch hp.kind {
	case hostNetgroup, hostKnown, hostLocal:
		return lo, hi, setNone // the name only
	case hostFile:
		if files {
			return lo, hi, setUnknown
		}
		return lo, hi, setNone // no file: never matches
	case hostNetmask:
		if !prof.ipv6() || !hp.v6ok {
			return lo, hi, setNone // only dotted quads
		}
		pfx, err := hp.net6.Prefix(int(hp.len6))
		if err != nil {
			return lo, hi, setNone
		}
		return pfx.Addr(), lastOf(pfx), setRange
	}
	sp := &hp.sp
	switch sp.kind {
	case strBracket:
		if !sp.v6ok {
			return lo, hi, setNone
		}
		a := sp.v6.WithZone("")
		return a, a, setRange
	case strExact:
		if a, err := netip.ParseAddr(sp.text); err == nil && a.Is6() {
			a = a.WithZone("")
			return a, a, setRange // a superset: only the canonical text matches
		}
		return lo, hi, setNone // not how an address prints
	case strWild:
		if strings.Trim(sp.text, "*") == "" {
			return lo, hi, setNone // every text
		}
		if onlyOf(sp.text, "0123456789abcdefABCDEF:*?") {
			return lo, hi, setUnknown
		}
	}
	// ALL, KNOWN, a prefix or suffix (a dot), a wildcard with a character
	// no such text has.
	return lo, hi, setNone
}

// lastOf is the last address of prefix p.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Addr().As16()
	for i := p.Bits(); i < 128; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom16(b)
}
