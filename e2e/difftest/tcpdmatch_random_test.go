//go:build linux

package difftest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// tcpdmatchOperands picks the two operands of one tcpdmatch run: a daemon
// with or without @server, and a client with or without user@, each a
// name (known, unknown, paranoid, with several addresses), an address
// as typed (unnormalised IPv6, v4-mapped, short inet_aton forms) or one
// of the words tcpdmatch treats specially.
func tcpdmatchOperands(r *rand.Rand) (string, string) {
	pick := func(l ...string) string { return l[r.IntN(len(l))] }
	daemon := pick("sshd", "sshd", "in.ftpd", "SSHD", "sockd", "telnetd", "/usr/sbin/sshd", "vsftpd")
	if r.IntN(3) == 0 {
		daemon += "@" + pick("127.1.0.1", "lo1.example.com", "10.0.0.1", "good.example.com", "::1", "unknown",
			"paranoid", "10.0.0.9", "liar.example.com", "2001:db8::1", "multi.example.com", "nosuch.example",
			"127.1.0.2", "10.9.9.9", "::ffff:10.0.0.1", "UNKNOWN", "0", "1.2.3")
	}
	client := pick("10.0.0.1", "10.0.0.2", "10.0.0.9", "10.0.0.11", "10.1.2.3", "127.1.0.2", "192.168.7.7",
		"good.example.com", "good", "GOOD.EXAMPLE.COM", "host2.example.org", "nodots", "liar.example.com",
		"canon.example.com", "alias.example.com", "multi.example.com", "v6host.example.com", "lo2", "localhost",
		"mixed.case.example", "alias16", "upper.example.com", "sshd.example.com", "nosuch.example",
		"2001:db8::1", "2001:DB8:0::1", "::ffff:10.0.0.1", "::FFFF:10.0.0.16", "::1", "unknown", "paranoid",
		"PARANOID", "Unknown", "10.1", "0x0a.0.0.1", "127.0.0.1", "2001:db8::16", "ip6-localhost", "1234")
	if r.IntN(4) == 0 {
		client = pick("alice", "bob", "ALICE", "a;b c", "", "unknown", "x$(id)") + "@" + client
	}
	// No name with a trailing dot: nss_wrapper strips one before it
	// looks a name up, glibc does not.
	if r.IntN(8) == 0 {
		// Operands tcpdmatch splits or reads oddly.
		daemon = pick("sshd@", "@127.1.0.1", "sshd@127.1.0.1@x", "a%d;b", "sshd@[::1]", "sshd@10.0.0.1 ",
			"ss[hd@127.1.0.1", "/", "/usr/sbin/", strings.Repeat("d", 140), "SSHD@LO1.EXAMPLE.COM")
	}
	if r.IntN(8) == 0 {
		client = pick("@10.0.0.1", "a@b@10.0.0.1", "[10.0.0.1]", "10.0.0.1 ", "u[@10.0.0.1",
			strings.Repeat("u", 140)+"@10.0.0.1", "10.0.0.1%1", "::ffff:10.0.0.1%lo", "0", "10.0.0.256", "1.2.3.4.5")
	}
	return daemon, client
}

// TestRandomTcpdmatch runs the real tcpdmatch and the engine's Tcpdmatch
// on TCPWRAP_TCPDMATCH_CASES random cases (default 150) of package
// tablegen, each with random operands, from TCPWRAP_DIFF_SEED (default:
// the clock; printed). The corpus alone never showed tcpdmatch the
// generator's tables.
func TestRandomTcpdmatch(t *testing.T) {
	h := harness(t)
	n, seed := casesAndSeed(t, "TCPWRAP_TCPDMATCH_CASES", 150, "TCPWRAP_DIFF_SEED")
	t.Logf("seed %d, %d cases (reproduce with TCPWRAP_DIFF_SEED=%d TCPWRAP_TCPDMATCH_CASES=%d)", seed, n, seed, n)
	start := time.Now()
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	bad := 0
	var seeds []uint64
	for i := 0; i < n; i++ {
		g := tablegen.Random(seed + uint64(i))
		r := rand.New(rand.NewPCG(g.Seed, 7))
		d, c := tcpdmatchOperands(r)
		lc := libwrap.Case{Allow: g.Allow, Deny: g.Deny, Files: g.Files, Hosts: g.Hosts, Netgroup: g.Netgroup}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			diff, err := tcpdmatchDiff(h, lc, d, c)
			if err != nil {
				t.Error(err)
				return
			}
			if diff != "" {
				mu.Lock()
				defer mu.Unlock()
				bad++
				seeds = append(seeds, g.Seed)
				if bad <= 10 {
					t.Errorf("case seed %d (TCPWRAP_DIFF_SEED=%d TCPWRAP_TCPDMATCH_CASES=1): tcpdmatch %q %q\nallow: %s\ndeny: %s\n%s",
						g.Seed, g.Seed, d, c, show(g.Allow), show(g.Deny), diff)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("difftest: %d random tcpdmatch runs in %v; %d differ %v\n", n, time.Since(start).Round(time.Millisecond), bad, seeds)
}

// tcpdmatchDiff runs the real tcpdmatch and the engine's Tcpdmatch with
// the operands daemon and client under c and describes how their output
// lines or exit statuses differ ("" when they do not).
func tcpdmatchDiff(h *libwrap.Harness, c libwrap.Case, daemon, client string) (string, error) {
	lines, code, err := h.Tcpdmatch(c, daemon, client)
	if err != nil {
		return "", err
	}
	p := policyFor(c, engine.Debian)
	p.DryRun = true
	res := p.Tcpdmatch(daemon, client)
	got := strings.Join(append(res.Lines, res.Stderr...), "\n")
	want := tcpdmatchText(lines)
	if got == want && code == res.ExitCode {
		return "", nil
	}
	return fmt.Sprintf("exit %d, engine %d\n--- libwrap\n%s\n--- engine\n%s", code, res.ExitCode, want, got), nil
}
