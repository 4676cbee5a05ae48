//go:build linux

package difftest

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/e2e/optionhunt"
	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// optionServer is the server address of the family's rule i: each rule
// of a batch names its own server ("sshd@ADDR"), so one case holds a
// hundred rules and each request reaches exactly one of them.
func optionServer(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{127, 2, byte(i / 250), byte(i%250 + 1)})
}

// TestOptionFamily compares the whole option family of package
// optionhunt with libwrap in real mode, and 1,000 random option texts
// (optionhunt.RandomFromEnv): every option text in hosts.allow and in
// hosts.deny, for a named client without and with a user name, a client
// without a name and an IPv6 client with a user name that expansions
// sanitise (a random text for the first and the third), every
// multi-line rule of optionhunt.Lines alone in a table, and banners for
// odd daemon names (optionhunt.BannerDaemons). Access, matched rules,
// options, the log, banners, commands and setenv calls must agree.
func TestOptionFamily(t *testing.T) {
	h := harness(t)
	seed, nrandom := optionhunt.RandomFromEnv(1000)
	t.Logf("%d random option texts from seed %d (OPTIONHUNT_SEED=%d OPTIONHUNT_RANDOM=%d)", nrandom, seed, seed, nrandom)
	fixed := len(optionhunt.Options())
	opts := append(optionhunt.Options(), optionhunt.Random(seed, nrandom)...)
	type unit struct {
		name  string
		c     libwrap.Case
		reqs  []tablegen.Request
		texts []string // the rule text of each request
	}
	var units []unit
	files := optionhunt.Files()
	clients := []struct{ addr, user string }{{"10.0.0.1:5555", ""}, {"10.0.0.1:5555", "alice"},
		{"10.0.0.2:5555", ""}, {"[2001:db8::5]:5555", "a b;c"}}
	for _, table := range []string{"hosts.allow", "hosts.deny"} {
		for start := 0; start < len(opts); start += 100 {
			var b strings.Builder
			u := unit{name: fmt.Sprintf("%s, options %d..", table, start)}
			for i := start; i < min(start+100, len(opts)); i++ {
				fmt.Fprintf(&b, "sshd@%s: ALL: %s\n", optionServer(i), opts[i])
				for k, cl := range clients {
					if i >= fixed && k%2 == 1 {
						continue // random texts: two clients
					}
					u.reqs = append(u.reqs, tablegen.Request{Daemon: "sshd", Client: netip.MustParseAddrPort(cl.addr),
						Server: netip.AddrPortFrom(optionServer(i), 22), User: cl.user})
					u.texts = append(u.texts, opts[i])
				}
			}
			text := b.String()
			u.c = libwrap.Case{Files: files, Hosts: optionhunt.Hosts}
			if table == "hosts.allow" {
				u.c.Allow = &text
			} else {
				u.c.Deny = &text
			}
			units = append(units, u)
		}
		for _, l := range optionhunt.Lines() {
			u := unit{name: table + ", a rule of its own", c: libwrap.Case{Files: files, Hosts: optionhunt.Hosts}}
			text := l
			if table == "hosts.allow" {
				u.c.Allow = &text
			} else {
				u.c.Deny = &text
			}
			for _, cl := range clients {
				u.reqs = append(u.reqs, tablegen.Request{Daemon: "sshd", Client: netip.MustParseAddrPort(cl.addr),
					Server: netip.MustParseAddrPort("127.1.0.1:22"), User: cl.user})
				u.texts = append(u.texts, l)
			}
			units = append(units, u)
		}
	}
	for _, rule := range optionhunt.BannerRules {
		text := rule
		u := unit{name: "banners for odd daemon names", c: libwrap.Case{Allow: &text, Files: files, Hosts: optionhunt.Hosts}}
		for _, d := range optionhunt.BannerDaemons {
			u.reqs = append(u.reqs, tablegen.Request{Daemon: d, Client: netip.MustParseAddrPort("10.0.0.1:5555"),
				Server: netip.MustParseAddrPort("127.1.0.1:22")})
			u.texts = append(u.texts, rule)
		}
		units = append(units, u)
	}
	var cases []libwrap.Case
	var rs [][]libwrap.Request
	for _, u := range units {
		cases = append(cases, u.c)
		var r []libwrap.Request
		for _, q := range u.reqs {
			r = append(r, toHarness(q))
		}
		rs = append(rs, r)
	}
	start := time.Now()
	results, err := h.RunBatch(cases, rs)
	if err != nil {
		t.Fatal(err)
	}
	n, bad := 0, 0
	for i, u := range units {
		p := policyFor(u.c, engine.Debian)
		for j, q := range u.reqs {
			n++
			d := p.Evaluate(toEngine(q))
			diffs := fullDiffs(results[i][j], d)
			if dd := p.Decide(toEngine(q)); fmt.Sprint(dd.Access, dd.Matches, dd.Log) != fmt.Sprint(d.Access, d.Matches, d.Log) {
				diffs = append(diffs, "Decide and Evaluate disagree")
			}
			if len(diffs) > 0 {
				bad++
				if bad <= 40 || os.Getenv("OPTIONHUNT_ALL") != "" {
					t.Errorf("%s, rule %q, %s:\n%s", u.name, u.texts[j], q, strings.Join(diffs, "\n"))
				}
			}
		}
	}
	fmt.Printf("difftest: %d option-family requests (%d cases) compared with libwrap in %v; %d differ\n",
		n, len(units), time.Since(start).Round(time.Millisecond), bad)
}

// TestOptionSanitising compares what an expansion leaves behind: an
// expanded value is sanitised in the request itself, so after a failing
// aclexec in hosts.allow the rules of hosts.deny see the daemon, user
// and host names an earlier %-sequence rewrote, or the original ones
// when no sequence touched them.
func TestOptionSanitising(t *testing.T) {
	deny := "in;ftpd: ALL: spawn echo raw daemon\nin_ftpd: ALL: spawn echo sanitised daemon\n" +
		"ALL: a;b@ALL: spawn echo raw user\nALL: a_b@ALL: spawn echo sanitised user\n" +
		"ALL: bad;name.example: spawn echo raw name\nALL: bad_name.example: spawn echo sanitised name\n" +
		"ALL: ALL: spawn echo other %d %u %h %n %c %s\n"
	hosts := "10.0.0.3 bad;name.example\n127.1.0.3 srv;name.example\n"
	reqs := []tablegen.Request{
		req("in;ftpd", "10.0.0.1:5555", "127.1.0.1:22", ""),
		req("sshd", "10.0.0.1:5555", "127.1.0.1:22", "a;b"),
		req("sshd", "10.0.0.3:5555", "127.1.0.1:22", ""),
		req("in;ftpd", "10.0.0.3:5555", "127.1.0.3:22", "a;b"),
	}
	var cases []oddCase
	for _, x := range []string{"%a", "%A", "%c", "%d", "%h", "%H", "%n", "%N", "%s", "%u", "%%", "%z", "%d%u", "%n%h"} {
		for _, allow := range []string{"ALL: ALL: spawn echo " + x + " : aclexec /bin/false\n",
			"ALL: ALL: aclexec /bin/false : setenv V " + x + "\n", "ALL: ALL: aclexec /bin/false " + x + "\n"} {
			cases = append(cases, oddCase{name: "sanitising " + x, allow: sp(allow), deny: sp(deny), hosts: hosts, reqs: reqs})
		}
	}
	n, bad := runOddities(t, cases)
	fmt.Printf("difftest: %d sanitising requests compared with libwrap; %d differ\n", n, bad)
}
