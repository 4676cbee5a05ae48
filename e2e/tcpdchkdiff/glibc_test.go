//go:build linux

package tcpdchkdiff

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
)

// TestGlibcNames runs Debian's tcpdchk on glibc's own files backend
// (libwrap.GlibcTcpdchk: /etc/hosts is the table as given, in namespaces
// of its own) and ours with the same table, with -v and with -a, on host
// patterns that the sealed comparisons leave out because nss_wrapper
// reads them otherwise: names with trailing dots, numeric-looking names
// that the table also carries as names, names of the other family,
// names with leading odd characters, and the same as daemon@host. The
// table is libwrap.GlibcHosts in lower case (see e2e/tcpdmatchdiff's
// glibcHosts: the engine's resolver lower-cases names, glibc does not).
func TestGlibcNames(t *testing.T) {
	h := harness(t)
	bin := build(t)
	hosts := strings.ToLower(libwrap.GlibcHosts)
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(hosts), "\n") {
		names = append(names, strings.Fields(line)[1:]...)
	}
	names = append(names, "trail.example.com", "nodot", "upper3.", "alias44.", "localhost.", "dash.example", "dot.example",
		"nosuch.example.", "0x0a000101", "012.0.1.1", "10.0.257", "::ffff:10.0.1.1", "2001:db8::10.", "fe80::1%eth8",
		"2001:db8::1%4294967296", "[2001:db8::10]", "[fe80::1%lo]", "[fe80::1%eth9]", ".", "..", "trail.", "*.")
	var hostRules, daemonRules strings.Builder
	for _, n := range names {
		fmt.Fprintf(&hostRules, "sshd: %s\n", n)
		fmt.Fprintf(&daemonRules, "sshd@%s: ALL\n", n)
	}
	bad, runs := 0, 0
	for _, tb := range []string{hostRules.String(), daemonRules.String()} {
		for _, args := range [][]string{{"-d", "-v", "-i", "/dev/null"}, {"-d", "-a", "-i", "/dev/null"}} {
			tb := tb
			c := libwrap.Case{Allow: &tb, Hosts: hosts}
			want, wc, err := h.GlibcTcpdchk(c, args...)
			if err != nil {
				t.Fatal(err)
			}
			got, gc := runOursHosts(t, bin, c, hosts, args)
			runs++
			w := strings.Join(append(append([]string{}, want...), fmt.Sprintf("exit %d", wc)), "\n")
			g := strings.Join(append(got, fmt.Sprintf("exit %d", gc)), "\n")
			if w != g {
				bad++
				t.Errorf("%q\n--- real on glibc\n%s\n--- ours\n%s", args, w, g)
			}
		}
	}
	fmt.Printf("tcpdchkdiff: %d runs (%d rules each) compared with Debian's tcpdchk on glibc's files backend, %d differ\n",
		runs, len(names), bad)
}
