package engine

import (
	"flag"
	"fmt"
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
	rules, lines, _ := reachRules(p)
	space := newReachSpace(p, MaxReachRequests, newFileReader(p, &reachBudget{left: MaxReachWork}))
	if space == nil {
		return nil, false
	}
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

// TestReachOracle_Golden compares Reach with the oracle on every table of
// the golden corpus.
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
		if !sameReach(t, path, loadCase(t, golden.Parse(b))) {
			t.Errorf("%s: over the oracle's bound", path)
		}
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
// profile, Reach gives the oracle's answer.
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
		}
	})
}
