package realhunt

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/engine"
)

func req(r Request) engine.Request {
	return engine.Request{Daemon: r.Daemon, User: r.User,
		Client: engine.Endpoint{Socket: r.Client}, Server: engine.Endpoint{Socket: r.Server}}
}

func sig(d *engine.Decision) string {
	var o []string
	for _, x := range d.Options {
		v := "<nil>"
		if x.Value != nil {
			v = *x.Value
		}
		o = append(o, x.Name+"="+v)
	}
	var m []string
	for _, x := range d.Matches {
		m = append(m, fmt.Sprintf("%s:%d", x.File, x.Line))
	}
	return fmt.Sprint(d.Access, m, o, d.Log, d.Banner, d.Commands, d.Error)
}

// TestRobust: parse, check, format and tcpdchk never panic or hang on the
// real files, and formatting keeps every decision.
func TestRobust(t *testing.T) {
	files, err := Load()
	if err != nil {
		t.Skip(err)
	}
	n := 0
	for _, rc := range Cases(files) {
		n += robust(t, rc)
	}
	t.Logf("%d decisions compared with the formatted tables", n)
}

// TestRobustMutants is TestRobust on mutated copies of the real files
// (MutantCases; REALFILES_SEED, default 1, REALFILES_MUTANTS per file,
// default 8).
func TestRobustMutants(t *testing.T) {
	files, err := Load()
	if err != nil {
		t.Skip(err)
	}
	seed, mutants := int64(1), 8
	if v, err := strconv.ParseInt(os.Getenv("REALFILES_SEED"), 10, 64); err == nil {
		seed = v
	}
	if v, err := strconv.Atoi(os.Getenv("REALFILES_MUTANTS")); err == nil {
		mutants = v
	}
	n := 0
	for _, rc := range MutantCases(files, seed, mutants, 40) {
		n += robust(t, rc)
	}
	t.Logf("seed %d: %d decisions compared with the formatted tables", seed, n)
}

// TestMutateDeterministic: a seed gives the same mutants.
func TestMutateDeterministic(t *testing.T) {
	text := "# comment\nsshd: 10.0.0.0/8, .example.com EXCEPT host.example.com : spawn echo %h\nALL: ALL\n"
	for seed := int64(0); seed < 50; seed++ {
		a, da := Mutate(text, rand.New(rand.NewSource(seed)))
		b, db := Mutate(text, rand.New(rand.NewSource(seed)))
		if a != b || strings.Join(da, ";") != strings.Join(db, ";") || len(da) < 1 || len(da) > 3 {
			t.Fatalf("seed %d: %q %v / %q %v", seed, a, da, b, db)
		}
	}
}

// robust runs one case's checks and returns the decisions compared.
func robust(t *testing.T, rc Case) int {
	t.Helper()
	n := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, prof := range []engine.Profile{engine.Debian, engine.Upstream, engine.FreeBSD} {
			res := engine.NewHostsResolver("hosts", []byte(rc.Hosts)).WithNetgroups("netgroup", []byte(rc.Netgroup))
			tab := func(name string, s *string) *engine.Table {
				if s == nil {
					return engine.MissingTable(name, prof)
				}
				return engine.Parse(name, []byte(*s), prof)
			}
			fmtd := func(s *string) *string {
				if s == nil {
					return nil
				}
				f := string(engine.Format([]byte(*s), prof))
				if g := string(engine.Format([]byte(f), prof)); g != f {
					t.Errorf("%s (%v): Format not idempotent", rc.Name, prof)
				}
				if strings.Count(f, "\n") != strings.Count(*s, "\n") {
					t.Errorf("%s (%v): Format changed the line count", rc.Name, prof)
				}
				return &f
			}
			p := &engine.Policy{Allow: tab("hosts.allow", rc.Allow), Deny: tab("hosts.deny", rc.Deny), Resolver: res, Files: engine.MapFiles{}}
			q := &engine.Policy{Allow: tab("hosts.allow", fmtd(rc.Allow)), Deny: tab("hosts.deny", fmtd(rc.Deny)), Resolver: res, Files: engine.MapFiles{}}
			_ = engine.Check(p.Allow, p.Deny, engine.CheckOptions{Resolver: res, Files: engine.MapFiles{}, ImplicitAllow: true, Paranoid: true})
			_ = p.Tcpdchk(&engine.TcpdchkOptions{Verbose: true, Implicit: true, InetdConf: "/dev/null", AllowPath: "hosts.allow", DenyPath: "hosts.deny"})
			for _, r := range rc.Requests {
				n++
				a, b := p.Evaluate(req(r)), q.Evaluate(req(r))
				if sig(a) != sig(b) {
					t.Errorf("%s (%v): formatting changed the decision for %v:\n%s\n%s", rc.Name, prof, r, sig(a), sig(b))
					return
				}
			}
			for _, op := range rc.Tcpdmatch {
				pp := *p
				pp.DryRun = true
				_ = pp.Tcpdmatch(op[0], op[1])
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s: hang", rc.Name)
	}
	return n
}

func TestWithoutPID(t *testing.T) {
	allow := "a: ALL: spawn echo %p %%p %%%p 100%\n"
	c := Case{Allow: &allow, Files: map[string]string{"b/sshd": "pid %p\n"}}
	got := c.WithoutPID()
	if want := "a: ALL: spawn echo %% %%p %%%% 100%\n"; *got.Allow != want {
		t.Errorf("table %q, want %q", *got.Allow, want)
	}
	if got.Files["b/sshd"] != "pid %%\n" || c.Files["b/sshd"] != "pid %p\n" || *c.Allow != allow {
		t.Errorf("files %q, original %q %q", got.Files, c.Files, *c.Allow)
	}
}
