//go:build linux

package tcpdchkdiff

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
)

// TestGaps runs the real tcpdchk and ours, with -v and with -a, on the
// host, net/mask, user@host and daemon patterns and the line layouts of
// e2e/difftest's TestGaps, with host names of the same odd forms. No
// pattern is a number that the hosts table also carries as a name:
// nss_wrapper's getaddrinfo looks such a text up in its table before it
// reads the number, glibc's reads the number (checked by hand with
// glibc, e.g. "ALL: 10.0.1.11" gives "host address 10.0.1.11->name
// lookup failed" there, as ours does).
func TestGaps(t *testing.T) {
	h := harness(t)
	bin := build(t)
	hosts := "10.0.1.1 trail.example.com\n10.0.1.2 nodot\n10.0.1.3 UPPER3.EXAMPLE.COM upper3\n10.0.1.10 2001:db8::10\n2001:db8::11 10.0.1.11\n10.0.1.14 host-14.example.com host14 h14.\n2001:db8::15 0::ffff:10.0.1.16\n10.0.1.17 1.2.3.4.5\n10.0.1.26 n26\n2001:db8::26 m26 n26\n"
	pats := []string{"KNOWN", "LOCAL", "PARANOID", "UNKNOWN", ".example.com", ".example.com.", ".com.", ".", "..", "trail.", "trail.example.com", "trail.example.com.",
		"nodot", "nodot.", "upper3", "h14.", "host14", "h14", "010.0.1.6", "010.", "10.1", "10.0.1.", ".1", "0x0a.0.1.8", "[2001:db8::10]",
		"10.0.1.12.", "a.b.c.d.e", "1.2.3.4.5", "1.2.3.", "0x1", "n26", "m26", "0::ffff:10.0.1.16", "[::ffff:10.0.1.16]", "*.", "?", "*:*", "@ng1", "@NG1", "@",
		"10.0.1.0/255.0.255.0", "10.0.1.1/33", "10.0.1.0/024", "10.0.1/255.255.255.0", "10.0.1.0./24", "10.0.1.0/-8", "0x0a.0.1.0/0xffffff00", "10.0.1.08/24",
		"10.0.1.0/24/8", "10.0.1.0//24", "10.0.1.0/", "167772416/24", "10.256.0.0/8", "[2001:db8::]/128", "[2001:db8::]/0128", "[2001:db8::]/4294967360",
		"[2001:db8::]/", "[2001:db8::]/64/1", "[2001:db8::]/32junk", "[2001:db8::10]/0x40", "[2001:db8::/32", "[2001:db8::]]/32", "[10.0.1.0]/24", "[]/0", "[::]/00",
		"ALL@ALL", "KNOWN@ALL", ".b@ALL", "a.@ALL", "@grp@ALL", "[a@b]@ALL", "alice@alice@ALL", "alice@KNOWN", "a@b", "ALL@", "@@", "x@EXCEPT"}
	daemons := []string{"sshd@x", "@x", "/x", "[x@y]", "a@b@c", "ss*@ALL", "sshd@", "@", "sshd@@", "sshd@@ng1", "sshd@[::1]", "sshd@127.1.0.1/32", "22@127.1.0.1", "x:y", "*[*", "#"}
	// tcpdchk checks every rule of a table: one table holds them all.
	var pr, dr strings.Builder
	for _, p := range pats {
		pr.WriteString("ALL: " + p + "\n")
	}
	for _, d := range daemons {
		dr.WriteString(d + ": ALL\n")
	}
	tables := []string{pr.String(), dr.String(), "EXCEPT: ALL\nsshd EXCEPT: ALL\nALL: EXCEPT\nALL: ALL EXCEPT\nALL EXCEPT EXCEPT sshd: ALL\nsshd,EXCEPT,ALL: ALL\n",
		"sshd: 10.0.2.2 \\\n# ALL\nsshd: 10.0.1.1\n", "\\\nsshd: 10.0.1.1\n", "sshd: 10.0.2.2 \\\\\nALL: ALL\n", "#", "\r# x\nsshd: 10.0.1.1\n",
		"\x00sshd: ALL\nALL: 10.0.1.1\n", "sshd: 10.0.2.2\rALL: 10.0.1.1\n", "\v#x: ALL\n", "sshd \\\n: \\\n 10.0.2.1\n"}
	bad := 0
	for _, tb := range tables {
		for _, args := range [][]string{{"-d", "-v", "-i", "/dev/null"}, {"-d", "-a", "-i", "/dev/null"}} {
			tb := tb
			c := libwrap.Case{Deny: &tb, Hosts: hosts, Netgroup: "ng1 (trail.example.com,,)\n"}
			want, wc, err := h.Tcpdchk(c, args...)
			if err != nil {
				t.Fatal(err)
			}
			got, gc := runOurs(t, bin, c, args)
			w := strings.Join(append(append([]string{}, want...), fmt.Sprintf("exit %d", wc)), "\n")
			g := strings.Join(append(got, fmt.Sprintf("exit %d", gc)), "\n")
			if w != g {
				bad++
				t.Errorf("%q %q\n--- real\n%s\n--- ours\n%s", tb, args, w, g)
			}
		}
	}
	fmt.Printf("tcpdchkdiff: %d gap runs, %d differ\n", 2*len(tables), bad)
}
