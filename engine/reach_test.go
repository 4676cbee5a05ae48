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
	res := NewHostsResolver("hosts", nil).WithNetgroups("netgroup", []byte("trusted (good.example.com,,) (LO2,,)\nall (,,)\nnested trusted (-,alice,)\n"))
	r := rand.New(rand.NewPCG(444, 4))
	daemons := []string{"sshd", "SSHD", "in.ftpd", "sockd", "vsftpd", "telnetd", "unknown", "x.ftpd", "s", "ss", "sshd2", "in.x"}
	addrs := []string{"10.0.0.1", "10.0.0.2", "10.0.0.7", "10.0.0.9", "10.0.0.99", "10.0.0.128", "10.1.2.3", "192.168.7.7",
		"127.1.0.1", "127.1.0.2", "2001:db8::1", "2001:db8::2", "2001:db9::1", "::ffff:10.0.0.1", "::1", "0.0.0.1", "1.1.1.1"}
	names := []string{"", unknown, paranoid, "good.example.com", "example.com", "a.example.com", "www.example.net", "lo2", "nodots",
		"localhost", "x.example.com.evil", "upper.example.com", "www.", "mixed.case.example", "canon.example.com"}
	users := []string{"", "alice", "bob", "ALICE", "a"}
	servers := []Endpoint{{}, {Socket: netip.MustParseAddrPort("127.1.0.1:22")}, {Socket: netip.MustParseAddrPort("127.1.0.1:21")},
		{Socket: netip.MustParseAddrPort("[::1]:1080")}, {Socket: netip.MustParseAddrPort("127.1.0.1:22"), Name: "lo1.example.com"}}
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
		// Names and addresses close to the tables' own words.
		caseNames, caseAddrs, caseDaemons := append([]string{}, names...), append([]string{}, addrs...), append([]string{}, daemons...)
		for _, tab := range []*Table{p.Allow, p.Deny} {
			for _, ln := range tab.Lines {
				if ln.Kind != LineRule {
					continue
				}
				for _, tok := range ln.Clients.Tokens {
					w := tok.Text
					if i := strings.LastIndexByte(w, '@'); i >= 0 {
						w = w[i+1:]
					}
					caseNames = append(caseNames, w, "a"+w, w+"a", strings.ToUpper(w), strings.TrimPrefix(w, "."), "a.b"+w)
					if a, err := netip.ParseAddr(strings.Trim(w, "[]")); err == nil {
						caseAddrs = append(caseAddrs, a.String(), a.Next().String())
					}
					caseAddrs = append(caseAddrs, completeV4(strings.Split(w, "/")[0])...)
				}
				for _, tok := range ln.Daemons.Tokens {
					w, _, _ := strings.Cut(tok.Text, "@")
					caseDaemons = append(caseDaemons, w, w+"x", "x"+w, strings.ReplaceAll(w, "*", "zz"))
				}
			}
		}
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
			req := Request{Daemon: caseDaemons[r.IntN(len(caseDaemons))], User: users[r.IntN(len(users))], Server: servers[r.IntN(len(servers))]}
			if a := caseAddrs[r.IntN(len(caseAddrs))]; r.IntN(10) > 0 {
				req.Client.Socket = netip.AddrPortFrom(netip.MustParseAddr(a), 4000)
			}
			req.Client.Name = caseNames[r.IntN(len(caseNames))]
			if req.Client.Name == "" && !req.Client.Socket.IsValid() {
				req.Client.Name = unknown
			}
			if req.Client.Name == "" {
				req.Client.Name = unknown
			}
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
// for the client's, and Reach said such rules matched no request).
func TestReachDaemonHostFile(t *testing.T) {
	p := &Policy{Allow: Parse("hosts.allow", []byte("sshd@/addrs: ALL\nsshd@/names: ALL\n"), Debian),
		Files: MapFiles{"/addrs": "10.0.0.1\n", "/names": "srv.example\n"}}
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

// TestReachDaemonHostNetgroup: a daemon@@netgroup pattern's hosts are
// server names among the representatives (Reach used to list netgroups'
// hosts for the client only, and said such rules matched no request).
func TestReachDaemonHostNetgroup(t *testing.T) {
	res := NewHostsResolver("hosts", nil).WithNetgroups("netgroup", []byte("trusted (good.example.com,,)\n"))
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
