//go:build linux

package difftest

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// TestLineReader compares the line reader's edges with libwrap: each
// table of tablegen.LineEdges (lines of 2,040 to 2,050 bytes) as
// hosts.allow, then as hosts.deny, each with two requests (the long
// line's client and the next rule's).
func TestLineReader(t *testing.T) {
	h := harness(t)
	reqs := []tablegen.Request{
		{Daemon: "sshd", Client: netip.MustParseAddrPort("10.0.0.1:5555"), Server: netip.MustParseAddrPort("127.1.0.1:22")},
		{Daemon: "sshd", Client: netip.MustParseAddrPort("10.0.0.2:5555"), Server: netip.MustParseAddrPort("127.1.0.1:22")},
	}
	var cases []libwrap.Case
	var rs [][]libwrap.Request
	allowAll := "ALL: ALL: spawn echo default\n"
	for _, tb := range tablegen.LineEdges(2040, 2050) {
		tb := tb
		for _, c := range []libwrap.Case{{Allow: &tb, Deny: &allowAll}, {Deny: &tb}} {
			cases = append(cases, c)
			rs = append(rs, []libwrap.Request{toHarness(reqs[0]), toHarness(reqs[1])})
		}
	}
	results, err := h.RunBatch(cases, rs)
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for i, c := range cases {
		p := policyFor(c, engine.Debian)
		for j, q := range reqs {
			d := p.Evaluate(toEngine(q))
			diffs := compare(results[i][j], d)
			if ld := logDiff(results[i][j], d); ld != "" {
				diffs = append(diffs, ld)
			}
			if len(diffs) > 0 {
				bad++
				if bad <= 10 {
					t.Errorf("allow %s deny %s, %s:\n%s", show(c.Allow), show(c.Deny), q, strings.Join(diffs, "\n"))
				}
			}
		}
	}
	fmt.Printf("difftest: %d line-reader cases compared with libwrap, %d requests differ\n", len(cases), bad)
}
