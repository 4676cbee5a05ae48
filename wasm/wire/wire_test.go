package wire

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

func ptr(s string) *string { return &s }

func TestEvaluate(t *testing.T) {
	in := Input{
		Policy: Policy{
			Allow: ptr("# comment\nsshd: 10.0.0.0/255.255.255.0 EXCEPT 10.0.0.9\n"),
			Deny:  ptr("ALL: ALL\n"),
			Hosts: "10.0.0.1 good.example.com\n10.0.0.2 multi.example.com\n10.0.0.9 multi.example.com\n",
		},
		Requests: []Request{
			{Daemon: "sshd", Client: "good.example.com", ClientPort: 2222},
			{Daemon: "sshd", Client: "multi.example.com"},
			{Daemon: "sshd", Client: "nohost.example.com"},
			{Daemon: "in.ftpd", Server: "10.0.0.1", ServerPort: 21, User: "bob", Client: "unknown"},
		},
	}
	out := Evaluate(in)
	if out.Error != "" || len(out.Results) != 4 {
		t.Fatalf("%+v", out)
	}
	var got []string
	for _, rr := range out.Results {
		if rr.Error != "" {
			got = append(got, "error: "+rr.Error)
			continue
		}
		for _, p := range rr.Predictions {
			rule := "-"
			if p.Matched != nil {
				rule = fmt.Sprintf("%s:%d %q", p.Matched.File, p.Matched.Line, p.Matched.Text)
			}
			got = append(got, fmt.Sprintf("%s %s %s %s@%s", p.Request.Address, p.Access, rule, p.Request.Daemon, p.Request.Client))
		}
	}
	want := []string{
		`10.0.0.1 granted hosts.allow:2 "sshd: 10.0.0.0/255.255.255.0 EXCEPT 10.0.0.9" sshd@good.example.com`,
		`10.0.0.2 granted hosts.allow:2 "sshd: 10.0.0.0/255.255.255.0 EXCEPT 10.0.0.9" sshd@multi.example.com`,
		`10.0.0.9 denied hosts.deny:1 "ALL: ALL" sshd@multi.example.com`,
		`error: nohost.example.com: host not found`,
		` denied hosts.deny:1 "ALL: ALL" in.ftpd@10.0.0.1@bob@unknown`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	p := out.Results[0].Predictions[0]
	if p.Matched.Path != AllowPath || len(p.Trace) != 2 || p.Trace[0].Kind != "comment" || p.Request.ClientPort != 2222 {
		t.Errorf("prediction: %+v", p)
	}
	if p := out.Results[3].Predictions[0]; p.User == nil || *p.User != "bob" || p.Server.Port != 21 {
		t.Errorf("user and server: %+v", p)
	}
}

// TestEffects: a prediction carries the options' changes to the process
// and connection in order, each with the call libwrap makes; Debian's
// user option makes none (it switches no ids), FreeBSD's does.
func TestEffects(t *testing.T) {
	allow := ptr("sshd: ALL: user nobody.nogroup: nice: umask 27: keepalive: linger 0\n")
	for _, tc := range []struct {
		profile, want string
	}{
		{"debian", "nice nice(10)|umask umask(027)|keepalive setsockopt(SO_KEEPALIVE)|linger setsockopt(SO_LINGER, off)"},
		{"freebsd", "group setgid(nogroup)|user setuid(nobody)|nice nice(10)|umask umask(027)|keepalive setsockopt(SO_KEEPALIVE)|linger setsockopt(SO_LINGER, off)"},
	} {
		out := Evaluate(Input{Policy: Policy{Allow: allow, Profile: tc.profile}, Requests: []Request{{Daemon: "sshd", Client: "10.0.0.1"}}})
		if out.Error != "" || len(out.Results) != 1 || len(out.Results[0].Predictions) != 1 {
			t.Fatalf("%s: %+v", tc.profile, out)
		}
		var got []string
		for _, e := range out.Results[0].Predictions[0].Effects {
			got = append(got, e.Kind+" "+e.Text)
		}
		if g := strings.Join(got, "|"); g != tc.want {
			t.Errorf("%s: effects %q, want %q", tc.profile, g, tc.want)
		}
	}
}

// TestNoTrace: the indexed path answers the same, without a trace.
func TestNoTrace(t *testing.T) {
	in := Input{Policy: Policy{Allow: ptr("sshd: 10.0.0.1\n"), Deny: ptr("ALL: ALL\n")},
		Requests: []Request{{Daemon: "sshd", Client: "10.0.0.1"}, {Daemon: "sshd", Client: "10.0.0.2"}}}
	full := Evaluate(in)
	in.NoTrace = true
	fast := Evaluate(in)
	for i := range full.Results {
		a, b := full.Results[i].Predictions[0], fast.Results[i].Predictions[0]
		if b.Trace != nil || a.Trace == nil {
			t.Errorf("request %d: traces %v, %v", i, a.Trace, b.Trace)
		}
		a.Trace = nil
		if ja, jb := mustMarshal(t, a), mustMarshal(t, b); ja != jb {
			t.Errorf("request %d:\n%s\n%s", i, ja, jb)
		}
	}
}

func mustMarshal(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMissingAndEmpty: null is a missing table, "" an empty one; both
// read as no rules.
func TestMissingAndEmpty(t *testing.T) {
	for _, in := range []string{`{"requests":[{"daemon":"a","client":"1.2.3.4"}]}`, `{"allow":"","deny":null,"requests":[{"daemon":"a","client":"1.2.3.4"}]}`} {
		var out Output
		if err := json.Unmarshal(EvaluateJSON([]byte(in)), &out); err != nil {
			t.Fatal(err)
		}
		if p := out.Results[0].Predictions[0]; p.Access != "granted" || p.Matched != nil {
			t.Errorf("%s: %+v", in, p)
		}
	}
}

// TestErrorsAsData: every bad input gives a JSON object with an error.
func TestErrorsAsData(t *testing.T) {
	many := `{"requests":[` + strings.TrimSuffix(strings.Repeat(`{"daemon":"a","client":"1.2.3.4"},`, MaxRequests+1), ",") + `]}`
	tests := []struct{ in, want string }{
		{``, "bad JSON input: EOF"},
		{`{`, "bad JSON input: unexpected EOF"},
		{`null`, "want an object"},
		{`[]`, "want an object"},
		{`{} {}`, "data after the object"},
		{`{"version":2}`, "unsupported version 2"},
		{`{"profile":"aix"}`, `unknown profile "aix"`},
		{`{"files":{"rel":"x"}}`, "not an absolute path"},
		{`{"allowName":"x","denyName":"x"}`, "both"},
		{`{"requests":[{"daemon":"a","client":"b","extra":1}]}`, "unknown field"},
		{`{"allow":"` + strings.Repeat("x", MaxInputSize) + `"}`, "at most 1048576"},
		{many, "at most 10000"},
	}
	for _, tc := range tests {
		var out Output
		raw := EvaluateJSON([]byte(tc.in))
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%.40q: not JSON: %s", tc.in, raw)
		}
		if !strings.Contains(out.Error, tc.want) || out.Results != nil {
			t.Errorf("%.40q: got %s, want an error with %q", tc.in, raw, tc.want)
		}
	}
}

// TestLimits: exactly MaxRequests requests and MaxInputSize bytes pass.
func TestLimits(t *testing.T) {
	reqs := make([]Request, MaxRequests)
	for i := range reqs {
		reqs[i] = Request{Daemon: "sshd", Client: "10.0.0.1"}
	}
	in := Input{Policy: Policy{Deny: ptr("ALL: ALL\n")}, Requests: reqs, NoTrace: true}
	b := mustMarshal(t, in)
	if len(b) > MaxInputSize {
		t.Fatalf("%d requests take %d bytes", MaxRequests, len(b))
	}
	var out Output
	if err := json.Unmarshal(EvaluateJSON([]byte(b)), &out); err != nil || out.Error != "" || len(out.Results) != MaxRequests {
		t.Fatalf("%d requests: %v %q %d", MaxRequests, err, out.Error, len(out.Results))
	}
	pad := MaxInputSize - len(`{"deny":"","requests":[]}`)
	exact := `{"deny":"` + strings.Repeat("#", pad) + `","requests":[]}`
	if len(exact) != MaxInputSize {
		t.Fatal(len(exact))
	}
	if got := string(EvaluateJSON([]byte(exact))); got != `{"results":[]}` {
		t.Errorf("input of exactly MaxInputSize bytes: %.200s", got)
	}
}

// TestTableSizeLimit: JSON input stops at MaxInputSize, but a Go caller
// can give Compile a table of any size. One of engine.MaxTableSize bytes
// is read whole; one byte more and no request is decided, nor the tables
// checked or formatted: the error names the table and the limit.
func TestTableSizeLimit(t *testing.T) {
	const rule = "sshd: 10.0.0.1\n"
	at := tablegen.OfSize(engine.MaxTableSize, rule)
	out := Evaluate(Input{Policy: Policy{Deny: &at}, Requests: []Request{{Daemon: "sshd", Client: "10.0.0.1"}}, NoTrace: true})
	if out.Error != "" || len(out.Results) != 1 || len(out.Results[0].Predictions) != 1 ||
		out.Results[0].Predictions[0].Access != "denied" || out.Results[0].Predictions[0].Matched == nil {
		t.Fatalf("a table of %d bytes: %+v", len(at), out)
	}
	over := tablegen.OfSize(engine.MaxTableSize+1, rule)
	for _, p := range []Policy{{Deny: &over}, {Allow: &over, AllowName: "a"}} {
		name := DenyPath
		if p.Allow != nil {
			name = "a"
		}
		want := name + ": table larger than 16 MiB (16777216 bytes): not read"
		out := Evaluate(Input{Policy: p, Requests: []Request{{Daemon: "sshd", Client: "10.0.0.1"}}})
		if out.Error != want || out.Results != nil {
			t.Errorf("Evaluate, %s too large: error %q, %d results; want only %q", name, out.Error, len(out.Results), want)
		}
		if c := Check(p); c.Error != want || len(c.Diagnostics) != 0 {
			t.Errorf("Check, %s too large: %+v; want the error %q", name, c, want)
		}
		if f := Format(p); f.Error != want || f.Allow != nil || f.Deny != nil {
			t.Errorf("Format, %s too large: error %q; want %q and no tables", name, f.Error, want)
		}
	}
}

// TestInvalidUTF8: bytes that are not UTF-8 are read as U+FFFD, not
// refused.
func TestInvalidUTF8(t *testing.T) {
	out := string(EvaluateJSON([]byte("{\"deny\":\"ALL: 10.0.0.1\xff\\n\",\"requests\":[{\"daemon\":\"sshd\",\"client\":\"10.0.0.1\"}]}")))
	if !strings.Contains(out, `"text":"ALL: 10.0.0.1\ufffd"`) && !strings.Contains(out, "ALL: 10.0.0.1\uFFFD") {
		t.Errorf("%.600s", out)
	}
}

func TestDecide(t *testing.T) {
	c, err := Compile(Policy{Allow: ptr("a: 1.2.3.4\n\nb: ALL\n"), Deny: ptr("ALL: 10.0.0.1\nc: ALL: twist /bin/echo no\n")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		daemon, addr string
		want         uint32
	}{
		{"a", "1.2.3.4", AccessGranted | 1<<LineShift},
		{"b", "9.9.9.9", AccessGranted | 3<<LineShift},
		{"x", "10.0.0.1", AccessDenied | FlagDeny | 1<<LineShift},
		{"c", "9.9.9.9", AccessDelegated | FlagDeny | 2<<LineShift},
		{"x", "9.9.9.9", AccessGranted},
	}
	for _, tc := range tests {
		if got := c.Decide(tc.daemon, netip.AddrPortFrom(netip.MustParseAddr(tc.addr), 1)); got != tc.want {
			t.Errorf("%s %s: %#x, want %#x", tc.daemon, tc.addr, got, tc.want)
		}
	}
	// A table the engine refuses to read to the end: denied, with the flag.
	c, _ = Compile(Policy{Deny: ptr("x: y")})
	if got := c.Decide("sshd", netip.MustParseAddrPort("1.2.3.4:1")); got&AccessMask != AccessDenied {
		t.Errorf("unterminated deny table: %#x", got)
	}
}
