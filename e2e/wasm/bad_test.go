package wasmtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// A badCase is input that must come back as data, never as a trap, a
// throw or a dead instance.
type badCase struct {
	name string
	// input is the whole wire.Input (the js module, wire.EvaluateJSON).
	input []byte
	// policy and reqs are what the reactor gets: compile(policy), then,
	// if that compiled, evaluate(reqs). nil policy means input; nil reqs
	// means one ordinary request.
	policy, reqs []byte
	// wantError is a substring of the top-level error; "" means the call
	// answers results (possibly per-request errors).
	wantError string
}

const okRequests = `{"requests":[{"daemon":"sshd","client":"10.0.0.1"}]}`

func badCases(t *testing.T) []badCase {
	huge := strings.Repeat("ALL: 10.0.0.1\n", wire.MaxInputSize/14+10)
	// A 10,000-deep EXCEPT chain on one line: far beyond libwrap's line
	// limit (2,046 bytes), within the input limit; the engine reads it
	// the way libwrap does (an overlong line).
	deep := "sshd: " + strings.Repeat("ALL EXCEPT ", 10000) + "10.0.0.1\n"
	// The deepest chain that fits in one line.
	n := (2046 - len("sshd: 10.0.0.1")) / len("ALL EXCEPT ")
	fits := "sshd: " + strings.Repeat("ALL EXCEPT ", n) + "10.0.0.1\n"
	// 10,000 lines of 10,000 rules.
	var many strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&many, "d%d: ALL EXCEPT 10.0.%d.%d\n", i, i/250, i%250)
	}
	manyReqs := make([]wire.Request, wire.MaxRequests+1)
	for i := range manyReqs {
		manyReqs[i] = wire.Request{Daemon: "sshd", Client: "10.0.0.1"}
	}
	in := func(allow, deny string) []byte {
		return mustJSON(t, wire.Input{Policy: wire.Policy{Allow: &allow, Deny: &deny},
			Requests: []wire.Request{{Daemon: "sshd", Client: "10.0.0.1"}, {Daemon: "d9999", Client: "10.0.39.249"}}})
	}
	return []badCase{
		{name: "invalid UTF-8 in tables and operands",
			input: []byte("{\"deny\":\"ALL: 10.0.0.\xff\\nsshd\xfe: ALL\\n\",\"requests\":[{\"daemon\":\"sshd\xfe\",\"client\":\"10.0.0.1\"}]}"),
			reqs:  []byte("{\"requests\":[{\"daemon\":\"sshd\xfe\",\"client\":\"10.0.0.1\"}]}")},
		{name: "table over the input limit", input: in("", huge), wantError: "at most 1048576"},
		{name: "10,000-deep EXCEPT chain", input: in("", deep)},
		{name: fmt.Sprintf("%d-deep EXCEPT chain within the line limit", n), input: in(fits, fits)},
		{name: "10,000 rules", input: in("", many.String())},
		{name: "malformed JSON", input: []byte(`{"requests": [`), reqs: []byte(`{"requests": [`), wantError: "bad JSON"},
		{name: "not an object", input: []byte(`[1,2]`), reqs: []byte(`"x"`), wantError: "want an object"},
		{name: "null", input: []byte(`null`), reqs: []byte(` null`), wantError: "want an object"},
		{name: "empty", input: []byte(``), reqs: []byte(``), wantError: "bad JSON"},
		{name: "trailing data", input: []byte(`{}{}`), reqs: []byte(`{} x`), wantError: "after the object"},
		{name: "unknown field", input: []byte(`{"alow":"x"}`), reqs: []byte(`{"request":[]}`), wantError: "unknown field"},
		{name: "wrong type", input: []byte(`{"requests":[{"daemon":1}]}`), reqs: []byte(`{"requests":[{"clientPort":70000}]}`), wantError: "bad JSON"},
		{name: "unknown version", input: []byte(`{"version":2,"requests":[]}`), wantError: "unsupported version 2"},
		{name: "unknown profile", input: []byte(`{"profile":"openbsd","requests":[]}`), wantError: "unknown profile"},
		{name: "relative file path", input: []byte(`{"files":{"etc/x":""},"requests":[]}`), wantError: "not an absolute path"},
		{name: "too many requests", input: mustJSON(t, wire.Input{Requests: manyReqs}), policy: []byte(`{}`),
			reqs: mustJSON(t, wire.Requests{Requests: manyReqs}), wantError: "at most 10000"},
		{name: "bad requests", input: []byte(`{"requests":[{"daemon":"","client":"x"},{"daemon":"a@b","client":"x"},{"daemon":"sshd","client":"nohost.example"},{"daemon":"sshd","client":""},{"daemon":"sshd","client":"10.0.0.1","user":"a@b"},{"daemon":"sshd","server":"a.example","client":"1.2.3.4"}]}`),
			reqs: []byte(`{"requests":[{"daemon":"","client":"x"},{"daemon":"a@b","client":"x"},{"daemon":"sshd","client":"nohost.example"}]}`)},
		{name: "bad and odd hosts_ctl requests", input: []byte(`{"requests":[{"ctl":{}},{"ctl":null,"daemon":"sshd","client":"10.0.0.1"},{"ctl":{"daemon":"a@b","name":"\u0000","addr":"x y","user":"a@b"}},{"ctl":{"daemon":"sshd"},"serverPort":22}]}`),
			reqs: []byte(`{"requests":[{"ctl":{"daemon":"sshd","addr":"10.0.0.1"},"client":"10.0.0.1"},{"ctl":{}}]}`)},
		{name: "wrong hosts_ctl types", input: []byte(`{"requests":[{"ctl":"sendmail"}]}`), reqs: []byte(`{"requests":[{"ctl":{"addr":1}}]}`), wantError: "bad JSON"},
	}
}

// emulate answers a reactor step program natively, with package wire,
// by the ABI's rules: what every runner must answer.
func emulate(steps []step) []string {
	policies := map[uint32]*wire.Compiled{}
	var next, handle uint32
	out := make([]string, len(steps))
	for i, s := range steps {
		h := handle
		if s.Handle != nil {
			h = *s.Handle
		}
		switch s.Op {
		case "compile":
			c, err := wire.CompileJSON(s.Data)
			if err != nil {
				out[i] = string(wire.ErrorJSON(err.Error()))
				continue
			}
			next++
			policies[next], handle = c, next
			out[i] = fmt.Sprintf(`{"handle":%d}`, next)
		case "evaluate":
			c, ok := policies[h]
			if !ok {
				out[i] = string(wire.ErrorJSON(fmt.Sprintf("unknown handle %d", h)))
				continue
			}
			out[i] = string(c.EvaluateJSON(s.Data))
		case "release":
			delete(policies, h)
			out[i] = "ok"
		default:
			out[i] = "?" // checked by the caller
		}
	}
	return out
}

// badSteps is the reactor program for the bad cases, each followed by an
// ordinary call that must still be answered.
func badSteps(t *testing.T) (steps []step, names []string) {
	okPolicy := []byte(`{"deny":"ALL: 10.0.0.1\n"}`)
	add := func(name string, s ...step) {
		for range s {
			names = append(names, name)
		}
		steps = append(steps, s...)
	}
	for _, c := range badCases(t) {
		policy, reqs := c.policy, c.reqs
		if policy == nil {
			policy = c.input
		}
		if reqs == nil {
			reqs = []byte(okRequests)
		}
		add(c.name, step{Op: "compile", Data: policy}, step{Op: "evaluate", Data: reqs})
		add(c.name+" (then an ordinary call)", step{Op: "compile", Data: okPolicy}, step{Op: "evaluate", Data: []byte(okRequests)}, step{Op: "release"})
	}
	// ABI misuse: unknown handles, pointers that are not buffers.
	add("evaluate with an unknown handle", step{Op: "evaluate", Handle: u32(99999), Data: []byte(okRequests)})
	add("out-of-range pointer", step{Op: "rawCompile", Ptr: 0xFFFFFFF0, Len: 16})
	add("pointer not from alloc", step{Op: "rawCompile", Ptr: 8, Len: 1})
	add("zero pointer", step{Op: "rawCompile", Ptr: 0, Len: 0})
	add("decide: out-of-range daemon pointer", step{Op: "compile", Data: okPolicy}, step{Op: "rawDecide", Ptr: 0xFFFFFF00, Len: 5})
	add("decide: unknown handle", step{Op: "decide", Handle: u32(99999), Daemon: "sshd", Addr: 0x0A000001})
	add("decide: ordinary", step{Op: "decide", Daemon: "sshd", Addr: 0x0A000001, Port: 22})
	add("release twice", step{Op: "release"}, step{Op: "release"})
	add("still answering", step{Op: "abi"}, step{Op: "compile", Data: okPolicy}, step{Op: "evaluate", Data: []byte(okRequests)})
	return steps, names
}

// checkBad checks a runner's answers to badSteps.
func checkBad(t *testing.T, runner string, steps []step, names []string, got []string) {
	t.Helper()
	want := emulate(steps)
	raw := map[string]string{ // answers of the steps emulate leaves out
		"rawDecide": fmt.Sprint(uint32(wire.DecideError)),
		"abi":       "1",
	}
	cases := map[string]badCase{}
	for _, c := range badCases(t) {
		cases[c.name] = c
	}
	answers := map[string]string{}
	for i, s := range steps {
		switch s.Op {
		case "compile", "evaluate", "release":
			if got[i] != want[i] {
				t.Errorf("%s: %s: step %d (%s):\ngot  %.300s\nwant %.300s", runner, names[i], i, s.Op, got[i], want[i])
			}
			answers[names[i]] += got[i] + "\n"
		case "rawCompile":
			var o wire.Output
			if err := json.Unmarshal([]byte(got[i]), &o); err != nil || !strings.Contains(o.Error, "not a buffer from alloc") {
				t.Errorf("%s: %s: got %.300s, want a 'not a buffer from alloc' error", runner, names[i], got[i])
			}
		case "rawDecide", "abi":
			if got[i] != raw[s.Op] {
				t.Errorf("%s: %s: got %s, want %s", runner, names[i], got[i], raw[s.Op])
			}
		case "decide":
			want := fmt.Sprint(uint32(wire.AccessDenied | wire.FlagDeny | 1<<wire.LineShift))
			if s.Handle != nil {
				want = fmt.Sprint(uint32(wire.DecideError))
			}
			if got[i] != want {
				t.Errorf("%s: %s: got %s, want %s", runner, names[i], got[i], want)
			}
		}
	}
	for name, c := range cases {
		if c.wantError != "" && !strings.Contains(answers[name], c.wantError) {
			t.Errorf("%s: %s: want an error with %q, got %.300s", runner, name, c.wantError, answers[name])
		}
	}
	// The last evaluate is an ordinary denial.
	if last := got[len(got)-1]; !strings.Contains(last, `"access":"denied"`) {
		t.Errorf("%s: the module stopped answering: %.300s", runner, last)
	}
}

// TestBadInputNative checks the bad cases against package wire itself:
// each gives the error it should, or results.
func TestBadInputNative(t *testing.T) {
	for _, c := range badCases(t) {
		out := string(wire.EvaluateJSON(c.input))
		var o wire.Output
		if err := json.Unmarshal([]byte(out), &o); err != nil {
			t.Errorf("%s: not JSON: %v", c.name, err)
			continue
		}
		switch {
		case c.wantError != "" && !strings.Contains(o.Error, c.wantError):
			t.Errorf("%s: error %q, want one with %q", c.name, o.Error, c.wantError)
		case c.wantError == "" && o.Error != "":
			t.Errorf("%s: unexpected error %q", c.name, o.Error)
		}
		t.Logf("%s: %.160s", c.name, out)
	}
}

func TestBadInputWazero(t *testing.T) {
	steps, names := badSteps(t)
	checkBad(t, "wazero", steps, names, runWazero(t, loadReactor(t, ""), steps))
}

func TestBadInputNodeWASI(t *testing.T) {
	steps, names := badSteps(t)
	checkBad(t, "node:wasi", steps, names, runNode(t, "wasidriver.mjs", modules.reactor, steps))
}

// TestBadInputJS sends the bad cases, and values JSON cannot carry, to
// the js module: it never throws, answers as native wire.EvaluateJSON, and
// keeps answering.
func TestBadInputJS(t *testing.T) {
	var steps []step
	var want []string
	ok := []byte(`{"deny":"ALL: 10.0.0.1\n","requests":[{"daemon":"sshd","client":"10.0.0.1"}]}`)
	for _, c := range badCases(t) {
		native := string(wire.EvaluateJSON(c.input))
		steps = append(steps, step{Op: "evaluateJSON", Data: c.input}, step{Op: "evaluate", Data: c.input},
			step{Op: "evaluateJSON", Data: ok})
		want = append(want, native, native, string(wire.EvaluateJSON(ok)))
	}
	values := []struct {
		s    step
		want string
	}{
		{step{Op: "evaluateValue"}, `{"error":"want an input object, got undefined"}`},
		{step{Op: "evaluateValue", Value: 42}, `{"error":"want an input object, got number"}`},
		{step{Op: "evaluateValue", Value: true}, `{"error":"want an input object, got boolean"}`},
		{step{Op: "evaluateValue", Cycle: true}, `input cannot be converted to JSON`},
		{step{Op: "evaluateValue", Bigint: true}, `input cannot be converted to JSON`},
		{step{Op: "version"}, `1 function`},
	}
	for _, v := range values {
		steps = append(steps, v.s)
		want = append(want, v.want)
	}
	steps = append(steps, step{Op: "evaluate", Data: ok})
	want = append(want, string(wire.EvaluateJSON(ok)))

	got := runNode(t, "jsdriver.mjs", modules.dir, steps)
	for i, s := range steps {
		switch {
		case strings.HasPrefix(got[i], "THREW"):
			t.Errorf("step %d (%s) threw: %s", i, s.Op, got[i])
		case s.Op == "evaluateJSON" && got[i] != want[i]:
			t.Errorf("step %d: evaluateJSON:\ngot  %.300s\nwant %.300s", i, got[i], want[i])
		case s.Op == "evaluate" && !sameJSON(t, got[i], want[i]) &&
			!(strings.HasPrefix(got[i], `{"error":`) && strings.HasPrefix(want[i], `{"error":`)):
			// (A value that is not an object is refused before JSON,
			// in the js module's words.)
			t.Errorf("step %d: evaluate:\ngot  %.300s\nwant %.300s", i, got[i], want[i])
		case (s.Op == "evaluateValue" || s.Op == "version") && !strings.Contains(got[i], want[i]):
			t.Errorf("step %d: %s: got %.300s, want %s", i, s.Op, got[i], want[i])
		}
	}
}
