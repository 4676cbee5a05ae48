package web

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// The tables of the hosts_ctl tests: the name a hosts_ctl caller gives is
// the client's name (never looked up), so sendmail's request from
// 10.0.0.1 as mail.example.com is granted where a connection from
// 10.0.0.1, which the hosts table names good.example.com, is denied
// (engine/testdata/found/F50).
const (
	ctlAllow = "sendmail: mail.example.com\n"
	ctlDeny  = "ALL: ALL\n"
	ctlHosts = "10.0.0.1 good.example.com\n"
)

// TestEvaluateCtl: POST /api/evaluate takes hosts_ctl requests, and
// answers what wire.Evaluate does.
func TestEvaluateCtl(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	in := `{"allow":` + mustJSON(t, ctlAllow) + `,"deny":` + mustJSON(t, ctlDeny) + `,"hosts":` + mustJSON(t, ctlHosts) + `,
		"requests":[{"ctl":{"daemon":"sendmail","name":"mail.example.com","addr":"10.0.0.1","user":""}},
		{"daemon":"sendmail","client":"10.0.0.1"},
		{"ctl":{"daemon":"sendmail","addr":"10.0.0.1"},"client":"10.0.0.1"}],"dns":{"mode":"missing"}}`
	res := do(t, h, "POST", "/api/evaluate", jsonCT, in)
	if res.code != 200 {
		t.Fatalf("POST /api/evaluate = %d %s", res.code, res.body)
	}
	var out wire.Output
	if err := json.Unmarshal([]byte(res.body), &out); err != nil || len(out.Results) != 3 {
		t.Fatalf("%v: %s", err, res.body)
	}
	p := out.Results[0].Predictions
	if len(p) != 1 || p[0].Access != "granted" || p[0].Request.Ctl == nil || p[0].Request.Ctl.Name != "mail.example.com" ||
		p[0].Client.Name == nil || *p[0].Client.Name != "mail.example.com" {
		t.Errorf("the hosts_ctl request: %s", mustJSON(t, out.Results[0]))
	}
	if p := out.Results[1].Predictions; len(p) != 1 || p[0].Access != "denied" || p[0].Request.Ctl != nil {
		t.Errorf("the connection: %s", mustJSON(t, out.Results[1]))
	}
	if e := out.Results[2].Error; !strings.Contains(e, `a hosts_ctl request ("ctl") has no "client"`) {
		t.Errorf("ctl and client: %q", e)
	}
	var win wire.Input
	if err := json.Unmarshal([]byte(in), &win); err != nil {
		t.Fatal(err)
	}
	if want := mustJSON(t, wire.Evaluate(win)); strings.TrimSpace(res.body) != want {
		t.Errorf("answer differs from wire.Evaluate:\n got %s\nwant %s", res.body, want)
	}
	// A bad ctl is refused as a whole, as any type error is.
	if res := do(t, h, "POST", "/api/evaluate", jsonCT, `{"requests":[{"ctl":"sendmail"}]}`); res.code != 400 || !strings.Contains(res.body, "malformed JSON") {
		t.Errorf("ctl a string: %d %s", res.code, res.body)
	}
}

// TestShareCtl: a share keeps its hosts_ctl requests, JSON and ID, and
// its page shows them as hosts_ctl rows and results.
func TestShareCtl(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	d := Document{Allow: ptr(ctlAllow), Deny: ptr(ctlDeny), Hosts: ptr(ctlHosts), Requests: []wire.Request{
		{Ctl: &wire.CtlEcho{Daemon: "sendmail", Name: "mail.example.com", Addr: "10.0.0.1"}},
		{Daemon: "sendmail", Client: "10.0.0.1"},
	}}
	body := mustJSON(t, d)
	code, c := create(t, h, body)
	if code != 201 {
		t.Fatalf("create = %d", code)
	}
	// The same document as a connection only is another share.
	d2 := d
	d2.Requests = []wire.Request{{Daemon: "sendmail", Client: "10.0.0.1"}, {Daemon: "sendmail", Client: "10.0.0.1"}}
	if code, c2 := create(t, h, mustJSON(t, d2)); code != 201 || c2.ID == c.ID {
		t.Errorf("a document without the ctl request: %d, ID %s (the ctl one's is %s)", code, c2.ID, c.ID)
	}
	res := do(t, h, "GET", "/api/shares/"+c.ID, "", "")
	got, err := decodeDocument([]byte(res.body))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Requests, d.Requests) {
		t.Errorf("stored requests %s, want %s", mustJSON(t, got.Requests), mustJSON(t, d.Requests))
	}
	if err := got.normalize(); err != nil || got.ID() != c.ID {
		t.Errorf("the stored document's ID %s (%v), want %s", got.ID(), err, c.ID)
	}
	page := do(t, h, "GET", "/s/"+c.ID, "", "").body
	for _, want := range []string{
		`<option value="ctl" selected>hosts_ctl</option>`,
		`<input class="name" type="text" value="mail.example.com" aria-label="name"`,
		`<input class="addr" type="text" value="10.0.0.1" aria-label="addr"`,
		`<h3><code>hosts_ctl sendmail mail.example.com 10.0.0.1</code></h3><p><strong class="granted">granted</strong>`,
		`hosts_ctl request: <code>hosts_ctl(&#34;sendmail&#34;, &#34;mail.example.com&#34;, &#34;10.0.0.1&#34;, &#34;&#34;)</code>`,
		`<h3><code>sendmail 10.0.0.1</code></h3><p><strong class="denied">denied</strong>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/s/ID lacks %q", want)
		}
	}
	// The embed's example text reads the request back.
	if txt := exampleTxtar(got); !strings.Contains(txt, "-- requests --\nhosts_ctl sendmail mail.example.com 10.0.0.1\nsendmail 10.0.0.1\n") {
		t.Errorf("example text:\n%s", txt)
	}
}

// TestFormCtl: the form without script takes "hosts_ctl DAEMON NAME ADDR
// [USER]" lines.
func TestFormCtl(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	body := form("allow", ctlAllow, "deny", ctlDeny, "hosts", ctlHosts,
		"requests", "hosts_ctl sendmail mail.example.com 10.0.0.1\r\nsendmail 10.0.0.1\r\nhosts_ctl sendmail \"\" 10.0.0.1 \"\"", "profile", "debian")
	res := do(t, h, "POST", "/", formCT, body)
	if res.code != 200 {
		t.Fatalf("POST / = %d %s", res.code, res.body)
	}
	for _, want := range []string{
		`<h3><code>hosts_ctl sendmail mail.example.com 10.0.0.1</code></h3><p><strong class="granted">granted</strong>`,
		`<h3><code>sendmail 10.0.0.1</code></h3><p><strong class="denied">denied</strong>`,
		// An empty name is unknown, never looked up: denied.
		`<h3><code>hosts_ctl sendmail &#34;&#34; 10.0.0.1</code></h3><p><strong class="denied">denied</strong>`,
		`hosts_ctl request: <code>hosts_ctl(&#34;sendmail&#34;, &#34;&#34;, &#34;10.0.0.1&#34;, &#34;&#34;)</code>`,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("POST / lacks %q", want)
		}
	}
	// /share stores them as hosts_ctl requests.
	res = do(t, h, "POST", "/share", formCT, body)
	if res.code != 303 {
		t.Fatalf("POST /share = %d %s", res.code, res.body)
	}
	id := strings.TrimPrefix(res.header.Get("Location"), "/s/")
	d, err := decodeDocument([]byte(do(t, h, "GET", "/api/shares/"+id, "", "").body))
	if err != nil {
		t.Fatal(err)
	}
	want := []wire.Request{{Ctl: &wire.CtlEcho{Daemon: "sendmail", Name: "mail.example.com", Addr: "10.0.0.1"}},
		{Daemon: "sendmail", Client: "10.0.0.1"}, {Ctl: &wire.CtlEcho{Daemon: "sendmail", Addr: "10.0.0.1"}}}
	if !reflect.DeepEqual(d.Requests, want) {
		t.Errorf("stored %s, want %s", mustJSON(t, d.Requests), mustJSON(t, want))
	}
}

func TestParseRequestsCtl(t *testing.T) {
	for _, c := range []struct {
		line string
		want wire.Request
		err  string
	}{
		{line: "hosts_ctl sendmail mail.example.com 10.0.0.1 alice",
			want: wire.Request{Ctl: &wire.CtlEcho{Daemon: "sendmail", Name: "mail.example.com", Addr: "10.0.0.1", User: "alice"}}},
		{line: `hosts_ctl "" "" "" ""`, want: wire.Request{Ctl: &wire.CtlEcho{}}},
		// A daemon called hosts_ctl is still a connection's.
		{line: "hosts_ctl 10.0.0.1", want: wire.Request{Daemon: "hosts_ctl", Client: "10.0.0.1"}},
		{line: "hosts_ctl sendmail 10.0.0.1", err: `requests line 1: want hosts_ctl DAEMON NAME ADDR [USER], got "hosts_ctl sendmail 10.0.0.1"`},
		{line: "hosts_ctl a b c d e", err: `want hosts_ctl DAEMON NAME ADDR [USER]`},
		{line: "sshd a b", err: `requests line 1: want DAEMON[@SERVER] [USER@]CLIENT or hosts_ctl DAEMON NAME ADDR [USER], either perhaps as VERDICT REQUEST [by RULE], got "sshd a b"`},
		// Expectations: a verdict first, "by RULE" last, as tcpwrap test
		// reads them.
		{line: "denied sshd 10.0.0.9 by hosts.deny:1",
			want: wire.Request{Daemon: "sshd", Client: "10.0.0.9", Expect: &wire.Expect{Access: "denied", Rule: "hosts.deny:1"}}},
		{line: "granted in.ftpd@10.1.0.1 bob@host.example",
			want: wire.Request{Daemon: "in.ftpd", Server: "10.1.0.1", User: "bob", Client: "host.example", Expect: &wire.Expect{Access: "granted"}}},
		{line: "delegated hosts_ctl sendmail mail.example.com 10.0.0.1 by none",
			want: wire.Request{Ctl: &wire.CtlEcho{Daemon: "sendmail", Name: "mail.example.com", Addr: "10.0.0.1"}, Expect: &wire.Expect{Access: "delegated", Rule: "none"}}},
		{line: "denied sshd 10.0.0.9 by hosts.deny:1 # the kiosk",
			want: wire.Request{Daemon: "sshd", Client: "10.0.0.9", Expect: &wire.Expect{Access: "denied", Rule: "hosts.deny:1"}}},
		// Ports, as requestLine writes them.
		{line: "sshd@10.0.0.5 10.0.0.1 --client-port 2222 --server-port 22",
			want: wire.Request{Daemon: "sshd", Server: "10.0.0.5", Client: "10.0.0.1", ClientPort: 2222, ServerPort: 22}},
		{line: "granted sshd 10.0.0.1 --client-port 2222 by none",
			want: wire.Request{Daemon: "sshd", Client: "10.0.0.1", ClientPort: 2222, Expect: &wire.Expect{Access: "granted", Rule: "none"}}},
		{line: "sshd 10.0.0.1 --client-port x", err: `want a port number (0 to 65535) after --client-port`},
		{line: "sshd 10.0.0.1 --client-port 1 --client-port 2", err: `--client-port given twice`},
		{line: "hosts_ctl a b c --client-port 1", err: `a hosts_ctl request has no ports`},
		{line: "--client-port 1", err: `want a request before --client-port`},
		// Two words are a connection: a daemon called denied.
		{line: "denied 10.0.0.1", want: wire.Request{Daemon: "denied", Client: "10.0.0.1"}},
		{line: "denied hosts_ctl 10.0.0.1", err: `want hosts_ctl DAEMON NAME ADDR [USER], got`},
		{line: "denied sshd 10.0.0.9 by hosts.deny", err: `requests line 1: expect: rule "hosts.deny": want hosts.allow:N, hosts.deny:N or none, got`},
		{line: "denied sshd 10.0.0.9 by", err: `want DAEMON[@SERVER] [USER@]CLIENT or hosts_ctl`},
		{line: "denied sshd by hosts.deny:1", err: `want DAEMON[@SERVER] [USER@]CLIENT or hosts_ctl`},
		{line: "refused sshd 10.0.0.9", err: `want DAEMON[@SERVER] [USER@]CLIENT or hosts_ctl`},
		{line: "granted hosts_ctl a b", err: `want hosts_ctl DAEMON NAME ADDR [USER], got`},
		{line: "granted hosts_ctl a b c d e", err: `want hosts_ctl DAEMON NAME ADDR [USER]`},
	} {
		reqs, err := parseRequests(c.line)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want %q", c.line, err, c.err)
		case c.err == "" && (err != nil || len(reqs) != 1 || !reflect.DeepEqual(reqs[0], c.want)):
			t.Errorf("%q: %+v %v, want %+v", c.line, reqs, err, c.want)
		case c.err == "" && requestLine(reqs[0]) != strings.TrimSuffix(strings.TrimSuffix(c.line, " # the kiosk"), ` ""`):
			t.Errorf("%q: line %q", c.line, requestLine(reqs[0]))
		}
	}
}
