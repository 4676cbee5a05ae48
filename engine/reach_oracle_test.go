package engine

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine/golden"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// reachOracle is Reach as it was before it scaled: it decides every
// representative request against every rule, which is quadratic in a
// blocklist's length but simple enough to trust. The tests below hold
// Reach to its answers, witnesses included.
func reachOracle(p *Policy, maxWork int) (rules []RuleReach, ok bool) {
	space := newReachSpace(p, MaxReachRequests, newFileReader(p, &reachBudget{left: MaxReachWork}))
	if space == nil {
		return nil, false
	}
	return decideSpace(p, space, maxWork)
}

// decideSpace decides every request of space (every daemon with every
// server, every client with every user) against every rule of p.
func decideSpace(p *Policy, space *reachSpace, maxWork int) (rules []RuleReach, ok bool) {
	rules, lines, _ := reachRules(p)
	var clients []Endpoint
	for ai := 0; ai <= len(space.addrs); ai++ {
		for _, n := range space.names {
			clients = append(clients, space.clientEndpoint(ai, n))
		}
	}
	if reps := len(space.daemons)*len(space.servers) + len(clients)*len(space.users); reps > min(MaxReachRequests, maxWork/max(len(lines), 1)) {
		return nil, false
	}
	type class struct {
		sig []bool
		on  []int
		req Request
	}
	classes := func(daemon bool, side func(yield func(Request))) []class {
		var out []class
		seen := map[string]bool{}
		key := make([]byte, len(lines))
		side(func(r Request) {
			st := p.listState(r)
			var on []int
			for i, ln := range lines {
				key[i] = 0
				if st.listMatchAlone(ln, daemon) {
					key[i] = 1
					on = append(on, i)
				}
			}
			if !seen[string(key)] {
				seen[string(key)] = true
				sig := make([]bool, len(lines))
				for _, i := range on {
					sig[i] = true
				}
				out = append(out, class{sig, on, r})
			}
		})
		return out
	}
	daemonSide := classes(true, func(yield func(Request)) {
		for _, d := range space.daemons {
			for _, s := range space.servers {
				yield(Request{Daemon: d, Server: s})
			}
		}
	})
	clientSide := classes(false, func(yield func(Request)) {
		for _, c := range clients {
			for _, u := range space.users {
				yield(Request{Client: c, User: u})
			}
		}
	})
	matchesSome := make([]bool, len(rules))
	shadow := make([]map[int]bool, len(rules))
	for _, dc := range daemonSide {
		for _, cc := range clientSide {
			decider := -1
			for _, i := range cc.on {
				if !dc.sig[i] {
					continue
				}
				matchesSome[i] = true
				if decider < 0 {
					decider = i
					if rules[i].Witness == nil {
						w := Request{Daemon: dc.req.Daemon, EmptyDaemon: dc.req.EmptyDaemon, Server: dc.req.Server, Client: cc.req.Client, User: cc.req.User}
						rules[i].Witness = &w
					}
					continue
				}
				if shadow[i] == nil {
					shadow[i] = map[int]bool{}
				}
				shadow[i][decider] = true
			}
		}
	}
	for i := range rules {
		switch {
		case rules[i].Witness != nil:
		case !matchesSome[i]:
			rules[i].Never = true
		default:
			var by []int
			for j := range shadow[i] {
				by = append(by, j)
			}
			sort.Ints(by)
			for _, j := range by {
				rules[i].ShadowedBy = append(rules[i].ShadowedBy, rules[j].Rule)
			}
		}
	}
	return rules, true
}

// oracleWork bounds the oracle's list evaluations in these tests (the
// bound Reach had while it was the oracle).
const oracleWork = 2_000_000

// sameReach fails unless Reach gives p exactly the oracle's answer.
// It reports whether the oracle answered (p is within its bound).
func sameReach(t *testing.T, name string, p *Policy) bool {
	t.Helper()
	want, wantOK := reachOracle(p, oracleWork)
	if !wantOK {
		return false
	}
	got, ok := Reach(p)
	if !ok {
		t.Errorf("%s: Reach gave up where the oracle did not", name)
		return true
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: Reach and the oracle differ\n%s", name, reachDiff(got, want))
	}
	return true
}

// reachDiff lists the rules on which two answers differ.
func reachDiff(got, want []RuleReach) string {
	show := func(r RuleReach) string {
		s := fmt.Sprintf("%s:%d", r.Rule.File, r.Rule.Line)
		if r.Witness != nil {
			s += fmt.Sprintf(" witness %+v", *r.Witness)
		}
		if r.Never {
			s += " never"
		}
		for _, b := range r.ShadowedBy {
			s += fmt.Sprintf(" shadowed-by %d", b.Line)
		}
		return s
	}
	var b strings.Builder
	if len(got) != len(want) {
		fmt.Fprintf(&b, "%d rules, want %d\n", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			fmt.Fprintf(&b, "got  %s\nwant %s\n", show(got[i]), show(want[i]))
		}
	}
	return b.String()
}

// TestReachOracle_Golden compares Reach with the oracle, and with brute
// force (reachBrute), on every table of the golden corpus.
func TestReachOracle_Golden(t *testing.T) {
	paths, err := filepath.Glob("testdata/*/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		p := loadCase(t, golden.Parse(b))
		if !sameReach(t, path, p) {
			t.Errorf("%s: over the oracle's bound", path)
		}
		sameAsBrute(t, path, p)
	}
}

var reachSeeds = flag.Uint64("reach.seeds", 100, "random cases TestReachOracle_Random compares (each takes up to a second)")

// TestReachOracle_Random compares Reach with the oracle on random tables
// from tablegen, alone and two by two run together into longer ones (whose
// rules repeat and shadow one another), under each profile in turn:
// EXCEPT, user@host, daemon@host, ports, IPv6, KNOWN, UNKNOWN, PARANOID,
// LOCAL, wildcards, netgroups and pattern files, one of which includes
// itself.
func TestReachOracle_Random(t *testing.T) {
	seeds := *reachSeeds
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		seeds = min(seeds, 10) // the same code; natively the search goes wider
	}
	netgroups := []byte("trusted (good.example.com,,) (LO2,,)\nall (,,)\nnested trusted (-,alice,)\n")
	text := func(s *string) string {
		if s == nil {
			return ""
		}
		return strings.ReplaceAll(*s, "{DIR}", "/case")
	}
	compared := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		c := tablegen.Random(seed)
		files := MapFiles{"/case/self": "10.0.0.9 /case/self\n"}
		for k, v := range c.Files {
			files["/case/"+k] = strings.ReplaceAll(v, "{DIR}", "/case")
		}
		allow, deny := text(c.Allow), text(c.Deny)
		if seed%3 == 0 {
			d := tablegen.Random(seed + 1000)
			allow += text(d.Allow) + "\n" + text(c.Allow)
			deny += text(d.Deny)
		}
		if seed%7 == 0 {
			deny += "\nALL: /case/self\n"
		}
		hosts := ""
		if seed%2 == 0 {
			hosts = c.Hosts
		}
		prof := []Profile{Debian, Upstream, FreeBSD}[seed%3]
		p := &Policy{Allow: Parse("hosts.allow", []byte(allow), prof), Deny: Parse("hosts.deny", []byte(deny), prof),
			Resolver: NewHostsResolver("hosts", []byte(hosts)).WithNetgroups("netgroup", netgroups), Files: files}
		if sameReach(t, fmt.Sprintf("seed %d %s\nallow %q\ndeny %q", seed, prof, allow, deny), p) {
			compared++
		}
	}
	if compared < int(seeds)/2 {
		t.Errorf("only %d of %d cases within the oracle's bound", compared, seeds)
	}
	t.Logf("%d of %d cases compared", compared, seeds)
}

// TestReachOracle_Blocklists compares Reach with the oracle on short
// blocklists of every tablegen kind, with repeated lines and a few rules
// that are not blocklist-shaped.
func TestReachOracle_Blocklists(t *testing.T) {
	for _, kind := range tablegen.Kinds {
		for _, n := range []int{10, 60} {
			src, hosts, _ := tablegen.Sized(kind, n)
			lines := strings.SplitAfter(src, "\n")
			extra := lines[0] + lines[n/2] + "ALL: .d3.example EXCEPT 10.0.0.3\nsshd: KNOWN\nALL: ALL\n" + lines[1]
			for _, deny := range []string{src, src + extra, "sshd: 10.0.0.0/255.0.0.0 EXCEPT LOCAL\n" + src} {
				p := &Policy{Deny: Parse("hosts.deny", []byte(deny), Debian), Resolver: NewHostsResolver("hosts", []byte(hosts))}
				if !sameReach(t, fmt.Sprintf("%s/%d\n%s", kind, n, deny), p) {
					t.Errorf("%s/%d: over the oracle's bound", kind, n)
				}
			}
		}
	}
}

// FuzzReach: on any pair of tables within the oracle's bound, under every
// profile, Reach gives the oracle's answer, and every witness is a request
// its rule decides.
func FuzzReach(f *testing.F) {
	seedTables(f, func(allow, deny string) { f.Add(allow, deny) })
	f.Add("ALL: /case/self\n", "sshd: 10.0.0.1 .example.com EXCEPT /case/list\n")
	res, files := fuzzResolver(), fuzzFiles()
	f.Fuzz(func(t *testing.T, allow, deny string) {
		for _, prof := range []Profile{Debian, Upstream, FreeBSD} {
			p := &Policy{Allow: Parse("hosts.allow", []byte(allow), prof), Deny: Parse("hosts.deny", []byte(deny), prof),
				Resolver: res, Files: files}
			want, ok := reachOracle(p, 200_000)
			if !ok {
				continue
			}
			got, ok := Reach(p)
			if !ok {
				t.Fatalf("%s: Reach gave up where the oracle did not", prof)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: Reach and the oracle differ\n%s", prof, reachDiff(got, want))
			}
			// Every witness is a request, decided by its rule.
			for _, r := range got {
				if w := r.Witness; w != nil {
					if !realServer(w.Server) {
						t.Fatalf("%s: %s:%d: witness %+v has a server no request has", prof, r.Rule.File, r.Rule.Line, *w)
					}
					if d := p.Decide(*w); d.Matched == nil || d.Matched.File != r.Rule.File || d.Matched.Line != r.Rule.Line {
						t.Fatalf("%s: %s:%d: witness %+v is decided by %v", prof, r.Rule.File, r.Rule.Line, *w, d.Matched)
					}
				}
			}
		}
	})
}

// The representatives above are Reach's own, so the oracle shares their
// blind spots. reachBrute decides a wider space built apart from them:
// Reach's representatives, and addresses near them (neighbours, and
// dotted quads spliced from two of them), every address and name the
// resolver knows; and servers as real requests have them: at an address
// whose name is the resolver's (no name given), or without an address,
// named "unknown" or "paranoid" (tcpdmatch's daemon@unknown and
// daemon@paranoid). Each Reach answer must agree with it: a rule is
// decided by some request of the space exactly when Reach gives a
// witness, which must be such a request; never, and the rules that
// shadow another, are the same.
func reachBrute(p *Policy, maxWork int) (rules []RuleReach, ok bool) {
	sp := newReachSpace(p, MaxReachRequests, newFileReader(p, &reachBudget{left: MaxReachWork}))
	if sp == nil {
		return nil, false
	}
	return decideSpace(p, bruteSpace(p, sp), maxWork)
}

// bruteSpace widens sp (see reachBrute).
func bruteSpace(p *Policy, sp *reachSpace) *reachSpace {
	var known []netip.Addr
	var knownNames []string
	if r, ok := p.Resolver.(*HostsResolver); ok {
		for _, e := range r.entries {
			known = append(known, e.addr)
			knownNames = append(knownNames, e.names...)
		}
	}
	var ports set[uint16]
	ports.add(22)
	var serverBase []netip.Addr
	for _, s := range sp.servers {
		if s.Socket.IsValid() {
			ports.add(s.Socket.Port())
			serverBase = append(serverBase, s.Socket.Addr())
		}
	}
	fresh := []netip.Addr{netip.MustParseAddr("192.0.2.254"), netip.MustParseAddr("2001:db8:ffff::99")}
	clientAddrs := widen(append(append(fresh, sp.addrs...), known...), 16)
	serverAddrs := widen(append(append(append(fresh, serverBase...), sp.addrs...), known...), 40)
	wide := &reachSpace{daemons: sp.daemons, users: sp.users}
	var names set[string]
	for _, n := range append(append([]string{}, sp.names...), knownNames...) {
		if !p.Profile().paranoidMode() || truncate(n) != paranoid {
			names.add(n)
		}
	}
	wide.names = names.list
	wide.addrs = clientAddrs
	wide.servers = []Endpoint{{}, {Name: paranoid}}
	for _, a := range serverAddrs {
		for _, port := range ports.list {
			wide.servers = append(wide.servers, Endpoint{Socket: netip.AddrPortFrom(a, port)})
		}
	}
	return wide
}

// widen returns base, the addresses next to them, and dotted quads
// spliced from two of the first maxQuads of them.
func widen(base []netip.Addr, maxQuads int) []netip.Addr {
	var addrs set[netip.Addr]
	var quads [][4]byte
	for _, a := range base {
		for _, b := range []netip.Addr{a, a.Next(), a.Prev(), a.Next().Next()} {
			if !b.IsValid() {
				continue
			}
			addrs.add(b)
			if u := b.Unmap(); u.Is4() {
				addrs.add(netip.AddrFrom16(u.As16()))
				addrs.add(u)
				quads = append(quads, u.As4())
			}
		}
	}
	quads = quads[:min(len(quads), maxQuads)]
	for _, x := range quads {
		for _, y := range quads {
			for k := 1; k < 4; k++ {
				var q [4]byte
				copy(q[:k], x[:k])
				copy(q[k:], y[k:])
				addrs.add(netip.AddrFrom4(q))
			}
		}
	}
	return addrs.list
}

// realServer reports whether a witness's server is one a request can
// have: at an address, named by the resolver; or without one, named
// "unknown" or "paranoid".
func realServer(s Endpoint) bool {
	if s.Addr != "" {
		return false
	}
	if s.Socket.IsValid() {
		return s.Name == ""
	}
	return s.Name == "" || s.Name == unknown || s.Name == paranoid
}

// sameAsBrute fails unless Reach agrees with reachBrute on p (see
// reachBrute). It reports whether reachBrute answered.
func sameAsBrute(t *testing.T, name string, p *Policy) bool {
	t.Helper()
	want, ok := reachBrute(p, 50_000_000)
	if !ok {
		return false
	}
	got, ok := Reach(p)
	if !ok {
		t.Errorf("%s: Reach gave up where brute force did not", name)
		return true
	}
	var b strings.Builder
	assume := *p
	assume.Aclexec = nil // Reach assumes aclexec commands succeed
	for i, g := range got {
		w := want[i]
		at := fmt.Sprintf("%s:%d", g.Rule.File, g.Rule.Line)
		switch {
		case g.Witness != nil:
			if !realServer(g.Witness.Server) {
				fmt.Fprintf(&b, "%s: witness %+v has a server no request has\n", at, *g.Witness)
			} else if d := assume.Decide(*g.Witness); d.Matched == nil || d.Matched.File != g.Rule.File || d.Matched.Line != g.Rule.Line {
				fmt.Fprintf(&b, "%s: witness %+v is decided by %v\n", at, *g.Witness, d.Matched)
			} else if w.Witness == nil {
				fmt.Fprintf(&b, "%s: witness %+v, which brute force did not find\n", at, *g.Witness)
			}
		case w.Witness != nil:
			fmt.Fprintf(&b, "%s: never %v, shadowed by %v; but %+v reaches it\n", at, g.Never, lineNums(g.ShadowedBy), *w.Witness)
		case g.Never != w.Never || !reflect.DeepEqual(g.ShadowedBy, w.ShadowedBy):
			fmt.Fprintf(&b, "%s: never %v, shadowed by %v; want never %v, shadowed by %v\n", at, g.Never, lineNums(g.ShadowedBy), w.Never, lineNums(w.ShadowedBy))
		}
	}
	if b.Len() > 0 {
		t.Errorf("%s: Reach and brute force differ\n%s", name, b.String())
	}
	return true
}

func lineNums(refs []RuleRef) []string {
	var out []string
	for _, r := range refs {
		out = append(out, fmt.Sprintf("%s:%d", r.File, r.Line))
	}
	return out
}

// serverTable returns random tables whose daemon lists name servers
// (daemon@host with addresses, names, net/masks, suffixes, prefixes,
// wildcards, KNOWN, LOCAL, netgroups and daemon@/file pattern files),
// with client lists that read pattern files too, a hosts table (names
// that verify, names that do not, two addresses for one name) and the
// pattern files.
func serverTable(seed uint64) (allow, deny, hosts string, files MapFiles) {
	r := rand.New(rand.NewPCG(seed, 77))
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	// Wildcards with '*' that can match an address cut across the other
	// address patterns: Reach gives up on them (hostReps.inexact). They
	// come in one case in four.
	loose := r.IntN(4) == 0
	serverHost := func() string {
		if loose && r.IntN(4) == 0 {
			return pick("*.1", "*.0.0.5", "10.0.*")
		}
		if r.IntN(4) == 0 {
			return pick(".1", ".2", ".5", ".0.0.1", ".0.1", ".255")
		}
		return pick("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.", "10.", "10.0.0.0/255.255.255.0",
			"10.0.0.0/255.255.255.252", "192.168.", ".example.com", "host.example.com", "other.example.com",
			"srv.example.net", ".example.net", "h*.example.com", "10.0.0.?", "KNOWN", "LOCAL", "UNKNOWN",
			"PARANOID", "@trusted", "/case/srv", "/case/srv2", "lo3", "2001:db8::1", "[2001:db8::1]",
			"[2001:db8::]/32", "ALL", "alias.example.com", "192.168.1.1", "canon.example.com", "h1.", "10.0.0.1?",
			"10.?.0.1", "10.0.", "::ffff:10.0.0.1", "10.0.0.0/255.255.255.128", "*.example.com", "h*", "*",
			"[::ffff:10.0.0.0]/104", "0.0.0.0/0.0.0.0", "10.0.0.0/24", "10.0.0.0/255.255.255.192",
			"10.0.0.192/255.255.255.192", "10.0.0.5", "10.0.0.4/255.255.255.254")
	}
	clientHost := func() string {
		if loose && r.IntN(4) == 0 {
			return pick("*.1", "1*")
		}
		if r.IntN(5) == 0 {
			return pick(".1", ".2", ".0.0.1", ".0.2", ".255")
		}
		return pick("ALL", "10.0.0.1", ".example.com", "/case/clients", "KNOWN", "10.0.0.0/255.255.255.0", "alice@ALL",
			"LOCAL", "host.example.com", "10.0.0.", "PARANOID", "UNKNOWN", "/case/clients", "h1.",
			"10.?.0.1", "10.0.0.1?", "10.0.", "*.example.com", "10.0.0.0/255.255.255.128", "10.0.0.2")
	}
	list := func(item func() string) string {
		var parts []string
		for range 1 + r.IntN(3) {
			parts = append(parts, item())
		}
		s := strings.Join(parts, " ")
		if r.IntN(4) == 0 {
			s += " EXCEPT " + item()
		}
		return s
	}
	daemon := func() string {
		d := pick("sshd", "in.ftpd", "ALL", "ss*")
		if r.IntN(4) > 0 {
			d += "@" + serverHost()
		}
		return d
	}
	rule := func() string { return list(daemon) + ": " + list(clientHost) + "\n" }
	for range 1 + r.IntN(4) {
		allow += rule()
	}
	for range r.IntN(4) {
		deny += rule()
	}
	if r.IntN(2) == 0 {
		deny += "ALL: ALL\n"
	}
	for _, h := range []string{"10.0.0.8 canon.example.com alias.example.com", "10.0.0.1 host.example.com",
		"10.0.0.2 other.example.com", "10.0.0.3 lo3", "10.0.0.7 alias.example.com", "192.168.1.1 host.example.com",
		"10.0.0.9 10.0.0.1", "2001:db8::1 v6.example.com", "10.0.0.10 h1.example.com", "10.0.0.5 srv.example.net"} {
		if r.IntN(3) > 0 {
			hosts += h + "\n"
		}
	}
	words := func(item func() string) string {
		var w []string
		for range 1 + r.IntN(3) {
			if s := item(); !strings.HasPrefix(s, "/") {
				w = append(w, s)
			}
		}
		return strings.Join(w, "\n") + "\n"
	}
	files = MapFiles{"/case/srv": words(serverHost), "/case/srv2": words(serverHost), "/case/clients": words(clientHost)}
	return allow, deny, hosts, files
}

var serverSeeds = flag.Uint64("reach.serverseeds", 120, "random cases TestReachBrute_Servers compares")

// TestReachBrute_Servers compares Reach with brute force (reachBrute) on
// random tables whose daemon lists name servers, under each profile.
func TestReachBrute_Servers(t *testing.T) {
	seeds := *serverSeeds
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		seeds = min(seeds, 10)
	}
	netgroups := []byte("trusted (host.example.com,,) (lo3,,)\n")
	compared := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		allow, deny, hosts, files := serverTable(seed)
		prof := []Profile{Debian, Upstream, FreeBSD}[seed%3]
		p := &Policy{Allow: Parse("hosts.allow", []byte(allow), prof), Deny: Parse("hosts.deny", []byte(deny), prof),
			Resolver: NewHostsResolver("hosts", []byte(hosts)).WithNetgroups("netgroup", netgroups), Files: files}
		if sameAsBrute(t, fmt.Sprintf("seed %d %s\nallow %q\ndeny %q\nhosts %q\nfiles %q", seed, prof, allow, deny, hosts, files), p) {
			compared++
		}
	}
	if compared < int(seeds)/2 {
		t.Errorf("only %d of %d cases within brute force's bound", compared, seeds)
	}
	t.Logf("%d of %d cases compared", compared, seeds)
}
