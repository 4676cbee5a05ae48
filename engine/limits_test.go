package engine

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// These tests pin the engine's documented limits and its answers to
// hostile input: each has a defined decision, and none may hang.

func limitRequest(addr string) Request {
	return Request{Daemon: "sshd", Client: Endpoint{Socket: netip.AddrPortFrom(netip.MustParseAddr(addr), 4000)}}
}

func TestLimit_TableSize(t *testing.T) {
	// Long comment lines reach the limit quickly.
	line := "#" + strings.Repeat("x", 2000) + "\n"
	src := strings.Repeat(line, MaxTableSize/len(line)+2) + "sshd: 10.0.0.1\n"
	tab := Parse("hosts.deny", []byte(src), Debian)
	found := false
	for _, d := range tab.Diagnostics {
		if d.Code == "table-too-large" && d.Severity == SeverityError {
			found = true
		}
	}
	if !found {
		t.Fatalf("no table-too-large diagnostic for a %d-byte table", len(src))
	}
	p := &Policy{Deny: tab}
	d := p.Decide(limitRequest("10.0.0.1"))
	// The matching line lies beyond the limit, and the cut leaves an
	// unterminated line, which denies like libwrap's table error.
	if d.Matched != nil {
		t.Errorf("a rule past the size limit matched: %v", d.Matched)
	}
}

func TestLimit_PatternFileCycle(t *testing.T) {
	files := MapFiles{"/a": "10.9.9.9 /b\n", "/b": "/a\n"}
	p := &Policy{Deny: Parse("hosts.deny", []byte("ALL: /a\n"), Debian), Files: files}
	d := p.Evaluate(limitRequest("10.0.0.1"))
	if d.Access != Denied || !strings.Contains(d.Error, "includes itself") {
		t.Fatalf("got %s, error %q; want denied with an inclusion error", d.Access, d.Error)
	}
	if len(d.Warnings) == 0 || !strings.HasPrefix(d.Warnings[len(d.Warnings)-1], "error: hosts.deny, line 1: pattern file /a includes itself") {
		t.Errorf("warnings %q", d.Warnings)
	}
	// The trace ends on the line and the token that ended the decision.
	if len(d.Trace) != 1 {
		t.Fatalf("trace of %d steps, want 1", len(d.Trace))
	}
	st := d.Trace[0]
	if !st.DaemonMatch || st.ClientMatch || st.Match || !strings.HasPrefix(st.Note, "libwrap stops here: pattern file /a includes itself") {
		t.Errorf("step: daemonMatch %v clientMatch %v match %v note %q", st.DaemonMatch, st.ClientMatch, st.Match, st.Note)
	}
	if len(st.Clients) != 1 || st.Clients[0].State != "error" || st.Clients[0].Text != "/a" || !strings.Contains(st.Clients[0].Why, "includes itself") {
		t.Errorf("client tokens %+v, want /a in state error", st.Clients)
	}
}

func TestLimit_PatternFileDepth(t *testing.T) {
	files := MapFiles{}
	for i := 0; i <= MaxPatternFileDepth; i++ {
		files["/f"+itoa(i)] = "/f" + itoa(i+1) + "\n"
	}
	p := &Policy{Deny: Parse("hosts.deny", []byte("ALL: /f000\n"), Debian), Files: files}
	d := p.Decide(limitRequest("10.0.0.1"))
	if d.Access != Denied || !strings.Contains(d.Error, "nesting deeper than") {
		t.Fatalf("got %s, error %q", d.Access, d.Error)
	}
	// One file less than the limit is fine and simply does not match.
	files["/f"+itoa(MaxPatternFileDepth-1)] = "10.9.9.9\n"
	if d := p.Decide(limitRequest("10.0.0.1")); d.Access != Granted || d.Error != "" {
		t.Fatalf("within the limit: got %s, error %q", d.Access, d.Error)
	}
}

func TestLimit_PatternFileWords(t *testing.T) {
	files := MapFiles{"/big": strings.Repeat("10.9.9.9 ", MaxPatternFileWords+1)}
	p := &Policy{Deny: Parse("hosts.deny", []byte("ALL: /big\n"), Debian), Files: files}
	d := p.Decide(limitRequest("10.0.0.1"))
	if d.Access != Denied || !strings.Contains(d.Error, "words read") {
		t.Fatalf("got %s, error %q", d.Access, d.Error)
	}
}

func TestLimit_HostileWildcard(t *testing.T) {
	// Exponential for a naive backtracking matcher; must stay fast.
	pat := strings.Repeat("*a", 40) + "*b"
	name := strings.Repeat("a", maxString)
	if wildMatch(name, pat) {
		t.Fatal("matched without a b")
	}
	if !wildMatch(name+"b", pat) {
		t.Fatal("did not match with a b")
	}
	if !wildMatch("xE", "*e") || !wildMatch("abc", "A?C") || wildMatch("a", "a**") || !wildMatch("ab", "a**") {
		t.Fatal("wildcard semantics changed")
	}
}

func TestLimit_DeepExcept(t *testing.T) {
	// "ALL EXCEPT ALL EXCEPT ... ALL" up to a whole line (185 EXCEPTs fit
	// in 2,046 bytes): n EXCEPTs give a match exactly when n is even.
	for _, n := range []int{0, 1, 2, 184, 185} {
		list := "ALL" + strings.Repeat(" EXCEPT ALL", n)
		p := &Policy{Deny: Parse("hosts.deny", []byte("sshd: "+list+"\n"), Debian)}
		d := p.Decide(limitRequest("10.0.0.1"))
		if want := n%2 == 0; (d.Access == Denied) != want {
			t.Errorf("%d EXCEPTs: got %s", n, d.Access)
		}
	}
}

func TestLimit_ExpansionOverflow(t *testing.T) {
	rule := "sshd: ALL: spawn " + strings.Repeat("%a", 1000) + "\n" // 1,000 × "2001:db8::1" > 8,190 bytes
	p := &Policy{Allow: Parse("hosts.allow", []byte(rule), Debian)}
	if d := p.Decide(limitRequest("10.0.0.1")); d.Access != Granted || d.Error != "" {
		t.Fatalf("8,000 bytes fit the buffer: got %s, error %q", d.Access, d.Error)
	}
	d := p.Decide(limitRequest("2001:db8::1"))
	if d.Access != Denied || d.Error == "" {
		t.Fatalf("got %s, error %q; want a denial with an error", d.Access, d.Error)
	}
	want := "warning: hosts.allow, line 1: percent_x: expansion too long: 2001:db8::12001:db8::12001:db8..."
	if len(d.Warnings) != 1 || d.Warnings[0] != want {
		t.Errorf("warnings %q, want %q", d.Warnings, want)
	}
}

func itoa(i int) string {
	return string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}

// TestLimit_ReachWork: the analysis of rules no request reaches evaluates
// every representative against every rule, which grows with the square of
// a blocklist's length. Up to MaxReachWork it runs (and finds a repeated
// address shadowed); past it, Check says it skipped it, and still reports
// everything else of a 20,000-line blocklist.
func TestLimit_ReachWork(t *testing.T) {
	blocklist := func(n int) *Table {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "ALL: 10.%d.%d.1\n", i/250, i%250)
		}
		b.WriteString("ALL: 10.0.0.1\n") // the first line again
		return Parse("hosts.deny", []byte(b.String()), Debian)
	}
	codes := func(d Diagnostics) map[string]int {
		m := map[string]int{}
		for _, x := range d {
			m[x.Code]++
		}
		return m
	}
	small := blocklist(100)
	p := &Policy{Deny: small}
	sp := newReachSpace(p, 1<<40)
	if work := (len(sp.daemons)*len(sp.servers) + len(sp.clients)*len(sp.users)) * 101; work > MaxReachWork {
		t.Fatalf("a 101-line blocklist needs %d list evaluations, over MaxReachWork", work)
	}
	if got := codes(Check(nil, small, CheckOptions{})); got["shadowed-rule"] != 1 || got["reach-skipped"] != 0 {
		t.Errorf("101 lines: %v, want one shadowed-rule and no reach-skipped", got)
	}
	for _, n := range []int{1000, 20_000} {
		big := blocklist(n)
		if _, ok := Reach(&Policy{Deny: big}); ok {
			t.Errorf("%d lines: Reach ran, past MaxReachWork", n+1)
		}
		got := codes(Check(nil, big, CheckOptions{Paranoid: true}))
		if got["reach-skipped"] != 1 || got["shadowed-rule"] != 0 {
			t.Errorf("%d lines: %v, want reach-skipped", n+1, got)
		}
	}
}
