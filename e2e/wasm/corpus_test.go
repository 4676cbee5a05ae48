package wasmtest

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine/golden"
	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// A goldenCase is one engine/testdata case as wire input.
type goldenCase struct {
	name string
	in   wire.Input
	// harness[i] is the want block of request i when it is a harness
	// line (a real connection, recorded from libwrap), else nil.
	harness [][]string
}

// section returns a decoded section of a golden case.
func section(secs map[string]string, name string) (string, bool) {
	s, ok := secs[name]
	return s, ok
}

func splitArgs(t *testing.T, line string) []string {
	args, err := golden.SplitArgs(line)
	if err != nil {
		t.Fatal(err)
	}
	return args
}

// loadCorpus turns every engine/testdata/*/*.txtar case into wire input:
// "tcpdmatch DAEMON[@SERVER] [USER@]CLIENT" lines become requests with
// tcpwrap match's operand semantics (an address is a real connection),
// "harness [-x T] DAEMON ADDR PORT SERVER PORT" lines requests from ADDR,
// "harness [-x T] ctl DAEMON NAME ADDR USER" lines hosts_ctl requests
// ("ctl").
func loadCorpus(t *testing.T) []goldenCase {
	ctlRequests := 0
	defer func() {
		if ctlRequests < 10 && !t.Failed() {
			t.Fatalf("only %d hosts_ctl requests in the corpus", ctlRequests)
		}
	}()
	paths, err := filepath.Glob("../../engine/testdata/*/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 195 {
		t.Fatalf("found %d golden cases, want at least 195", len(paths))
	}
	var cases []goldenCase
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		secs, err := golden.Parse(b).Sections()
		if err != nil {
			t.Fatal(err)
		}
		c := goldenCase{name: strings.TrimPrefix(p, "../../engine/testdata/")}
		in := &c.in
		in.AllowName, in.DenyName = "hosts.allow", "hosts.deny"
		if s, ok := section(secs, "hosts.allow"); ok {
			in.Allow = &s
		}
		if s, ok := section(secs, "hosts.deny"); ok {
			in.Deny = &s
		}
		in.Hosts, _ = section(secs, "hosts")
		if s, ok := section(secs, "netgroup"); ok {
			in.Netgroup = &s
		}
		if s, ok := section(secs, "profile"); ok {
			in.Profile = strings.TrimSpace(s)
		}
		for name := range secs {
			if rel, ok := strings.CutPrefix(name, "files/"); ok {
				if in.Files == nil {
					in.Files = map[string]string{}
				}
				in.Files[path.Join("/case", rel)], _ = section(secs, "files/"+rel)
			}
		}
		reqText, ok := secs["request"]
		if !ok {
			t.Fatalf("%s: no request section", p)
		}
		wantBlocks := strings.Split(strings.TrimSuffix(secs["want"], "\n"), "\n----\n")
		lines := strings.Split(strings.TrimSpace(reqText), "\n")
		for i, line := range lines {
			args := splitArgs(t, line)
			var want []string
			switch args[0] {
			case "tcpdmatch":
				d, server, _ := strings.Cut(args[1], "@")
				user, client, hasUser := strings.Cut(args[2], "@")
				if !hasUser {
					user, client = "", user
				}
				in.Requests = append(in.Requests, wire.Request{Daemon: d, Server: server, Client: client, User: user})
			case "harness":
				args = args[1:]
				probe := false
				if args[0] == "-x" {
					args, probe = args[2:], true
				}
				if args[0] == "ctl" {
					// hosts_ctl's four strings, as given.
					in.Requests = append(in.Requests, wire.Request{Ctl: &wire.CtlEcho{
						Daemon: args[1], Name: args[2], Addr: args[3], User: args[4]}})
					if !probe && len(wantBlocks) == len(lines) {
						want = strings.Split(wantBlocks[i], "\n")
					}
					c.harness = append(c.harness, want)
					ctlRequests++
					continue
				}
				cp, _ := strconv.ParseUint(args[2], 10, 16)
				sp, _ := strconv.ParseUint(args[4], 10, 16)
				r := wire.Request{Daemon: args[0], Client: args[1], ClientPort: uint16(cp)}
				if args[3] != "-" {
					r.Server, r.ServerPort = args[3], uint16(sp)
				}
				in.Requests = append(in.Requests, r)
				if !probe && len(wantBlocks) == len(lines) {
					want = strings.Split(wantBlocks[i], "\n")
				}
			default:
				t.Fatalf("%s: unknown request %q", p, line)
			}
			c.harness = append(c.harness, want)
		}
		cases = append(cases, c)
	}
	return cases
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCorpusNative checks the native wire answers themselves against the
// golden corpus: every harness request (a connection from an address,
// recorded from the real libwrap) must log exactly the recorded lines and
// give the recorded verdict. aclexec commands are assumed to succeed by
// wire (the corpus simulates "false" failing), so cases using aclexec are
// left to engine's own tests.
func TestCorpusNative(t *testing.T) {
	checked := 0
	for _, c := range loadCorpus(t) {
		out := wire.Evaluate(c.in)
		if out.Error != "" {
			t.Errorf("%s: %s", c.name, out.Error)
			continue
		}
		tables := ptrText(c.in.Allow) + ptrText(c.in.Deny)
		for i, want := range c.harness {
			if want == nil || strings.Contains(tables, "aclexec") {
				continue
			}
			rr := out.Results[i]
			if rr.Error != "" || len(rr.Predictions) != 1 {
				t.Errorf("%s request %d: %+v", c.name, i, rr)
				continue
			}
			p := rr.Predictions[0]
			// The golden text writes each message as it is: one with a
			// newline in it ("unrecognized %" before a line's end,
			// derived/X18) spans two lines there.
			var got []string
			if len(p.Log) > 0 {
				got = strings.Split(strings.Join(p.Log, "\n"), "\n")
			}
			got = append(got, "verdict: "+p.Access)
			for _, e := range p.Effects {
				got = append(got, "effect: "+e.Text)
			}
			if p.Banner != nil {
				got = append(got, "banner: "+strconv.Quote(*p.Banner))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s request %d:\ngot  %q\nwant %q", c.name, i, got, want)
			}
			checked++
		}
	}
	t.Logf("%d harness requests agree with the recorded libwrap answers", checked)
	if checked < 5 {
		t.Errorf("only %d harness requests checked", checked)
	}
}

func ptrText(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// corpusSteps is the whole corpus as one step program for the reactor:
// compile, evaluate, release per case; want holds the native answers of
// the evaluate steps (nil for the others).
func corpusSteps(t *testing.T) (steps []step, want []*string) {
	for _, c := range loadCorpus(t) {
		policy := mustJSON(t, c.in.Policy)
		reqs := mustJSON(t, wire.Requests{Requests: c.in.Requests})
		native := string(wire.EvaluateJSON(mustJSON(t, c.in)))
		steps = append(steps, step{Op: "compile", Data: policy}, step{Op: "evaluate", Data: reqs}, step{Op: "release"})
		want = append(want, nil, &native, nil)
	}
	return steps, want
}

func checkCorpusAnswers(t *testing.T, runner string, steps []step, want []*string, got []string) {
	t.Helper()
	n := 0
	for i := range steps {
		switch {
		case steps[i].Op == "compile":
			if !strings.HasPrefix(got[i], `{"handle":`) {
				t.Fatalf("%s: step %d: compile: %s", runner, i, got[i])
			}
		case want[i] != nil:
			n++
			if got[i] != *want[i] {
				t.Errorf("%s: step %d differs from the native answer:\ngot  %.400s\nwant %.400s", runner, i, got[i], *want[i])
			}
		}
	}
	t.Logf("%s: %d golden cases, answers byte-identical to native wire.EvaluateJSON", runner, n)
}

// TestCorpusWazero runs the corpus through the reactor under wazero.
func TestCorpusWazero(t *testing.T) {
	steps, want := corpusSteps(t)
	m := loadReactor(t, t.TempDir())
	checkCorpusAnswers(t, "wazero", steps, want, runWazero(t, m, steps))
}

// TestCorpusNodeWASI runs the corpus through the reactor under node:wasi.
func TestCorpusNodeWASI(t *testing.T) {
	steps, want := corpusSteps(t)
	checkCorpusAnswers(t, "node:wasi", steps, want, runNode(t, "wasidriver.mjs", modules.reactor, steps))
}

// TestCorpusJS runs the corpus through the GOOS=js module under Node:
// evaluateJSON must answer byte for byte as native wire.EvaluateJSON, and
// evaluate (plain objects) the same values.
func TestCorpusJS(t *testing.T) {
	var steps []step
	var want []string
	for _, c := range loadCorpus(t) {
		in := mustJSON(t, c.in)
		native := string(wire.EvaluateJSON(in))
		steps = append(steps, step{Op: "evaluateJSON", Data: in}, step{Op: "evaluate", Data: in})
		want = append(want, native, native)
	}
	got := runNode(t, "jsdriver.mjs", modules.dir, steps)
	for i := range steps {
		if steps[i].Op == "evaluateJSON" {
			if got[i] != want[i] {
				t.Errorf("evaluateJSON step %d differs:\ngot  %.400s\nwant %.400s", i, got[i], want[i])
			}
			continue
		}
		if !sameJSON(t, got[i], want[i]) {
			t.Errorf("evaluate step %d differs:\ngot  %.400s\nwant %.400s", i, got[i], want[i])
		}
	}
	t.Logf("js: %d golden cases through evaluateJSON (byte-identical) and evaluate (same values)", len(steps)/2)
}

// sameJSON compares two JSON texts as values.
func sameJSON(t *testing.T, a, b string) bool {
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Errorf("not JSON: %v: %.200s", err, a)
		return false
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Errorf("not JSON: %v: %.200s", err, b)
		return false
	}
	return reflect.DeepEqual(x, y)
}

// TestCheckFormatModules runs check, format and diff on every golden
// case through both modules and compares them with wire natively. diff
// compares each case's tables with themselves swapped.
func TestCheckFormatModules(t *testing.T) {
	var steps []step
	var want []string
	changes := 0
	for _, c := range loadCorpus(t) {
		in := mustJSON(t, c.in)
		swapped := c.in
		swapped.Old = &wire.Tables{Allow: c.in.Deny, Deny: c.in.Allow}
		d := mustJSON(t, swapped)
		steps = append(steps, step{Op: "check", Data: in}, step{Op: "format", Data: in}, step{Op: "diff", Data: d})
		want = append(want, string(wire.CheckJSON(in)), string(wire.FormatJSON(in)), string(wire.DiffJSON(d)))
		changes += len(wire.Diff(swapped).Changes)
	}
	if changes < 100 {
		t.Fatalf("only %d changes in all the diffs: the test compares too little", changes)
	}
	m := loadReactor(t, t.TempDir())
	gotWazero := runWazero(t, m, steps)
	gotJS := runNode(t, "jsdriver.mjs", modules.dir, steps)
	for i := range steps {
		if gotWazero[i] != want[i] {
			t.Errorf("wazero %s step %d differs:\ngot  %.300s\nwant %.300s", steps[i].Op, i, gotWazero[i], want[i])
		}
		if !sameJSON(t, gotJS[i], want[i]) {
			t.Errorf("js %s step %d differs:\ngot  %.300s\nwant %.300s", steps[i].Op, i, gotJS[i], want[i])
		}
	}
	t.Logf("check, format and diff: %d golden cases through both modules, %d changes", len(steps)/3, changes)
}
