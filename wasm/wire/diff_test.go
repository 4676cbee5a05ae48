package wire

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine"
)

func TestDiff(t *testing.T) {
	s := func(v string) *string { return &v }
	in := Input{Policy: Policy{Allow: s("sshd: 10.0.0.0/16\n"), Deny: s("ALL: ALL\n"), Hosts: "10.0.0.5 bad.example.com\n",
		AllowName: "/srv/allow", DenyName: "/srv/deny"},
		Old: &Tables{Allow: s("sshd: 10.0.0.0/8\n"), Deny: s("ALL: ALL\n")}}
	out := Diff(in)
	if out.Error != "" || len(out.Changes) != 2 {
		t.Fatalf("%+v", out)
	}
	c := out.Changes[0]
	want := DiffChange{Verdict: true, Old: DiffOutcome{Access: "granted", Rule: "hosts.allow:1", Text: "sshd: 10.0.0.0/8"},
		New: DiffOutcome{Access: "denied", Rule: "hosts.deny:1", Text: "ALL: ALL"}, Cases: c.Cases, Examples: c.Examples}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got  %+v\nwant %+v", c, want)
	}
	ex := c.Examples[0]
	if ex.Daemon != "sshd" || !strings.HasPrefix(ex.Client, "10.") || ex.Text != DescribeRequest(engine.Request{Daemon: "sshd",
		Client: engine.Endpoint{Socket: netip.AddrPortFrom(netip.MustParseAddr(ex.Client), 40000), Name: ex.Name}}) {
		t.Errorf("example %+v", ex)
	}
	if out.Changes[1].Verdict || out.Changes[1].New.Text != "sshd: 10.0.0.0/16" {
		t.Errorf("the second change: %+v", out.Changes[1])
	}
	// The JSON form is the same answer.
	data, _ := json.Marshal(in)
	var got DiffOutput
	if err := json.Unmarshal(DiffJSON(data), &got); err != nil || !reflect.DeepEqual(got, out) {
		t.Errorf("DiffJSON: %v\n%+v\nwant %+v", err, got, out)
	}
	// Through a table cache, twice.
	tc := &TableCache{}
	for range 2 {
		if err := json.Unmarshal(tc.DiffJSON(data), &got); err != nil || !reflect.DeepEqual(got, out) {
			t.Errorf("TableCache.DiffJSON: %v\n%+v", err, got)
		}
	}
	// No change.
	in.Old = &Tables{Allow: in.Allow, Deny: in.Deny}
	if out := Diff(in); out.Error != "" || out.Changes == nil || len(out.Changes) != 0 {
		t.Errorf("the same tables: %+v", out)
	}
}

func TestDiffErrors(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		in   Input
		want string
	}{
		{Input{Policy: Policy{Allow: s("a: b\n")}}, `diff: no "old" tables to compare with`},
		{Input{Policy: Policy{Profile: "bsd"}, Old: &Tables{}}, `unknown profile "bsd" (want debian, upstream or freebsd)`},
		{Input{Old: &Tables{Deny: s(strings.Repeat("#\n", engine.MaxTableSize/2+1))}}, "old: /etc/hosts.deny: " + engine.ErrTableTooLarge.Error()},
	} {
		if out := Diff(c.in); out.Error != c.want || out.Changes != nil {
			t.Errorf("%+v: %+v, want error %q", c.in.Policy, out, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`{"old":{"allow":1}}`, "bad JSON input: json: cannot unmarshal number into Go struct field Tables.old.allow of type string"},
		{`{"old":{"x":1}}`, `bad JSON input: json: unknown field "x"`},
		{`[`, "bad JSON input: want an object"},
	} {
		var out DiffOutput
		if err := json.Unmarshal(DiffJSON([]byte(c.in)), &out); err != nil || out.Error != c.want {
			t.Errorf("%s: %v %+v, want %q", c.in, err, out, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := Input{Policy: Policy{Allow: s("sshd: 10.0.0.1\n")}, Old: &Tables{}}
	if _, err := DiffContext(ctx, in); !errors.Is(err, ErrCanceled) {
		t.Errorf("canceled: %v", err)
	}
	if out, err := DiffContext(context.Background(), in); err != nil || len(out.Changes) != 1 {
		t.Errorf("%v %+v", err, out)
	}
}

func TestDescribeRequest(t *testing.T) {
	ap := netip.MustParseAddrPort
	for _, c := range []struct {
		r    engine.Request
		want string
	}{
		{engine.Request{Daemon: "sshd", Client: engine.Endpoint{Socket: ap("10.0.0.1:40000"), Name: "unknown"}}, "sshd from 10.0.0.1 (no host name)"},
		{engine.Request{Daemon: "sshd", Client: engine.Endpoint{Socket: ap("10.0.0.1:40000")}}, "sshd from 10.0.0.1 (its name looked up)"},
		{engine.Request{Daemon: "in.ftpd", User: "bob", Client: engine.Endpoint{Name: "x.example.com"}}, "in.ftpd from bob@an unknown address (host name x.example.com)"},
		{engine.Request{Client: engine.Endpoint{Socket: ap("[2001:db8::1]:4"), Name: "paranoid"}, Server: engine.Endpoint{Socket: ap("192.0.2.254:22")}},
			"unknown@192.0.2.254:22 from 2001:db8::1 (a host name that does not verify)"},
		{engine.Request{EmptyDaemon: true, Server: engine.Endpoint{Name: "paranoid"}}, `""@paranoid from an unknown address`},
		{engine.Request{Daemon: "d", Server: engine.Endpoint{Socket: ap("10.0.0.2:1"), Name: "s.example"}}, "d@10.0.0.2:1 (server named s.example) from an unknown address"},
	} {
		if got := DescribeRequest(c.r); got != c.want {
			t.Errorf("%+v: %q, want %q", c.r, got, c.want)
		}
	}
}
