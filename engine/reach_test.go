package engine

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

func TestReachExamples(t *testing.T) {
	allow := "sshd: 10.0.0.0/255.255.255.0\nsshd: 10.0.0.7\nsshd: ALL EXCEPT ALL\nin.ftpd: .example.com\nin.ftpd: www.example.com\n"
	deny := "ALL: ALL\nsshd: 10.9.9.9\n"
	p := &Policy{Allow: Parse("hosts.allow", []byte(allow), Debian), Deny: Parse("hosts.deny", []byte(deny), Debian)}
	got, ok := Reach(p)
	if !ok {
		t.Fatal("gave up")
	}
	var lines []string
	for _, r := range got {
		s := fmt.Sprintf("%s:%d", r.Rule.File, r.Rule.Line)
		switch {
		case r.Witness != nil:
			s += " reachable"
		case r.Never:
			s += " never"
		default:
			for _, b := range r.ShadowedBy {
				s += fmt.Sprintf(" shadowed-by %s:%d", b.File, b.Line)
			}
		}
		lines = append(lines, s)
	}
	want := strings.Join([]string{
		"hosts.allow:1 reachable",
		"hosts.allow:2 shadowed-by hosts.allow:1",
		"hosts.allow:3 never",
		"hosts.allow:4 reachable",
		"hosts.allow:5 shadowed-by hosts.allow:4",
		"hosts.deny:1 reachable",
		"hosts.deny:2 shadowed-by hosts.deny:1",
	}, "\n")
	if g := strings.Join(lines, "\n"); g != want {
		t.Errorf("got\n%s\nwant\n%s", g, want)
	}
}

// TestReachBruteForce compares Reach with brute force over a request
// space of its own on random tables: every rule some request decides must
// have a witness, every witness must decide its rule, a rule said never to
// match must match nothing, and a shadowed rule must only ever be decided
// by the rules said to shadow it.
func TestReachBruteForce(t *testing.T) {
	seeds := uint64(40)
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		seeds = 4 // the same code; natively the search goes wider
	}
	res := NewHostsResolver("hosts", []byte("127.1.0.1 lo1.example.com\n")).WithNetgroups("netgroup", []byte("trusted (good.example.com,,) (LO2,,)\nall (,,)\nnested trusted (-,alice,)\n"))
	r := rand.New(rand.NewPCG(444, 4))
	checked := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		c := tablegen.Random(seed)
		text := func(s *string) []byte {
			if s == nil {
				return nil
			}
			return []byte(strings.ReplaceAll(*s, "{DIR}", "/case"))
		}
		files := MapFiles{}
		for k, v := range c.Files {
			files["/case/"+k] = strings.ReplaceAll(v, "{DIR}", "/case")
		}
		p := &Policy{Allow: Parse("hosts.allow", text(c.Allow), Debian), Deny: Parse("hosts.deny", text(c.Deny), Debian), Resolver: res, Files: files}
		reach, ok := Reach(p)
		if !ok {
			continue
		}
		gen := newBruteGen(p.Allow, p.Deny)
		byRule := map[string]*RuleReach{}
		for i := range reach {
			byRule[fmt.Sprintf("%s:%d", reach[i].Rule.File, reach[i].Rule.Line)] = &reach[i]
			if w := reach[i].Witness; w != nil {
				d := p.Decide(*w)
				if d.Matched == nil || d.Matched.File != reach[i].Rule.File || d.Matched.Line != reach[i].Rule.Line {
					t.Fatalf("seed %d: the witness %+v of %v does not reach it: decided by %v\nallow %q\ndeny %q", seed, *w, reach[i].Rule, d.Matched, text(c.Allow), text(c.Deny))
				}
			}
		}
		for n := 0; n < 2000; n++ {
			req := gen.request(r)
			d := p.Decide(req)
			checked++
			if d.Matched == nil {
				continue
			}
			rr := byRule[fmt.Sprintf("%s:%d", d.Matched.File, d.Matched.Line)]
			if rr.Witness == nil {
				t.Fatalf("seed %d: %+v is decided by %s:%d, which Reach says no request reaches (never=%v, shadowed by %v)\nallow %q\ndeny %q",
					seed, req, d.Matched.File, d.Matched.Line, rr.Never, rr.ShadowedBy, text(c.Allow), text(c.Deny))
			}
		}
	}
	t.Logf("%d brute-force requests", checked)
}

// A bruteGen makes requests for brute-force tests: random daemons,
// addresses, names, users and servers from fixed lists and from words
// close to those of the tables it was made for.
type bruteGen struct {
	daemons, addrs, names []string
}

func newBruteGen(tables ...*Table) *bruteGen {
	g := &bruteGen{
		daemons: []string{"sshd", "SSHD", "in.ftpd", "sockd", "vsftpd", "telnetd", "unknown", "x.ftpd", "s", "ss", "sshd2", "in.x"},
		addrs: []string{"10.0.0.1", "10.0.0.2", "10.0.0.7", "10.0.0.9", "10.0.0.99", "10.0.0.128", "10.1.2.3", "192.168.7.7",
			"127.1.0.1", "127.1.0.2", "2001:db8::1", "2001:db8::2", "2001:db9::1", "::ffff:10.0.0.1", "::1", "0.0.0.1", "1.1.1.1"},
		names: []string{"", unknown, paranoid, "good.example.com", "example.com", "a.example.com", "www.example.net", "lo2", "nodots",
			"localhost", "x.example.com.evil", "upper.example.com", "www.", "mixed.case.example", "canon.example.com"},
	}
	for _, tab := range tables {
		if tab == nil {
			continue
		}
		for _, ln := range tab.Lines {
			if ln.Kind != LineRule {
				continue
			}
			for _, tok := range ln.Clients.Tokens {
				w := tok.Text
				if i := strings.LastIndexByte(w, '@'); i >= 0 {
					w = w[i+1:]
				}
				g.names = append(g.names, w, "a"+w, w+"a", strings.ToUpper(w), strings.TrimPrefix(w, "."), "a.b"+w)
				if a, err := netip.ParseAddr(strings.Trim(w, "[]")); err == nil {
					g.addrs = append(g.addrs, a.String(), a.Next().String())
				}
				for _, a := range completeV4(strings.Split(w, "/")[0]) {
					g.addrs = append(g.addrs, a.String())
				}
			}
			for _, tok := range ln.Daemons.Tokens {
				w, _, _ := strings.Cut(tok.Text, "@")
				g.daemons = append(g.daemons, w, w+"x", "x"+w, strings.ReplaceAll(w, "*", "zz"))
			}
		}
	}
	return g
}

var (
	bruteUsers   = []string{"", "alice", "bob", "ALICE", "a"}
	bruteServers = []Endpoint{{}, {Socket: netip.MustParseAddrPort("127.1.0.1:22")}, {Socket: netip.MustParseAddrPort("127.1.0.1:21")},
		{Socket: netip.MustParseAddrPort("[::1]:1080")}, {Name: paranoid}, {Socket: netip.MustParseAddrPort("127.1.0.2:22")}}
)

// request returns a random request; nine in ten have a client address.
func (g *bruteGen) request(r *rand.Rand) Request {
	req := Request{Daemon: g.daemons[r.IntN(len(g.daemons))], User: bruteUsers[r.IntN(len(bruteUsers))], Server: bruteServers[r.IntN(len(bruteServers))]}
	if a := g.addrs[r.IntN(len(g.addrs))]; r.IntN(10) > 0 {
		req.Client.Socket = netip.AddrPortFrom(netip.MustParseAddr(a), 4000)
	}
	req.Client.Name = g.names[r.IntN(len(g.names))]
	if req.Client.Name == "" {
		req.Client.Name = unknown
	}
	return req
}

// TestReachSides: hostMatch matches a string pattern where addrSide or
// nameSide does, a net/mask where addrSide does, KNOWN where both do, and
// LOCAL and a netgroup where nameSide does, for every profile.
func TestReachSides(t *testing.T) {
	pats := []string{"ALL", "LOCAL", "KNOWN", "UNKNOWN", "PARANOID", "unknown", "10.0.0.1", "10.0.0.", "10.", ".1",
		"10.0.0.0/255.255.255.0", "10.0.0.0/24", "10.0.0.0/255.255.255.128", "0.0.0.0/0.0.0.0", "10.0.0.0/24junk",
		"[2001:db8::1]", "[2001:db8::]/32", "[::ffff:10.0.0.1]", "[::ffff:10.0.0.0]/104", "[2001:db8::1%1]", "::ffff:10.0.0.1",
		".example.com", ".EXAMPLE.COM", "good.example.com", "www.", "*.example.com", "10.0.0.?", "*", "lo?", "unk*",
		"nodots", "@trusted", "@nosuch", "2001:db8::1", "[", "*.*", "."}
	addrs := []string{unknown, "10.0.0.1", "10.0.0.200", "::ffff:10.0.0.1", "2001:db8::1", "2001:db8::1%1", "fe80::1%lo", "192.168.7.7", "::1"}
	names := []string{unknown, paranoid, "good.example.com", "GOOD.EXAMPLE.COM", "www.example.net", "nodots", "lo2", "", "10.0.0.1", "x.example.com"}
	res := NewHostsResolver("hosts", nil).WithNetgroups("netgroup", []byte("trusted (good.example.com,,) (nodots,,)\n"))
	for _, prof := range []Profile{Debian, Upstream, FreeBSD} {
		cs := &clientSide{p: &Policy{Resolver: res, Deny: Parse("hosts.deny", nil, prof)}}
		for _, pat := range pats {
			hp := compileHost(pat, prof)
			if hp.kind == hostFile {
				continue
			}
			for _, a := range addrs {
				f := makeAddrForm(a, prof)
				for _, n := range names {
					st := cs.state(a, n, unknown)
					got := st.hostMatch(hp, &st.client)
					as, ns := addrSide(hp, a, &f, prof, nil), nameSide(hp, n, res, prof)
					want := as || ns
					switch hp.kind {
					case hostNetmask:
						want = as
					case hostKnown:
						want = as && ns
					case hostLocal, hostNetgroup:
						want = ns
					}
					if got != want {
						t.Errorf("%s: %q at %q named %q: hostMatch %v, sides %v and %v", prof, pat, a, n, got, as, ns)
					}
				}
			}
		}
	}
}

// TestReachBracketV6 covers [v6] address patterns, which only the FreeBSD
// profile reads as such: each rule is reachable, by a request from its
// address (QA found "sshd: [::1]" reported as matching nothing).
func TestReachBracketV6(t *testing.T) {
	allow := "sshd: [::1]\nsshd: [2001:db8::1]\nsshd: [fe80::1%lo]\nsshd: [::1]\n"
	p := &Policy{Allow: Parse("hosts.allow", []byte(allow), FreeBSD), Deny: Parse("hosts.deny", []byte("ALL: ALL\n"), FreeBSD)}
	got, ok := Reach(p)
	if !ok {
		t.Fatal("gave up")
	}
	for i, want := range []string{"::1", "2001:db8::1", "fe80::1"} {
		r := got[i]
		if r.Witness == nil {
			t.Errorf("hosts.allow:%d: no witness (never %v, shadowed by %v)", r.Rule.Line, r.Never, r.ShadowedBy)
			continue
		}
		if d := p.Decide(*r.Witness); d.Matched == nil || d.Matched.Line != r.Rule.Line {
			t.Errorf("hosts.allow:%d: witness %+v is decided by %v", r.Rule.Line, r.Witness, d.Matched)
		}
		if a := r.Witness.Client.Socket.Addr().WithZone("").String(); a != want {
			t.Errorf("hosts.allow:%d: witness from %s, want %s", r.Rule.Line, a, want)
		}
	}
	if r := got[3]; r.Witness != nil || len(r.ShadowedBy) != 1 || r.ShadowedBy[0].Line != 1 {
		t.Errorf("hosts.allow:4: witness %v, shadowed by %v; want shadowed by line 1", r.Witness, r.ShadowedBy)
	}
}

// TestReachPatternFileWords: Reach builds its representatives from a
// pattern file's words as fileMatch reads them (patternWords: words end at
// C's white space, and each is cut at a NUL), with the one reader the
// client side uses. Its representatives used to come from a splitter of
// their own, strings.Fields with a NUL read as a blank, which disagreed
// with fileMatch: a word holding a no-break space (U+00A0, a blank to
// strings.Fields, not to isspace) gave representatives of its two halves,
// neither of which the word matches, and Reach said the rule matched no
// request; a word cut at a NUL gave representatives of the rest, which
// fileMatch never reads, and a path there was read as one more pattern
// file (the libraries a binary names), over whose words Reach gave up.
func TestReachPatternFileWords(t *testing.T) {
	big := strings.Repeat("10.9.9.9 ", MaxPatternFileWords+1)
	for _, tc := range []struct {
		name, file string
		// match is a client the rule decides; miss, one it does not,
		// of which no representative must be built.
		match, miss Endpoint
	}{
		{name: "no-break space inside a word", file: "a\u00a0b.example\n", match: Endpoint{Name: "a\u00a0b.example"}},
		{name: "NUL inside a word", file: "a.example\x00b.example\n", match: Endpoint{Name: "a.example"}, miss: Endpoint{Name: "b.example"}},
		{name: "path after a NUL", file: "10.0.0.1\x00/big\n", match: Endpoint{Socket: netip.MustParseAddrPort("10.0.0.1:4000")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Policy{Allow: Parse("hosts.allow", []byte("ALL: /f\n"), Debian), Files: MapFiles{"/f": tc.file, "/big": big}}
			if d := p.Decide(Request{Daemon: "sshd", Client: tc.match}); d.Matched == nil {
				t.Fatalf("%+v is not decided by the rule", tc.match)
			}
			if tc.miss.Name != "" {
				if d := p.Decide(Request{Daemon: "sshd", Client: tc.miss}); d.Matched != nil {
					t.Fatalf("%+v is decided by the rule", tc.miss)
				}
				sp := newReachSpace(p, MaxReachRequests, newFileReader(p, &reachBudget{left: MaxReachWork}))
				if slices.Contains(sp.names, tc.miss.Name) {
					t.Errorf("a representative named %q, which no pattern reads", tc.miss.Name)
				}
			}
			got, ok := Reach(p)
			if !ok {
				t.Fatal("gave up")
			}
			r := got[0]
			if r.Witness == nil {
				t.Fatalf("no witness (never %v, shadowed by %v)", r.Never, r.ShadowedBy)
			}
			if d := p.Decide(*r.Witness); d.Matched == nil {
				t.Errorf("the witness %+v is not decided by the rule", *r.Witness)
			}
		})
	}
}

// TestReachDaemonHostFile: the words of a pattern file that a daemon@host
// pattern names are representatives of the server (they used to be taken
// for the client's, and Reach said such rules matched no request); the
// server named srv.example is the one the hosts table names so.
func TestReachDaemonHostFile(t *testing.T) {
	p := &Policy{Allow: Parse("hosts.allow", []byte("sshd@/addrs: ALL\nsshd@/names: ALL\n"), Debian),
		Files: MapFiles{"/addrs": "10.0.0.1\n", "/names": "srv.example\n"}, Resolver: NewHostsResolver("hosts", []byte("10.0.0.5 srv.example\n"))}
	got, ok := Reach(p)
	if !ok {
		t.Fatal("gave up")
	}
	for _, r := range got {
		if r.Witness == nil {
			t.Errorf("hosts.allow:%d: no witness (never %v, shadowed by %v)", r.Rule.Line, r.Never, r.ShadowedBy)
			continue
		}
		if d := p.Decide(*r.Witness); d.Matched == nil || d.Matched.Line != r.Rule.Line {
			t.Errorf("hosts.allow:%d: witness %+v is decided by %v", r.Rule.Line, *r.Witness, d.Matched)
		}
	}
}

// TestReachDaemonHostNetgroup: a daemon@@netgroup pattern matches the
// servers whose names are the netgroup's hosts, at the addresses the
// hosts table gives them (Reach used to list netgroups' hosts for the
// client only, and said such rules matched no request).
func TestReachDaemonHostNetgroup(t *testing.T) {
	res := NewHostsResolver("hosts", []byte("10.0.0.7 good.example.com\n")).WithNetgroups("netgroup", []byte("trusted (good.example.com,,)\n"))
	p := &Policy{Allow: Parse("hosts.allow", []byte("sshd@@trusted: ALL\n"), Debian), Resolver: res}
	got, ok := Reach(p)
	if !ok {
		t.Fatal("gave up")
	}
	r := got[0]
	if r.Witness == nil {
		t.Fatalf("no witness (never %v, shadowed by %v)", r.Never, r.ShadowedBy)
	}
	if d := p.Decide(*r.Witness); d.Matched == nil {
		t.Errorf("the witness %+v is not decided by the rule", *r.Witness)
	}
}

// TestReachServers: cases where Reach's representatives missed requests,
// found by reachBrute. Servers are at an address the resolver names (or
// none), one server may match several daemon@host patterns at once, and
// an address may match a prefix and not a wildcard.
func TestReachServers(t *testing.T) {
	for _, tc := range []struct {
		name, allow, hosts string
		// want is, for each rule: "reachable", "never" or the lines
		// that shadow it.
		want []string
	}{
		{
			// h1.example.com matches h1. and .example.com at once: the
			// second rule decides it. Reach said the first shadowed it,
			// and that a server named "h1." reached the first, which
			// no server is.
			name:  "server name matching a prefix and a suffix",
			allow: "sshd@h1. EXCEPT sshd@.example.com: ALL\nsshd@h1.: ALL\n",
			hosts: "10.0.0.10 h1.example.com\n",
			want:  []string{"never", "reachable"},
		},
		{
			// 10.0.0.10 starts with 10.0.0. and is not 10.0.0.?.
			name:  "server address matching a prefix and not a wildcard",
			allow: "sshd@10.0.0.?: ALL\nsshd@10.0.0.: ALL\n",
			want:  []string{"reachable", "reachable"},
		},
		{
			name:  "client address matching a prefix and not a wildcard",
			allow: "sshd: 10.0.0.?\nsshd: 10.0.0.\n",
			want:  []string{"reachable", "reachable"},
		},
		{
			// Every server with a name is host.example.com: no request
			// has a server that is KNOWN and not in .example.com. Reach
			// said a server named zz.fresh.invalid reached it.
			name:  "server names come from the resolver",
			allow: "sshd@KNOWN EXCEPT sshd@.example.com: ALL\n",
			hosts: "10.0.0.1 host.example.com\n",
			want:  []string{"never"},
		},
		{
			// 10.0.0.64 is in the /24 and in neither /26: the ends of
			// the three nets are all in the two /26s.
			name:  "nested net/masks",
			allow: "ALL: 10.0.0.0/255.255.255.192\nALL: 10.0.0.192/255.255.255.192\nALL: 10.0.0.0/255.255.255.0\n",
			want:  []string{"reachable", "reachable", "reachable"},
		},
		{
			name:  "nested net/masks of servers",
			allow: "sshd@10.0.0.0/255.255.255.192: ALL\nsshd@10.0.0.192/255.255.255.192: ALL\nsshd@10.0.0.0/255.255.255.0: ALL\n",
			want:  []string{"reachable", "reachable", "reachable"},
		},
		{
			// 10.0.0.2 is in the /30 and none of the addresses.
			name:  "addresses inside a net/mask",
			allow: "ALL: 10.0.0.0 10.0.0.1 10.0.0.3\nALL: 10.0.0.0/255.255.255.252\n",
			want:  []string{"reachable", "reachable"},
		},
		{
			// The only server named host.example.com is 10.0.0.1.
			name:  "a server's name and address go together",
			allow: "sshd@10.0.0.1: ALL\nsshd@host.example.com: ALL\n",
			hosts: "10.0.0.1 host.example.com\n",
			want:  []string{"reachable", "hosts.allow:1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Policy{Allow: Parse("hosts.allow", []byte(tc.allow), Debian), Resolver: NewHostsResolver("hosts", []byte(tc.hosts))}
			got, ok := Reach(p)
			if !ok {
				t.Fatal("gave up")
			}
			for i, r := range got {
				s := "reachable"
				switch {
				case r.Witness != nil:
					if !realServer(r.Witness.Server) {
						t.Errorf("rule %d: witness %+v has a server no request has", i+1, *r.Witness)
					}
				case r.Never:
					s = "never"
				default:
					s = strings.Join(lineNums(r.ShadowedBy), " ")
				}
				if s != tc.want[i] {
					t.Errorf("rule %d: %s, want %s", i+1, s, tc.want[i])
				}
			}
			sameAsBrute(t, tc.name, p)
		})
	}
}

// dnsResolver stands for the system's: it answers lookups and cannot
// list the addresses it names.
type dnsResolver struct{ Resolver }

// TestReachGivesUp: where Reach cannot tell exactly which requests there
// are, it gives up and Check says why, rather than guess.
func TestReachGivesUp(t *testing.T) {
	hosts := NewHostsResolver("hosts", []byte("10.0.0.1 host.example.com\n"))
	for _, tc := range []struct {
		name, allow string
		res         Resolver
		ok          bool
		msg         string
	}{
		{name: "server names from a hosts table", allow: "sshd@host.example.com: ALL\n", res: hosts, ok: true},
		{name: "server names from DNS", allow: "sshd@host.example.com: ALL\n", res: dnsResolver{hosts}, msg: "daemon@host patterns read the server's host name"},
		{name: "server addresses under DNS", allow: "sshd@10.0.0.1: ALL\n", res: dnsResolver{hosts}, ok: true},
		{name: "no resolver", allow: "sshd@host.example.com: ALL\n", ok: true},
		{name: "a numeric suffix alone", allow: "ALL: .1\n", ok: true},
		{name: "a numeric suffix and a prefix", allow: "ALL: .1 EXCEPT 10.0.0.\nALL: 10.0.0.\nALL: .1\n", ok: true},
		{name: "numeric suffixes, net/masks and addresses", allow: "ALL: .0.1 10.0.0.0/255.255.255.0 EXCEPT 10.0.0.1 .1 10.0.1.\nALL: .1 EXCEPT 10.0.0.\nALL: 10.0.\nALL: .0.1\n", ok: true},
		{name: "a '*' wildcard and a suffix", allow: "ALL: *.1 EXCEPT .0.1\n", msg: "tables too large"},
		{name: "a numeric suffix and an IPv6 net/mask", allow: "ALL: .1 EXCEPT [::]/96\n", msg: "tables too large"},
		{name: "a '*' wildcard and a net/mask", allow: "sshd@*.5 EXCEPT sshd@10.0.0.0/255.0.0.0: ALL\n", msg: "tables too large"},
		{name: "'?' wildcards are listed", allow: "ALL: 10.0.0.? EXCEPT 10.0.0.0/255.255.255.0\nALL: 10.0.0.?\n", ok: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := Parse("hosts.allow", []byte(tc.allow), Debian)
			p := &Policy{Allow: tab, Resolver: tc.res}
			if _, ok := Reach(p); ok != tc.ok {
				t.Fatalf("ok %v, want %v", ok, tc.ok)
			}
			if tc.ok {
				sameAsBrute(t, tc.name, p)
				return
			}
			for _, d := range Check(tab, nil, CheckOptions{Resolver: tc.res}) {
				if d.Code == "reach-skipped" {
					if !strings.Contains(d.Msg, tc.msg) {
						t.Errorf("reach-skipped says %q, want %q", d.Msg, tc.msg)
					}
					return
				}
			}
			t.Error("no reach-skipped")
		})
	}
}

// TestReachWildcardWork: the addresses tried to list a wildcard's are
// counted against MaxReachWork, once per wildcard text. A table of
// different wildcards of two octets (each tries 65,536 addresses) gave
// no answer for minutes (8 KB of them took 18 s); now the analysis
// gives up within its budget (over it by less than the wildChunk
// addresses paid for at a time), and the same wildcard repeated costs no
// more than once.
func TestReachWildcardWork(t *testing.T) {
	one := func(allow string) (steps int, ok bool) {
		p := &Policy{Allow: Parse("hosts.allow", []byte(allow), Debian)}
		_, steps, ok = reach(p, nil, MaxReachWork)
		return steps, ok
	}
	single, ok := one("sshd: 1.2.*.99\n")
	if !ok || single < 1<<16*wildAddrWork {
		t.Fatalf("one wildcard: %d steps, ok %v; want at least %d, ok", single, ok, 1<<16*wildAddrWork)
	}
	// Listed once, the same wildcard repeated stays within the budget
	// (2000 listings would take 2000 times the steps of one).
	if steps, ok := one(strings.Repeat("sshd: 1.2.*.99\n", 2000)); !ok {
		t.Errorf("the same wildcard 2000 times: gave up after %d steps (once: %d)", steps, single)
	}
	var b strings.Builder
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "sshd: 1.%d.*.%d\n", i%256, i/256)
	}
	if steps, ok := one(b.String()); ok || steps > MaxReachWork+wildChunk*wildAddrWork {
		t.Errorf("2000 different wildcards: %d steps, ok %v; want a give-up within %d", steps, ok, MaxReachWork)
	}
}

// TestReachParanoidMode: under the upstream profile (PARANOID mode) a
// client whose name is "paranoid" is denied before the tables are read
// (Reach gave such a witness, which Decide denied without reading the
// tables); one named "PARANOID" (hosts_ctl's) is not, and is decided by
// the rule.
func TestReachParanoidMode(t *testing.T) {
	for _, prof := range []Profile{Upstream, Debian} {
		p := &Policy{Allow: Parse("hosts.allow", []byte("ALL: PARANOID\n"), prof)}
		got, ok := Reach(p)
		if !ok {
			t.Fatal("gave up")
		}
		w := got[0].Witness
		if w == nil {
			t.Fatalf("%s: no witness", prof)
		}
		if d := p.Decide(*w); d.Matched == nil {
			t.Errorf("%s: the witness %+v is not decided by the rule", prof, *w)
		}
		sameAsBrute(t, prof.String(), p)
	}
}

// TestFillWild: fillWild replaces as the strings.Replacer it stands for.
func TestFillWild(t *testing.T) {
	for _, w := range []string{"", "*", "?", "a*b?c", "**??", "10.0.?.*", "*.example.c?m", "\xff*"} {
		for _, r := range [][2]string{{"", "x"}, {"zq", "y"}, {"1", "1"}} {
			if got, want := fillWild(w, r[0], r[1]), strings.NewReplacer("*", r[0], "?", r[1]).Replace(w); got != want {
				t.Errorf("fillWild(%q, %q, %q) = %q, want %q", w, r[0], r[1], got, want)
			}
		}
	}
}
