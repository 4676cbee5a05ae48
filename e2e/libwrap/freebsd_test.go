//go:build linux

package libwrap

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestFreeBSD checks the harness around FreeBSD's libwrap (NewFreeBSD,
// from the source tree FREEBSD_TCPW names; skipped without it): options
// are processed and their commands recorded, never run; '#' ends a rule
// anywhere; IPv6 requests are decided; the severities start as tcpd's; a
// table with an over-long line makes the library hang, which the driver
// reports; tcpdmatch and tcpdchk are FreeBSD's (tcpdchk without netgroup
// support, as its Makefile builds it).
func TestFreeBSD(t *testing.T) {
	h := SharedFreeBSD(t)
	target := t.TempDir()
	allow := "sshd: 10.0.0.1: spawn touch " + target + "/pwned %a\nin.ftpd: ALL # 10.0.0.2\nv6d: [2001:db8::]/32\n"
	c := Case{Allow: &allow, Deny: ptr("ALL: ALL: twist touch {DIR}/pwned2\n"),
		Hosts: "10.0.0.1 one.example.com\n10.0.0.2 two.example.com\n2001:db8::1 six.example.com\n"}
	server := netip.MustParseAddrPort("10.0.0.9:22")
	reqs := []Request{
		{Daemon: "sshd", Client: netip.MustParseAddrPort("10.0.0.1:4000"), Server: server},
		{Daemon: "in.ftpd", Client: netip.MustParseAddrPort("10.0.0.2:4000"), Server: server},
		{Daemon: "other", Client: netip.MustParseAddrPort("10.0.0.2:4000"), Server: server},
		{Daemon: "v6d", Client: netip.MustParseAddrPort("[2001:db8::1]:4000"), Server: netip.MustParseAddrPort("[2001:db8::9]:22")},
	}
	res, err := h.Run(c, reqs)
	if err != nil {
		t.Fatal(err)
	}
	checkDecisions(t, reqs, res, []wantDecision{
		{"granted", []Match{{"hosts.allow", 1}}, []Command{{"spawn", "touch " + target + "/pwned 10.0.0.1"}}},
		{"granted", []Match{{"hosts.allow", 2}}, nil},
		{"delegated", []Match{{"hosts.deny", 1}}, []Command{{"twist", "touch {DIR}/pwned2"}}},
		{"granted", []Match{{"hosts.allow", 3}}, nil},
	})
	// An over-long line: FreeBSD's reader never returns.
	long := "sshd: " + strings.Repeat("a", 2100) + "\nALL: ALL\n"
	start := time.Now()
	res, err = h.Run(Case{Deny: &long}, reqs[:1])
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Access != "hang" {
		t.Errorf("over-long line: access %q (log %q), want hang", res[0].Access, res[0].Log)
	}
	t.Logf("over-long line: %q after %v", res[0].Access, time.Since(start).Round(time.Millisecond))

	lines, _, err := h.Tcpdmatch(c, "sshd", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if !contains(lines, "matched:  hosts.allow line 1") || !contains(lines, "option:   spawn touch "+target+"/pwned 10.0.0.1") ||
		!contains(lines, "access:   granted") {
		t.Errorf("FreeBSD tcpdmatch: %q", lines)
	}
	ng := "sshd: @trusted\n"
	lines, _, err = h.Tcpdchk(Case{Allow: &ng}, "-d", "-i", "/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	if !contains(lines, "warning: hosts.allow, line 1: netgroup support disabled") {
		t.Errorf("FreeBSD tcpdchk: %q", lines)
	}
	checkNothingRan(t, target)
}
