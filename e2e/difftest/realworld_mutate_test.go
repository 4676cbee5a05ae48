//go:build linux

package difftest

import (
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/e2e/realhunt"
	"github.com/tcpwrap/tcpwrap/engine"
)

// envInt reads an integer environment variable, def when unset.
func envInt(name string, def int64) int64 {
	if v := os.Getenv(name); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return def
}

// TestRealWorldMutants compares the engine with libwrap on mutated copies
// of the real-world tables REALFILES names (realhunt.MutantCases:
// REALFILES_SEED, default 1; REALFILES_MUTANTS per file, default 8;
// REALFILES_REQS requests per case, default 40). Skipped without
// REALFILES.
func TestRealWorldMutants(t *testing.T) {
	files, err := realhunt.Load()
	if err != nil {
		t.Skipf("no real-world files: %v", err)
	}
	seed := envInt("REALFILES_SEED", 1)
	rcs := realhunt.MutantCases(files, seed, int(envInt("REALFILES_MUTANTS", 8)), int(envInt("REALFILES_REQS", 40)))
	if f := os.Getenv("REALFILES_MATCH"); f != "" {
		var keep []realhunt.Case
		for _, c := range rcs {
			if strings.Contains(c.Name, f) {
				keep = append(keep, c)
			}
		}
		rcs = keep
	}
	h := harness(t)
	var cases []libwrap.Case
	var reqs [][]libwrap.Request
	for i := range rcs {
		rc := &rcs[i]
		// A C string ends at NUL: no such daemon or user can be asked for.
		var keep []realhunt.Request
		for _, r := range rc.Requests {
			if !strings.ContainsRune(r.Daemon, 0) && !strings.ContainsRune(r.User, 0) {
				keep = append(keep, r)
			}
		}
		rc.Requests = keep
		cases = append(cases, rc.HarnessCase())
		reqs = append(reqs, rc.HarnessRequests())
	}
	start := time.Now()
	results, err := h.RunBatch(cases, reqs)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	n, bad, shown := 0, 0, 0
	for i, rc := range rcs {
		p := policyFor(cases[i], engine.Debian)
		mirrorHostFiles(p, rc)
		for j, r := range rc.Requests {
			n++
			// %p is the process libwrap ran in: the engine is told it.
			er := engine.Request{Daemon: r.Daemon, User: r.User, PID: results[i][j].PID,
				Client: engine.Endpoint{Socket: r.Client}, Server: engine.Endpoint{Socket: r.Server}}
			if diffs := realDiffs(p, er, results[i][j]); len(diffs) > 0 {
				bad++
				if shown < 40 {
					shown++
					dumpCase(t, shown, rc)
					t.Errorf("seed %d, %s: %q from %s to %s user %q:\n%s", seed, rc.Name, r.Daemon, r.Client, r.Server, r.User, strings.Join(diffs, "\n"))
				}
			}
		}
	}
	fmt.Printf("realhunt mutants (seed %d): %d files, %d cases, %d requests (libwrap side %v); %d differ\n",
		seed, len(files), len(rcs), n, elapsed.Round(time.Millisecond), bad)
}

// realDiffs compares one decision of the engine with libwrap's result:
// verdict, matched lines, options, log, Decide's agreement, banner and
// commands.
func realDiffs(p *engine.Policy, er engine.Request, lw libwrap.Result) []string {
	d := p.Evaluate(er)
	diffs := compare(lw, d)
	if ld := logDiff(lw, d); ld != "" {
		diffs = append(diffs, ld)
	}
	dd := p.Decide(er)
	if fmt.Sprint(dd.Access, dd.Matches, dd.Log) != fmt.Sprint(d.Access, d.Matches, d.Log) {
		diffs = append(diffs, "Decide and Evaluate disagree")
	}
	if got, want := d.Banner, strings.ReplaceAll(lw.Banner, libwrap.DirPlaceholder, caseDir); got != want {
		diffs = append(diffs, fmt.Sprintf("banner: libwrap %q, engine %q", want, got))
	}
	var lc, ec []string
	for _, c := range lw.Commands {
		lc = append(lc, c.Kind+":"+strings.ReplaceAll(c.Command, libwrap.DirPlaceholder, caseDir))
	}
	for _, c := range d.Commands {
		ec = append(ec, c.Kind+":"+c.Command)
	}
	if strings.Join(lc, "\n") != strings.Join(ec, "\n") {
		diffs = append(diffs, fmt.Sprintf("commands: libwrap %q, engine %q", lc, ec))
	}
	return diffs
}

// dumpCase writes a differing case's tables into REALFILES_DUMP/N (for
// minimising), when set.
func dumpCase(t *testing.T, n int, rc realhunt.Case) {
	dir := os.Getenv("REALFILES_DUMP")
	if dir == "" {
		return
	}
	d := fmt.Sprintf("%s/%d", dir, n)
	os.MkdirAll(d, 0o755)
	if rc.Allow != nil {
		os.WriteFile(d+"/hosts.allow", []byte(*rc.Allow), 0o644)
	}
	if rc.Deny != nil {
		os.WriteFile(d+"/hosts.deny", []byte(*rc.Deny), 0o644)
	}
	os.WriteFile(d+"/hosts", []byte(rc.Hosts), 0o644)
	os.WriteFile(d+"/name", []byte(rc.Name+"\n"), 0o644)
}

// sealedEtc are the files the seal replaces (or empties) in its /etc.
var sealedEtc = map[string]bool{"/etc/hosts": true, "/etc/nsswitch.conf": true, "/etc/netgroup": true,
	"/etc/passwd": true, "/etc/group": true}

// mirrorHostFiles gives the engine the machine's own files that a table
// names by absolute path (a mutant can turn a comment's "/etc/hosts.allow"
// into a pattern file): the harness's /etc is an overlay on the real one.
func mirrorHostFiles(p *engine.Policy, rc realhunt.Case) {
	files, ok := p.Files.(engine.MapFiles)
	if !ok {
		return
	}
	for _, t := range []*string{rc.Allow, rc.Deny} {
		if t == nil {
			continue
		}
		for _, w := range strings.FieldsFunc(*t, func(r rune) bool { return strings.ContainsRune(" \t\r\n\v\f,:@", r) }) {
			if !strings.HasPrefix(w, "/") || sealedEtc[w] {
				continue
			}
			if fi, err := os.Stat(w); err == nil && fi.Mode().IsRegular() && fi.Size() < 1<<16 {
				if b, err := os.ReadFile(w); err == nil {
					files[w] = string(b)
				}
			}
			// A file on the way makes the name "Not a directory"
			// ("/etc/hosts.allow/etc/banners" after a joined line).
			for d := path.Dir(w); d != "/" && d != "."; d = path.Dir(d) {
				if fi, err := os.Stat(d); err == nil && fi.Mode().IsRegular() && !sealedEtc[d] {
					b, _ := os.ReadFile(d)
					files[d] = string(b)
				}
			}
			// The name itself and the directories on the way exist too
			// (a MapFiles directory is one that holds a file).
			for d := w; d != "/" && d != "."; d = path.Dir(d) {
				if fi, err := os.Stat(d); err == nil && fi.IsDir() {
					files[d+"/.realhunt-placeholder"] = ""
					break
				}
			}
		}
	}
}
