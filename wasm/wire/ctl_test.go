package wire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// ctlPolicy's rules tell a hosts_ctl request from a connection from the
// same address (engine/testdata/found/F50): the name a hosts_ctl caller
// gives is the client's name, never looked up, and hosts_ctl gives no
// server, so no daemon@host pattern matches it.
var ctlPolicy = Policy{
	Allow: ptr("sendmail: mail.example.com: spawn echo %h %c\n" +
		"rpcbind@10.0.0.5: 10.0.0.1\n" +
		"sshd: good.example.com\n"),
	Deny:  ptr("ALL: ALL\n"),
	Hosts: "10.0.0.1 good.example.com\n10.0.0.5 server.example.com\n10.0.0.2 multi.example.com\n10.0.0.3 multi.example.com\n",
}

// verdict is a prediction in one line: access, deciding rule, the
// request's echoed address and whether it echoes a ctl request.
func verdict(rr RequestResult) string {
	if rr.Error != "" {
		return "error: " + rr.Error
	}
	var out []string
	for _, p := range rr.Predictions {
		s := p.Access + " "
		if p.Matched != nil {
			s += p.Matched.File + ":" + itoa(p.Matched.Line)
		} else {
			s += "-"
		}
		s += " " + p.Request.Address
		if p.Request.Ctl != nil {
			s += " ctl"
		}
		out = append(out, s)
	}
	return strings.Join(out, " | ")
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestCtl: hosts_ctl requests and connections from the same address get
// different verdicts, as libwrap gives them.
func TestCtl(t *testing.T) {
	ctl := func(daemon, name, addr, user string) Request {
		return Request{Ctl: &CtlEcho{Daemon: daemon, Name: name, Addr: addr, User: user}}
	}
	cases := []struct {
		req  Request
		want string
	}{
		// A name pattern: the name sendmail gives matches; the connection
		// from 10.0.0.1 has the table's name, good.example.com.
		{ctl("sendmail", "mail.example.com", "10.0.0.1", "alice"), "granted hosts.allow:1 10.0.0.1 ctl"},
		{Request{Daemon: "sendmail", Client: "10.0.0.1"}, "denied hosts.deny:1 10.0.0.1"},
		// daemon@host: hosts_ctl has no server.
		{Request{Daemon: "rpcbind", Server: "10.0.0.5", Client: "10.0.0.1"}, "granted hosts.allow:2 10.0.0.1"},
		{ctl("rpcbind", "", "10.0.0.1", ""), "denied hosts.deny:1 10.0.0.1 ctl"},
		// No lookup of the address: an empty name stays unknown, though
		// the table knows 10.0.0.1 as good.example.com.
		{Request{Daemon: "sshd", Client: "10.0.0.1"}, "granted hosts.allow:3 10.0.0.1"},
		{ctl("sshd", "", "10.0.0.1", ""), "denied hosts.deny:1 10.0.0.1 ctl"},
		{ctl("sshd", "good.example.com", "192.0.2.1", ""), "granted hosts.allow:3 192.0.2.1 ctl"},
		// No address expansion: a name with two addresses is one
		// prediction, and so is an address that is not one.
		{Request{Daemon: "sshd", Client: "multi.example.com"}, "denied hosts.deny:1 10.0.0.2 | denied hosts.deny:1 10.0.0.3"},
		{ctl("sshd", "multi.example.com", "not-an-address", ""), "denied hosts.deny:1 not-an-address ctl"},
		// Every string empty: hosts_ctl("", "", "", "").
		{ctl("", "", "", ""), "denied hosts.deny:1  ctl"},
		{Request{Ctl: &CtlEcho{}}, "denied hosts.deny:1  ctl"},
	}
	in := Input{Policy: ctlPolicy}
	for _, c := range cases {
		in.Requests = append(in.Requests, c.req)
	}
	out := Evaluate(in)
	if out.Error != "" || len(out.Results) != len(cases) {
		t.Fatalf("%+v", out)
	}
	for i, c := range cases {
		if got := verdict(out.Results[i]); got != c.want {
			t.Errorf("request %d %+v: %s, want %s", i, c.req, got, c.want)
		}
	}

	// The echo repeats the four strings; the client and the ports are
	// empty, the address is ADDR, %h and %c show the given name.
	p := out.Results[0].Predictions[0]
	want := Echo{Daemon: "sendmail", Address: "10.0.0.1", Ctl: &CtlEcho{"sendmail", "mail.example.com", "10.0.0.1", "alice"}}
	if !reflect.DeepEqual(p.Request, want) {
		t.Errorf("echo %+v, want %+v", p.Request, want)
	}
	if len(p.Commands) != 1 || p.Commands[0].Command != "echo mail.example.com alice@mail.example.com" {
		t.Errorf("commands %+v", p.Commands)
	}
	if p.Server.Addr != nil || p.Server.Name != nil || p.User == nil || *p.User != "alice" || len(p.Trace) != 1 {
		t.Errorf("prediction %+v", p)
	}
	// The echo is the request's, not the input's: changing the input
	// after the call changes nothing.
	in.Requests[0].Ctl.Name = "changed"
	if p.Request.Ctl.Name != "mail.example.com" {
		t.Errorf("the echo shares the request's CtlEcho")
	}

	// Without a trace the same answers, through the indexes.
	in.Requests[0].Ctl.Name = "mail.example.com"
	in.NoTrace = true
	fast := Evaluate(in)
	for i := range cases {
		if got, want := verdict(fast.Results[i]), verdict(out.Results[i]); got != want {
			t.Errorf("request %d without a trace: %s, want %s", i, got, want)
		}
		for _, p := range fast.Results[i].Predictions {
			if p.Trace != nil {
				t.Errorf("request %d: a trace under noTrace", i)
			}
		}
	}
}

// TestCtlAndSocketFields: a hosts_ctl request that also sets a field of
// a connection is an error for that request alone.
func TestCtlAndSocketFields(t *testing.T) {
	c := &CtlEcho{Daemon: "sendmail", Addr: "10.0.0.1"}
	cases := []struct {
		req  Request
		want string
	}{
		{Request{Daemon: "sendmail", Ctl: c}, `a hosts_ctl request ("ctl") has no "daemon": its daemon, name, addr and user are in "ctl", and it has no server, client or ports`},
		{Request{Client: "10.0.0.1", User: "bob", Ctl: c}, `a hosts_ctl request ("ctl") has no "client", "user": its daemon, name, addr and user are in "ctl", and it has no server, client or ports`},
		{Request{Server: "s", ClientPort: 1, ServerPort: 2, Ctl: c}, `a hosts_ctl request ("ctl") has no "server", "clientPort", "serverPort": its daemon, name, addr and user are in "ctl", and it has no server, client or ports`},
	}
	in := Input{Policy: ctlPolicy, Requests: []Request{{Daemon: "sshd", Client: "10.0.0.1"}}}
	for _, c := range cases {
		in.Requests = append(in.Requests, c.req)
		if err := c.req.Check(); err == nil || err.Error() != c.want {
			t.Errorf("%+v: Check %v, want %s", c.req, err, c.want)
		}
	}
	for _, noTrace := range []bool{false, true} {
		in.NoTrace = noTrace
		out := Evaluate(in)
		if out.Error != "" || verdict(out.Results[0]) != "granted hosts.allow:3 10.0.0.1" {
			t.Fatalf("%+v", out)
		}
		for i, c := range cases {
			if rr := out.Results[i+1]; rr.Error != c.want || rr.Predictions != nil {
				t.Errorf("%+v: %+v, want the error %s", c.req, rr, c.want)
			}
		}
	}
	if err := (&Request{Daemon: "sshd", Client: "x", ClientPort: 1}).Check(); err != nil {
		t.Errorf("a connection: %v", err)
	}
}

// TestCtlJSON: the JSON entry points take hosts_ctl requests; null is
// no ctl, {} is hosts_ctl("", "", "", "").
func TestCtlJSON(t *testing.T) {
	policy := `"allow":"sendmail: mail.example.com\n","deny":"ALL: ALL\n"`
	in := `{` + policy + `,"requests":[
		{"ctl":{"daemon":"sendmail","name":"mail.example.com","addr":"10.0.0.1","user":""}},
		{"daemon":"sendmail","client":"10.0.0.1","ctl":null},
		{"ctl":{}},
		{"ctl":{"daemon":"sendmail"},"client":"10.0.0.1"}]}`
	want := []string{"granted hosts.allow:1 10.0.0.1 ctl", "denied hosts.deny:1 10.0.0.1", "denied hosts.deny:1  ctl",
		`error: a hosts_ctl request ("ctl") has no "client": its daemon, name, addr and user are in "ctl", and it has no server, client or ports`}
	check := func(what string, raw []byte) {
		t.Helper()
		var out Output
		if err := json.Unmarshal(raw, &out); err != nil || out.Error != "" || len(out.Results) != len(want) {
			t.Fatalf("%s: %s", what, raw)
		}
		for i, w := range want {
			if got := verdict(out.Results[i]); got != w {
				t.Errorf("%s request %d: %s, want %s", what, i, got, w)
			}
		}
		if !strings.Contains(string(raw), `"request":{"daemon":"sendmail","client":"","clientPort":0,"serverPort":0,"address":"10.0.0.1","ctl":{"daemon":"sendmail","name":"mail.example.com","addr":"10.0.0.1","user":""}}`) {
			t.Errorf("%s: no ctl echo in %s", what, raw)
		}
	}
	check("EvaluateJSON", EvaluateJSON([]byte(in)))
	c, err := CompileJSON([]byte(`{` + policy + `}`))
	if err != nil {
		t.Fatal(err)
	}
	check("Compiled.EvaluateJSON", c.EvaluateJSON([]byte("{"+in[len(policy)+2:])))
	// A type error names the field as encoding/json does.
	out := string(EvaluateJSON([]byte(`{"requests":[{"ctl":{"name":1}}]}`)))
	if !strings.Contains(out, `Go struct field CtlEcho.requests.ctl.name of type string`) {
		t.Errorf("type error: %s", out)
	}
}

// TestCtlDNSWhatIf: a DNS what-if changes a connection's verdict and
// leaves a hosts_ctl request's prediction as it is: hosts_ctl looks
// nothing up.
func TestCtlDNSWhatIf(t *testing.T) {
	reqs := []Request{
		{Ctl: &CtlEcho{Daemon: "sshd", Name: "good.example.com", Addr: "10.0.0.1"}},
		{Ctl: &CtlEcho{Daemon: "sshd", Name: "", Addr: "10.0.0.9"}},
		{Daemon: "sshd", Client: "10.0.0.1"},
	}
	plain := Evaluate(Input{Policy: ctlPolicy, Requests: reqs})
	for _, mode := range []string{"missing", "lying", "consistent"} {
		dns := &DNS{Mode: mode, Name: "good.example.com"}
		out := Evaluate(Input{Policy: ctlPolicy, Requests: reqs, DNS: dns})
		for i := range 2 {
			if got, want := mustMarshal(t, out.Results[i]), mustMarshal(t, plain.Results[i]); got != want {
				t.Errorf("%s: ctl request %d\n%s\nwant\n%s", mode, i, got, want)
			}
		}
		if mode == "missing" && verdict(out.Results[2]) != "denied hosts.deny:1 10.0.0.1" {
			t.Errorf("missing: the connection %s", verdict(out.Results[2]))
		}
	}
}

// TestCtlWords: a line's words are a hosts_ctl request with "" for the
// empty string (and only in CtlWords: operands are taken as given), the
// words given are left as they were, and Call writes the C call.
func TestCtlWords(t *testing.T) {
	words := []string{"sendmail", `""`, "10.0.0.1"}
	if got, want := *CtlWords(words), (CtlEcho{Daemon: "sendmail", Addr: "10.0.0.1"}); got != want {
		t.Errorf("CtlWords(%q) = %+v, want %+v", words, got, want)
	}
	if words[1] != `""` {
		t.Errorf("CtlWords changed its argument: %q", words)
	}
	if got, want := *NewCtlEcho(words), (CtlEcho{Daemon: "sendmail", Name: `""`, Addr: "10.0.0.1"}); got != want {
		t.Errorf("NewCtlEcho(%q) = %+v, want %+v", words, got, want)
	}
	c := CtlWords([]string{"in.ftpd", "a b", `""`, "bob"})
	if got, want := c.Call(), `hosts_ctl("in.ftpd", "a b", "", "bob")`; got != want {
		t.Errorf("Call() = %s, want %s", got, want)
	}
}
