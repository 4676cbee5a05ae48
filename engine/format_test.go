package engine

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine/golden"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

func TestFormatExamples(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"sshd,in.ftpd : 10.0.0.1 10.0.0.2\n", "sshd, in.ftpd: 10.0.0.1, 10.0.0.2\n"},
		{"ALL except sshd:ALL:spawn echo a\\:b  :deny\n", "ALL EXCEPT sshd: ALL: spawn echo a\\:b: deny\n"},
		{"  \t\n# comment \\\nnext\n", "\n# comment \\\nnext\n"},
		{"sshd: ALL:\n", "sshd: ALL:\n"},
		{" # ALL: ALL\n", " # ALL: ALL\n"},     // a rule whose first token is "#"
		{"sshd 10.0.0.1\n", "sshd 10.0.0.1\n"}, // no separator: kept
		{"sshd: 10.0.0.1", "sshd: 10.0.0.1"},   // unterminated: kept
		{"sshd: [::1] :deny\n", "sshd: [::1]: deny\n"},
		{"sshd: ALL: spawn x\\ : deny\n", "sshd: ALL: spawn x\\ : deny\n"},
		// A backslash before blanks ends nothing; before the newline it
		// would join the next line: kept (found by FuzzFormat).
		{"sshd: a \\  \nALL: ALL\n", "sshd: a \\  \nALL: ALL\n"},
		{"sshd: ALL: spawn x \\ \t\n", "sshd: ALL: spawn x \\ \t\n"},
		{"sshd: a \\ , b  \n", "sshd: a, \\, b\n"},
	} {
		if got := string(Format([]byte(tc.in), Debian)); got != tc.want {
			t.Errorf("Format(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestFormatKeepsDecisions formats every table of the golden corpus and of
// random cases and requires the same decision, log and line numbers for
// every request before and after, and nothing more to change on a second
// run.
func TestFormatKeepsDecisions(t *testing.T) {
	var tables []string
	paths, _ := filepath.Glob("testdata/*/*.txtar")
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		a := golden.Parse(b)
		for _, name := range []string{"hosts.allow", "hosts.deny"} {
			if s, ok := file(t, a, name); ok {
				tables = append(tables, s)
			}
		}
	}
	var reqs []Request
	for seed := uint64(1); seed <= 200; seed++ {
		c := tablegen.Random(seed)
		for _, s := range []*string{c.Allow, c.Deny} {
			if s != nil {
				tables = append(tables, strings.ReplaceAll(*s, "{DIR}", "/case"))
			}
		}
		for _, r := range c.Requests {
			reqs = append(reqs, Request{Daemon: r.Daemon, User: r.User, Client: Endpoint{Socket: r.Client}, Server: Endpoint{Socket: r.Server}})
		}
	}
	reqs = reqs[:120]
	reqs = append(reqs, Request{Daemon: "sshd", Client: Endpoint{Addr: "10.0.0.1"}},
		Request{Daemon: "sshd", Client: Endpoint{Socket: netip.MustParseAddrPort("10.0.0.9:1")}})
	res := NewHostsResolver("hosts", []byte(strings.Join([]string{
		"10.0.0.1 good.example.com good", "10.0.0.9 127.0.0.5", "10.0.0.7 canon.example.com alias.example.com",
		"2001:db8::1 v6host.example.com", "127.1.0.2 lo2"}, "\n"))).WithNetgroups("netgroup", []byte("trusted (good.example.com,,)\n"))
	files := MapFiles{"/case/list": "10.0.0.1 .example.com\n", "/case/ban/sshd": "hi %a\n"}
	changed := 0
	for _, prof := range []Profile{Debian, FreeBSD, Upstream} {
		for _, text := range tables {
			if once := formatKeeps(t, text, prof, reqs, res, files); string(once) != text {
				changed++
			}
		}
	}
	if changed < len(tables) {
		t.Logf("Format rewrote %d of %d table texts (over three profiles)", changed, 3*len(tables))
	}
	if changed == 0 {
		t.Fatal("Format changed nothing: the test proves nothing")
	}
}

// formatKeeps formats text for prof and fails unless a second Format
// changes nothing and the formatted text, read as either table, decides
// every request of reqs as text does. It returns the formatted text.
func formatKeeps(t testing.TB, text string, prof Profile, reqs []Request, res Resolver, files Files) []byte {
	t.Helper()
	once := Format([]byte(text), prof)
	if twice := Format(once, prof); string(twice) != string(once) {
		t.Fatalf("%v: a second Format changed\n%q\nto\n%q", prof, once, twice)
	}
	if a, b := strings.Count(text, "\n"), bytes.Count(once, []byte("\n")); a != b {
		t.Fatalf("%v: Format changed the %d physical lines of %q to %d: %q", prof, a, text, b, once)
	}
	before := &Policy{Deny: Parse("hosts.deny", []byte(text), prof), Allow: Parse("hosts.allow", []byte(text), prof), Resolver: res, Files: files}
	after := &Policy{Deny: Parse("hosts.deny", once, prof), Allow: Parse("hosts.allow", once, prof), Resolver: res, Files: files}
	// The logical lines keep their kinds and numbers, and reading finds
	// the same problems on the same lines.
	if a, b := lineShape(before.Allow), lineShape(after.Allow); a != b {
		t.Fatalf("%v: Format changed the lines of %q\nfrom %s\nto   %s\nformatted %q", prof, text, a, b, once)
	}
	for _, r := range reqs {
		if da, db := decisionText(before.Decide(r)), decisionText(after.Decide(r)); da != db {
			t.Fatalf("%v: Format changed a decision for %+v\ntable %q\nformatted %q\nbefore %s\nafter  %s", prof, r, text, once, da, db)
		}
	}
	return once
}

// lineShape prints each logical line's kind and number and each reading
// diagnostic's line, severity and code.
func lineShape(t *Table) string {
	var b strings.Builder
	for _, ln := range t.Lines {
		fmt.Fprintf(&b, "%v@%d ", ln.Kind, ln.Num)
	}
	for _, d := range t.Diagnostics {
		fmt.Fprintf(&b, "[%d %v %s] ", d.Span.Start.Line, d.Severity, d.Code)
	}
	return b.String()
}

func decisionText(d *Decision) string {
	s := fmt.Sprint(d.Access, d.Matches, d.Log, d.Commands, d.Error, d.Banner)
	for _, o := range d.Options {
		s += " " + o.Name
		if o.Value != nil {
			s += "=" + *o.Value
		}
	}
	return s
}
