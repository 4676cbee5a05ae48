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
	z := p.NewDecider()
	var first *Decision
	var firstAddr uint32
	for _, x := range []uint32{a, lo, hi, lo + (hi-lo)/2} {
		req := Request{Daemon: daemon, User: "alice",
			Client: Endpoint{Socket: netip.AddrPortFrom(v4(x), 4000)},
			Server: Endpoint{Socket: netip.MustParseAddrPort("127.1.0.1:22")}}
		if x&1 == 1 {
			req.Client.Addr = v4(x).String() // the filter passes the text it read
		}
		d := z.Decide(req)
		if first == nil {
			c := *d
			first, firstAddr = &c, x
			continue
		}
		if !reflect.DeepEqual(first.Matched, d.Matched) {
			t.Fatalf("%v and %v share an interval (%v-%v) but %v and %v decide\n%s\n%s", v4(firstAddr), v4(x), v4(lo), v4(hi), first.Matched, d.Matched, first.Log, d.Log)
		}
		ln := p.line(d.Matched)
		if ln != nil && expands(ln) {
			continue
		}
		if first.Access != d.Access || first.Error != d.Error {
			t.Fatalf("%v and %v share an interval (%v-%v) but are %s %q and %s %q", v4(firstAddr), v4(x), v4(lo), v4(hi), first.Access, first.Error, d.Access, d.Error)
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
	for _, c := range []struct {
		allow string
		p     Policy
	}{
		{allow: "ALL: 10.*.1\n"},               // a wildcard that is no prefix
		{allow: "ALL: 10.1*\n"},                // 10.1.x.x, 10.10-19.x.x, 10.100-199.x.x
		{allow: "ALL: .5\n"},                   // every address ending in .5
		{allow: "ALL: 10.0.0.0/255.0.255.0\n"}, // holes in the mask
		{allow: "ALL: 10.0.0.1\n", p: Policy{Aclexec: func(string) bool { return true }}},
		{allow: "ALL: /list\n", p: Policy{Files: MapFiles{"/list": "10.0.0.1\n"}}},
		{allow: "ALL: ALL\n", p: Policy{Resolver: emptyResolver{}}},
	} {
		p := c.p
		p.Allow = Parse("hosts.allow", []byte(c.allow), Debian)
		if cuts, ok := p.ClientCutsV4(); ok {
			t.Errorf("%q: cuts %v, want none", c.allow, cuts)
		}
	}
	// The bound.
	var b strings.Builder
	for i := 0; i < MaxClientCuts/2; i++ {
		b.WriteString("ALL: " + v4(uint32(i)<<8).String() + "\n")
	}
	if cuts, ok := (&Policy{Allow: Parse("hosts.allow", []byte(b.String()), Debian)}).ClientCutsV4(); ok {
		t.Errorf("%d lines: %d cuts, more than MaxClientCuts %d", MaxClientCuts/2, len(cuts), MaxClientCuts)
	}
}
