package filter

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

func TestParseAddr(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.1:443": "10.0.0.1:443", "[::1]:80": "[::1]:80", "192.0.2.1": "192.0.2.1:0", "[2001:db8::1]": "[2001:db8::1]:0",
	} {
		got, err := ParseAddr(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseAddr(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	if _, err := ParseAddr("envoy_internal"); err == nil {
		t.Error("pipe/internal address accepted")
	}
}

func TestDecide(t *testing.T) {
	f, err := New([]byte(`{"allow": "envoy: bastion.example.org\n", "deny": "ALL: ALL : twist /bin/echo no %a\n", "hosts": "10.0.0.5 bastion.example.org\n"}`))
	if err != nil {
		t.Fatal(err)
	}
	srv := netip.MustParseAddrPort("10.0.0.1:22")
	r := f.Decide(netip.MustParseAddrPort("10.0.0.5:1000"), srv)
	if r.Access != engine.Granted || r.Rule != "hosts.allow:1" || r.Close || r.Counter != "tcpwrap.rule.hosts_allow.1" {
		t.Errorf("bastion: %+v", r)
	}
	r = f.Decide(netip.MustParseAddrPort("10.0.0.6:1000"), srv)
	if r.Access != engine.Delegated || !r.Close || len(r.Commands) != 1 || r.Commands[0].Command != "/bin/echo no 10.0.0.6" {
		t.Errorf("twist: %+v", r)
	}
	if _, err := New([]byte(`{"daemon": "a b"}`)); err == nil {
		t.Error("daemon with blanks accepted")
	}
}

func TestHeaderClient(t *testing.T) {
	c, err := ParseConfig([]byte(`{"filter": "http", "clientAddressHeader": "x-forwarded-for", "trustedHops": 1, "trustedPeers": ["10.0.0.0/8", "2001:db8::1"]}`))
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[string]string{
		"1.1.1.1, 2.2.2.2, 3.3.3.3":         "2.2.2.2:0",
		"1.1.1.1,[2001:db8::5]:80 ,3.3.3.3": "[2001:db8::5]:80",
		"junk, 2.2.2.2:8080, 3.3.3.3":       "2.2.2.2:8080", // left of the chosen entry: never read
		"3.3.3.3":                           "error",
		"2.2.2.2, x":                        "error",
		"2.2.2.2,, 3.3.3.3":                 "error",
		"2.2.2.2 3.3.3.3, 4.4.4.4":          "error",
	} {
		ap, _, err := c.HeaderClient(v)
		got := ap.String()
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("HeaderClient(%q) = %s (%v), want %s", v, got, err, want)
		}
	}
	// MaxHeader bytes are read; one more is an error.
	long := strings.Repeat(" ", MaxHeader-len("1.1.1.1, 2.2.2.2")) + "1.1.1.1, 2.2.2.2"
	if ap, _, err := c.HeaderClient(long); err != nil || ap.String() != "1.1.1.1:0" {
		t.Errorf("a %d-byte value: %v, %v", len(long), ap, err)
	}
	if _, _, err := c.HeaderClient(" " + long); err == nil || !strings.Contains(err.Error(), "more than 4096") {
		t.Errorf("a %d-byte value: %v, want an error", len(long)+1, err)
	}
	for a, want := range map[string]bool{"10.1.2.3": true, "::ffff:10.1.2.3": true, "11.0.0.1": false, "2001:db8::1": true, "2001:db8::2": false} {
		if got := c.TrustedPeer(netip.MustParseAddr(a)); got != want {
			t.Errorf("TrustedPeer(%s) = %v", a, got)
		}
	}
}

func TestIsText4(t *testing.T) {
	a := netip.MustParseAddr("10.0.200.7")
	for s, want := range map[string]bool{"10.0.200.7": true, "10.0.200.07": false, "10.0.200.7 ": false, "10.0.200": false, "10.0.200.8": false, "010.0.200.7": false, "10.0.200.70": false} {
		if got := isText4(a, s); got != want {
			t.Errorf("isText4(%q) = %v", s, got)
		}
	}
	f, err := New([]byte(`{"allow": "envoy: 10.0.200.7\n"}`))
	if err != nil {
		t.Fatal(err)
	}
	if r := f.DecideText(netip.AddrPortFrom(a, 1), "10.0.200.7:1", netip.AddrPort{}); r.Rule != "hosts.allow:1" {
		t.Errorf("DecideText: %+v", r)
	}
}

// TestCacheSameAnswers: with the decision cache, every answer is the one
// the filter gives without it, over tables whose answers depend on the
// client's address, name, port (FreeBSD's %r) and the server's address
// and port, with repeats, collisions (a 2-entry cache) and zones.
func TestCacheSameAnswers(t *testing.T) {
	hosts := `"hosts": "10.0.0.5 bastion.example.org\n10.0.0.6 other.example.org\n2001:db8::5 six.example.org\n"`
	for _, c := range []struct {
		conf       string
		intervals  bool // the engine cuts these tables for IPv4 clients
		intervals6 bool // and for IPv6 ones
	}{
		{`{"allow": "envoy: bastion.example.org 10.0.1. [2001:db8::]/32\nenvoy@10.9.9.9: ALL\n22: 10.0.2.\n", "deny": "envoy: .example.org EXCEPT other.example.org\nALL: ALL : spawn echo %a\n", ` + hosts + `}`, true, true},
		{`{"profile": "freebsd", "allow": "envoy: 10.0.0.5 10.0.1.0/255.255.255.0\nALL: 10.0.0.6 : twist echo %r\nALL: KNOWN : allow\n", "deny": "ALL: ALL\n", ` + hosts + `}`, true, true},
		{`{"profile": "upstream", "allow": "envoy: 10.0.1.7 10.0.0.5\n", "deny": "ALL: ALL\n", ` + hosts + `}`, true, true}, // IPv4-mapped clients differ
		{`{"allow": "envoy: LOCAL, 10.0.0.0/255.255.255.0 EXCEPT 10.0.0.6\n", "deny": "envoy: ALL : severity auth.info\n", "shadow": true, ` + hosts + `}`, true, true},
		{`{"allow": "envoy: 10.0.0.* EXCEPT 10.0.0.128/25 : allow\nenvoy: 10.0.2.0/23 : deny\nenvoy: 10.0.1.1 : setenv A %a : allow\n", "deny": "ALL: PARANOID, 10.0.3.\n", ` + hosts + `}`, true, true},
		// Options that expand are never remembered: here the 8-character
		// addresses of the interval are granted, the longer ones overflow
		// libwrap's buffer (an error).
		{`{"allow": "envoy: 10.0.0.0/255.255.255.0 : setenv A ` + strings.Repeat("%a", 990) + ` : allow\n"}`, true, true},
		{`{"allow": "envoy: 10.0.*.7 : deny\nenvoy: .5 : deny\n", "deny": "ALL: UNKNOWN\n", ` + hosts + `}`, false, true},                       // IPv4 by address only
		{`{"allow": "envoy: [2001:db8:0:1::]/64 10.0.1.\nenvoy: *a : deny\n", "deny": "envoy: [2001:db8::]/32\n", ` + hosts + `}`, true, false}, // IPv6 by address only
		// More than indexAbove IPv4 cuts (Filter.index4), some at the
		// edges of a /16.
		{`{"allow": "envoy: ` + manyAddrs() + ` : allow\n", "deny": "envoy: 10.0.0.0/255.255.254.0 0.0.0.0 255.255.255.255 10.1.0.0 10.0.255.255\n"}`, true, true},
		// IPv4-mapped and IPv4-compatible clients: their text has a
		// dotted quad, so IPv4 patterns reach them.
		{`{"allow": "envoy: 10.0.1.\n", "deny": "envoy: .7\nALL: ALL\n", ` + hosts + `}`, false, true},
		// The same for IPv6 clients, and %a's expansion longer or
		// shorter in one /112.
		{`{"allow": "envoy: [2001:db8::]/112 : setenv A ` + strings.Repeat("%a", 200) + ` : allow\n", "deny": "envoy: [2001:db8::]/32 EXCEPT [2001:db8::5]\n", ` + hosts + `}`, true, true},
	} {
		var filters []*Filter
		for _, size := range []string{`0`, `2`, `4096`} {
			f, err := New([]byte(c.conf[:len(c.conf)-1] + `, "decisionCache": ` + size + `}`))
			if err != nil {
				t.Fatal(err)
			}
			if size != `0` && ((f.cuts != nil) != c.intervals || (f.cuts6 != nil) != c.intervals6) {
				t.Fatalf("%s: cuts %v and %v, want intervals %v and %v", c.conf, f.cuts, f.cuts6, c.intervals, c.intervals6)
			}
			if (f.index4 != nil) != (len(f.cuts) > indexAbove) {
				t.Fatalf("%s: %d cuts, index %v", c.conf, len(f.cuts), f.index4 != nil)
			}
			filters = append(filters, f)
		}
		clients := []string{"10.0.0.5:1", "10.0.0.6:1", "10.0.0.6:2", "10.0.1.7:3", "10.0.2.7:3", "[2001:db8::5]:4", "[::ffff:10.0.0.5]:5", "[::ffff:10.0.1.7]:5", "[fe80::1%eth0]:6", "[fe80::1%eth1]:6", "192.0.2.1:7",
			"0.0.0.0:1", "255.255.255.255:1", "10.0.255.255:1", "10.1.0.0:1", "10.1.0.1:1", "10.0.255.254:1"}
		for i := 0; i < 300; i++ { // 10.0.0.0/22, every address once
			clients = append(clients, netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i * 7 % 1024 >> 8), byte(i * 7 % 1024)}), uint16(i)).String())
		}
		// IPv6: both sides of 2001:db8:0:1::/64 and 2001:db8::/112, in
		// 2001:db8::/32 and out, and IPv4-compatible ones (not covered
		// by the cuts).
		clients = append(clients, "[::1]:8", "[::2]:8", "[::10.0.0.5]:8", "[::10.0.1.7]:8", "[fe80::5]:8", "[2001:db8::ffff]:8", "[2001:db8::1:0]:8")
		for i := 0; i < 100; i++ {
			clients = append(clients, fmt.Sprintf("[2001:db8:0:%x::%x:%x]:9", i%3, i*977>>16, i*977&0xffff), fmt.Sprintf("[2001:db9::%x]:9", i))
		}
		// More servers than the interval cache keeps.
		servers := []string{"10.9.9.9:22", "10.9.9.8:22", "10.9.9.8:23", "[::1]:22", "[::ffff:10.9.9.9]:22", "10.9.9.7:22"}
		// Every client for each server in turn, twice (the second time
		// from the cache for the last four servers, and after their
		// replacement for the first two).
		// A stride prime to the number of clients visits each.
		stride := 7
		for gcd(stride, len(clients)) != 1 {
			stride++
		}
		remembered := 0
		for i := 0; i < 2*len(servers)*len(clients); i++ {
			text := clients[(i*stride)%len(clients)]
			c := netip.MustParseAddrPort(text)
			s := netip.MustParseAddrPort(servers[(i/len(clients))%len(servers)])
			want := filters[0].Decide(c, s)
			if _, _, ok := filters[0].Remembered(text, s); ok {
				t.Fatalf("%s -> %s: Remembered answered with decisionCache 0", c, s)
			}
			for _, f := range filters[1:] {
				// Remembered answers before the decision only from an
				// earlier client of the interval, and right after it
				// whenever the decision was remembered; when it answers,
				// it is the decision, and one that Result.Close follows
				// from, with no error and no command.
				for _, when := range []string{"before", "after"} {
					if id, access, ok := f.Remembered(text, s); ok {
						remembered++
						close := access != engine.Granted && !f.Config.Shadow
						if id != want.RuleID || access != want.Access || close != want.Close || id == ErrorRule || len(want.Commands) > 0 {
							t.Fatalf("%s -> %s with %d cache entries: Remembered %s the decision: rule %d, %s; want %+v", c, s, len(f.cache), when, id, access, want)
						}
					}
					if when == "before" {
						if got := f.Decide(c, s); !reflect.DeepEqual(got, want) {
							t.Fatalf("%s -> %s with %d cache entries: %+v, want %+v", c, s, len(f.cache), got, want)
						}
					}
				}
			}
		}
		if hits, _ := filters[2].CacheStats(); hits == 0 {
			t.Errorf("%s: no decision came from the cache", c.conf)
		}
		if c.intervals && remembered == 0 {
			t.Errorf("%s: Remembered never answered", c.conf)
		}
		if hits, misses := filters[0].CacheStats(); hits != 0 || misses != 0 {
			t.Errorf("decisionCache 0: %d hits, %d misses", hits, misses)
		}
	}
}

// TestRememberedServer: Remembered answers only for the server decided for
// last, whose verdicts may differ from another's.
func TestRememberedServer(t *testing.T) {
	f, err := New([]byte(`{"allow": "envoy@10.9.9.9: 10.0.0.0/255.0.0.0\n", "deny": "ALL: ALL\n"}`))
	if err != nil {
		t.Fatal(err)
	}
	a, b := netip.MustParseAddrPort("10.9.9.9:22"), netip.MustParseAddrPort("10.9.9.8:22")
	for _, c := range []struct {
		server netip.AddrPort
		rule   string
	}{{a, "hosts.allow:1"}, {b, "hosts.deny:1"}, {a, "hosts.allow:1"}, {netip.AddrPortFrom(a.Addr(), 23), "hosts.allow:1"}} {
		if id, _, ok := f.Remembered("10.0.0.1:5555", c.server); ok {
			t.Fatalf("%s: Remembered answered %s before a decision for this server", c.server, f.Rules()[id].Name)
		}
		if r := f.Decide(netip.MustParseAddrPort("10.0.0.1:5555"), c.server); r.Rule != c.rule {
			t.Fatalf("%s: %s, want %s", c.server, r.Rule, c.rule)
		}
		if id, _, ok := f.Remembered("10.0.0.2:1", c.server); !ok || f.Rules()[id].Name != c.rule {
			t.Fatalf("%s: Remembered %s, %v; want %s", c.server, f.Rules()[id].Name, ok, c.rule)
		}
	}
}

// manyAddrs is a host list of 80 addresses in 10.0.0.0/22, 160 IPv4 cuts.
func manyAddrs() string {
	var b strings.Builder
	for i := range 80 {
		fmt.Fprintf(&b, " 10.0.%d.%d", i*13/256, i*13%256)
	}
	return b.String()[1:]
}

// TestInterval4: with the /16 index, an address's interval is the one a
// search of all the cuts finds, for addresses at and around every cut and
// every /16 edge, over cut sets sparse, dense and clustered.
func TestInterval4(t *testing.T) {
	for _, cuts := range [][]uint32{
		{0, 1, 0xffffffff},
		{0, 1, 0x0a000000, 0x0a010000, 0x0a010001, 0xffffffff},
		func() []uint32 { // every /16 edge and a cut inside each of some
			c := []uint32{0, 1}
			for h := uint32(1); h < 1<<16; h++ {
				c = append(c, h<<16)
				if h%7 == 0 {
					c = append(c, h<<16|uint32(h))
				}
			}
			return append(c, 0xffffffff)
		}(),
		func() []uint32 { // 500 cuts in one /16
			c := []uint32{0, 1}
			for i := uint32(0); i < 500; i++ {
				c = append(c, 0x0a000000|i*97)
			}
			return append(c, 0xffffffff)
		}(),
	} {
		f := &Filter{cuts: cuts}
		g := &Filter{cuts: cuts, index4: indexCuts(cuts)}
		var probes []uint32
		for _, c := range cuts {
			probes = append(probes, c-1, c, c+1, c&^0xffff, c|0xffff, (c&^0xffff)-1)
		}
		for i := uint32(0); i < 100000; i++ {
			probes = append(probes, i*42949)
		}
		for _, a := range probes {
			want := sort.Search(len(cuts), func(i int) bool { return cuts[i] > a }) - 1
			if got, plain := g.interval4(a), f.interval4(a); got != want || plain != want {
				t.Fatalf("%d cuts: %08x in interval %d (without the index %d), want %d", len(cuts), a, got, plain, want)
			}
		}
	}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// TestIntervalCache: IPv4 clients never seen before are answered from the
// verdict of another client in their interval.
func TestIntervalCache(t *testing.T) {
	f, err := New([]byte(`{"allow": "envoy: 10.1. : allow\n", "deny": "envoy: 10.2.0.0/255.255.0.0\n"}`))
	if err != nil {
		t.Fatal(err)
	}
	server := netip.MustParseAddrPort("192.0.2.1:22")
	for i := 0; i < 1000; i++ {
		for net, want := range map[byte]string{1: "hosts.allow:1", 2: "hosts.deny:1", 3: "default allow"} {
			c := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, net, byte(i >> 8), byte(i)}), 1)
			if r := f.Decide(c, server); r.Rule != want {
				t.Fatalf("%s: %s, want %s", c, r.Rule, want)
			}
		}
	}
	if hits, misses := f.CacheStats(); misses != 3 || hits != 2997 {
		t.Errorf("%d hits, %d misses; want 2997 and 3 (one per interval)", hits, misses)
	}

	// The same for IPv6 clients.
	f, err = New([]byte(`{"allow": "envoy: [2001:db8:1::]/48 : allow\n", "deny": "envoy: [2001:db8:2::]/48\n"}`))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		for net, want := range map[uint16]string{1: "hosts.allow:1", 2: "hosts.deny:1", 3: "default allow"} {
			b := [16]byte{0x20, 0x01, 0x0d, 0xb8, 0, byte(net), 12: byte(i >> 24), 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)}
			b[7] = byte(i) // spread over the /48's subnets too
			c := netip.AddrPortFrom(netip.AddrFrom16(b), 1)
			if r := f.Decide(c, server); r.Rule != want {
				t.Fatalf("%s: %s, want %s", c, r.Rule, want)
			}
		}
	}
	if hits, misses := f.CacheStats(); misses != 3 || hits != 2997 {
		t.Errorf("IPv6: %d hits, %d misses; want 2997 and 3 (one per interval)", hits, misses)
	}
}

func TestCacheConfig(t *testing.T) {
	for conf, want := range map[string]int{`{}`: DefaultDecisionCache, `{"decisionCache": 0}`: 0, `{"decisionCache": 1000}`: 1024, `{"decisionCache": 1}`: 1} {
		f, err := New([]byte(conf))
		if err != nil || len(f.cache) != want {
			t.Errorf("%s: %v, %d entries; want %d", conf, err, len(f.cache), want)
		}
	}
	for _, conf := range []string{`{"decisionCache": -1}`, `{"decisionCache": 1048577}`, `{"decisionCache": "big"}`} {
		if _, err := New([]byte(conf)); err == nil || !strings.Contains(err.Error(), "decisionCache") {
			t.Errorf("%s: %v, want a decisionCache error", conf, err)
		}
	}
}

// FuzzParseV4Port: wherever the fast IPv4 reader answers, netip agrees,
// and it answers for every address and port netip prints in that form.
func FuzzParseV4Port(f *testing.F) {
	for _, s := range []string{"10.0.0.1:443", "0.0.0.0:0", "255.255.255.255:65535", "1.2.3.4:65536", "01.2.3.4:1",
		"1.2.3.4:01", "1.2.3.4", "1.2.3.4:", "1.2.3:4", "256.1.1.1:1", "1.2.3.4:99999", "[::1]:80", "1.2.3.4:80x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseV4Port(s)
		if !ok {
			// It refuses only what is not in Envoy's form: netip's own
			// printing of an IPv4 address and port it reads.
			if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Is4() && ap.String() == s {
				t.Fatalf("parseV4Port(%q) refused the canonical %v", s, ap)
			}
			return
		}
		want, err := netip.ParseAddrPort(s)
		if err != nil || got != want {
			t.Fatalf("parseV4Port(%q) = %v; netip: %v, %v", s, got, want, err)
		}
	})
}

func TestParseV4PortAnswers(t *testing.T) {
	for s, want := range map[string]bool{"10.0.0.1:443": true, "0.0.0.0:0": true, "255.255.255.255:65535": true,
		"1.2.3.4:65536": false, "01.2.3.4:1": false, "1.2.3.4:01": false, "1.2.3.4": false, "256.1.1.1:1": false, "[::1]:80": false} {
		if _, ok := parseV4Port(s); ok != want {
			t.Errorf("parseV4Port(%q) answered %v, want %v", s, ok, want)
		}
	}
}

// TestConfigFiles: allowFile, denyFile and hostsFile are read once and
// decide as the same texts given inline; a file together with its text, a
// file that cannot be read and one over engine.MaxTableSize are refused.
func TestConfigFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	allow := "envoy: bastion.example.org 10.0.1.\n"
	deny := "envoy: ALL\n"
	hosts := "10.0.0.5 bastion.example.org\n"
	fromFiles, err := New(fmt.Appendf(nil, `{"allowFile": %q, "denyFile": %q, "hostsFile": %q}`,
		write("hosts.allow", allow), write("hosts.deny", deny), write("hosts", hosts)))
	if err != nil {
		t.Fatal(err)
	}
	inline, err := New(fmt.Appendf(nil, `{"allow": %q, "deny": %q, "hosts": %q}`, allow, deny, hosts))
	if err != nil {
		t.Fatal(err)
	}
	server := netip.MustParseAddrPort("10.9.9.9:22")
	for c, want := range map[string]string{"10.0.0.5:1": "hosts.allow:1", "10.0.1.7:1": "hosts.allow:1", "10.0.0.6:1": "hosts.deny:1"} {
		client := netip.MustParseAddrPort(c)
		got := fromFiles.Decide(client, server)
		if got.Rule != want || !reflect.DeepEqual(got, inline.Decide(client, server)) {
			t.Errorf("%s: %+v from the files, want %s as inline", c, got, want)
		}
	}

	big := write("big", "")
	if err := os.Truncate(big, engine.MaxTableSize+1); err != nil {
		t.Fatal(err)
	}
	for conf, want := range map[string]string{
		`{"allow": "ALL: ALL\n", "allowFile": "/x"}`:    "allow and allowFile: give the text or the file, not both",
		`{"hosts": "10.0.0.1 a\n", "hostsFile": "/x"}`:  "hosts and hostsFile",
		fmt.Sprintf(`{"denyFile": %q}`, dir+"/missing"): "denyFile: open " + dir + "/missing: no such file or directory (a proxy-wasm host without file access, such as Envoy, cannot read files: give the text instead)",
		fmt.Sprintf(`{"allowFile": %q}`, big):           "allowFile: " + big + ": table larger than 16 MiB (16777216 bytes): not read",
		fmt.Sprintf(`{"hostsFile": %q}`, dir):           "hostsFile: read " + dir + ":",
	} {
		if _, err := New([]byte(conf)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", conf, err, want)
		}
	}
}

// TestTableSizeLimit: an inline table of engine.MaxTableSize bytes is
// read whole; one byte more and the configuration is refused, as a file
// that large is, rather than cut (its last line would lose its newline,
// which changes Debian's decisions).
func TestTableSizeLimit(t *testing.T) {
	const rule = "envoy: 10.0.0.1\n"
	server := netip.MustParseAddrPort("10.9.9.9:22")
	client := netip.MustParseAddrPort("10.0.0.1:1")
	for _, key := range []string{"allow", "deny"} {
		at := tablegen.OfSize(engine.MaxTableSize, rule)
		f, err := New(fmt.Appendf(nil, `{%q: %q}`, key, at))
		if err != nil {
			t.Fatalf("%s of %d bytes: %v", key, len(at), err)
		}
		if got, want := f.Decide(client, server).Rule, "hosts."+key+":"+strconv.Itoa(strings.Count(at, "\n")); got != want {
			t.Errorf("%s of %d bytes: rule %s, want %s", key, len(at), got, want)
		}
		over := tablegen.OfSize(engine.MaxTableSize+1, rule)
		want := "plugin configuration: " + key + ": table larger than 16 MiB (16777216 bytes): not read"
		if _, err := New(fmt.Appendf(nil, `{%q: %q}`, key, over)); err == nil || err.Error() != want {
			t.Errorf("%s of %d bytes: %v, want %q", key, len(over), err, want)
		}
	}
}
