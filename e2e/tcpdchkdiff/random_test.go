//go:build linux

package tcpdchkdiff

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// TestRandom runs the real tcpdchk and ours on TCPDCHK_RANDOM_CASES
// random cases of package tablegen (default 100), the generator of
// e2e/difftest's TestRandom, from TCPDCHK_RANDOM_SEED (default: the
// clock; printed): plain, with -v or with -a. The corpus alone never
// showed tcpdchk the generator's odd tables (wildcards, ports, bad masks,
// option edge cases, CR, NUL, over-long lines).
func TestRandom(t *testing.T) {
	h := harness(t)
	bin := build(t)
	n := 100
	if v, err := strconv.Atoi(os.Getenv("TCPDCHK_RANDOM_CASES")); err == nil {
		n = v
	}
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("TCPDCHK_RANDOM_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d, %d cases (reproduce with TCPDCHK_RANDOM_SEED=%d TCPDCHK_RANDOM_CASES=%d)", seed, n, seed, n)
	flagSets := [][]string{{"-d", "-i", "/dev/null"}, {"-d", "-v", "-i", "/dev/null"}, {"-d", "-a", "-i", "/dev/null"}}
	var mu sync.Mutex
	diffs := 0
	var bad []uint64
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i := 0; i < n; i++ {
		g := tablegen.Random(seed + uint64(i))
		c := libwrap.Case{Allow: g.Allow, Deny: g.Deny, Files: g.Files, Hosts: g.Hosts, Netgroup: g.Netgroup}
		args := flagSets[(seed+uint64(i))%3]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			want, wantCode, err := h.Tcpdchk(c, args...)
			if err != nil {
				t.Error(err)
				return
			}
			got, gotCode := runOurs(t, bin, c, args)
			wantText := strings.Join(append(append([]string{}, want...), fmt.Sprintf("exit %d", wantCode)), "\n")
			gotText := strings.Join(append(got, fmt.Sprintf("exit %d", gotCode)), "\n")
			if wantText != gotText {
				mu.Lock()
				diffs++
				bad = append(bad, g.Seed)
				if diffs <= 10 {
					t.Errorf("case seed %d (TCPDCHK_RANDOM_SEED=%d TCPDCHK_RANDOM_CASES=1), %q\nallow: %s\ndeny: %s\n--- real (exit %d)\n%s--- ours (exit %d)\n%s",
						g.Seed, g.Seed, args, show(c.Allow), show(c.Deny), wantCode, q(want), gotCode, q(got))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Printf("tcpdchkdiff: %d random cases in %v, %d differ %v\n", n, time.Since(start).Round(time.Millisecond), diffs, bad)
}

func show(s *string) string {
	if s == nil {
		return "(no file)"
	}
	q := strconv.Quote(*s)
	if len(q) > 800 {
		q = q[:800] + "..."
	}
	return q
}

// TestLineEdges runs the real tcpdchk and ours (with -v) on the tables of
// tablegen.LineEdges for lines of 2,046 and 2,047 bytes: at the edge of
// the 2,048-byte buffer, continued, cut by NUL, CR or a comment mark.
// tcpdchk's reader goes on after an over-long line, unlike the
// library's. (All 2,040 to 2,050, 616 tables, agreed too; e2e/difftest's
// TestLineReader runs them all against the library, which is cheaper.)
func TestLineEdges(t *testing.T) {
	h := harness(t)
	bin := build(t)
	args := []string{"-d", "-v", "-i", "/dev/null"}
	tables := tablegen.LineEdges(2046, 2047)
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	diffs := 0
	for _, tb := range tables {
		c := libwrap.Case{Allow: &tb}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			want, wantCode, err := h.Tcpdchk(c, args...)
			if err != nil {
				t.Error(err)
				return
			}
			got, gotCode := runOurs(t, bin, c, args)
			if wantCode != gotCode || strings.Join(want, "\n") != strings.Join(got, "\n") {
				mu.Lock()
				defer mu.Unlock()
				diffs++
				if diffs <= 5 {
					t.Errorf("allow %s:\n%s", show(c.Allow), lineDiff(want, wantCode, got, gotCode))
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("tcpdchkdiff: %d line-edge tables, %d differ\n", len(tables), diffs)
}

// randomInetd is an inetd.conf (or tlid.conf) of random lines: every
// format inet_cfg reads (with and without a socket type or a user column,
// RPC versions, "?" optional paths, tlid argument counts), tcpd and
// other servers, existing, missing and non-executable programs
// (relative names for those in the case directory: an absolute one's
// world-writable parents differ between the two runs), comments,
// continuations, CR LF.
func randomInetd(r *rand.Rand) string {
	pick := func(l ...string) string { return l[r.IntN(len(l))] }
	var b strings.Builder
	for i := 0; i < 1+r.IntN(8); i++ {
		var w []string
		if r.IntN(6) > 0 {
			w = append(w, pick("ftp", "telnet", "finger", "exec", "stream", "dgram", "STREAM", "#ftp", "ftp#", "rstatd/1-3"))
			if w[0] != "stream" && w[0] != "dgram" {
				w = append(w, pick("stream", "dgram", "tli"))
			}
		}
		w = append(w, pick("tcp", "udp", "rpc/tcp", "RPC/TCP", "tcp6"), pick("nowait", "wait", "nowait.400"))
		if r.IntN(5) > 0 {
			w = append(w, pick("root", "nobody", "root.root"))
		}
		if r.IntN(8) == 0 {
			w = append(w, pick("1", "2-3", "-"))
		}
		w = append(w, pick("/usr/sbin/tcpd", "/usr/sbin/tcpd", "?/usr/sbin/tcpd", "internal", "?internal", "/bin/sh",
			"/nonexistent/in.ftpd", "noexec", "dir", "/usr/sbin/miscd", "/usr/sbin/in.ftpd", "/usr/sbin/tcpd/x", "?"))
		if r.IntN(6) > 0 {
			if r.IntN(8) == 0 {
				w = append(w, pick("0", "2", "13"))
			}
			w = append(w, pick("in.ftpd", "/usr/sbin/in.ftpd", "tcpd", "/usr/sbin/tcpd", "rexd", "rpc.rexd", "/x/rpc.rexd",
				"in.telnetd", "sshd", "sh", "IN.FTPD", "/bin/sh", "noexec"))
			if r.IntN(2) == 0 {
				w = append(w, pick("-l", "in.ftpd", "/y/in.ftpd", "sh", "-x y"))
			}
		}
		sep := pick(" ", "\t", " \t ")
		line := strings.Join(w, sep)
		switch r.IntN(12) {
		case 0:
			line = "# " + line
		case 1:
			line = strings.Replace(line, sep, " \\\n ", 1)
		case 2:
			line += "\r"
		case 3:
			line = ""
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// TestRandomInetd runs the real tcpdchk and ours with -i on
// TCPDCHK_INETD_CASES random inetd.conf files (default 60), from
// TCPDCHK_RANDOM_SEED, and a hosts.allow naming the services, so that
// both the inetd analysis and the daemon checks against it show.
func TestRandomInetd(t *testing.T) {
	h := harness(t)
	bin := build(t)
	n := 60
	if v, err := strconv.Atoi(os.Getenv("TCPDCHK_INETD_CASES")); err == nil {
		n = v
	}
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("TCPDCHK_RANDOM_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d, %d cases (reproduce with TCPDCHK_RANDOM_SEED=%d TCPDCHK_INETD_CASES=%d)", seed, n, seed, n)
	allow := "in.ftpd in.telnetd sshd rexd sh tcpd noexec IN.FTPD portmap nosuchd: ALL\n"
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	diffs := 0
	for i := 0; i < n; i++ {
		s := seed + uint64(i)
		conf := randomInetd(rand.New(rand.NewPCG(s, 11)))
		c := libwrap.Case{Allow: &allow, Files: map[string]string{"inetd.conf": conf, "noexec": "#!/bin/sh\n", "dir/.keep": ""}}
		args := []string{"-d", "-v", "-i", "inetd.conf"}
		if s%2 == 0 {
			args = []string{"-d", "-i", "inetd.conf"}
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			want, wantCode, err := h.Tcpdchk(c, args...)
			if err != nil {
				t.Error(err)
				return
			}
			got, gotCode := runOurs(t, bin, c, args)
			if wantCode != gotCode || strings.Join(want, "\n") != strings.Join(got, "\n") {
				mu.Lock()
				defer mu.Unlock()
				diffs++
				if diffs <= 10 {
					t.Errorf("seed %d (TCPDCHK_RANDOM_SEED=%d TCPDCHK_INETD_CASES=1), %q, inetd.conf %q:\n%s",
						s, s, args, conf, lineDiff(want, wantCode, got, gotCode))
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("tcpdchkdiff: %d random inetd.conf files, %d differ\n", n, diffs)
}
