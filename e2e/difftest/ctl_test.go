//go:build linux

package difftest

// hosts_ctl(daemon, name, addr, user) (spec §1.3), the interface of
// daemons that hand libwrap four strings rather than a socket (rpcbind,
// for one): the driver calls the real hosts_ctl, the engine decides
// engine.CtlRequest with the same strings.

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// ctlTemplate expands every client, server, daemon and user attribute
// after the decision (not %p: the driver's process id).
const ctlTemplate = "%a|%A|%c|%d|%h|%H|%n|%N|%s|%u"

// Strings the way daemons pass them: libwrap's STRING_UNKNOWN ("unknown"),
// empty strings (not supplied), the sentinels in other cases, names the
// generator's hosts tables do and do not know, addresses as text of both
// families and in odd forms.
var (
	ctlDaemons = []string{"sshd", "rpcbind", "in.ftpd", "SSHD", "", "unknown", "22", "sockd", "a;b"}
	ctlNames   = []string{"", "unknown", "UNKNOWN", "paranoid", "PARANOID", "good.example.com", "good",
		"GOOD.EXAMPLE.COM", "good.example.com.", "nodots", "lo2", "host2.example.org", "www.example.net",
		"v6host.example.com", "canon.example.com", "alias.example.com", "localhost", "LOCALHOST",
		"localhost.localdomain", "nosuch.example.com", "nosuch", "10.0.0.1", "2001:db8::1", "a;b c", "x$(id)",
		"-dash", ".example.com", "@trusted", strings.Repeat("n", 140) + ".example.com"}
	ctlAddrs = []string{"", "unknown", "UNKNOWN", "paranoid", "10.0.0.1", "10.0.0.2", "10.0.0.99", "127.1.0.2",
		"127.0.0.1", "192.168.7.7", "2001:db8::1", "2001:DB8::1", "2001:db8:0::1", "2001:db9::1", "::1",
		"::ffff:10.0.0.1", "::FFFF:10.0.0.1", "::ffff:a00:1", "[2001:db8::1]", "010.0.0.1", "0x0a.0.0.1", "10.1",
		"10.0.0.1.", " 10.0.0.1", "10.0.0.1 ", "10.0.0.0", "fe80::1%lo", "fe80::1%1", "10.0.0.1/24",
		"good.example.com", "nodots", "10.0.0.300", "1.2.3.4.5", "::", "0.0.0.0", strings.Repeat("1", 130)}
	ctlUsers = []string{"", "unknown", "alice", "ALICE", "bob", "a;b", "x$(id)", "paranoid"}
)

// ctlRequest is one hosts_ctl call.
type ctlRequest struct{ daemon, name, addr, user string }

func (r ctlRequest) harness() libwrap.Request {
	return libwrap.Request{Ctl: true, Daemon: r.daemon, Name: r.name, Addr: r.addr, User: r.user, Expand: ctlTemplate}
}

func (r ctlRequest) engine() engine.Request {
	q := engine.CtlRequest(r.daemon, r.name, r.addr, r.user)
	q.Probe = ctlTemplate
	return q
}

func (r ctlRequest) String() string {
	return fmt.Sprintf("hosts_ctl(%q, %q, %q, %q)", r.daemon, r.name, r.addr, r.user)
}

// ctlDiffs adds the expansion of ctlTemplate to fullDiffs.
func ctlDiffs(lw libwrap.Result, d *engine.Decision) []string {
	diffs := fullDiffs(lw, d)
	if lw.Expand != d.Probe {
		diffs = append(diffs, fmt.Sprintf("expansion: libwrap %q, engine %q", lw.Expand, d.Probe))
	}
	return diffs
}

// TestCtlRandom decides hosts_ctl calls with random strings from the
// lists above under TCPWRAP_CTL_CASES (default 200) random tables of the
// generator (seed TCPWRAP_CTL_SEED, default the clock; printed), plus
// every name with every address under one table that tries each
// special word and a few patterns on both, with and without options.
func TestCtlRandom(t *testing.T) {
	h := harness(t)
	n, seed := casesAndSeed(t, "TCPWRAP_CTL_CASES", 200, "TCPWRAP_CTL_SEED")
	t.Logf("seed %d, %d cases (reproduce with TCPWRAP_CTL_SEED=%d TCPWRAP_CTL_CASES=%d)", seed, n, seed, n)
	var cases []libwrap.Case
	var reqs [][]ctlRequest
	for i := 0; i < n; i++ {
		g := tablegen.Random(seed + uint64(i))
		cases = append(cases, libwrap.Case{Allow: g.Allow, Deny: g.Deny, Files: g.Files, Hosts: g.Hosts, Netgroup: g.Netgroup})
		r := rand.New(rand.NewPCG(seed+uint64(i), 0xc71))
		pick := func(l []string) string { return l[r.IntN(len(l))] }
		var rs []ctlRequest
		for j := 0; j < 6; j++ {
			rs = append(rs, ctlRequest{pick(ctlDaemons), pick(ctlNames), pick(ctlAddrs), pick(ctlUsers)})
		}
		reqs = append(reqs, rs)
	}
	// The systematic grid: every name with every address.
	allow := "sshd: KNOWN EXCEPT PARANOID: spawn echo known %h\nsshd: LOCAL: spawn echo local %h\n" +
		"sshd: UNKNOWN: spawn echo unknown %h\nsshd: .example.com 10.0.0. [2001:db8::]/32 10.0.0.0/255.0.0.0: spawn echo net %h\n" +
		"sshd: ALL@ALL: spawn echo user %u\n"
	deny := "sshd: PARANOID: spawn echo paranoid %h\nsshd: @trusted\nrpcbind: ALL EXCEPT 10.0.0.1\n"
	g := tablegen.Random(seed)
	grid := libwrap.Case{Allow: &allow, Deny: &deny, Files: g.Files, Hosts: g.Hosts, Netgroup: g.Netgroup}
	for k, user := range []string{"", "alice"} {
		var rs []ctlRequest
		for _, name := range ctlNames {
			for _, addr := range ctlAddrs {
				rs = append(rs, ctlRequest{[]string{"sshd", "rpcbind"}[k], name, addr, user})
			}
		}
		cases = append(cases, grid)
		reqs = append(reqs, rs)
	}
	// Options that act on the caller's descriptor, which hosts_ctl's
	// request does not have.
	for _, opts := range []string{"keepalive", "linger 10", "linger 0", "banners {DIR}/ban", "twist echo %h",
		"keepalive: linger 5: banners {DIR}/ban: twist echo %c", "banners /nonexistent", "spawn echo %c: allow"} {
		allow := "sshd in.ftpd: ALL: " + opts + "\n"
		cases = append(cases, libwrap.Case{Allow: &allow, Files: g.Files, Hosts: g.Hosts, Netgroup: g.Netgroup})
		reqs = append(reqs, []ctlRequest{{"sshd", "good.example.com", "10.0.0.1", "alice"}, {"in.ftpd", "", "", ""},
			{"sshd", "", "2001:db8::1", ""}})
	}
	var hreqs [][]libwrap.Request
	for _, rs := range reqs {
		var hr []libwrap.Request
		for _, r := range rs {
			hr = append(hr, r.harness())
		}
		hreqs = append(hreqs, hr)
	}
	start := time.Now()
	results, err := h.RunBatch(cases, hreqs)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	requests, bad := 0, 0
	for i, rs := range reqs {
		p := policyFor(cases[i], engine.Debian)
		for j, r := range rs {
			requests++
			d := p.Evaluate(r.engine())
			diffs := ctlDiffs(results[i][j], d)
			q := r.engine()
			q.Probe = ""
			if e := p.Decide(q); fmt.Sprint(e.Access, e.Matches, e.Log) != fmt.Sprint(d.Access, d.Matches, d.Log) {
				diffs = append(diffs, "Decide and Evaluate disagree")
			}
			if len(diffs) > 0 {
				bad++
				if bad <= 20 {
					t.Errorf("case %d (seed %d), %s:\n%s\nallow: %s\ndeny: %s", i, seed+uint64(i), r,
						strings.Join(diffs, "\n"), show(cases[i].Allow), show(cases[i].Deny))
				}
			}
		}
	}
	fmt.Printf("difftest: %d hosts_ctl calls in %d cases compared with libwrap in %v (libwrap side), %d differ\n",
		requests, len(cases), elapsed.Round(time.Millisecond), bad)
}
