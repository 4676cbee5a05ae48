//go:build linux

package difftest

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/e2e/realhunt"
	"github.com/tcpwrap/tcpwrap/engine"
)

// TestRealWorldHunt compares the engine with libwrap on cases derived from
// real-world tables in the directories REALFILES names (package
// e2e/realhunt; skipped without it).
func TestRealWorldHunt(t *testing.T) {
	files, err := realhunt.Load()
	if err != nil {
		t.Skipf("no real-world files: %v", err)
	}
	h := harness(t)
	rcs := realhunt.Cases(files)
	if f := os.Getenv("REALFILES_MATCH"); f != "" {
		var keep []realhunt.Case
		for _, c := range rcs {
			if strings.Contains(c.Name, f) {
				keep = append(keep, c)
			}
		}
		rcs = keep
	}
	var cases []libwrap.Case
	var reqs [][]libwrap.Request
	for _, rc := range rcs {
		cases = append(cases, rc.HarnessCase())
		reqs = append(reqs, rc.HarnessRequests())
	}
	start := time.Now()
	results, err := h.RunBatch(cases, reqs)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	n, bad := 0, 0
	seen := map[string]int{}
	stats := map[string]int{}
	for i, rc := range rcs {
		p := policyFor(cases[i], engine.Debian)
		for j, r := range rc.Requests {
			n++
			// %p is the process libwrap ran in: the engine is told it.
			er := engine.Request{Daemon: r.Daemon, User: r.User, PID: results[i][j].PID,
				Client: engine.Endpoint{Socket: r.Client}, Server: engine.Endpoint{Socket: r.Server}}
			d := p.Evaluate(er)
			stats[string(d.Access)]++
			if len(d.Warnings) > 0 {
				stats["warnings"]++
			}
			if len(d.Options) > 0 {
				stats["options"]++
			}
			if d.Matched != nil {
				stats["matched-"+d.Matched.File]++
			}
			diffs := compare(results[i][j], d)
			if ld := logDiff(results[i][j], d); ld != "" {
				diffs = append(diffs, ld)
			}
			dd := p.Decide(er)
			if fmt.Sprint(dd.Access, dd.Matches, dd.Log) != fmt.Sprint(d.Access, d.Matches, d.Log) {
				diffs = append(diffs, "Decide and Evaluate disagree")
			}
			if got, want := d.Banner, strings.ReplaceAll(results[i][j].Banner, libwrap.DirPlaceholder, caseDir); got != want {
				diffs = append(diffs, fmt.Sprintf("banner: libwrap %q, engine %q", want, got))
			}
			var lc, ec []string
			for _, c := range results[i][j].Commands {
				lc = append(lc, c.Kind+":"+strings.ReplaceAll(c.Command, libwrap.DirPlaceholder, caseDir))
			}
			for _, c := range d.Commands {
				k := c.Kind
				ec = append(ec, k+":"+c.Command)
			}
			if strings.Join(lc, "\n") != strings.Join(ec, "\n") {
				diffs = append(diffs, fmt.Sprintf("commands: libwrap %q, engine %q", lc, ec))
			}
			if len(diffs) > 0 {
				bad++
				key := rc.Name
				if k, _, ok := strings.Cut(rc.Name, " "); ok {
					key = k
				}
				seen[key]++
				if seen[key] <= 2 && bad <= 80 {
					t.Errorf("%s: %s from %s to %s user %q:\n%s", rc.Name, r.Daemon, r.Client, r.Server, r.User, strings.Join(diffs, "\n"))
				}
			}
		}
	}
	fmt.Printf("realhunt stats: %v\n", stats)
	fmt.Printf("realhunt: %d files, %d cases, %d requests (libwrap side %v); %d differ\n", len(files), len(rcs), n, elapsed.Round(time.Millisecond), bad)
}
