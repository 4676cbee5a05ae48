package engine

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"strconv"
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

// cancelResolver answers no lookup and cancels a context at its first
// netgroup lookup; it counts the netgroup lookups, and those made after
// the cancel.
type cancelResolver struct {
	emptyResolver
	cancel       func()
	calls, after int
}

func (r *cancelResolver) InNetgroup(group, host string) bool {
	r.calls++
	if r.cancel != nil {
		r.cancel()
		r.cancel = nil
	} else {
		r.after++
	}
	return false
}

// blocklist is a hosts.deny of n rules, each with a netgroup, a host name
// and an address, over which Check's reach analysis asks the resolver
// about every netgroup for every name it tries.
func blocklist(n int) *Table {
	var b strings.Builder
	for i := range n {
		k := strconv.Itoa(i)
		b.WriteString("ALL: @ng-" + k + " host-" + k + ".example.org 10." + strconv.Itoa(i/250%250) + "." + strconv.Itoa(i%250) + ".1\n")
	}
	return Parse("hosts.deny", []byte(b.String()), Debian)
}

// TestCheckContext_Canceled cancels Check in its reach analysis, at its
// first netgroup lookup: the analysis must stop at the end of that step
// (the netgroup rules tried for one name), and Check return ErrCanceled
// and no diagnostics.
func TestCheckContext_Canceled(t *testing.T) {
	const rules = 200
	deny := blocklist(rules)
	full := &cancelResolver{}
	if diags := Check(nil, deny, CheckOptions{Resolver: full}); len(diags) == 0 {
		t.Fatal("the blocklist has no diagnostics to lose")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := &cancelResolver{cancel: cancel}
	diags, err := CheckContext(ctx, nil, deny, CheckOptions{Resolver: res})
	if !errors.Is(err, ErrCanceled) || diags != nil {
		t.Errorf("= %d diagnostics, %v; want none and ErrCanceled", len(diags), err)
	}
	if res.calls == 0 {
		t.Fatal("the analysis never looked a netgroup up: the test cancels nothing")
	}
	t.Logf("full %d, canceled %d, after %d", full.calls, res.calls, res.after)
	if res.after >= rules {
		t.Errorf("%d netgroup lookups after the cancel (of %d in a full check): the analysis went on past its step", res.after, full.calls)
	}
}

// TestReachContext: a done context stops Reach before its first step; a
// live one gives Reach's own answer.
func TestReachContext(t *testing.T) {
	p := &Policy{Deny: blocklist(500)}
	want, ok := Reach(p)
	if !ok {
		t.Fatal("Reach gave up")
	}
	ctx, cancel := context.WithCancel(context.Background())
	got, ok, err := ReachContext(ctx, p)
	if err != nil || !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("live: %d rules, %v, %v; want Reach's %d rules", len(got), ok, err, len(want))
	}
	cancel()
	got, ok, err = ReachContext(ctx, p)
	if got != nil || ok || !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %d rules, %v, %v; want none and ErrCanceled", len(got), ok, err)
	}
}
