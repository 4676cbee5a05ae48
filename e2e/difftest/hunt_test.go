//go:build linux

package difftest

// Cases found by differential hunts: corners of the C library that the
// engine imitates (netgroup tables, path resolution), compared with
// libwrap on every run.

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// TestNetgroupTables compares netgroup tables written every which way,
// as glibc's files backend reads them (the engine's hosts resolver
// imitates it): triples missing a comma or the ")", fields with blanks,
// empty and "-" fields, a group name running into a "(", tabs, comments,
// continuations, groups naming groups.
func TestNetgroupTables(t *testing.T) {
	h := harness(t)
	tables := []string{
		"g1 (good.example.com)\n",
		"g1 (good.example.com,)\n",
		"g1 (good.example.com,,)\n",
		"g1 ( good.example.com , , )\n",
		"g1 (good.example.com,,\n",
		"g1 (,,)\n",
		"g1 (-,,)\n",
		"g1 (nosuch,,) (good.example.com,,)\n",
		"g1 (nosuch) (good.example.com,,)\n",
		"g1 (nosuch,x) (good.example.com,,)\n",
		"g1 (nosuch,,x (good.example.com,,)\n",
		"g1 (good.example.com,alice,example.com)\n",
		"g1 (good.example.com,,nis.example)\n",
		"g1 (GOOD.EXAMPLE.COM,,)\n",
		"g1 g2\ng2 (good.example.com,,)\n",
		"g1 g2(good.example.com,,)\ng2 (nosuch,,)\n",
		"g1 g2 (good.example.com,,)\ng2 (nosuch,,)\n",
		"g1\t(good.example.com,,)\n",
		"g1 \t (good.example.com,,)\n",
		"g1 (good.example.com\t,,)\n",
		"g1 (nosuch,,) \\\n (good.example.com,,)\n",
		"g1 (good.example.com,,) # comment\n",
		"# g1 (good.example.com,,)\n",
		"g1 (good.example.com,,)\ng1 (nosuch,,)\n",
		"g1 (nosuch,,)\ng1 (good.example.com,,)\n",
		"g1 (10.0.0.1,,)\n",
		"g1 (good,,)\n",
		"g1 ((good.example.com,,)\n",
		"g1 (good.example.com,,))\n",
		"g1 (good.example.com,(,)\n",
		"g1 g1\n",
		"g1 g2\ng2 g1 (good.example.com,,)\n",
	}
	reqs := []tablegen.Request{
		{Daemon: "sshd", Client: netip.MustParseAddrPort("10.0.0.1:40000")},
		{Daemon: "sshd", Client: netip.MustParseAddrPort("10.0.0.2:40000"), User: "alice"},
	}
	deny := "ALL: @g1\nALL: alice@@g1\n"
	hosts := "10.0.0.1 good.example.com good\n10.0.0.2 other.example.com\n"
	var cases []libwrap.Case
	var rs [][]libwrap.Request
	for _, tb := range tables {
		cases = append(cases, libwrap.Case{Deny: &deny, Hosts: hosts, Netgroup: tb})
		var r []libwrap.Request
		for _, q := range reqs {
			r = append(r, toHarness(q))
		}
		rs = append(rs, r)
	}
	results, err := h.RunBatch(cases, rs)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, tb := range tables {
		p := policyFor(cases[i], engine.Debian)
		for j, q := range reqs {
			n++
			d := p.Decide(toEngine(q))
			if diffs := compare(results[i][j], d); len(diffs) > 0 {
				t.Errorf("netgroup table %q, request %s:\n%s", tb, q, strings.Join(diffs, "\n"))
			}
		}
	}
	fmt.Printf("difftest: %d netgroup requests compared with libwrap\n", n)
}

// TestFilePaths compares pattern files and banner directories named with
// "//", "/./", "dir/../" and a trailing "/", which the kernel resolves
// and the engine's in-memory files must resolve alike.
func TestFilePaths(t *testing.T) {
	h := harness(t)
	files := map[string]string{"l": "10.0.0.1\n", "sub/m": "10.0.0.1\n", "ban/sshd": "hello %d\n"}
	var cases []libwrap.Case
	var rs [][]libwrap.Request
	var rules []string
	for _, p := range []string{"{DIR}//l", "{DIR}/./l", "{DIR}/sub/../l", "{DIR}/sub//m", "{DIR}/nosub/../l",
		"{DIR}/l/", "{DIR}/l/.", "{DIR}/sub/", "{DIR}/sub/m/..", "{DIR}/./sub/./m", "/{DIR}/l"} {
		rules = append(rules, "ALL: "+p+"\n")
	}
	for _, d := range []string{"{DIR}/ban/", "{DIR}//ban", "{DIR}/./ban", "{DIR}/sub/../ban", "{DIR}/l/../ban", "{DIR}/nosub/../ban"} {
		rules = append(rules, "ALL: ALL: banners "+d+"\n")
	}
	req := tablegen.Request{Daemon: "sshd", Client: netip.MustParseAddrPort("10.0.0.1:40000")}
	for _, r := range rules {
		deny := r
		cases = append(cases, libwrap.Case{Deny: &deny, Files: files, Hosts: "10.0.0.1 good.example.com\n"})
		rs = append(rs, []libwrap.Request{toHarness(req)})
	}
	results, err := h.RunBatch(cases, rs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rules {
		d := policyFor(cases[i], engine.Debian).Evaluate(toEngine(req))
		diffs := compare(results[i][0], d)
		if ld := logDiff(results[i][0], d); ld != "" {
			diffs = append(diffs, ld)
		}
		if got, want := d.Banner, strings.ReplaceAll(results[i][0].Banner, libwrap.DirPlaceholder, caseDir); got != want {
			diffs = append(diffs, fmt.Sprintf("banner: libwrap %q, engine %q", want, got))
		}
		if len(diffs) > 0 {
			t.Errorf("hosts.deny %q:\n%s", r, strings.Join(diffs, "\n"))
		}
	}
	fmt.Printf("difftest: %d file path cases compared with libwrap\n", len(rules))
}
