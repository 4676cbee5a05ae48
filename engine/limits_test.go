package engine

import (
	"fmt"
	"io/fs"
	"net/netip"
	"strings"
	"syscall"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// These tests pin the engine's documented limits and its answers to
// hostile input: each has a defined decision, and none may hang.

func limitRequest(addr string) Request {
	return Request{Daemon: "sshd", Client: Endpoint{Socket: netip.AddrPortFrom(netip.MustParseAddr(addr), 4000)}}
}

// TestLimit_TableSize: a table of MaxTableSize bytes is read whole; one
// byte more and none of it is read. A table cut at the limit would end
// in a line without a newline, which libwrap (Debian) takes for a broken
// table, so the cut would change the verdict without a word; instead
// every decision that reaches the table is a denial with an error.
func TestLimit_TableSize(t *testing.T) {
	const rule = "sshd: 10.0.0.1\n"
	at := []byte(tablegen.OfSize(MaxTableSize, rule))
	if len(at) != MaxTableSize {
		t.Fatalf("OfSize: %d bytes", len(at))
	}
	tab := Parse("hosts.deny", at, Debian)
	if tab.TooLarge || len(tab.Diagnostics) != 0 {
		t.Fatalf("%d bytes: tooLarge %v, diagnostics %v", len(at), tab.TooLarge, tab.Diagnostics)
	}
	d := (&Policy{Deny: tab}).Decide(limitRequest("10.0.0.1"))
	if last := tab.Lines[len(tab.Lines)-1]; d.Access != Denied || d.Matched == nil || d.Matched.Line != last.Num || d.Error != "" {
		t.Fatalf("%d bytes: got %s by %v, error %q; want denied by line %d", len(at), d.Access, d.Matched, d.Error, last.Num)
	}

	over := []byte(tablegen.OfSize(MaxTableSize+1, rule))
	for _, name := range []string{"hosts.allow", "hosts.deny"} {
		tab := Parse(name, over, Debian)
		want := name + ": table larger than 16 MiB (16777216 bytes): not read"
		if !tab.TooLarge || len(tab.Lines) != 0 || len(tab.Diagnostics) != 1 ||
			tab.Diagnostics[0].Code != "table-too-large" || tab.Diagnostics[0].Severity != SeverityError || tab.Diagnostics[0].Error() != want {
			t.Fatalf("%s of %d bytes: tooLarge %v, %d lines, diagnostics %v; want only %q",
				name, len(over), tab.TooLarge, len(tab.Lines), tab.Diagnostics, want)
		}
		p := &Policy{Allow: Parse("hosts.allow", []byte("ALL: ALL: allow\n"), Debian), Deny: MissingTable("hosts.deny", Debian)}
		if name == "hosts.allow" {
			p.Allow = tab
		} else {
			p.Allow, p.Deny = MissingTable("hosts.allow", Debian), tab
		}
		for _, d := range []*Decision{p.Decide(limitRequest("10.0.0.1")), p.Evaluate(limitRequest("10.0.0.1")), p.NewDecider().Decide(limitRequest("10.0.0.1"))} {
			if d.Access != Denied || d.Matched != nil || d.Error != want || len(d.Warnings) != 1 || d.Warnings[0] != "error: "+want {
				t.Errorf("%s too large: got %s by %v, error %q, warnings %q; want a denial with error %q", name, d.Access, d.Matched, d.Error, d.Warnings, want)
			}
		}
	}

	// Check reports the table and compares nothing with it.
	allow := Parse("hosts.allow", []byte("ALL: ALL\nsshd: 10.0.0.1\n"), Debian)
	deny := Parse("hosts.deny", over, Debian)
	var codes []string
	for _, d := range Check(allow, deny, CheckOptions{Paranoid: true}) {
		codes = append(codes, d.Code)
	}
	// (Without the analysis skipped, line 2 of hosts.allow is shadowed.)
	if got := strings.Join(codes, " "); !strings.Contains(got, "table-too-large") || strings.Contains(got, "shadowed-rule") || strings.Contains(got, "reach-skipped") {
		t.Errorf("Check: %s; want table-too-large and no analysis across the tables", got)
	}
	if _, ok := Reach(&Policy{Allow: allow, Deny: deny}); ok {
		t.Error("Reach analysed tables one of which was not read")
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

// TestLimit_ReachWork: the analysis of rules no request reaches counts its
// steps against MaxReachWork. A blocklist's steps grow with its length, so
// one of 20,000 lines is analysed (and the repeated address found
// shadowed). EXCEPT lists that combine names and addresses make the steps
// grow faster: Reach stops once it has taken MaxReachWork of them, and
// Check says it skipped the analysis and still reports everything else.
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
	var perLine []float64
	for _, n := range []int{100, 1000, 20_000} {
		big := blocklist(n)
		_, steps, ok := reach(&Policy{Deny: big}, nil, MaxReachWork)
		if !ok {
			t.Fatalf("%d lines: Reach gave up after %d steps", n+1, steps)
		}
		perLine = append(perLine, float64(steps)/float64(n+1))
		if got := codes(Check(nil, big, CheckOptions{})); got["shadowed-rule"] != 1 || got["reach-skipped"] != 0 {
			t.Errorf("%d lines: %v, want one shadowed-rule and no reach-skipped", n+1, got)
		}
	}
	if perLine[2] > 1.5*perLine[1] {
		t.Errorf("steps per line grow with the blocklist: %.1f for 1,001 lines, %.1f for 20,001", perLine[1], perLine[2])
	}

	var b strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, "ALL: .d%d.example EXCEPT 10.%d.%d.1\n", i, i/250, i%250)
	}
	joint := Parse("hosts.deny", []byte(b.String()), Debian)
	_, steps, ok := reach(&Policy{Deny: joint}, nil, MaxReachWork)
	// A step is counted once done: Reach may overrun by one
	// representative's work, here a few steps.
	if ok || steps <= MaxReachWork || steps > MaxReachWork+1000 {
		t.Errorf("EXCEPT lists: ok=%v after %d steps, want to give up just past %d", ok, steps, MaxReachWork)
	}
	got := codes(Check(nil, joint, CheckOptions{Paranoid: true}))
	if got["reach-skipped"] != 1 || got["shadowed-rule"] != 0 || got["name-without-paranoid"] != 1000 {
		t.Errorf("EXCEPT lists: %v, want reach-skipped and the other findings", got)
	}
}

// TestLimit_ReachRequests: the daemon side's representatives are every
// daemon with every server; daemon@host patterns naming many daemons
// and many addresses make more than MaxReachRequests of them, and Check
// says it skipped the analysis before building them.
func TestLimit_ReachRequests(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 1200; i++ {
		fmt.Fprintf(&b, "d%d@10.%d.%d.1: ALL\n", i, i/250, i%250)
	}
	tab := Parse("hosts.allow", []byte(b.String()), Debian)
	p := &Policy{Allow: tab}
	if sp := newReachSpace(p, MaxReachRequests, newFileReader(p, &reachBudget{left: MaxReachWork})); sp != nil {
		t.Fatalf("%d daemons by %d servers built, over MaxReachRequests", len(sp.daemons), len(sp.servers))
	}
	for _, d := range Check(tab, nil, CheckOptions{}) {
		if d.Code == "reach-skipped" {
			return
		}
	}
	t.Error("no reach-skipped")
}

// TestLimit_ReachPatternFileWords: Reach gives up when a decision might
// read more than MaxPatternFileWords pattern-file words (the words of
// every list's files, a file as often as lists name it), as a decision
// stops there with an error that Reach, which decides one list at a time,
// does not see. It reads no further than that, even in pattern files that
// name further pattern files without end (a binary names the libraries it
// loads).
func TestLimit_ReachPatternFileWords(t *testing.T) {
	files := MapFiles{}
	// 30 files of 50,000 words each (1,500,000 words in all, under
	// MaxReachRequests), every one naming the next.
	words := strings.Repeat("10.9.9.9 ", 50_000)
	for i := 0; i < 30; i++ {
		files["/f"+itoa(i)] = words + "/f" + itoa(i+1) + "\n"
	}
	p := &Policy{Allow: Parse("hosts.allow", []byte("sshd: /f000\n"), Debian), Files: files}
	if newReachSpace(p, MaxReachRequests, newFileReader(p, &reachBudget{left: MaxReachWork})) != nil {
		t.Fatal("the representatives were built from more than MaxPatternFileWords pattern-file words")
	}
	if _, ok := Reach(p); ok {
		t.Fatal("Reach answered")
	}
	// Under the limit, it reads them all and answers.
	p.Allow = Parse("hosts.allow", []byte("sshd: /f028\n"), Debian)
	if _, ok := Reach(p); !ok {
		t.Fatal("Reach gave up on 100,000 pattern-file words")
	}
	// Two lists name one file of 600,000 words: a client that matches
	// neither reads 1,200,000 words and is denied over the limit before
	// the third rule. Reach used to count the file's words once, answer,
	// and give that rule such a client as its witness.
	files["/big"] = strings.Repeat("10.9.9.9 ", 600_000)
	p.Allow = Parse("hosts.allow", []byte("sshd: /big\nsshd: /big\nsshd: 192.0.2.9\n"), Debian)
	d := p.Decide(Request{Daemon: "sshd", Client: Endpoint{Socket: netip.MustParseAddrPort("192.0.2.9:4000")}})
	if d.Matched != nil || d.Error == "" {
		t.Fatalf("192.0.2.9 decided by %v (error %q), want the word limit's error", d.Matched, d.Error)
	}
	if rules, ok := Reach(p); ok {
		t.Fatalf("Reach answered %+v", rules[2])
	}
}

// tooLargeFiles refuses one file as Files over their size limit must.
type tooLargeFiles struct {
	MapFiles
	big string
}

func (f tooLargeFiles) ReadFile(name string) ([]byte, error) {
	if name == f.big {
		return nil, &fs.PathError{Op: "read", Path: name, Err: syscall.EFBIG}
	}
	return f.MapFiles.ReadFile(name)
}

// TestLimit_TcpdchkTableSize: tcpdchk examines no part of a table Files
// refuse as too large: it says so on standard error, prints nothing else
// and exits with status 1.
func TestLimit_TcpdchkTableSize(t *testing.T) {
	for _, big := range []string{"hosts.allow", "hosts.deny"} {
		files := tooLargeFiles{MapFiles{"hosts.allow": "sshd: ALL\n", "hosts.deny": "ALL: ALL\n"}, big}
		r := (&Policy{Files: files}).Tcpdchk(&TcpdchkOptions{Verbose: true, InetdConf: "/dev/null", AllowPath: "hosts.allow", DenyPath: "hosts.deny"})
		want := big + ": table larger than 16 MiB (16777216 bytes): not read"
		if r.ExitCode != 1 || len(r.Stderr) != 1 || r.Stderr[0] != want || len(r.Lines) != 0 || len(r.Stdout) != 0 {
			t.Errorf("%s too large: exit %d, stderr %q, lines %q; want exit 1 and only %q", big, r.ExitCode, r.Stderr, r.Lines, want)
		}
	}
}

// TestLimit_PatternFileTooLarge: a pattern file Files refuse as too
// large is not a file that cannot be opened. libwrap reads it whole and
// might find the client in it, so a decision that reaches it is denied
// with an error (in hosts.deny, "no match" would let the client in);
// Reach gives no rule as unreachable on its account, and the checker
// says it is an error.
func TestLimit_PatternFileTooLarge(t *testing.T) {
	files := tooLargeFiles{MapFiles{"/small": "10.9.9.9\n"}, "/big"}
	p := &Policy{
		Allow: Parse("hosts.allow", []byte("sshd: /big\nsshd: 10.0.0.1\n"), Debian),
		Deny:  Parse("hosts.deny", []byte("ALL: ALL\n"), Debian),
		Files: files,
	}
	d := p.Decide(limitRequest("10.0.0.1"))
	if d.Access != Denied || !strings.Contains(d.Error, "pattern file /big") || !strings.Contains(d.Error, "too large") {
		t.Fatalf("got %s, error %q; want denied with a too-large error", d.Access, d.Error)
	}
	e := p.Evaluate(limitRequest("10.0.0.1"))
	if e.Access != Denied || e.Error != d.Error {
		t.Fatalf("Evaluate: got %s, error %q; want Decide's %q", e.Access, e.Error, d.Error)
	}
	// A file Files can read is still read as before.
	p.Allow = Parse("hosts.allow", []byte("sshd: /small\nsshd: 10.0.0.1\n"), Debian)
	if d := p.Decide(limitRequest("10.0.0.1")); d.Access != Granted || d.Error != "" {
		t.Fatalf("readable file: got %s, error %q", d.Access, d.Error)
	}

	// Reach cannot tell which clients /big holds: it gives up rather than
	// call line 1 a rule no request matches.
	p.Allow = Parse("hosts.allow", []byte("sshd: /big\nsshd: 10.0.0.1\n"), Debian)
	if rules, ok := Reach(p); ok {
		t.Fatalf("Reach answered %+v; want it to give up", rules)
	}
	diags := Check(p.Allow, p.Deny, CheckOptions{Files: files})
	var codes []string
	for _, dg := range diags {
		codes = append(codes, dg.Code)
		if dg.Code == "rule-never-matches" && dg.Span.Start.Line == 1 {
			t.Errorf("line 1 reported as never matching: %v", dg)
		}
	}
	found := false
	for _, dg := range diags {
		if dg.Code == "pattern-file-too-large" && dg.Severity == SeverityError && dg.Span.Start.Line == 1 {
			found = true
		}
	}
	if !found {
		t.Errorf("no pattern-file-too-large error on line 1; got %v", codes)
	}
}
