//go:build linux

package difftest

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine"
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

// upstreamHunt is the upstream hunt's description.
var upstreamHunt = profileHunt{
	name:    "upstream",
	real:    "upstream 7.6",
	harness: upstreamHarness,
	profile: engine.Upstream,
	// 7.6 has no IPv6.
	keep:    upstreamRequest,
	leftOut: "IPv6",
	// The library runs only under nss_wrapper, whose gethostbyname
	// reads a numeric name otherwise than glibc's: such names are left
	// out (upstreamHosts).
	hosts:   upstreamHosts,
	compare: fullCompare,
	// A percent_x warning's quote can be cut inside the harness'
	// directory (overflowQuote); the random hunt maps it.
	randomResult: overflowQuote,
	// tcpdmatch operands that are an IPv6 address.
	skipTcpdmatch: func(_ *engine.Policy, daemon, client string) string {
		if strings.Contains(daemon+client, ":") {
			return "IPv6"
		}
		return ""
	},
	details: func(g tablegen.Case) string { return fmt.Sprintf("\nhosts: %q", g.Hosts) },
}

// TestUpstreamRandom is TestRandom for the upstream profile:
// TCPWRAP_DIFF_CASES random cases (default 2,000) from TCPWRAP_DIFF_SEED
// (default: the clock), their IPv4 requests decided by upstream 7.6 and
// by the engine under engine.Upstream, compared in access, matched
// rules, shell commands, severities and the complete log.
func TestUpstreamRandom(t *testing.T) {
	upstreamHunt.random(t, func(seed uint64, f huntFigures) {
		fmt.Printf("upstream difftest: seed %d: %d cases with IPv4 requests, %d requests in %v (upstream side); %d mismatches\n",
			seed, f.cases, f.requests, f.elapsed.Round(time.Millisecond), f.bad)
	})
}

// TestUpstreamCorpus runs every golden case (but glibc/'s) through
// upstream 7.6 and through the engine under engine.Upstream, whatever
// profile the case was written for: the upstream cases (derived/X12–X14)
// must agree, and so must every other table, read the upstream way.
// tcpdmatch requests run upstream's own tcpdmatch; harness requests its
// library.
func TestUpstreamCorpus(t *testing.T) {
	upstreamHunt.corpus(t, func(f huntFigures) {
		fmt.Printf("upstream difftest: %d golden requests compared with upstream 7.6 (%d left out: IPv6); %d agree only on glibc's resolver; %d differ\n",
			f.requests, f.kinds["IPv6"], f.onGlibc, f.bad)
	})
}
