//go:build linux

package difftest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/engine/golden"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// profileHunt is what one differential hunt of an engine profile against
// a real build states of its own; the random and corpus loops
// (huntRandom, huntCorpus) are the same for every profile.
type profileHunt struct {
	name    string                            // the golden cases' profile name, and the build's label in differences
	real    string                            // the build, in the failure summaries
	profile engine.Profile                    // the profile the engine decides under
	harness func(*testing.T) *libwrap.Harness // the build's harness (it skips the test without the build)
	// keep reports whether the build can receive a request at all (nil:
	// every request); refused ones are counted under leftOut.
	keep    func(tablegen.Request) bool
	leftOut string
	// hosts gives the hosts table the library runs with for a case's
	// (nil: the case's own).
	hosts func(string) string
	// compare compares one request's two decisions: the differences, and
	// a kind ("" for a request compared in full; anything else is
	// counted under that kind).
	compare func(lw libwrap.Result, p *engine.Policy, d *engine.Decision) (diffs []string, kind string)
	// randomResult maps what the library gave a random request before
	// it is compared (nil: as it is). The corpus compares without it.
	randomResult func(libwrap.Result, *engine.Decision) libwrap.Result
	// skipTcpdmatch gives the kind a corpus tcpdmatch request is left out
	// under ("" to run it), with the dry-run policy.
	skipTcpdmatch func(p *engine.Policy, daemon, client string) string
	// details are the case's parts a random mismatch shows after its
	// tables.
	details func(g tablegen.Case) string
}

// fullCompare compares in full, leaving nothing out.
func fullCompare(lw libwrap.Result, _ *engine.Policy, d *engine.Decision) ([]string, string) {
	return fullDiffs(lw, d), ""
}

// huntFigures are what a hunt's loop counts.
type huntFigures struct {
	cases    int // random cases run (with a request the build can receive)
	requests int // requests compared, or corpus requests run
	bad      int // requests that differ
	onGlibc  int // corpus tcpdmatch requests that agree only on glibc's resolver
	kinds    map[string]int
	elapsed  time.Duration // the harness' side of a random hunt
}

// randomCases reads a random hunt's TCPWRAP_DIFF_CASES (default 2,000)
// and TCPWRAP_DIFF_SEED, and logs how to reproduce the run.
func randomCases(t *testing.T) (int, uint64) {
	t.Helper()
	n, seed := casesAndSeed(t, "TCPWRAP_DIFF_CASES", 2000, "TCPWRAP_DIFF_SEED")
	t.Logf("seed %d, %d cases (reproduce with TCPWRAP_DIFF_SEED=%d TCPWRAP_DIFF_CASES=%d)", seed, n, seed, n)
	return n, seed
}

// random is a profile's random test: the build's harness,
// randomCases' cases decided by huntRandom, its figures printed by
// report, and a failure if a request differs.
func (ph profileHunt) random(t *testing.T, report func(seed uint64, f huntFigures)) {
	t.Helper()
	h := ph.harness(t)
	n, seed := randomCases(t)
	f := ph.huntRandom(t, h, n, seed)
	report(seed, f)
	if f.bad > 0 {
		t.Errorf("%d of %d requests differ from %s", f.bad, f.requests, ph.real)
	}
}

// corpus is a profile's corpus test: huntCorpus on the build's harness,
// its figures printed by report, and a failure if a request differs.
func (ph profileHunt) corpus(t *testing.T, report func(f huntFigures)) {
	t.Helper()
	f := ph.huntCorpus(t, ph.harness(t))
	report(f)
	if f.bad > 0 {
		t.Errorf("%d of %d golden requests differ from %s", f.bad, f.requests, ph.real)
	}
}

// huntRandom decides n random cases from seed by h in one batch and by
// the engine under ph's profile, requires Decide and Evaluate to agree,
// and reports the first 20 mismatches.
func (ph profileHunt) huntRandom(t *testing.T, h *libwrap.Harness, n int, seed uint64) huntFigures {
	t.Helper()
	var cases []libwrap.Case
	var reqs [][]libwrap.Request
	var gens []tablegen.Case
	for i := 0; i < n; i++ {
		g := tablegen.Random(seed + uint64(i))
		if ph.keep != nil {
			var keep []tablegen.Request
			for _, r := range g.Requests {
				if ph.keep(r) {
					keep = append(keep, r)
				}
			}
			if len(keep) == 0 {
				continue
			}
			g.Requests = keep
		}
		if ph.hosts != nil {
			g.Hosts = ph.hosts(g.Hosts)
		}
		gens = append(gens, g)
		cases = append(cases, libwrap.Case{Allow: g.Allow, Deny: g.Deny, Files: g.Files, Hosts: g.Hosts, Netgroup: g.Netgroup})
		var rs []libwrap.Request
		for _, r := range g.Requests {
			rs = append(rs, toHarness(r))
		}
		reqs = append(reqs, rs)
	}
	start := time.Now()
	results, err := h.RunBatch(cases, reqs)
	if err != nil {
		t.Fatal(err)
	}
	f := huntFigures{cases: len(gens), kinds: map[string]int{}, elapsed: time.Since(start)}
	for i, g := range gens {
		p := policyFor(cases[i], ph.profile)
		for j, r := range g.Requests {
			f.requests++
			d := p.Decide(toEngine(r))
			lw := results[i][j]
			if ph.randomResult != nil {
				lw = ph.randomResult(lw, d)
			}
			diffs, kind := ph.compare(lw, p, d)
			if kind != "" {
				f.kinds[kind]++
			}
			if e := p.Evaluate(toEngine(r)); fmt.Sprint(e.Access, e.Matches, e.Log) != fmt.Sprint(d.Access, d.Matches, d.Log) {
				diffs = append(diffs, "Decide and Evaluate disagree")
			}
			if len(diffs) > 0 {
				f.bad++
				if f.bad <= 20 {
					var details string
					if ph.details != nil {
						details = ph.details(g)
					}
					t.Errorf("case seed %d (TCPWRAP_DIFF_SEED=%d TCPWRAP_DIFF_CASES=1), request %s:\n%s\nallow: %s\ndeny: %s%s",
						g.Seed, g.Seed, r, strings.Join(diffs, "\n"), show(g.Allow), show(g.Deny), details)
				}
			}
		}
	}
	return f
}

// huntCorpus runs every golden case (but glibc/'s) through h and through
// the engine under ph's profile, whatever profile the case was written
// for. tcpdmatch requests run the build's tcpdmatch; harness requests its
// library. Every difference in a case written for ph's profile is
// reported, the first 30 of the others.
func (ph profileHunt) huntCorpus(t *testing.T, h *libwrap.Harness) huntFigures {
	t.Helper()
	paths, _ := filepath.Glob("../../engine/testdata/*/*.txtar")
	if len(paths) < 195 {
		t.Fatalf("found %d golden cases", len(paths))
	}
	f := huntFigures{kinds: map[string]int{}}
	for _, file := range paths {
		if filepath.Base(filepath.Dir(file)) == "glibc" {
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		a, err := golden.Parse(b).Sections()
		if err != nil {
			t.Fatal(err)
		}
		own := strings.TrimSpace(a["profile"]) == ph.name
		c := corpusCase(t, a)
		p := policyFor(c, ph.profile)
		for _, line := range strings.Split(strings.TrimSpace(a["request"]), "\n") {
			args, err := golden.SplitArgs(line)
			if err != nil {
				t.Fatal(err)
			}
			var diff string
			switch args[0] {
			case "tcpdmatch":
				pp := *p
				pp.DryRun = true
				if ph.skipTcpdmatch != nil {
					if kind := ph.skipTcpdmatch(&pp, args[1], args[2]); kind != "" {
						f.kinds[kind]++
						continue
					}
				}
				r := pp.Tcpdmatch(args[1], args[2])
				got := strings.Join(append(r.Lines, r.Stderr...), "\n")
				lines, code, err := h.Tcpdmatch(c, args[1:]...)
				if err != nil {
					t.Fatal(err)
				}
				want := tcpdmatchText(lines)
				if got != want || code != r.ExitCode {
					// nss_wrapper answers gethostbyname otherwise than
					// glibc (upstreamHosts), and lets a gethostbyaddr
					// clobber the address list of an earlier
					// gethostbyname (found/F04): what does the build's
					// tcpdmatch print on glibc's own resolver?
					glines, gcode, err := h.GlibcTcpdmatch(c, args[1:]...)
					if err != nil {
						t.Fatal(err)
					}
					if gwant := tcpdmatchText(glines); got == gwant && gcode == r.ExitCode {
						f.onGlibc++
					} else {
						diff = fmt.Sprintf("tcpdmatch %q differs (exit %d vs %d)\n--- %s\n%s\n--- %s on glibc\n%s\n--- engine\n%s",
							args[1:], code, r.ExitCode, ph.name, want, ph.name, gwant, got)
					}
				}
			case "harness":
				rest := args[1:]
				probe := ""
				if rest[0] == "-x" {
					probe, rest = rest[1], rest[2:]
				}
				var hr libwrap.Request
				var er engine.Request
				if rest[0] == "ctl" {
					cr := ctlRequest{rest[1], rest[2], rest[3], rest[4]}
					hr, er = cr.harness(), cr.engine()
				} else {
					r := tablegen.Request{Daemon: rest[0], Client: addrPort(t, rest[1], rest[2]), Server: addrPort(t, rest[3], rest[4])}
					if ph.keep != nil && !ph.keep(r) {
						f.kinds[ph.leftOut]++
						continue
					}
					hr, er = toHarness(r), toEngine(r)
				}
				hr.Expand, er.Probe = probe, probe
				hc, hp := c, p
				if ph.hosts != nil {
					hc.Hosts = ph.hosts(c.Hosts)
					hp = policyFor(hc, ph.profile)
				}
				res, err := h.Run(hc, []libwrap.Request{hr})
				if err != nil {
					t.Fatal(err)
				}
				d := hp.Evaluate(er)
				diffs, kind := ph.compare(res[0], hp, d)
				if kind != "" {
					f.kinds[kind]++
				}
				if kind == "" && probe != "" && res[0].Expand != d.Probe {
					diffs = append(diffs, fmt.Sprintf("expansion of %q: %s %q, engine %q", probe, ph.name, res[0].Expand, d.Probe))
				}
				if len(diffs) > 0 {
					diff = fmt.Sprintf("%q: %s", rest, strings.Join(diffs, "; "))
				}
			}
			f.requests++
			if diff != "" {
				f.bad++
				if own || f.bad <= 30 {
					t.Errorf("%s: %s", file, diff)
				}
			}
		}
	}
	return f
}

// tcpdmatchText is tcpdmatch's output as the engine's Tcpdmatch gives it:
// without the inetd analysis' complaint about -i /dev/null (not the
// library's) and without CRs.
func tcpdmatchText(lines []string) string {
	var kept []string
	for _, l := range lines {
		if !strings.HasSuffix(l, ": no such process name in /dev/null") {
			kept = append(kept, l)
		}
	}
	want := strings.ReplaceAll(strings.Join(kept, "\n"), libwrap.DirPlaceholder, caseDir)
	return strings.ReplaceAll(want, "\r", "")
}

// corpusCase builds the harness case of a golden case's sections.
func corpusCase(t *testing.T, a map[string]string) libwrap.Case {
	t.Helper()
	c, err := libwrap.CaseFromSectionsAt(a, caseDir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
