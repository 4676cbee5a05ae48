package engine

import (
	"net/netip"
	"strings"
)

// This file holds the C library's number and address parsers as libwrap
// sees them (glibc 2.36): inet_addr, the numeric getaddrinfo, atoi.

const inaddrNone = 0xffffffff

// v4Addr is the IPv4 address whose number (as inet_aton gives it) is v.
func v4Addr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// inetAton parses s like glibc's inet_aton: one to four parts, each decimal,
// octal (leading 0) or hex (0x), the last part filling the remaining bytes.
// Trailing text is accepted when it starts with a white-space character
// (exact=false, as inet_addr does) and refused when exact is set (as the
// numeric getaddrinfo does).
func inetAton(s string, exact bool) (uint32, bool) {
	var parts [4]uint32
	n := 0
	i := 0
	var val uint64
	for {
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		// strtoul(cp, &end, 0)
		base := uint64(10)
		j := i
		if s[j] == '0' {
			base = 8
			if j+1 < len(s) && (s[j+1] == 'x' || s[j+1] == 'X') && j+2 < len(s) && isHex(s[j+2]) {
				base = 16
				j += 2
			}
		}
		val = 0
		overflow := false
		for j < len(s) {
			d, ok := digitVal(s[j], base)
			if !ok {
				break
			}
			val = val*base + uint64(d)
			if val > 0xffffffff {
				overflow = true
			}
			j++
		}
		if overflow {
			return 0, false
		}
		i = j
		if i < len(s) && s[i] == '.' {
			if n > 2 || val > 0xff {
				return 0, false
			}
			parts[n] = uint32(val)
			n++
			i++
			continue
		}
		break
	}
	if i < len(s) {
		if exact || !isCSpace(s[i]) {
			return 0, false
		}
	}
	max := [4]uint64{0xffffffff, 0xffffff, 0xffff, 0xff}
	if val > max[n] {
		return 0, false
	}
	var res uint32
	for k := 0; k < n; k++ {
		res |= parts[k] << (24 - 8*uint(k))
	}
	return res | uint32(val), true
}

func isHex(c byte) bool {
	_, ok := digitVal(c, 16)
	return ok
}

func digitVal(c byte, base uint64) (uint64, bool) {
	var d uint64
	switch {
	case '0' <= c && c <= '9':
		d = uint64(c - '0')
	case 'a' <= c && c <= 'f':
		d = uint64(c-'a') + 10
	case 'A' <= c && c <= 'F':
		d = uint64(c-'A') + 10
	default:
		return 0, false
	}
	return d, d < base
}

// dotQuadAddr is libwrap's dot_quad_addr: exactly four runs of non-dot
// characters, then inet_addr. It returns false for anything inet_addr
// refuses and for 255.255.255.255, which collides with INADDR_NONE.
func dotQuadAddr(s string) (uint32, bool) {
	runs := 0
	in := false
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			in = false
		} else if !in {
			in = true
			runs++
		}
	}
	if runs != 4 {
		return 0, false
	}
	v, ok := inetAton(s, false)
	if !ok || v == inaddrNone {
		return 0, false
	}
	return v, true
}

// cAtoi is C's atoi as glibc implements it (strtol, then truncation to
// int): leading white space, an optional sign, decimal digits, and
// anything after them ignored.
func cAtoi(s string) int32 {
	i, neg := skipSpaceSign(s)
	var v uint64
	clamped := false
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		if !clamped {
			v = v*10 + uint64(s[i]-'0')
			if v > 1<<63 {
				clamped = true
			}
		}
		i++
	}
	var l int64
	switch {
	case clamped && neg:
		l = -1 << 63
	case clamped:
		l = 1<<63 - 1
	case neg:
		if v == 1<<63 {
			l = -1 << 63
		} else {
			l = -int64(v)
		}
	default:
		if v > 1<<63-1 {
			l = 1<<63 - 1
		} else {
			l = int64(v)
		}
	}
	return int32(l)
}

// skipSpaceSign returns the offset of the first digit strtol would read
// in s (after C white space and one sign) and whether the sign was '-'.
func skipSpaceSign(s string) (int, bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	return i, neg
}

// scanInt emulates sscanf(s, "%d%c", &n, &junk) == 1: an optional sign and
// decimal digits after optional white space, nothing after them. The value
// is converted like glibc's scanf does (strtol, then truncation to int).
func scanInt(s string) (int32, bool) {
	j, _ := skipSpaceSign(s)
	k := j
	for k < len(s) && '0' <= s[k] && s[k] <= '9' {
		k++
	}
	if k == j || k != len(s) {
		return 0, false
	}
	return cAtoi(s), true
}

// scanOctal emulates sscanf(s, "%o%c", &u, &junk) == 1 for an unsigned int.
func scanOctal(s string) (uint32, bool) {
	i, neg := skipSpaceSign(s)
	k := i
	var v uint64
	over := false
	for k < len(s) && '0' <= s[k] && s[k] <= '7' {
		v = v*8 + uint64(s[k]-'0')
		if v > 0xffffffffffffffff>>3 {
			over = true
		}
		k++
	}
	if k == i || k != len(s) {
		return 0, false
	}
	if over {
		v = 0xffffffffffffffff
	}
	if neg {
		v = -v
	}
	return uint32(v), true
}

// InterfaceResolver is implemented by resolvers that know the machine's
// network interfaces, which glibc asks about the scope of an IPv6
// address: getaddrinfo reads the "eth0" of "fe80::1%eth0" with
// if_nametoindex, and getnameinfo prints the scope of a link-local
// address with if_indextoname. A resolver without it stands for a machine
// whose only interface is "lo", index 1 (as in the libwrap harness' own
// network namespace).
//
// # Notes
//
// Only addresses given as text when the engine decides use it: tcpdmatch's
// operands, tcpdchk's host checks, the client and server address texts a
// rule is matched against, and the scope printed for an address. A rule's
// own bracketed pattern ("[fe80::1%eth0]", "[fe80::%eth0]/10") is read
// when its table is parsed, where only "lo" is known.
type InterfaceResolver interface {
	// InterfaceIndex is if_nametoindex: the index of the interface named
	// name, or ok=false.
	InterfaceIndex(name string) (index uint32, ok bool)
	// InterfaceName is if_indextoname: the name of the interface with
	// that index, or ok=false.
	InterfaceName(index uint32) (name string, ok bool)
}

// loopbackOnly is the machine of a resolver without [InterfaceResolver].
type loopbackOnly struct{}

func (loopbackOnly) InterfaceIndex(name string) (uint32, bool) { return 1, name == "lo" }
func (loopbackOnly) InterfaceName(index uint32) (string, bool) { return "lo", index == 1 }

// interfacesOf returns res's interfaces, or loopbackOnly's (res may be
// nil).
func interfacesOf(res Resolver) InterfaceResolver {
	if ifs, ok := res.(InterfaceResolver); ok {
		return ifs
	}
	return loopbackOnly{}
}

// parseV6 parses s as the numeric IPv6 getaddrinfo does (AF_INET6,
// AI_NUMERICHOST). A scope suffix is a number, or the name of one of the
// interfaces res knows ([InterfaceResolver]; without it, or nil: only
// "lo", index 1) for a link-local or an interface-local multicast
// address (glibc's IN6_IS_ADDR_LINKLOCAL, MC_LINKLOCAL, MC_NODELOCAL;
// G04); it is returned separately, as the index.
func parseV6(s string, res Resolver) (netip.Addr, string, bool) {
	host, zone := s, ""
	if i := strings.IndexByte(s, '%'); i >= 0 {
		host, zone = s[:i], s[i+1:]
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is6() {
		return netip.Addr{}, "", false
	}
	if numeric(zone) && !fitsUint32(zone) {
		return netip.Addr{}, "", false
	}
	if zone != "" && !numeric(zone) {
		// __inet6_scopeid_pton tries an interface name only for
		// IN6_IS_ADDR_LINKLOCAL, _MC_NODELOCAL and _MC_LINKLOCAL, which
		// look at the bytes: never at an IPv4-mapped address, unlike
		// netip's IsLinkLocalUnicast (engine/testdata/found/F09.txtar).
		if !namesScope(a) {
			return netip.Addr{}, "", false
		}
		index, ok := interfacesOf(res).InterfaceIndex(zone)
		if !ok || index == 0 {
			return netip.Addr{}, "", false
		}
		zone = uitoa(index)
	}
	if i := strings.IndexByte(s, '%'); i >= 0 && zone == "" {
		return netip.Addr{}, "", false
	}
	zone = strings.TrimLeft(zone, "0")
	return a, zone, true
}

// namesScope reports whether getaddrinfo reads an interface name as a's
// scope: a link-local unicast, or an interface- or link-local multicast
// address, judged by its bytes.
func namesScope(a netip.Addr) bool {
	b := a.As16()
	return b[0] == 0xfe && b[1]&0xc0 == 0x80 || b[0] == 0xff && (b[1]&0x0f == 1 || b[1]&0x0f == 2)
}

// fitsUint32 reports whether decimal digits z make a number below 2^32
// (a scope id).
func fitsUint32(z string) bool {
	z = strings.TrimLeft(z, "0")
	return len(z) < 10 || len(z) == 10 && z <= "4294967295"
}

func numeric(z string) bool {
	for i := 0; i < len(z); i++ {
		if z[i] < '0' || z[i] > '9' {
			return false
		}
	}
	return z != ""
}

// uitoa is the decimal text of n.
func uitoa(n uint32) string {
	var b [10]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// numericName is what getaddrinfo(name, family, AI_NUMERICHOST) makes of
// a reverse-lookup answer (spec §5.4 steps 5 and 6): a numeric address of
// the client's family (numeric), or an error before any name service is
// asked (refused), or neither. libwrap asks twice, first to reject numeric
// names, then for the forward lookup, and the numeric step answers both
// alike, so a refused name is one whose forward lookup fails.
//
// glibc (prof Debian) reads a dotted quad with inet_aton's forms, and for
// an IPv6 client refuses it (no AI_V4MAPPED); it reads IPv6 text, with a
// scope after "%", and for an IPv4 client takes an IPv4-mapped one as its
// IPv4 address and refuses any other; a scope it cannot read is refused
// too (engine/testdata/found/F30.txtar). Other profiles only recognise a
// number of the client's own family.
func numericName(name string, v6 bool, prof Profile, res Resolver) (numeric, refused bool) {
	if prof != Debian {
		if v6 {
			_, _, ok := parseV6(name, res)
			return ok, false
		}
		_, ok := inetAton(name, true)
		return ok, false
	}
	if _, ok := inetAton(name, true); ok {
		return !v6, v6
	}
	host, _, _ := strings.Cut(name, "%")
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is6() {
		return false, false
	}
	if !v6 && !a.Is4In6() {
		return false, true
	}
	_, _, ok := parseV6(name, res)
	return ok, !ok
}

// unmapV4 returns the dotted quad inside "::ffff:a.b.c.d" (any case), as
// libwrap's string_match and masked_match do.
func unmapV4(s string) (string, bool) {
	if len(s) > 7 && asciiEqualFold(s[:7], "::ffff:") {
		if _, ok := dotQuadAddr(s[7:]); ok {
			return s[7:], true
		}
	}
	return s, false
}
