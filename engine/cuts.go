package engine

import (
	"slices"
	"strings"
)

// MaxClientCuts bounds the cuts ClientCutsV4 returns: a policy that would
// need more gets none.
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
	if p.Aclexec != nil {
		return nil, false
	}
	cuts = []uint32{0, 1, 0xffffffff}
	point := func(a uint32) {
		cuts = append(cuts, a)
		if a != 0xffffffff {
			cuts = append(cuts, a+1)
		}
	}
	switch r := p.Resolver.(type) {
	case nil:
	case *HostsResolver:
		for a := range r.byAddr {
			if a.Is4() {
				// By hand: encoding/binary would bring reflect into the
				// browser module (make check).
				b := a.As4()
				point(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
			}
		}
	default:
		return nil, false
	}
	for _, t := range []*Table{p.Allow, p.Deny} {
		if t == nil {
			continue
		}
		for _, ln := range t.Lines {
			if ln.Kind != LineRule || ln.Clients == nil {
				continue
			}
			for _, tok := range ln.Clients.Tokens {
				if tok.pat == nil || tok.pat.client == nil {
					continue
				}
				lo, hi, kind := v4Set(tok.pat.client.host, t.Profile, p.Files != nil)
				switch kind {
				case v4Unknown:
					return nil, false
				case v4Range:
					cuts = append(cuts, lo)
					if hi != 0xffffffff {
						cuts = append(cuts, hi+1)
					}
				}
				if len(cuts) > 2*MaxClientCuts {
					return nil, false
				}
			}
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	if len(cuts) > MaxClientCuts {
		return nil, false
	}
	return cuts, true
}

// v4Kind is what a host pattern's address test does over IPv4 clients.
type v4Kind uint8

const (
	v4None    v4Kind = iota // the same answer for every address
	v4Range                 // true on one interval, false elsewhere
	v4Unknown               // something else
)

// v4Set reports the set of IPv4 addresses whose dotted quad hp's address
// test matches (hostMatch, leaving the name test aside).
func v4Set(hp *hostPat, prof Profile, files bool) (lo, hi uint32, kind v4Kind) {
	switch hp.kind {
	case hostNetgroup, hostKnown, hostLocal:
		return 0, 0, v4None // the name only
	case hostFile:
		if files {
			return 0, 0, v4Unknown
		}
		return 0, 0, v4None // no file: never matches
	case hostNetmask:
		if !hp.v4ok || hp.net4&^hp.mask4 != 0 {
			return 0, 0, v4None // matches no dotted quad
		}
		if size := ^hp.mask4; size&(size+1) != 0 {
			return 0, 0, v4Unknown // holes in the mask
		}
		return hp.net4, hp.net4 | ^hp.mask4, v4Range
	}
	sp := &hp.sp
	switch sp.kind {
	case strAll, strKnown, strBracket:
		return 0, 0, v4None // every dotted quad, or none
	}
	text, chars := sp.text, "0123456789."
	if sp.kind == strWild {
		chars += "*?"
	}
	if !onlyOf(text, chars) {
		return 0, 0, v4None // a character no dotted quad has
	}
	switch sp.kind {
	case strExact:
		if v, n, ok := quadPrefix(text); ok && n == 4 {
			return v, v, v4Range
		}
		return 0, 0, v4None // not how an address prints
	case strPrefix:
		return prefixRange(text)
	case strWild:
		if text == "*" {
			return 0, 0, v4None
		}
		if p := text[:len(text)-1]; text[len(text)-1] == '*' && onlyOf(p, "0123456789.") && strings.HasSuffix(p, ".") {
			return prefixRange(p) // "10.1.*" is the prefix "10.1."
		}
	}
	return 0, 0, v4Unknown
}

// prefixRange is the interval of addresses whose dotted quad starts with
// text, a run of digits and dots ending in a dot.
func prefixRange(text string) (lo, hi uint32, kind v4Kind) {
	v, n, ok := quadPrefix(text[:len(text)-1])
	if !ok || n > 3 {
		return 0, 0, v4None // no dotted quad starts so
	}
	bits := uint(32 - 8*n)
	return v << bits, v<<bits | (1<<bits - 1), v4Range
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
