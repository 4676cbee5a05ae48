// Package tablegen generates access-control tables and requests: sized
// tables for benchmarks, and random cases for the differential test
// against the real libwrap. The same seed always gives the same case.
package tablegen

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
)

// Kinds of sized tables.
const (
	KindExact  = "exact"  // one exact IPv4 address per line
	KindNet    = "net"    // net/mask, /nn and prefix patterns
	KindDomain = "domain" // .domain suffixes
	KindMixed  = "mixed"  // IP, net/mask, /nn, [v6]/64, .domain
)

// Kinds lists the sized table kinds.
var Kinds = []string{KindExact, KindNet, KindDomain, KindMixed}

// Sized returns a hosts.deny-style table of n rule lines of the given kind
// whose last line is the only one that matches the returned client, and a
// hosts table that names that client (for the name-based kinds).
func Sized(kind string, n int) (table, hosts string, client netip.Addr) {
	var b strings.Builder
	client = netip.MustParseAddr("192.0.2.200")
	hosts = "192.0.2.200 last.match.example\n"
	for i := 0; i < n-1; i++ {
		a, c := byte(i>>16), byte(i>>8)
		d := byte(i)
		k := kind
		if kind == KindMixed {
			k = []string{KindExact, "mask", "cidr", "v6", KindDomain}[i%5]
		} else if kind == KindNet {
			k = []string{"mask", "cidr", "prefix"}[i%3]
		}
		switch k {
		case KindExact:
			fmt.Fprintf(&b, "sshd: 10.%d.%d.%d\n", a, c, d)
		case "mask":
			fmt.Fprintf(&b, "sshd: 10.%d.%d.0/255.255.255.0\n", a, c)
		case "cidr":
			fmt.Fprintf(&b, "sshd: 10.%d.%d.0/24\n", a, c)
		case "prefix":
			fmt.Fprintf(&b, "sshd: 10.%d.%d.\n", a, c)
		case "v6":
			fmt.Fprintf(&b, "sshd: [2001:db8:%x:%x::]/64\n", a, uint16(c)<<8|uint16(d))
		case KindDomain:
			fmt.Fprintf(&b, "sshd: .d%d.example\n", i)
		}
	}
	switch kind {
	case KindDomain:
		b.WriteString("sshd: .match.example\n")
	default:
		b.WriteString("sshd: 192.0.2.200\n")
	}
	return b.String(), hosts, client
}

// Case is one random differential case.
type Case struct {
	Seed     uint64
	Allow    *string // nil: no file
	Deny     *string
	Hosts    string
	Netgroup string
	Files    map[string]string // relative to the case directory; "{DIR}" in texts is that directory
	Requests []Request
}

// Request is a socket-level request.
type Request struct {
	Daemon string
	Client netip.AddrPort
	Server netip.AddrPort // invalid: no server endpoint
	User   string         // "": unknown
}

func (r Request) String() string {
	s := fmt.Sprintf("%s from %s", r.Daemon, r.Client)
	if r.Server.IsValid() {
		s += " to " + r.Server.String()
	}
	if r.User != "" {
		s += " user " + r.User
	}
	return s
}

type gen struct {
	r *rand.Rand
}

func (g *gen) pick(list ...string) string { return list[g.r.IntN(len(list))] }

// Random returns the random case for seed.
func Random(seed uint64) Case {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	c := Case{Seed: seed, Files: map[string]string{}}
	c.Hosts = g.hosts()
	c.Netgroup = "trusted (good.example.com,,) (LO2,,)\nall (,,)\nnested trusted (-,alice,)\n"
	c.Files["list"] = g.fileList()
	c.Files["nested"] = "{DIR}/list 10.9.9.9\n"
	c.Files["ban/sshd"] = "Hello %a from %d; user %u\n"
	c.Files["ban/in.ftpd"] = "\x00\x00ftp %h\nline two %c\n"
	// tcpdchk's dry run asks for the banner of its fake daemon.
	c.Files["ban/daemon_name"] = "%a %A %c %d %h %H %n %N %s %u %r %R [x\n\x00y\n%"
	if g.r.IntN(8) > 0 {
		s := g.table(1 + g.r.IntN(8))
		c.Allow = &s
	}
	if g.r.IntN(8) > 0 {
		s := g.table(1 + g.r.IntN(8))
		c.Deny = &s
	}
	n := 3 + g.r.IntN(5)
	for i := 0; i < n; i++ {
		c.Requests = append(c.Requests, g.request())
	}
	return c
}

func (g *gen) hosts() string {
	lines := []string{
		"10.0.0.1 good.example.com good",
		"10.0.0.2 host2.example.org",
		"10.0.0.3 nodots",
		"10.0.0.6 liar.example.com",
		"10.0.0.5 liar.example.com",
		"10.0.0.7 canon.example.com alias.example.com",
		"10.0.0.8 www.example.net",
		"10.0.0.9 127.0.0.5",
		"10.0.0.10 UPPER.Example.COM",
		"2001:db8::1 v6host.example.com",
		"10.0.0.11 multi.example.com",
		"10.0.0.12 multi.example.com",
		"127.1.0.1 lo1.example.com",
		"127.1.0.2 lo2",
		"192.168.7.7 localhost",
		"127.0.0.1 localhost.localdomain localhost",
		"10.0.0.13 localhost",
		"::1 ip6-localhost ip6-loopback",
		"10.0.0.16 Mixed.Case.Example ALIAS16",
		"2001:db8::16 mixed.case.example",
		"10.0.0.18 sshd.example.com",
	}
	// Every line reads the same through glibc's files backend and through
	// nss_wrapper (which the harness uses); an all-digit name such as
	// "1234" does not, so there is none.
	g.r.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	keep := lines[:8+g.r.IntN(len(lines)-8)]
	return strings.Join(keep, "\n") + "\n"
}

func (g *gen) fileList() string {
	var w []string
	for i := 0; i < 1+g.r.IntN(4); i++ {
		w = append(w, g.hostPattern(false))
	}
	return strings.Join(w, g.pick(" ", "\n", "\t")) + "\n"
}

var clientAddrs = []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.8",
	"10.0.0.9", "10.0.0.10", "10.0.0.11", "10.0.0.99", "10.1.2.3", "192.168.7.7", "127.1.0.2", "127.1.0.1",
	"10.0.0.13", "10.0.0.16", "10.0.0.18", "2001:db8::16", "::ffff:10.0.0.16",
	"2001:db8::1", "2001:db8::2", "2001:db9::1", "::ffff:10.0.0.1", "::ffff:127.1.0.2", "::1", "127.0.0.1"}

func (g *gen) request() Request {
	r := Request{Daemon: g.pick("sshd", "sshd", "in.ftpd", "sockd", "vsftpd", "SSHD", "telnetd")}
	if g.r.IntN(30) == 0 {
		// A name an expansion sanitises, libwrap's default, an empty one.
		r.Daemon = g.pick("in ftpd", "a;b", "unknown", "")
	}
	ca := netip.MustParseAddr(g.pick(clientAddrs...))
	if g.r.IntN(40) > 0 { // else no client socket address at all
		r.Client = netip.AddrPortFrom(ca, uint16(1024+g.r.IntN(60000)))
	}
	if g.r.IntN(5) > 0 {
		// Servers with a verified name, without one, with a paranoid one.
		sa := g.pick("127.1.0.1", "127.1.0.1", "127.1.0.1", "10.0.0.9", "10.9.9.9", "10.0.0.1", "10.0.0.6")
		switch {
		case ca.Is4In6():
			sa = "::ffff:" + sa
		case ca.Is6():
			sa = g.pick("::1", "::1", "2001:db8::1", "2001:db8::99")
		}
		r.Server = netip.AddrPortFrom(netip.MustParseAddr(sa), uint16([]int{22, 21, 1080, 23, 8080}[g.r.IntN(5)]))
	}
	r.User = g.pick("", "", "", "alice", "bob", "ALICE", "a;b", "unknown", "x$(id)")
	return r
}

func (g *gen) table(n int) string {
	var lines []string
	for i := 0; i < n; i++ {
		lines = append(lines, g.line())
	}
	s := strings.Join(lines, "\n") + "\n"
	switch g.r.IntN(40) {
	case 0:
		s = strings.TrimSuffix(s, "\n") // missing final newline
	case 1:
		s = strings.ReplaceAll(s, "\n", "\r\n")
	}
	return s
}

func (g *gen) line() string {
	switch g.r.IntN(32) {
	case 0:
		return "# " + g.rule()
	case 1:
		return ""
	case 2:
		return "   \t"
	case 3:
		return g.daemonList() + " " + g.clientList() // no separator
	case 4:
		return " # ALL: ALL" // an indented '#' is a pattern
	case 6:
		switch g.r.IntN(6) {
		case 0:
			return g.rule() + " \x00junk" // a NUL cuts the physical line
		case 1:
			return "sshd: " + strings.Repeat("10.9.9.9 ", 227) + "ALL" // 2,046+ bytes
		case 2:
			return g.rule() + " \\\r" // backslash CR is not a continuation
		case 3:
			return "ss[hd: ALL"
		case 4:
			return g.daemonList() + ": " + g.clientList() + ":"
		default:
			return "sshd: " + strings.Repeat("10.9.9.9 ", 226) + "ALL" // just under the limit
		}
	case 5:
		r := g.rule()
		if i := strings.Index(r, " "); i > 0 {
			return r[:i] + " \\\n  " + r[i+1:] // continuation
		}
		return r
	}
	return g.rule()
}

func (g *gen) rule() string {
	s := g.daemonList() + g.pick(":", ": ", " : ") + g.clientList()
	if g.r.IntN(3) == 0 {
		s += g.pick(":", " : ", ": ") + g.options()
	}
	return s
}

func (g *gen) list(item func() string) string {
	var parts []string
	for i := 0; i < 1+g.r.IntN(3); i++ {
		parts = append(parts, item())
	}
	s := strings.Join(parts, g.pick(" ", ", ", ","))
	if g.r.IntN(5) == 0 {
		s += " " + g.pick("EXCEPT", "except") + " " + item()
		if g.r.IntN(4) == 0 {
			s += " EXCEPT " + item()
		}
	}
	return s
}

func (g *gen) daemonList() string {
	return g.list(func() string {
		d := g.pick("ALL", "sshd", "SSHD", "in.ftpd", "in.", "ss*", "s?hd", "sockd", "vsftpd", "22", "021", "+1080",
			"KNOWN", "unknown", ".ftpd", "telnetd", "0",
			"-0", "0x16", "65535", "65536", "00022", "\v22", "22\f", "*D", "*d", "S*", "?SHD", "**", "s**")
		if g.r.IntN(6) == 0 {
			d += "@" + g.pick("127.1.0.1", "127.1.0.", "lo1.example.com", "ALL", "KNOWN", "[::1]", "127.1.0.0/24", "LOCAL", "",
				"UNKNOWN", "PARANOID", ".example.com", "@trusted", "{DIR}/list", "10.0.0.0/8", "good.example.com", "*.1")
		}
		return d
	})
}

func (g *gen) clientList() string {
	return g.list(func() string {
		h := g.hostPattern(true)
		if g.r.IntN(8) == 0 {
			h = g.pick("alice", "ALL", "KNOWN", "UNKNOWN", "ali*", "bob") + "@" + h
		}
		return h
	})
}

func (g *gen) hostPattern(inRule bool) string {
	p := g.pick("ALL", "LOCAL", "KNOWN", "UNKNOWN", "PARANOID", "paranoid", "unknown",
		"10.0.0.1", "10.0.0.2", "10.0.0.", "10.", ".1", "10.0.0.0/255.255.255.0", "10.0.0.0/24", "10.0.0.1/24",
		"10.0.0.0/255.255.255.128", "0.0.0.0/0.0.0.0", "10.0.0.0/0", "012.0.0.0/255.0.0.0", "10.0.0.0/24junk",
		"127.1.0.0/255.255.0.0", "[2001:db8::1]", "[2001:db8::]/32", "[2001:db8::1]/64", "[::ffff:10.0.0.1]",
		"[2001:db8::]/129", "[::]/0",
		".example.com", ".EXAMPLE.COM", "example.com", "good.example.com", "good", "www.", "host2.", "*.example.com",
		"10.0.0.?", "*", "lo?", "unk*", "nodots", "lo2", "liar.example.com", "canon.example.com", "alias.example.com",
		"upper.example.com", "@trusted", "@all", "@nested", "@nosuch", "{DIR}/list", "{DIR}/nested", "{DIR}/missing",
		"::ffff:10.0.0.1", "127.1.0.2", "127.1.0.1", "192.168.7.7", "localhost", "v6host.example.com",
		"mixed.case.example", "alias16", "1234", "LOCALHOST", "localhost.localdomain", ".localdomain", "ip6-localhost")
	if g.r.IntN(4) == 0 {
		p = g.pick("10.0.0.1\f", "10.0.0.0\f/24", "10.0.0.0/4294967320", "10.0.0.0/+24", "10.0.0.0/8.0.0",
			"10.0.0.0/255.255.255.255", "0x0a.0.0.0/255.0.0.0", "10.0.0.0/0x18", "*.EXAMPLE.COM", "*M", "G*", "?OOD*",
			"*E.COM", "10.0.0.1.", "[2001:DB8::1]", "[::ffff:10.0.0.0]/104", "[10.0.0.1]",
			"[2001:db8::]/-1", "[2001:db8::]/64junk", "::FFFF:10.0.0.1", ".0.0.1", ".", "*.*", "@", "@TRUSTED",
			"[", "]", "a]b", "a[b", "good.example.com.", "GOOD.EXAMPLE.COM", "127.", "127.1.0.2/32", "0.0.0.0/0.0.0.0")
	}
	// No "%scope" in a pattern: the harness' nss_wrapper refuses every
	// scoped numeric address, glibc does not (e2e/difftest
	// TestGlibcScopes compares those with libwrap on glibc).
	if !inRule && (p == "{DIR}/list" || p == "{DIR}/nested") {
		// A pattern file that reaches itself makes libwrap recurse until it
		// crashes: a documented deviation, not a case to compare.
		p = "{DIR}/missing"
	}
	return p
}

func (g *gen) options() string {
	var opts []string
	for i := 0; i < 1+g.r.IntN(3); i++ {
		opts = append(opts, g.pick(
			"spawn echo %a %c %d %h %n %s %u",
			"spawn echo %A %H %N %r %R",
			"spawn (/usr/bin/logger %h) &",
			"spawn echo a\\:b [x] $y %z %", "spawn echo %\xff %\x80x",
			"twist /bin/echo hello %h",
			"aclexec /bin/false %h",
			"aclexec /bin/true",
			"allow", "deny", "ALLOW", "allow=", "allow = yes",
			"severity local0.notice", "severity warn", "severity auth.crit", "severity=mail.info",
			"umask 022", "umask 08", "umask 1000",
			"nice", "nice -5", "nice x",
			"linger 10", "linger -1",
			"keepalive", "keepalive 1",
			"rfc931", "rfc931 0", "rfc931 5",
			"setenv FOO bar %h", "setenv", "setenv A=B c",
			"banners {DIR}/ban", "banners /nonexistent/dir",
			"user nobody", "user nosuchuser", "group nogroup", "group nosuchgroup", "user nobody.nogroup",
			"bogus", "",
			"spawn echo %% %", "spawn echo \\: x", "twist echo %n%n", "setenv  x", "setenv X %u%c",
			"umask -0", "umask +7", "nice +3", "linger 2147483648", "linger 4294967306", "rfc931 5x", "rfc931 -1",
			"severity mail.info.x", "severity foo.bar", "severity LOCAL0.NOTICE", "severity emerg",
			"spawn "+strings.Repeat("%n", 600), "spawn "+strings.Repeat("%a", 700),
			"banners {DIR}", "banners {DIR}/list", "keepalive=", "nice =", "user nobody.nosuchgroup", "group root",
		))
	}
	return strings.Join(opts, g.pick(" : ", ":", ": "))
}

// OfSize returns a table of exactly n bytes whose last line is last (a
// whole line, newline included): comment lines of at most 2,000 bytes
// fill the rest, so that every line stays within libwrap's line length.
// It pins the table size limit (engine.MaxTableSize) byte for byte.
func OfSize(n int, last string) string {
	var b strings.Builder
	b.Grow(n)
	for fill := n - len(last); fill > 0; {
		k := min(fill, 2000)
		if fill-k == 1 { // leave no single byte: a line is at least "#\n"
			k--
		}
		b.WriteString("#" + strings.Repeat("x", k-2) + "\n")
		fill -= k
	}
	b.WriteString(last)
	return b.String()
}

// LineEdges returns tables built to sit on the edges of libwrap's line
// reader (xgets into a 2,048-byte buffer): logical lines of from to to
// bytes (2,040 to 2,050 cover the edge) made of one physical line or
// joined by backslash-newline at
// several places (also where a continuation's backslash or newline falls
// at the buffer's end), with a NUL, a CR or a comment mark at or near
// the edge, followed by a rule that decides whether the reader went on.
func LineEdges(from, to int) []string {
	var out []string
	rule := func(n int, pre string) string {
		// "ALL: 10.9.9.9 ... 10.0.0.1" padded with blanks to n bytes.
		s := pre + "sshd: 10.9.9.9"
		tail := " 10.0.0.1"
		if len(s)+len(tail) > n {
			return (s + tail)[:n]
		}
		return s + strings.Repeat(" ", n-len(s)-len(tail)) + tail
	}
	after := "sshd: 10.0.0.2\n"
	for n := from; n <= to; n++ {
		l := rule(n, "")
		out = append(out, l+"\n"+after, l+"\r\n"+after, l+after, l)
		for _, cut := range []int{1, 100, 1000, n - 20, n - 3, n - 2, n - 1} {
			if cut <= 0 || cut >= len(l) {
				continue
			}
			a, b := l[:cut], l[cut:]
			out = append(out, a+"\\\n"+b+"\n"+after, a+"\\\n\\\n"+b+"\n"+after, a+"\\\r\n"+b+"\n"+after,
				a+"\x00"+b+"\n"+after, a+"\x00\n"+b+"\n"+after, a+"\\\x00\n"+b+"\n"+after, a+"\\\n"+b)
		}
		out = append(out, "#"+l[1:]+"\\\n"+after+after, rule(n, "# ")+"\n"+after, l[:n-1]+"\\\n"+"\n"+after)
	}
	return out
}
