package engine

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func v4(a uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], a)
	return netip.AddrFrom4(b)
}

func quad(s string) uint32 {
	b := netip.MustParseAddr(s).As4()
	return binary.BigEndian.Uint32(b[:])
}

// expands reports whether a line's options or shell command have a %
// expansion, whose text can differ inside an interval.
func expands(ln *Line) bool {
	if ln.Third != nil && strings.Contains(ln.Third.Text, "%") {
		return true
	}
	for _, o := range ln.Options {
		if strings.Contains(o.Raw, "%") {
			return true
		}
	}
	return false
}

// checkCuts decides for client a and for the first, last and middle
// addresses of its interval, and fails unless the same rule decides all
// four (and with the same access and error, when the rule expands
// nothing).
func checkCuts(t *testing.T, p *Policy, cuts []uint32, daemon string, a uint32) {
	t.Helper()
	i, found := slices.BinarySearch(cuts, a)
	if found {
		i++ // i is the number of cuts at or below a
	}
	lo, hi := cuts[i-1], uint32(0xffffffff)
	if i < len(cuts) {
		hi = cuts[i] - 1
	}
	if a < lo || a > hi {
		t.Fatalf("%v is outside its interval %v-%v", v4(a), v4(lo), v4(hi))
	}
	sameDecision(t, p, daemon, v4(lo), v4(hi), v4(a), v4(lo), v4(hi), v4(lo+(hi-lo)/2))
}

// checkCutsV6 is checkCuts for ClientCutsV6, with the covered clients
// among a, the first, last and middle addresses of a's interval.
func checkCutsV6(t *testing.T, p *Policy, cuts []netip.Addr, daemon string, a netip.Addr) {
	t.Helper()
	i, found := slices.BinarySearchFunc(cuts, a, netip.Addr.Compare)
	if found {
		i++
	}
	lo, hi := cuts[i-1], netip.AddrFrom16([16]byte{0: 0xff, 1: 0xff, 2: 0xff, 3: 0xff, 4: 0xff, 5: 0xff, 6: 0xff, 7: 0xff, 8: 0xff, 9: 0xff, 10: 0xff, 11: 0xff, 12: 0xff, 13: 0xff, 14: 0xff, 15: 0xff})
	if i < len(cuts) {
		hi = cuts[i].Prev()
	}
	if a.Less(lo) || hi.Less(a) {
		t.Fatalf("%v is outside its interval %v-%v", a, lo, hi)
	}
	var xs []netip.Addr
	for _, x := range []netip.Addr{a, lo, hi, midpoint(lo, hi)} {
		if CutsCoverV6(x) {
			xs = append(xs, x)
		}
	}
	sameDecision(t, p, daemon, lo, hi, xs...)
}

// midpoint is the address halfway from lo to hi.
func midpoint(lo, hi netip.Addr) netip.Addr {
	l, h := lo.As16(), hi.As16()
	// (l+h)/2 = l + (h-l)/2, in 128 bits.
	var d [16]byte
	borrow := 0
	for i := 15; i >= 0; i-- {
		x := int(h[i]) - int(l[i]) - borrow
		borrow = 0
		if x < 0 {
			x += 256
			borrow = 1
		}
		d[i] = byte(x)
	}
	for i := 15; i >= 0; i-- { // halve
		d[i] >>= 1
		if i > 0 {
			d[i] |= d[i-1] << 7
		}
	}
	carry := 0
	for i := 15; i >= 0; i-- {
		x := int(l[i]) + int(d[i]) + carry
		d[i], carry = byte(x), x>>8
	}
	return netip.AddrFrom16(d)
}

// sameDecision decides for every client of xs, which share the interval
// lo-hi, and fails unless the same rule decides them all (and with the
// same access and error, when the rule expands nothing).
func sameDecision(t *testing.T, p *Policy, daemon string, lo, hi netip.Addr, xs ...netip.Addr) {
	t.Helper()
	z := p.NewDecider()
	var first *Decision
	var firstAddr netip.Addr
	for _, x := range xs {
		req := Request{Daemon: daemon, User: "alice",
			Client: Endpoint{Socket: netip.AddrPortFrom(x, 4000)},
			Server: Endpoint{Socket: netip.MustParseAddrPort("127.1.0.1:22")}}
		if x.Is4() && x.As4()[3]&1 == 1 {
			req.Client.Addr = x.String() // the filter passes the text it read
		}
		d := z.Decide(req)
		if first == nil {
			c := *d
			first, firstAddr = &c, x
			continue
		}
		if !reflect.DeepEqual(first.Matched, d.Matched) {
			t.Fatalf("%v and %v share an interval (%v-%v) but %v and %v decide\n%s\n%s", firstAddr, x, lo, hi, first.Matched, d.Matched, first.Log, d.Log)
		}
		ln := p.line(d.Matched)
		if ln != nil && expands(ln) {
			continue
		}
		if first.Access != d.Access || first.Error != d.Error {
			t.Fatalf("%v and %v share an interval (%v-%v) but are %s %q and %s %q", firstAddr, x, lo, hi, first.Access, first.Error, d.Access, d.Error)
		}
	}
}

// line is the table line r names.
func (p *Policy) line(r *RuleRef) *Line {
	if r == nil {
		return nil
	}
	for _, t := range []*Table{p.Allow, p.Deny} {
		if t != nil && t.Name == r.File {
			for _, ln := range t.Lines {
				if ln.Num == r.Line {
					return ln
				}
			}
		}
	}
	return nil
}

// FuzzClientCutsV4: inside each interval of ClientCutsV4 the same rule
// decides, with the same access.
func FuzzClientCutsV4(f *testing.F) {
	seedTables(f, func(allow, deny string) { f.Add(allow, deny, "sshd", quad("10.0.0.1")) })
	for _, s := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.7", "10.0.0.9", "127.1.0.2", "0.0.0.0", "255.255.255.255", "10.1.255.255", "10.2.0.0", "192.168.1.77"} {
		f.Add("sshd: 10.1. 192.168.1.* 10.0.0.0/255.255.255.248 LOCAL\n", "ALL: KNOWN EXCEPT 10.0.0.2 : deny\nALL: .example.com, 10.0.0.9/31 : spawn echo %a\n", "sshd", quad(s))
		f.Add("ALL: PARANOID\n", "sshd: UNKNOWN, @g : allow\nALL EXCEPT sshd: 10.0.0.1/255.255.255.255\n", "sshd", quad(s))
	}
	f.Fuzz(func(t *testing.T, allow, deny, daemon string, a uint32) {
		res := NewHostsResolver("hosts", fuzzHosts).WithNetgroups("netgroup", []byte("g (good.example.com,,) (unknown,,)\n"))
		for _, prof := range []Profile{Debian, Upstream, FreeBSD} {
			for _, r := range []Resolver{nil, res} {
				p := &Policy{Allow: Parse("hosts.allow", []byte(allow), prof), Deny: Parse("hosts.deny", []byte(deny), prof), Resolver: r}
				cuts, ok := p.ClientCutsV4()
				if !ok {
					continue
				}
				if cuts[0] != 0 || !slices.IsSorted(cuts) || len(slices.Compact(slices.Clone(cuts))) != len(cuts) || len(cuts) > MaxClientCuts {
					t.Fatalf("cuts not sorted, unique and from 0: %v", cuts)
				}
				checkCuts(t, p, cuts, daemon, a)
				// The neighbours of a cut near a.
				if i, _ := slices.BinarySearch(cuts, a); i < len(cuts) && cuts[i] > 0 {
					checkCuts(t, p, cuts, daemon, cuts[i]-1)
					checkCuts(t, p, cuts, daemon, cuts[i])
				}
			}
		}
	})
}

// fuzzHosts6 adds IPv6 names to fuzzHosts.
var fuzzHosts6 = append(slices.Clip(fuzzHosts), "2001:db8::16 mixed.case.example\n::1 ip6-localhost\n2001:db8:0:1::5 v6b.example.com\nfe80::1 linklocal\n"...)

func addr128(hi, lo uint64) netip.Addr {
	var b [16]byte
	for i := 0; i < 8; i++ {
		b[i], b[8+i] = byte(hi>>(56-8*i)), byte(lo>>(56-8*i))
	}
	return netip.AddrFrom16(b)
}

// FuzzClientCutsV6: inside each interval of ClientCutsV6 the same rule
// decides every client CutsCoverV6, with the same access.
func FuzzClientCutsV6(f *testing.F) {
	seedTables(f, func(allow, deny string) { f.Add(allow, deny, "sshd", uint64(0x20010db8_00000000), uint64(1)) })
	tables := [][2]string{
		{"sshd: [2001:db8::]/48 2001:db8::16 [::1] LOCAL\n", "ALL: KNOWN EXCEPT [2001:db8:0:1::]/64 : deny\nALL: .example.com, [fe80::]/10 : spawn echo %a\n"},
		{"ALL: PARANOID\n", "sshd: UNKNOWN, @g : allow\nALL EXCEPT sshd: [2001:db8::5]/128, *.example.com, 10.0.0.\n"},
		{"ALL: [2001:db8:8000::]/33 EXCEPT [2001:db8:ffff::1]\n", "ALL: [::]/1, [8000::]/2\n"},
		{"sshd: *d\n", ""}, // wildcards: refused
		{"", "ALL: 2001* : deny\n"},
	}
	for _, s := range []string{"2001:db8::1", "2001:db8::16", "::1", "::2", "fe80::1", "2001:db8:0:1::5", "2001:db8:ffff::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "8000::", "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::d"} {
		b := netip.MustParseAddr(s).As16()
		hi, lo := uint64(0), uint64(0)
		for i := 0; i < 8; i++ {
			hi, lo = hi<<8|uint64(b[i]), lo<<8|uint64(b[8+i])
		}
		for _, tb := range tables {
			f.Add(tb[0], tb[1], "sshd", hi, lo)
		}
	}
	f.Fuzz(func(t *testing.T, allow, deny, daemon string, hi, lo uint64) {
		a := addr128(hi, lo)
		res := NewHostsResolver("hosts", fuzzHosts6).WithNetgroups("netgroup", []byte("g (good.example.com,,) (unknown,,) (v6b.example.com,,)\n"))
		for _, prof := range []Profile{Debian, Upstream, FreeBSD} {
			for _, r := range []Resolver{nil, res} {
				p := &Policy{Allow: Parse("hosts.allow", []byte(allow), prof), Deny: Parse("hosts.deny", []byte(deny), prof), Resolver: r}
				cuts, ok := p.ClientCutsV6()
				if !ok {
					continue
				}
				if cuts[0] != netip.IPv6Unspecified() || !slices.IsSortedFunc(cuts, netip.Addr.Compare) || len(slices.Compact(slices.Clone(cuts))) != len(cuts) || len(cuts) > MaxClientCuts {
					t.Fatalf("cuts not sorted, unique and from ::: %v", cuts)
				}
				checkCutsV6(t, p, cuts, daemon, a)
				if i, _ := slices.BinarySearchFunc(cuts, a, netip.Addr.Compare); i < len(cuts) && i > 0 {
					checkCutsV6(t, p, cuts, daemon, cuts[i].Prev())
					checkCutsV6(t, p, cuts, daemon, cuts[i])
				}
			}
		}
	})
}

func TestClientCutsV6(t *testing.T) {
	res := NewHostsResolver("hosts", []byte("10.0.0.5 five\n2001:db8::1 six\n::ffff:10.0.0.6 mapped\n"))
	for _, c := range []struct {
		allow string
		want  []string // cuts besides :: and the resolver's 2001:db8::1-2
		prof  Profile
	}{
		{"ALL: ALL, KNOWN, LOCAL, @ng, .example.com, host, 10.1., 10.0.0.1, 10.0.0.0/8, *.example.com, *, /no/file\n", nil, Debian},
		{"ALL: [2001:db8:1::]/48\n", []string{"2001:db8:1::", "2001:db8:2::"}, Debian},
		{"ALL: [2001:db8:1::5]/48\n", []string{"2001:db8:1::", "2001:db8:2::"}, Debian}, // host bits ignored
		{"ALL: [2001:db8::7] [2001:DB8::9]\n", []string{"2001:db8::7", "2001:db8::8", "2001:db8::9", "2001:db8::a"}, Debian},
		{"ALL: [ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]\n", []string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}, Debian},
		{"ALL: [8000::]/1 EXCEPT user@[::]/0\n", []string{"8000::"}, Debian},
		{"ALL: [2001:db8:1::]/48\n", nil, Upstream}, // no IPv6 there
		{"ALL: 2001*\n", nil, Upstream},                     // no wildcards there: a text no address prints
		{"ALL: [2001:db8::*] *.example.com\n", nil, Debian}, // characters no address's text has
	} {
		p := &Policy{Allow: Parse("hosts.allow", []byte(c.allow), c.prof), Resolver: res}
		got, ok := p.ClientCutsV6()
		want := []netip.Addr{netip.IPv6Unspecified(), netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")}
		for _, s := range c.want {
			want = append(want, netip.MustParseAddr(s))
		}
		slices.SortFunc(want, netip.Addr.Compare)
		want = slices.Compact(want)
		if !ok || !slices.Equal(got, want) {
			t.Errorf("%q: %v %v, want %v", c.allow, ok, got, want)
		}
	}
	checkRefusals(t, (*Policy).ClientCutsV6, []refusal{
		{allow: "ALL: 2001*\n"}, // every text from 2001: on, and more
		{allow: "ALL: *1\n"},
		{allow: "ALL: *Db8?\n"},
		{allow: "ALL: ?\n"},
		{allow: "ALL: [2001:db8::1]\n", p: Policy{Aclexec: func(string) bool { return true }}},
		{allow: "ALL: /list\n", p: Policy{Files: MapFiles{"/list": "[2001:db8::1]\n"}}},
		{allow: "ALL: ALL\n", p: Policy{Resolver: emptyResolver{}}},
		{allow: bound(func(i int) string { return "[" + addr128(0x20010db8_00000000, uint64(i)<<8).String() + "]" })},
	})
	for _, c := range []struct {
		a    string
		want bool
	}{
		{"2001:db8::1", true}, {"::1", true}, {"::", true}, {"::ffff", true}, {"fe80::1", true},
		{"::1:0", false}, {"::10.0.0.1", false}, {"::ffff:10.0.0.1", false}, {"fe80::1%eth0", false}, {"10.0.0.1", false},
		{"::1:0:0", true}, {"::ffff:0:0:0", true},
	} {
		if got := CutsCoverV6(netip.MustParseAddr(c.a)); got != c.want {
			t.Errorf("CutsCoverV6(%s) = %v, want %v", c.a, got, c.want)
		}
	}
}

func TestClientCutsV4(t *testing.T) {
	res := NewHostsResolver("hosts", []byte("10.0.0.5 five\n2001:db8::1 six\n::ffff:10.0.0.6 mapped\n"))
	for _, c := range []struct {
		allow string
		want  []string // cuts besides 0.0.0.0, 0.0.0.1, 255.255.255.255 and the resolver's 10.0.0.5-6
		prof  Profile
	}{
		{"ALL: ALL, KNOWN, LOCAL, @ng, .example.com, host, [::1], *.example.com, /no/file\n", nil, Debian},
		{"ALL: 10.1.\n", []string{"10.1.0.0", "10.2.0.0"}, Debian},
		{"ALL: 10.1.2.3.\n", nil, Debian}, // no address prints with a trailing dot
		{"ALL: 010.1.\n", nil, Debian},    // nor with a leading zero
		{"ALL: 10.1.2.3 EXCEPT 10.1.2.4\n", []string{"10.1.2.3", "10.1.2.4", "10.1.2.5"}, Debian},
		{"ALL: 192.168.1.* 10.*\n", []string{"10.0.0.0", "11.0.0.0", "192.168.1.0", "192.168.2.0"}, Debian},
		{"ALL: 172.16.0.0/255.240.0.0, 10.9.0.0/16\n", []string{"10.9.0.0", "10.10.0.0", "172.16.0.0", "172.32.0.0"}, Debian},
		{"ALL: 10.9.0.0/16\n", nil, FreeBSD},         // no CIDR there
		{"ALL: 10.9.0.1/255.255.0.0\n", nil, Debian}, // a net outside its mask matches nothing
		{"ALL: 200.0.0.0/255.0.0.0 : allow\n", []string{"200.0.0.0", "201.0.0.0"}, Upstream},
		{"ALL: user@10.1.\n", []string{"10.1.0.0", "10.2.0.0"}, Debian},
	} {
		p := &Policy{Allow: Parse("hosts.allow", []byte(c.allow), c.prof), Resolver: res}
		got, ok := p.ClientCutsV4()
		want := []uint32{0, 1, quad("10.0.0.5"), quad("10.0.0.6"), 0xffffffff}
		for _, s := range c.want {
			want = append(want, quad(s))
		}
		slices.Sort(want)
		want = slices.Compact(want)
		if !ok || !slices.Equal(got, want) {
			t.Errorf("%q: %v %v, want %v", c.allow, ok, got, want)
		}
	}
	checkRefusals(t, (*Policy).ClientCutsV4, []refusal{
		{allow: "ALL: 10.*.1\n"},               // a wildcard that is no prefix
		{allow: "ALL: 10.1*\n"},                // 10.1.x.x, 10.10-19.x.x, 10.100-199.x.x
		{allow: "ALL: .5\n"},                   // every address ending in .5
		{allow: "ALL: 10.0.0.0/255.0.255.0\n"}, // holes in the mask
		{allow: "ALL: 10.0.0.1\n", p: Policy{Aclexec: func(string) bool { return true }}},
		{allow: "ALL: /list\n", p: Policy{Files: MapFiles{"/list": "10.0.0.1\n"}}},
		{allow: "ALL: ALL\n", p: Policy{Resolver: emptyResolver{}}},
		{allow: bound(func(i int) string { return v4(uint32(i) << 8).String() })},
	})
}

// A refusal is a table a ClientCuts function must give no cuts for.
type refusal struct {
	allow string // hosts.allow
	p     Policy
}

func checkRefusals[T any](t *testing.T, cut func(*Policy) ([]T, bool), cases []refusal) {
	t.Helper()
	for _, c := range cases {
		p := c.p
		p.Allow = Parse("hosts.allow", []byte(c.allow), Debian)
		if cuts, ok := cut(&p); ok {
			name := c.allow
			if len(name) > 60 {
				name = name[:60] + "..."
			}
			t.Errorf("%q: %d cuts, want none", name, len(cuts))
		}
	}
}

// bound is a table of MaxClientCuts/2 lines, each granting the
// address pattern line(i): with both ends of each, more cuts than
// MaxClientCuts.
func bound(line func(i int) string) string {
	var b strings.Builder
	for i := 0; i < MaxClientCuts/2; i++ {
		b.WriteString("ALL: " + line(i) + "\n")
	}
	return b.String()
}
