//go:build linux

package difftest

import (
	"fmt"
	"net/netip"
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

// The upstream hunt: the engine's upstream profile against tcp_wrappers
// 7.6 as released, built by libwrap.NewUpstream from the source tree
// UPSTREAM76 names (skipped without it):
//
//	UPSTREAM76=/path/to/tcp_wrappers_7.6 CI=true go test ./e2e/difftest -run 'TestUpstream'
//
// 7.6 has no IPv6: requests with an IPv6 (or IPv4-mapped) address are
// left out, as are tcpdmatch operands that are one.

// upstreamHarness is the upstream harness shared by the package's tests.
func upstreamHarness(t *testing.T) *libwrap.Harness { return libwrap.SharedUpstream(t) }

// upstreamRequest reports whether a 7.6 daemon can receive r: IPv4
// endpoints only.
func upstreamRequest(r tablegen.Request) bool {
	for _, ap := range []netip.AddrPort{r.Client, r.Server} {
		if ap.IsValid() && !ap.Addr().Is4() {
			return false
		}
	}
	return true
}

// upstreamHosts drops the lines of a hosts table whose first name reads
// as an IPv4 address. Upstream verifies a name with gethostbyname, which
// glibc answers itself for such a name (the address it reads as), while
// the harness' nss_wrapper looks it up in the table like any other name:
// under the harness "10.0.0.9 127.0.0.5" verifies, on a real system (and
// in the engine) it is a name/address mismatch. derived/X13 shows the
// real behaviour, checked on glibc by TestUpstreamCorpus.
func upstreamHosts(hosts string) string {
	var keep []string
	for _, l := range strings.SplitAfter(hosts, "\n") {
		if f := strings.Fields(l); len(f) > 1 && numericV4(f[1]) {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "")
}

// numericV4 reports whether s is all digits and dots (what
// gethostbyname's own check for an address reads as one, or refuses).
func numericV4(s string) bool {
	return s != "" && strings.Trim(s, "0123456789.") == ""
}

// overflowQuote returns lw with the quote of its percent_x overflow
// warning made the engine's when it is cut inside the case directory:
// the warning quotes the first 30 bytes of the expansion, and where the
// harness' directory (not {DIR}) is cut there, its text cannot be mapped
// back to the engine's /case. Without options the whole third field is
// expanded, so a command with "{DIR}" can be quoted so.
func overflowQuote(lw libwrap.Result, d *engine.Decision) libwrap.Result {
	const note = "percent_x: expansion too long: "
	n := len(lw.Log)
	if n == 0 || n != len(d.Log) {
		return lw
	}
	l, e := lw.Log[n-1], d.Log[n-1]
	i, j := strings.Index(l, note), strings.Index(e, note)
	if i < 0 || i != j || l[:i] != e[:j] || strings.Contains(l, libwrap.DirPlaceholder) || !strings.Contains(l[i:], "/") {
		return lw
	}
	lw.Log = append(append([]string{}, lw.Log[:n-1]...), e)
	return lw
}

// TestUpstreamRandom is TestRandom for the upstream profile:
// TCPWRAP_DIFF_CASES random cases (default 2,000) from TCPWRAP_DIFF_SEED
// (default: the clock), their IPv4 requests decided by upstream 7.6 and
// by the engine under engine.Upstream, compared in access, matched
// rules, shell commands, severities and the complete log.
func TestUpstreamRandom(t *testing.T) {
	h := upstreamHarness(t)
	n, seed := casesAndSeed(t, "TCPWRAP_DIFF_CASES", 2000, "TCPWRAP_DIFF_SEED")
	t.Logf("seed %d, %d cases (reproduce with TCPWRAP_DIFF_SEED=%d TCPWRAP_DIFF_CASES=%d)", seed, n, seed, n)
	var cases []libwrap.Case
	var reqs [][]libwrap.Request
	var gens []tablegen.Case
	for i := 0; i < n; i++ {
		g := tablegen.Random(seed + uint64(i))
		var keep []tablegen.Request
		for _, r := range g.Requests {
			if upstreamRequest(r) {
				keep = append(keep, r)
			}
		}
		if len(keep) == 0 {
			continue
		}
		g.Requests = keep
		g.Hosts = upstreamHosts(g.Hosts)
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
	elapsed := time.Since(start)
	requests, mismatches := 0, 0
	for i, g := range gens {
		p := policyFor(cases[i], engine.Upstream)
		for j, r := range g.Requests {
			requests++
			d := p.Decide(toEngine(r))
			diffs := fullDiffs(overflowQuote(results[i][j], d), d)
			if e := p.Evaluate(toEngine(r)); fmt.Sprint(e.Access, e.Matches, e.Log) != fmt.Sprint(d.Access, d.Matches, d.Log) {
				diffs = append(diffs, "Decide and Evaluate disagree")
			}
			if len(diffs) > 0 {
				mismatches++
				if mismatches <= 20 {
					t.Errorf("case seed %d (TCPWRAP_DIFF_SEED=%d TCPWRAP_DIFF_CASES=1), request %s:\n%s\nallow: %s\ndeny: %s\nhosts: %q",
						g.Seed, g.Seed, r, strings.Join(diffs, "\n"), show(g.Allow), show(g.Deny), g.Hosts)
				}
			}
		}
	}
	fmt.Printf("upstream difftest: seed %d: %d cases with IPv4 requests, %d requests in %v (upstream side); %d mismatches\n",
		seed, len(gens), requests, elapsed.Round(time.Millisecond), mismatches)
	if mismatches > 0 {
		t.Errorf("%d of %d requests differ from upstream 7.6", mismatches, requests)
	}
}

// TestUpstreamCorpus runs every golden case (but glibc/'s) through
// upstream 7.6 and through the engine under engine.Upstream, whatever
// profile the case was written for: the upstream cases (derived/X12–X14)
// must agree, and so must every other table, read the upstream way.
// tcpdmatch requests run upstream's own tcpdmatch; harness requests its
// library.
func TestUpstreamCorpus(t *testing.T) {
	h := upstreamHarness(t)
	paths, _ := filepath.Glob("../../engine/testdata/*/*.txtar")
	if len(paths) < 195 {
		t.Fatalf("found %d golden cases", len(paths))
	}
	ran, skipped, bad, onGlibc := 0, 0, 0, 0
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
		own := strings.TrimSpace(a["profile"]) == "upstream"
		c := corpusCase(a)
		p := policyFor(c, engine.Upstream)
		for _, line := range strings.Split(strings.TrimSpace(a["request"]), "\n") {
			args, err := golden.SplitArgs(line)
			if err != nil {
				t.Fatal(err)
			}
			var diff string
			switch args[0] {
			case "tcpdmatch":
				if strings.Contains(args[1]+args[2], ":") {
					skipped++
					continue
				}
				pp := *p
				pp.DryRun = true
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
					// gethostbyname (found/F04): what does upstream's
					// tcpdmatch print on glibc's own resolver?
					glines, gcode, err := h.GlibcTcpdmatch(c, args[1:]...)
					if err != nil {
						t.Fatal(err)
					}
					if gwant := tcpdmatchText(glines); got == gwant && gcode == r.ExitCode {
						onGlibc++
					} else {
						diff = fmt.Sprintf("tcpdmatch %q differs (exit %d vs %d)\n--- upstream\n%s\n--- upstream on glibc\n%s\n--- engine\n%s",
							args[1:], code, r.ExitCode, want, gwant, got)
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
					if !upstreamRequest(r) {
						skipped++
						continue
					}
					hr, er = toHarness(r), toEngine(r)
				}
				hr.Expand, er.Probe = probe, probe
				// The library runs only under nss_wrapper, whose
				// gethostbyname reads a numeric name otherwise than
				// glibc's: such names are left out (upstreamHosts).
				hc := c
				hc.Hosts = upstreamHosts(c.Hosts)
				res, err := h.Run(hc, []libwrap.Request{hr})
				if err != nil {
					t.Fatal(err)
				}
				d := policyFor(hc, engine.Upstream).Evaluate(er)
				diffs := fullDiffs(res[0], d)
				if probe != "" && res[0].Expand != d.Probe {
					diffs = append(diffs, fmt.Sprintf("expansion of %q: upstream %q, engine %q", probe, res[0].Expand, d.Probe))
				}
				if len(diffs) > 0 {
					diff = fmt.Sprintf("%q: %s", rest, strings.Join(diffs, "; "))
				}
			}
			ran++
			if diff != "" {
				bad++
				if own || bad <= 30 {
					t.Errorf("%s: %s", file, diff)
				}
			}
		}
	}
	fmt.Printf("upstream difftest: %d golden requests compared with upstream 7.6 (%d left out: IPv6); %d agree only on glibc's resolver; %d differ\n",
		ran, skipped, onGlibc, bad)
	if bad > 0 {
		t.Errorf("%d of %d golden requests differ from upstream 7.6", bad, ran)
	}
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
func corpusCase(a map[string]string) libwrap.Case {
	c := libwrap.Case{Files: map[string]string{}, Hosts: a["hosts"], Netgroup: a["netgroup"]}
	for name, data := range a {
		data = strings.ReplaceAll(data, caseDir, libwrap.DirPlaceholder)
		switch {
		case name == "hosts.allow":
			c.Allow = &data
		case name == "hosts.deny":
			c.Deny = &data
		case strings.HasPrefix(name, "files/"):
			c.Files[strings.TrimPrefix(name, "files/")] = data
		}
	}
	return c
}
