package wire

import (
	"fmt"
	"strings"
	"testing"
)

// stepLine is a step as a test compares it.
func stepLine(s Step) string {
	if s.Kind == "fold" {
		return fmt.Sprintf("%s:%d-%d fold %d (%d)", s.File, s.Line, s.EndLine, s.Count, s.DaemonLines)
	}
	return fmt.Sprintf("%s:%d %s match=%v", s.File, s.Line, s.Kind, s.Match)
}

// TestTraceFold: runs of quiet steps of one file become one step; the
// deciding rule and short runs stay; TraceLines gives a fold's steps
// back.
func TestTraceFold(t *testing.T) {
	var deny strings.Builder
	deny.WriteString("# blocklist\n")
	for i := range 6 {
		fmt.Fprintf(&deny, "ALL: 10.0.0.%d\n", i+1)
	}
	deny.WriteString("sshd 10.0.0.7\n") // no colon: folded too
	deny.WriteString("in.ftpd: ALL\nsshd: 10.0.0.1 : severity\nin.ftpd: ALL\n")
	deny.WriteString("sshd: 192.0.2.2\n")
	in := Input{Policy: Policy{Allow: ptr("in.ftpd: 1.2.3.4\nin.ftpd: 1.2.3.5\nin.ftpd: 1.2.3.6\nin.ftpd: 1.2.3.7\n"), Deny: ptr(deny.String())},
		Requests: []Request{{Daemon: "sshd", Client: "192.0.2.2"}}, TraceFold: 3}
	p := Evaluate(in).Results[0].Predictions[0]
	var got []string
	for _, s := range p.Trace {
		got = append(got, stepLine(s))
	}
	want := []string{
		"hosts.allow:1-4 fold 4 (0)",
		"hosts.deny:1-11 fold 11 (7)",
		"hosts.deny:12 rule match=true",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("folded trace:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p.Access != "denied" || p.Matched == nil || p.Matched.Line != 12 {
		t.Errorf("decision: %s %+v", p.Access, p.Matched)
	}
	if f := p.Trace[1]; f.Span.Start.Line != 1 || f.Span.End.Line != 12 || f.Text != "" || f.Daemons != nil {
		t.Errorf("fold: %+v", f)
	}

	in.TraceFold = 0
	in.TraceLines = &LineRange{File: "hosts.deny", First: 2, Last: 4}
	got = nil
	for _, s := range Evaluate(in).Results[0].Predictions[0].Trace {
		got = append(got, stepLine(s))
		if len(s.Daemons) == 0 {
			t.Errorf("step %s without its tokens", stepLine(s))
		}
	}
	if want := "hosts.deny:2 rule match=false hosts.deny:3 rule match=false hosts.deny:4 rule match=false"; strings.Join(got, " ") != want {
		t.Errorf("lines 2-4: %s, want %s", strings.Join(got, " "), want)
	}
}

// TestCacheTables: a TableCache's table answers as a fresh parse does, and an
// edited text is parsed again.
func TestCacheTables(t *testing.T) {
	tc := &TableCache{}
	in := Input{Policy: Policy{Allow: ptr(""), Deny: ptr("sshd: 10.0.0.1\n")}, Requests: []Request{{Daemon: "sshd", Client: "10.0.0.1"}}, NoTrace: true}
	access := func() string {
		out, _ := evaluate(call{}, in, tc)
		return out.Results[0].Predictions[0].Access
	}
	if a := access(); a != "denied" {
		t.Fatalf("first: %s", a)
	}
	c1, _ := tc.Compile(in.Policy)
	c2, _ := tc.Compile(in.Policy)
	if c1.policy.Deny != c2.policy.Deny {
		t.Error("the same text was parsed twice")
	}
	if c3, _ := Compile(in.Policy); c3.policy.Deny == c2.policy.Deny {
		t.Error("Compile, without a cache, reused a table")
	}
	in.Deny = ptr("sshd: 10.0.0.2\n")
	if a := access(); a != "granted" {
		t.Errorf("after the edit: %s", a)
	}
	in.Profile = "upstream"
	if c3, _ := tc.Compile(in.Policy); c3.policy.Deny == c2.policy.Deny || c3.policy.Deny.Profile.String() != "upstream" {
		t.Error("another profile reused the table")
	}
}
