package wire

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine"
)

// countFiles is a policy's files that cancel a context at the at-th read
// of /etc/inner, and count those reads.
type countFiles struct {
	engine.MapFiles
	at     int
	cancel context.CancelFunc
	reads  int
}

func (f *countFiles) ReadFile(name string) ([]byte, error) {
	if name == "/etc/inner" {
		f.reads++
		if f.reads == f.at {
			f.cancel()
		}
	}
	return f.MapFiles.ReadFile(name)
}

// longInput has requests whose decisions each read /etc/inner n times,
// n words each time, and match none of them.
func longInput(n, requests int) Input {
	in := Input{Policy: Policy{Allow: ptr("sshd: /etc/outer\n"), Deny: ptr("ALL: ALL\n"), Files: map[string]string{
		"/etc/outer": strings.Repeat("/etc/inner ", n),
		"/etc/inner": strings.Repeat("192.0.2.1 ", n),
	}}}
	for range requests {
		in.Requests = append(in.Requests, Request{Daemon: "sshd", Client: "10.0.0.1"})
	}
	return in
}

// TestEvaluateContext_Canceled cancels an evaluation of ten long
// requests in the middle of the first one's decision: nothing more is
// read, and the answer is the error, with no results.
func TestEvaluateContext_Canceled(t *testing.T) {
	for _, noTrace := range []bool{false, true} {
		in := longInput(1000, 10)
		c, err := Compile(in.Policy)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		files := &countFiles{MapFiles: engine.MapFiles(in.Files), at: 5, cancel: cancel}
		c.policy.Files = files
		out, err := c.EvaluateContext(ctx, in.Requests, noTrace)
		cancel()
		if !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) {
			t.Errorf("noTrace=%v: err = %v, want ErrCanceled", noTrace, err)
		}
		if !reflect.DeepEqual(out, Output{}) {
			t.Errorf("noTrace=%v: a canceled evaluation answered %+v", noTrace, out)
		}
		if files.reads != 5 {
			t.Errorf("noTrace=%v: /etc/inner read %d times, want 5: the evaluation went on after the cancel", noTrace, files.reads)
		}
	}
}

// TestContextDone: EvaluateContext and CheckContext with a context done
// before the call answer nothing but the error; with a live context
// they answer as Evaluate and Check do, and a refused input is an answer
// (its Error field), not an error.
func TestContextDone(t *testing.T) {
	in := longInput(20, 3)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if out, err := EvaluateContext(done, in); !errors.Is(err, ErrCanceled) || !reflect.DeepEqual(out, Output{}) {
		t.Errorf("EvaluateContext, done: %+v, %v", out, err)
	}
	if out, err := CheckContext(done, in.Policy); !errors.Is(err, ErrCanceled) || !reflect.DeepEqual(out, CheckOutput{}) {
		t.Errorf("CheckContext, done: %+v, %v", out, err)
	}
	live, stop := context.WithCancel(context.Background())
	defer stop()
	if out, err := EvaluateContext(live, in); err != nil || !reflect.DeepEqual(out, Evaluate(in)) {
		t.Errorf("EvaluateContext, live: err %v, or an answer that is not Evaluate's", err)
	}
	if out, err := CheckContext(live, in.Policy); err != nil || !reflect.DeepEqual(out, Check(in.Policy)) {
		t.Errorf("CheckContext, live: err %v, or an answer that is not Check's", err)
	}
	bad := in
	bad.Profile = "bsd"
	if out, err := EvaluateContext(done, bad); err != nil || out.Error == "" {
		t.Errorf("EvaluateContext of a bad profile: %+v, %v; want the Error field", out, err)
	}
}
