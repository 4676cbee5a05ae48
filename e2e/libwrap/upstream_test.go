//go:build linux

package libwrap

import (
	"net/netip"
	"testing"
)

// TestUpstream checks the harness around tcp_wrappers 7.6 as released
// (NewUpstream, from the source directory UPSTREAM76 names; skipped
// without it): the third field is a shell command, recorded and never
// run, by the library and by tcpdmatch; tcpd's PARANOID step refuses a
// client whose name does not verify; IPv6 requests are refused.
func TestUpstream(t *testing.T) {
	h := SharedUpstream(t)
	target := t.TempDir()
	allow := "sshd: 10.0.0.1: touch " + target + "/pwned %a\nin.ftpd: ALL\n"
	c := Case{Allow: &allow, Deny: ptr("ALL: ALL: touch {DIR}/pwned2\n"),
		Hosts: "10.0.0.1 one.example.com\n10.0.0.2 two.example.com\n10.0.0.3 liar.example.com\n"}
	server := netip.MustParseAddrPort("10.0.0.9:22")
	reqs := []Request{
		{Daemon: "sshd", Client: netip.MustParseAddrPort("10.0.0.1:4000"), Server: server},
		{Daemon: "in.ftpd", Client: netip.MustParseAddrPort("10.0.0.2:4000"), Server: server},
		{Daemon: "other", Client: netip.MustParseAddrPort("10.0.0.2:4000"), Server: server},
		// 10.0.0.4's name is an alias of canon.example.com: paranoid.
		{Daemon: "in.ftpd", Client: netip.MustParseAddrPort("10.0.0.4:4000"), Server: server},
	}
	c.Hosts += "10.0.0.7 canon.example.com alias4\n10.0.0.4 alias4\n"
	res, err := h.Run(c, reqs)
	if err != nil {
		t.Fatal(err)
	}
	checkDecisions(t, reqs, res, []wantDecision{
		{"granted", []Match{{"hosts.allow", 1}}, []Command{{"shell", " touch " + target + "/pwned 10.0.0.1\n"}}},
		{"granted", []Match{{"hosts.allow", 2}}, nil},
		{"denied", []Match{{"hosts.deny", 1}}, []Command{{"shell", " touch {DIR}/pwned2\n"}}},
		{"denied", nil, nil},
	})
	if got := res[3].Log; len(got) != 1 || got[0] != "warning: host name/name mismatch: alias4 != canon.example.com" {
		t.Errorf("paranoid client's log: %q", got)
	}
	if _, err := h.Run(c, []Request{{Daemon: "sshd", Client: netip.MustParseAddrPort("[2001:db8::1]:4000")}}); err == nil {
		t.Error("an IPv6 request was decided by upstream 7.6")
	}
	lines, _, err := h.Tcpdmatch(c, "sshd", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if !contains(lines, "matched:  hosts.allow line 1") || !contains(lines, "access:   granted") {
		t.Errorf("upstream tcpdmatch: %q", lines)
	}
	if _, _, err := h.Tcpdchk(c, "-d"); err == nil {
		t.Error("Tcpdchk ran on the upstream harness")
	}
	checkNothingRan(t, target)
}
