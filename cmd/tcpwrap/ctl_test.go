package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// ctlTables are the tables of the --ctl cases: the rules of the engine's
// golden cases F50 (a preset name is what %h shows) and F51 (no
// descriptor: keepalive, linger and twist fail). No table names the
// temporary directory, whose length would move the JSON's spans.
var ctlTables = map[string]string{
	"hosts.allow": "sendmail: ALL: spawn echo %h %c %n %u\n" +
		"in.ftpd: ALL: keepalive: linger 0: twist echo %c\n" +
		"ALL: PARANOID: spawn echo %h %c\n",
	"hosts.deny": "ALL: ALL\n",
}

// goldenCompare compares got with testdata/name (go test -update
// rewrites it).
func goldenCompare(t *testing.T, name, got string) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s\n--- got\n%s--- want\n%s", golden, got, want)
	}
}

// TestCtl compares match --ctl's text and JSON with testdata/ctl-*.golden.
func TestCtl(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []string
		// want is what the output must contain, whatever the golden.
		want []string
	}{
		// The name sendmail hands hosts_ctl is the client's name from the
		// start: %h and %c show it, and %n too, though no pattern asked.
		{"ctl-name", []string{"sendmail", "mail.example.com", "10.0.0.1", "alice"},
			[]string{`hosts_ctl("sendmail", "mail.example.com", "10.0.0.1", "alice")`,
				"spawn     echo mail.example.com alice@mail.example.com mail.example.com alice"}},
		// An empty name is "unknown" and is never looked up: %h is the
		// address.
		{"ctl-empty", []string{"sendmail", "", "10.0.0.1"},
			[]string{"spawn     echo 10.0.0.1 10.0.0.1 unknown unknown", "client:  10.0.0.1, name unknown\n", "user:    unknown\n"}},
		// "paranoid" as NAME is trusted as given: PARANOID matches.
		{"ctl-paranoid", []string{"rpcbind", "paranoid", "10.0.0.9", ""},
			[]string{"hosts.allow:3  ALL: PARANOID", "spawn     echo 10.0.0.9 10.0.0.9"}},
		// No descriptor: keepalive and linger warn, twist warns and ends
		// the process with no decision: denied, and no command runs.
		{"ctl-twist", []string{"in.ftpd", "", "10.0.0.1", "bob"},
			[]string{"denied: ", "setsockopt SO_KEEPALIVE: Bad file descriptor",
				"setsockopt SO_LINGER 0: Bad file descriptor", "twist_option: dup: Bad file descriptor"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := setup(t, ctlTables)
			for _, json := range []bool{false, true} {
				args := append([]string{"match", "-d", "DIR", "--ctl"}, tc.ops...)
				name := tc.name + ".golden"
				if json {
					args = append(args, "--json")
					name = tc.name + ".json.golden"
				}
				r := tcpwrap(t, dir, "", false, args...)
				if r.code != 0 || r.stderr != "" {
					t.Fatalf("%q: exit %d: %s", args, r.code, r.stderr)
				}
				got := strings.ReplaceAll(r.stdout, dir, "DIR")
				if json {
					p := decodeLines(t, got)
					if len(p) != 1 || p[0].Request.Ctl == nil || p[0].Request.Ctl.Daemon != tc.ops[0] ||
						p[0].Request.Ctl.Name != tc.ops[1] || p[0].Request.Ctl.Addr != tc.ops[2] {
						t.Errorf("JSON does not echo the hosts_ctl request %q:\n%s", tc.ops, got)
					}
				} else {
					for _, w := range tc.want {
						if !strings.Contains(got, w) {
							t.Errorf("text has no %q:\n%s", w, got)
						}
					}
				}
				goldenCompare(t, name, got)
			}
		})
	}
}

// TestCtlVersusSocket: the same client as a connection is looked up and
// shows its address where the hosts_ctl request shows the preset name.
func TestCtlVersusSocket(t *testing.T) {
	dir := setup(t, maps(ctlTables, "hosts", specHosts))
	sock := tcpwrap(t, dir, "", false, "match", "-d", "DIR", "--hosts", "DIR/hosts", "--json", "sendmail", "10.0.0.1")
	ctl := tcpwrap(t, dir, "", false, "match", "-d", "DIR", "--json", "--ctl", "sendmail", "other.example.com", "10.0.0.1")
	s, c := decodeLines(t, sock.stdout), decodeLines(t, ctl.stdout)
	if len(s) != 1 || len(c) != 1 {
		t.Fatalf("predictions: %d and %d", len(s), len(c))
	}
	if s[0].Request.Ctl != nil {
		t.Errorf("a connection's request has a ctl echo")
	}
	if got, want := *c[0].Client.Name, "other.example.com"; got != want {
		t.Errorf("ctl client name %q, want %q", got, want)
	}
	if got := *s[0].Client.Name; got != "good.example.com" {
		t.Errorf("socket client name %q, want good.example.com (looked up)", got)
	}
}

// ctlBatch is a --ctl batch: "" is an empty field.
const ctlBatch = `# DAEMON NAME ADDR [USER]
sendmail mail.example.com 10.0.0.1 alice
sendmail "" 10.0.0.1 ""
sendmail "" 10.0.0.1

rpcbind paranoid 10.0.0.9
in.ftpd "" "" bob
sshd 10.0.0.1
sshd a b c d
"" "" "" ""
`

func TestCtlBatch(t *testing.T) {
	dir := setup(t, maps(ctlTables, "batch", ctlBatch))
	r := tcpwrap(t, dir, "", false, "match", "-d", "DIR", "--ctl", "--batch", "DIR/batch")
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (bad lines)", r.code)
	}
	wantErr := "DIR/batch:8: want DAEMON NAME ADDR [USER] (--ctl), got 2 words\n" +
		"DIR/batch:9: want DAEMON NAME ADDR [USER] (--ctl), got 5 words\n"
	if got := strings.ReplaceAll(r.stderr, dir, "DIR"); got != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, wantErr)
	}
	preds := decodeLines(t, r.stdout)
	if len(preds) != 6 {
		t.Fatalf("%d predictions, want 6", len(preds))
	}
	// `""` is the empty string, and an omitted USER is the same request.
	if p3, p4 := preds[1], preds[2]; p3.Request.Ctl.Name != "" || p3.Request.Ctl.User != "" ||
		p3.Options[0].Value == nil || p4.Options[0].Value == nil || *p3.Options[0].Value != *p4.Options[0].Value {
		t.Errorf("lines 3 and 4 differ: %+v, %+v", p3.Request, p4.Request)
	}
	goldenCompare(t, "ctl-batch.golden", strings.ReplaceAll(r.stdout, dir, "DIR"))

	sum := tcpwrap(t, dir, ctlBatch, false, "match", "-d", "DIR", "--ctl", "--batch", "-", "--summary")
	var got summary
	if err := json.Unmarshal([]byte(sum.stdout), &got); err != nil {
		t.Fatalf("%v: %q", err, sum.stdout)
	}
	if got.Requests != 6 || got.Granted != 4 || got.Denied != 2 || got.Errors != 2 {
		t.Errorf("summary %+v", got)
	}
}

// TestCtlWire: wire's "ctl" request (the modules', the server's API's)
// answers what match --ctl --json prints, byte for byte: the goldens of
// TestCtl, with the tables read under the names DIR/hosts.allow and
// DIR/hosts.deny.
func TestCtlWire(t *testing.T) {
	allow, deny := ctlTables["hosts.allow"], ctlTables["hosts.deny"]
	for name, ops := range map[string][]string{
		"ctl-name":     {"sendmail", "mail.example.com", "10.0.0.1", "alice"},
		"ctl-empty":    {"sendmail", "", "10.0.0.1"},
		"ctl-paranoid": {"rpcbind", "paranoid", "10.0.0.9", ""},
		"ctl-twist":    {"in.ftpd", "", "10.0.0.1", "bob"},
	} {
		c := wire.NewCtlEcho(ops)
		in := wire.Input{Policy: wire.Policy{Allow: &allow, Deny: &deny, AllowName: "DIR/hosts.allow", DenyName: "DIR/hosts.deny"},
			Requests: []wire.Request{{Ctl: c}}}
		data, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Results []struct{ Predictions []json.RawMessage }
		}
		if err := json.Unmarshal(wire.EvaluateJSON(data), &out); err != nil || len(out.Results) != 1 || len(out.Results[0].Predictions) != 1 {
			t.Fatalf("%s: %v %+v", name, err, out)
		}
		want, err := os.ReadFile(filepath.Join("testdata", name+".json.golden"))
		if err != nil {
			t.Fatal(err)
		}
		if got := string(out.Results[0].Predictions[0]) + "\n"; got != string(want) {
			t.Errorf("%s: wire answers\n%s\nmatch --ctl --json printed\n%s", name, got, want)
		}
	}
}
