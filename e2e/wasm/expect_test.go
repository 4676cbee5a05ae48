package wasmtest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// expectInput carries expected verdicts, met and not, by rule and not,
// on a name with two addresses, a hosts_ctl request and a bad one.
var expectInput = wire.Input{
	Policy: wire.Policy{
		Allow: ptr("sshd: 10.0.0.0/255.255.255.0 EXCEPT 10.0.0.9\n"),
		Deny:  ptr("ALL: ALL\n"),
		Hosts: "10.0.0.1 two.example.com\n10.0.0.9 two.example.com\n",
	},
	Requests: []wire.Request{
		{Daemon: "sshd", Client: "10.0.0.1", Expect: &wire.Expect{Access: "granted", Rule: "hosts.allow:1"}},
		{Daemon: "sshd", Client: "10.0.0.9", Expect: &wire.Expect{Access: "granted"}},
		{Daemon: "sshd", Client: "two.example.com", Expect: &wire.Expect{Access: "denied"}},
		{Ctl: &wire.CtlEcho{Daemon: "sshd", Addr: "10.0.0.9"}, Expect: &wire.Expect{Access: "denied", Rule: "hosts.deny:1"}},
		{Daemon: "sshd", Client: "10.0.0.1", Expect: &wire.Expect{Access: "granted", Rule: "hosts.allow"}},
		{Daemon: "sshd", Client: "10.0.0.1"},
	},
}

// expectWant is each request's expectation result, or its error.
var expectWant = []any{
	&wire.ExpectResult{Met: true, Got: []wire.Expect{{Access: "granted", Rule: "hosts.allow:1"}}},
	&wire.ExpectResult{Met: false, Got: []wire.Expect{{Access: "denied", Rule: "hosts.deny:1"}}},
	&wire.ExpectResult{Met: false, Got: []wire.Expect{{Access: "granted", Rule: "hosts.allow:1"}, {Access: "denied", Rule: "hosts.deny:1"}}},
	&wire.ExpectResult{Met: true, Got: []wire.Expect{{Access: "denied", Rule: "hosts.deny:1"}}},
	`expect: rule "hosts.allow": want hosts.allow:N, hosts.deny:N or none`,
	nil,
}

// checkExpect checks one module's answer to expectInput.
func checkExpect(t *testing.T, runner, answer string) {
	t.Helper()
	var out wire.Output
	if err := json.Unmarshal([]byte(answer), &out); err != nil || out.Error != "" || len(out.Results) != len(expectWant) {
		t.Fatalf("%s: %v: %.400s", runner, err, answer)
	}
	for i, rr := range out.Results {
		switch want := expectWant[i].(type) {
		case string:
			if rr.Error != want || rr.Expect != nil {
				t.Errorf("%s request %d: error %q, expect %+v; want error %q", runner, i, rr.Error, rr.Expect, want)
			}
		case *wire.ExpectResult:
			if !reflect.DeepEqual(rr.Expect, want) {
				t.Errorf("%s request %d: expect %+v, want %+v", runner, i, rr.Expect, want)
			}
		case nil:
			if rr.Expect != nil || rr.Error != "" {
				t.Errorf("%s request %d: expect %+v, error %q; want neither", runner, i, rr.Expect, rr.Error)
			}
		}
	}
	// Without an expectation the answer is what it always was.
	if strings.Contains(answer, `"expect":null`) {
		t.Errorf("%s: an expect: null in %.400s", runner, answer)
	}
}

// TestExpectModules asks both modules requests with expected verdicts,
// as TestCtlModules asks hosts_ctl requests.
func TestExpectModules(t *testing.T) { askModules(t, expectInput, checkExpect) }
