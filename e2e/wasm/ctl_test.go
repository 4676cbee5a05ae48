package wasmtest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// ctlInput asks each module hosts_ctl requests beside connections from
// the same address, under rules that tell them apart (engine/testdata
// F50): the name a hosts_ctl caller gives is the client's name, and
// hosts_ctl has no server, so no daemon@host pattern matches it.
var ctlInput = wire.Input{
	Policy: wire.Policy{
		Allow: ptr("sendmail: mail.example.com\nrpcbind@10.0.0.5: 10.0.0.1\n"),
		Deny:  ptr("ALL: ALL\n"),
		Hosts: "10.0.0.1 good.example.com\n10.0.0.5 server.example.com\n",
	},
	Requests: []wire.Request{
		{Ctl: &wire.CtlEcho{Daemon: "sendmail", Name: "mail.example.com", Addr: "10.0.0.1"}},
		{Daemon: "sendmail", Client: "10.0.0.1"},
		{Daemon: "rpcbind", Server: "10.0.0.5", Client: "10.0.0.1"},
		{Ctl: &wire.CtlEcho{Daemon: "rpcbind", Addr: "10.0.0.1"}},
		{Daemon: "rpcbind", Client: "10.0.0.1", Ctl: &wire.CtlEcho{Daemon: "rpcbind", Addr: "10.0.0.1"}},
	},
}

// ctlWant is each request's verdict, the deciding rule, and whether the
// prediction echoes a hosts_ctl request.
var ctlWant = []string{
	"granted hosts.allow:1 ctl",
	"denied hosts.deny:1",
	"granted hosts.allow:2",
	"denied hosts.deny:1 ctl",
	`error: a hosts_ctl request ("ctl") has no "daemon", "client": its daemon, name, addr and user are in "ctl", and it has no server, client or ports`,
}

func ptr(s string) *string { return &s }

// checkCtl checks one module's answer to ctlInput.
func checkCtl(t *testing.T, runner, answer string) {
	t.Helper()
	var out wire.Output
	if err := json.Unmarshal([]byte(answer), &out); err != nil || out.Error != "" || len(out.Results) != len(ctlWant) {
		t.Fatalf("%s: %v: %.400s", runner, err, answer)
	}
	for i, rr := range out.Results {
		got := "error: " + rr.Error
		if rr.Error == "" {
			if len(rr.Predictions) != 1 {
				t.Errorf("%s request %d: %d predictions", runner, i, len(rr.Predictions))
				continue
			}
			p := rr.Predictions[0]
			got = p.Access + " " + p.Matched.File + ":" + itoa(p.Matched.Line)
			if c := p.Request.Ctl; c != nil {
				got += " ctl"
				if *c != *ctlInput.Requests[i].Ctl || p.Request.Address != c.Addr || p.Request.Client != "" {
					t.Errorf("%s request %d: echo %+v", runner, i, p.Request)
				}
			}
		}
		if got != ctlWant[i] {
			t.Errorf("%s request %d: %s, want %s", runner, i, got, ctlWant[i])
		}
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestCtlModules asks both modules hosts_ctl requests: the reactor under
// wazero and node:wasi (compile, then evaluate), the js module through
// evaluateJSON and evaluate.
func TestCtlModules(t *testing.T) { askModules(t, ctlInput, checkCtl) }

// askModules asks in of package wire natively and of both modules — the
// reactor under wazero and node:wasi (compile, then evaluate), the js
// module through evaluateJSON and evaluate — and checks every answer.
func askModules(t *testing.T, in wire.Input, check func(t *testing.T, runner, answer string)) {
	t.Helper()
	check(t, "native", string(wire.EvaluateJSON(mustJSON(t, in))))
	reactor := []step{{Op: "compile", Data: mustJSON(t, in.Policy)},
		{Op: "evaluate", Data: mustJSON(t, wire.Requests{Requests: in.Requests})}}
	for _, r := range []struct {
		name string
		run  func() []string
	}{
		{"wazero", func() []string { return runWazero(t, loadReactor(t, ""), reactor) }},
		{"node:wasi", func() []string { return runNode(t, "wasidriver.mjs", modules.reactor, reactor) }},
	} {
		t.Run(strings.ReplaceAll(r.name, ":", "-"), func(t *testing.T) {
			check(t, r.name, r.run()[1])
		})
	}
	t.Run("js", func(t *testing.T) {
		data := mustJSON(t, in)
		got := runNode(t, "jsdriver.mjs", modules.dir, []step{{Op: "evaluateJSON", Data: data}, {Op: "evaluate", Data: data}})
		check(t, "js evaluateJSON", got[0])
		check(t, "js evaluate", got[1])
	})
}
