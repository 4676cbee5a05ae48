package wire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestExpect(t *testing.T) {
	allow := "sshd: 10.0.0.0/255.255.255.0 EXCEPT 10.0.0.9\nin.ftpd: ALL: twist /bin/echo no\n"
	deny := "ALL: ALL\n"
	in := Input{
		Policy: Policy{Allow: &allow, Deny: &deny, Hosts: "10.0.0.1 two.example.com\n10.0.0.9 two.example.com\n"},
		Requests: []Request{
			{Daemon: "sshd", Client: "10.0.0.1", Expect: &Expect{Access: "granted"}},
			{Daemon: "sshd", Client: "10.0.0.1", Expect: &Expect{Access: "granted", Rule: "hosts.allow:1"}},
			{Daemon: "sshd", Client: "10.0.0.1", Expect: &Expect{Access: "granted", Rule: "hosts.allow:2"}},
			{Daemon: "sshd", Client: "10.0.0.9", Expect: &Expect{Access: "granted"}},
			{Daemon: "sshd", Client: "two.example.com", Expect: &Expect{Access: "granted"}},
			{Daemon: "in.ftpd", Client: "10.0.0.9", Expect: &Expect{Access: "delegated", Rule: "hosts.allow:2"}},
			{Daemon: "sshd", Client: "nohost.example", Expect: &Expect{Access: "denied"}},
			{Ctl: &CtlEcho{Daemon: "telnetd", Addr: "10.0.0.1"}, Expect: &Expect{Access: "denied", Rule: "hosts.deny:1"}},
			{Daemon: "sshd", Client: "10.0.0.1", Expect: &Expect{Access: "allowed"}},
			{Daemon: "sshd", Client: "10.0.0.1", Expect: &Expect{Access: "granted", Rule: "hosts.allow:01"}},
			{Daemon: "sshd", Client: "10.0.0.1"},
		},
		NoTrace: true,
	}
	want := []struct {
		expect *ExpectResult
		err    string
	}{
		{expect: &ExpectResult{Met: true, Got: []Expect{{"granted", "hosts.allow:1"}}}},
		{expect: &ExpectResult{Met: true, Got: []Expect{{"granted", "hosts.allow:1"}}}},
		{expect: &ExpectResult{Met: false, Got: []Expect{{"granted", "hosts.allow:1"}}}},
		{expect: &ExpectResult{Met: false, Got: []Expect{{"denied", "hosts.deny:1"}}}},
		// One address of two meets it: the request does not.
		{expect: &ExpectResult{Met: false, Got: []Expect{{"granted", "hosts.allow:1"}, {"denied", "hosts.deny:1"}}}},
		{expect: &ExpectResult{Met: true, Got: []Expect{{"delegated", "hosts.allow:2"}}}},
		// No prediction meets nothing.
		{expect: &ExpectResult{Met: false, Got: []Expect{}}, err: "nohost"},
		{expect: &ExpectResult{Met: true, Got: []Expect{{"denied", "hosts.deny:1"}}}},
		{err: `expect: access "allowed": want granted, denied or delegated`},
		{err: `expect: rule "hosts.allow:01": want hosts.allow:N, hosts.deny:N or none`},
		{},
	}
	check := func(t *testing.T, out Output) {
		t.Helper()
		if out.Error != "" || len(out.Results) != len(want) {
			t.Fatalf("output %+v", out)
		}
		for i, w := range want {
			rr := out.Results[i]
			if !reflect.DeepEqual(rr.Expect, w.expect) {
				t.Errorf("request %d: expect %+v, want %+v", i, rr.Expect, w.expect)
			}
			if !strings.Contains(rr.Error, w.err) || (w.err == "") != (rr.Error == "") {
				t.Errorf("request %d: error %q, want %q", i, rr.Error, w.err)
			}
		}
	}
	check(t, Evaluate(in))
	// Tables read under other names: the rules are still named by table.
	in.AllowName, in.DenyName = "/srv/a.rules", "/srv/hosts.allow"
	check(t, Evaluate(in))
	// With traces.
	in.NoTrace = false
	check(t, Evaluate(in))
	// Through the JSON, both ways.
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Output
	if err := json.Unmarshal(EvaluateJSON(data), &out); err != nil {
		t.Fatal(err)
	}
	check(t, out)
}

// TestExpectDefault: no rule decided is "none", under each profile's
// default grant.
func TestExpectDefault(t *testing.T) {
	for _, prof := range []string{"debian", "upstream", "freebsd"} {
		out := Evaluate(Input{Policy: Policy{Profile: prof}, Requests: []Request{
			{Daemon: "sshd", Client: "10.0.0.1", Expect: &Expect{Access: "granted", Rule: "none"}}}})
		if e := out.Results[0].Expect; e == nil || !e.Met || e.Got[0] != (Expect{"granted", "none"}) {
			t.Errorf("%s: %+v", prof, e)
		}
	}
}

// TestValidRule: the rules an expectation may name.
func TestValidRule(t *testing.T) {
	for s, want := range map[string]bool{
		"none": true, "hosts.allow:1": true, "hosts.deny:12": true, "hosts.deny:999999999": true,
		"hosts.deny:1000000000": false, "hosts.deny:0": false, "hosts.deny:": false, "hosts.allow:1x": false,
		"other:1": false, "hosts.deny": false, "None": false, "": false, "hosts.allow:01": false, " hosts.allow:1": false,
	} {
		if ValidRule(s) != want {
			t.Errorf("ValidRule(%q) = %v", s, !want)
		}
	}
	for _, e := range []Expect{{Access: "denied"}, {Access: "granted", Rule: "none"}} {
		if err := e.Check(); err != nil {
			t.Errorf("%+v: %v", e, err)
		}
	}
	if got := (Expect{Access: "denied", Rule: "hosts.deny:3"}).String(); got != "denied by hosts.deny:3" {
		t.Errorf("String = %q", got)
	}
}
