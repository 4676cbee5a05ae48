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

func TestParseExpect(t *testing.T) {
	for _, c := range []struct {
		in   string
		want *Expect
		err  string
	}{
		{"denied", &Expect{Access: "denied"}, ""},
		{" granted  by  hosts.allow:12 ", &Expect{Access: "granted", Rule: "hosts.allow:12"}, ""},
		{"delegated by none", &Expect{Access: "delegated", Rule: "none"}, ""},
		{"denied by hosts.deny:999999999", &Expect{Access: "denied", Rule: "hosts.deny:999999999"}, ""},
		{"denied by hosts.deny:1000000000", nil, `rule "hosts.deny:1000000000"`},
		{"denied by hosts.deny:0", nil, `rule "hosts.deny:0"`},
		{"denied by hosts.deny:", nil, `rule "hosts.deny:"`},
		{"denied by hosts.allow:1x", nil, `rule "hosts.allow:1x"`},
		{"denied by other:1", nil, `rule "other:1"`},
		{"denied by", nil, `want VERDICT or VERDICT by RULE`},
		{"denied hosts.deny:1", nil, `want VERDICT or VERDICT by RULE`},
		{"", nil, `want VERDICT or VERDICT by RULE`},
		{"Denied", nil, `access "Denied"`},
		{"granted by none extra", nil, `want VERDICT or VERDICT by RULE`},
	} {
		got, err := ParseExpect(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseExpect(%q): error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || *got != *c.want {
			t.Errorf("ParseExpect(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			continue
		}
		if again, err := ParseExpect(got.String()); err != nil || *again != *got {
			t.Errorf("ParseExpect(%q.String() = %q) = %+v, %v", c.in, got.String(), again, err)
		}
	}
}
