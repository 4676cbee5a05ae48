//go:build linux

package libwrap

import (
	"net/netip"
	"strings"
)

// DefaultPasswd is the passwd table used when Case.Passwd is empty: a small
// Debian-like base set.
const DefaultPasswd = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`

// DefaultGroup is the group table used when Case.Group is empty.
const DefaultGroup = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
nogroup:x:65534:
`

// NormalizeHosts rewrites an /etc/hosts-format table into the form that is
// handed to libnss_wrapper (NSS_WRAPPER_HOSTS). nss_wrapper rejects the
// WHOLE table (every lookup then fails) if any line is a comment, is blank
// or holds only blanks, has an address that inet_pton does not accept, or
// has no name; and while parsing a name it skips leading characters that are
// not a letter, digit or '_' and lower-cases the rest. A simulated resolver
// that must agree with the harness has to read the table exactly as this
// function leaves it:
//
//  1. The table is split into lines at LF.
//  2. Each line is cut at its first '#' (the comment, if any, is dropped).
//  3. The rest is split into words at runs of space, tab, CR, VT and FF.
//  4. The first word must be a numeric address as inet_pton(3) accepts it:
//     a dotted quad of four decimal numbers 0-255 without leading zeros, or
//     an IPv6 address (an embedded dotted quad such as ::ffff:1.2.3.4
//     included; no %zone). Lines whose first word is not such an address
//     are dropped.
//  5. Every further word is a name: leading characters other than ASCII
//     letters, digits and '_' are removed, the remainder is lower-cased
//     (ASCII only), and words that end up empty are dropped.
//  6. Lines left with no name are dropped; the others are written as
//     "ADDRESS NAME [ALIAS...]" separated by single spaces, in the original
//     order, each ending in LF.
//
// Resolver semantics under nss_wrapper for the normalised table (see also
// stack.md): reverse lookup of an address gives the first name of the first
// line with that address; forward lookup of a name gives, in table order,
// the address of every line (of the requested family) where it is the first
// name or an alias, with the first name of the first such line as the
// canonical name.
func NormalizeHosts(table string) string {
	var out strings.Builder
	for _, line := range strings.Split(table, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		words := strings.FieldsFunc(line, func(r rune) bool {
			return r == ' ' || r == '\t' || r == '\r' || r == '\v' || r == '\f'
		})
		if len(words) < 2 || !ptonAddress(words[0]) {
			continue
		}
		var names []string
		for _, w := range words[1:] {
			w = strings.TrimLeftFunc(w, func(r rune) bool {
				return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
			})
			if w != "" {
				names = append(names, asciiLower(w))
			}
		}
		if len(names) == 0 {
			continue
		}
		out.WriteString(words[0])
		for _, n := range names {
			out.WriteByte(' ')
			out.WriteString(n)
		}
		out.WriteByte('\n')
	}
	return out.String()
}

// ptonAddress reports whether inet_pton(AF_INET or AF_INET6) accepts s.
func ptonAddress(s string) bool {
	if strings.ContainsAny(s, "%") {
		return false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	// netip accepts the same IPv4 syntax as glibc's inet_pton (four decimal
	// parts, no leading zeros) and the same IPv6 syntax apart from zones.
	return a.Zone() == ""
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
