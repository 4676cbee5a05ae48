package engine

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// cancelFiles is MapFiles that counts the reads of one file and cancels
// a context at the at-th of them: an event inside a decision, so the
// tests can tell how far the work went after the cancel without timing
// anything.
type cancelFiles struct {
	MapFiles
	path   string
	at     int
	cancel context.CancelFunc
	reads  int
}

func (f *cancelFiles) ReadFile(name string) ([]byte, error) {
	if name == f.path {
		f.reads++
		if f.reads == f.at {
			f.cancel()
		}
	}
	return f.MapFiles.ReadFile(name)
}

// longPolicy is a policy whose decision for longRequest reads the
// pattern files of longFiles and matches none of their words.
func longPolicy(files Files) *Policy {
	return &Policy{
		Allow: Parse("hosts.allow", []byte("sshd: /etc/outer\n"), Debian),
		Deny:  Parse("hosts.deny", []byte("ALL: ALL\n"), Debian),
		Files: files,
	}
}

// longFiles names /etc/inner n times in /etc/outer, and /etc/inner has n
// words: n*n words in all (a million for 1,000, about the most one
// decision may read).
func longFiles(n int) MapFiles {
	return MapFiles{
		"/etc/outer": strings.Repeat("/etc/inner ", n),
		"/etc/inner": strings.Repeat("192.0.2.1 ", n),
	}
}

var longRequest = Request{Daemon: "sshd", Client: Endpoint{Socket: netip.MustParseAddrPort("10.0.0.1:40000")}}

// decideFuncs are the entry points that take a context.
var decideFuncs = []struct {
	name   string
	decide func(ctx context.Context, p *Policy, r Request) (*Decision, error)
}{
	{"Policy.EvaluateContext", func(ctx context.Context, p *Policy, r Request) (*Decision, error) { return p.EvaluateContext(ctx, r) }},
	{"Policy.DecideContext", func(ctx context.Context, p *Policy, r Request) (*Decision, error) { return p.DecideContext(ctx, r) }},
	{"Decider.DecideContext", func(ctx context.Context, p *Policy, r Request) (*Decision, error) {
		return p.NewDecider().DecideContext(ctx, r)
	}},
}

// TestDecideContext_Canceled cancels a long decision from inside it, at
// the third of its thousand reads of /etc/inner: the decision must stop
// at the next pattern-file word, before a fourth read, and return
// ErrCanceled with no decision.
func TestDecideContext_Canceled(t *testing.T) {
	for _, f := range decideFuncs {
		t.Run(f.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			files := &cancelFiles{MapFiles: longFiles(1000), path: "/etc/inner", at: 3, cancel: cancel}
			d, err := f.decide(ctx, longPolicy(files), longRequest)
			if !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want ErrCanceled and context.Canceled", err)
			}
			if d != nil {
				t.Errorf("a canceled decision returned %s %v", d.Access, d.Matched)
			}
			if files.reads != 3 {
				t.Errorf("/etc/inner read %d times, want 3: the decision went on after its context was canceled", files.reads)
			}
		})
	}
}

// TestDecideContext_Done: a context done before the call decides
// nothing, even a decision that would read no line at all, and says why.
func TestDecideContext_Done(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-ctx.Done()
	for _, f := range decideFuncs {
		t.Run(f.name, func(t *testing.T) {
			for _, p := range []*Policy{{}, longPolicy(longFiles(1000))} {
				d, err := f.decide(ctx, p, longRequest)
				if d != nil || !errors.Is(err, ErrCanceled) || !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("= a decision: %v, %v; want none, and ErrCanceled with context.DeadlineExceeded", d != nil, err)
				}
				if want := "evaluation canceled: context deadline exceeded"; err != nil && err.Error() != want {
					t.Errorf("err = %q, want %q", err, want)
				}
			}
		})
	}
}

// TestDecideContext_Live: with a context that is not done, the decision
// is the one without a context, and a Decider whose decision was canceled
// decides the next request as a fresh one does.
func TestDecideContext_Live(t *testing.T) {
	p := longPolicy(longFiles(30))
	want := p.Evaluate(longRequest)
	if want.Access != Denied || want.Matched == nil || want.Matched.File != "hosts.deny" {
		t.Fatalf("the long decision is %s %v, want denied by hosts.deny", want.Access, want.Matched)
	}
	for _, f := range decideFuncs {
		t.Run(f.name, func(t *testing.T) {
			d, err := f.decide(context.Background(), p, longRequest)
			if err != nil || d.Access != want.Access || *d.Matched != *want.Matched {
				t.Errorf("= %v, %v; want %s %v", d, err, want.Access, *want.Matched)
			}
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	files := &cancelFiles{MapFiles: longFiles(30), path: "/etc/inner", at: 2, cancel: cancel}
	z := longPolicy(files).NewDecider()
	if _, err := z.DecideContext(ctx, longRequest); !errors.Is(err, ErrCanceled) {
		t.Fatalf("err = %v, want ErrCanceled", err)
	}
	live, stop := context.WithCancel(context.Background())
	defer stop()
	d, err := z.DecideContext(live, longRequest)
	if err != nil || d.Access != want.Access || *d.Matched != *want.Matched {
		t.Errorf("after a canceled decision: %v, %v; want %s %v", d, err, want.Access, *want.Matched)
	}
}
