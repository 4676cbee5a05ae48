//go:build linux

package tcpdchkdiff

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/e2e/optionhunt"
)

// optionTables cuts option texts (as "ALL: ALL: TEXT" rules) and the
// multi-line rules of optionhunt.Lines into tables of a hundred rules,
// but for a rule that may end tcpdchk (optionhunt.Ends), alone.
func optionTables(opts []string) []string {
	var tables []string
	var b strings.Builder
	k := 0
	add := func(rule string) {
		if optionhunt.Ends(rule) {
			tables = append(tables, rule)
			return
		}
		b.WriteString(rule)
		if k++; k == 100 {
			tables = append(tables, b.String())
			b.Reset()
			k = 0
		}
	}
	for _, o := range opts {
		add("ALL: ALL: " + o + "\n")
	}
	for _, l := range optionhunt.Lines() {
		add(l)
	}
	if k > 0 {
		tables = append(tables, b.String())
	}
	return tables
}

// TestOptionFamily runs the real tcpdchk and ours on the option family
// of package optionhunt and 500 random option texts
// (optionhunt.RandomFromEnv), cut into tables (optionTables), each table
// as hosts.allow and as hosts.deny, with -v (every option's "option:"
// line, warnings and errors, the access) and with -a (implicit "allow"
// warnings).
func TestOptionFamily(t *testing.T) {
	h := harness(t)
	bin := build(t)
	type run struct {
		name string
		c    libwrap.Case
		args []string
	}
	var runs []run
	files := optionhunt.Files()
	seed, nrandom := optionhunt.RandomFromEnv(500)
	t.Logf("%d random option texts from seed %d (OPTIONHUNT_SEED=%d OPTIONHUNT_RANDOM=%d)", nrandom, seed, seed, nrandom)
	for i, text := range optionTables(append(optionhunt.Options(), optionhunt.Random(seed, nrandom)...)) {
		text := text
		flags := [][]string{{"-d", "-v", "-i", "/dev/null"}, {"-d", "-a", "-i", "/dev/null"}}
		if optionhunt.Ends(text) {
			flags = flags[:1] // a rule alone: -a adds nothing
		}
		for _, args := range flags {
			runs = append(runs,
				run{fmt.Sprintf("table %d as hosts.allow", i), libwrap.Case{Allow: &text, Files: files, Hosts: optionhunt.Hosts}, args},
				run{fmt.Sprintf("table %d as hosts.deny", i), libwrap.Case{Deny: &text, Files: files, Hosts: optionhunt.Hosts}, args})
		}
	}
	start := time.Now()
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	diffs, rules := 0, 0
	for _, r := range runs {
		for _, p := range []*string{r.c.Allow, r.c.Deny} {
			if p != nil {
				rules += strings.Count(*p, "\n")
			}
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			want, wantCode, err := h.Tcpdchk(r.c, r.args...)
			if err != nil {
				t.Error(err)
				return
			}
			got, gotCode := runOurs(t, bin, r.c, r.args)
			if strings.Join(want, "\n") != strings.Join(got, "\n") || wantCode != gotCode {
				mu.Lock()
				defer mu.Unlock()
				diffs++
				t.Errorf("%s, %q:\n%s", r.name, r.args, lineDiff(want, wantCode, got, gotCode))
			}
		}()
	}
	wg.Wait()
	fmt.Printf("tcpdchkdiff: %d option-family runs (%d table lines) compared with Debian's tcpdchk in %v; %d differ\n",
		len(runs), rules, time.Since(start).Round(time.Millisecond), diffs)
}
