//go:build linux

package difftest

// Corners TestRandom's generator never reaches, compared with libwrap on
// every run: the C library's number conversions, split_at's bracket
// counter where options split values, odd request attributes (daemon and
// user names, servers, clients without an address), banner files and
// pattern files with odd bytes, long names.

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// fullDiffs compares everything the harness reports that the engine
// models: access, matched rules, options, the log, the banner and the
// commands.
func fullDiffs(lw libwrap.Result, d *engine.Decision) []string {
	diffs := compare(lw, d)
	if ld := logDiff(lw, d); ld != "" {
		diffs = append(diffs, ld)
	}
	if got, want := d.Banner, strings.ReplaceAll(lw.Banner, libwrap.DirPlaceholder, caseDir); got != want {
		diffs = append(diffs, fmt.Sprintf("banner: libwrap %q, engine %q", want, got))
	}
	var lc, ec []string
	for _, c := range lw.Commands {
		lc = append(lc, c.Kind+":"+strings.ReplaceAll(c.Command, libwrap.DirPlaceholder, caseDir))
	}
	for _, c := range d.Commands {
		ec = append(ec, c.Kind+":"+c.Command)
	}
	if strings.Join(lc, "\n") != strings.Join(ec, "\n") {
		diffs = append(diffs, fmt.Sprintf("commands: libwrap %q, engine %q", lc, ec))
	}
	// The setenv calls, but for one that failed (the driver records it
	// too; its error ends the decision, so it is the last).
	var le, ee []string
	for _, c := range lw.Calls {
		if strings.HasPrefix(c, "setenv(") {
			le = append(le, strings.ReplaceAll(c, libwrap.DirPlaceholder, caseDir))
		}
	}
	if n := len(lw.Log); n > 0 && len(le) > 0 && strings.HasSuffix(lw.Log[n-1], ": memory allocation failure") {
		le = le[:len(le)-1]
	}
	for _, e := range d.Env {
		ee = append(ee, "setenv("+e.Name+"="+e.Value+")")
	}
	if strings.Join(le, "\n") != strings.Join(ee, "\n") {
		diffs = append(diffs, fmt.Sprintf("setenv: libwrap %q, engine %q", le, ee))
	}
	return diffs
}

// oddCase is one configuration and the requests decided under it.
type oddCase struct {
	name        string
	allow, deny *string
	files       map[string]string
	hosts       string // "" for oddHosts
	netgroup    string // "" for oddNetgroup
	reqs        []tablegen.Request
}

// runOddities decides every request of every case with libwrap and the
// engine, reports each difference and returns how many requests it
// compared and how many differed.
func runOddities(t *testing.T, cases []oddCase) (n, bad int) {
	h := harness(t)
	var lcs []libwrap.Case
	var rs [][]libwrap.Request
	for _, c := range cases {
		hosts := c.hosts
		if hosts == "" {
			hosts = oddHosts
		}
		netgroup := c.netgroup
		if netgroup == "" {
			netgroup = oddNetgroup
		}
		lcs = append(lcs, libwrap.Case{Allow: c.allow, Deny: c.deny, Files: c.files, Hosts: hosts, Netgroup: netgroup})
		var r []libwrap.Request
		for _, q := range c.reqs {
			r = append(r, toHarness(q))
		}
		rs = append(rs, r)
	}
	results, err := h.RunBatch(lcs, rs)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		p := policyFor(lcs[i], engine.Debian)
		for j, q := range c.reqs {
			n++
			d := p.Evaluate(toEngine(q))
			diffs := fullDiffs(results[i][j], d)
			if dd := p.Decide(toEngine(q)); fmt.Sprint(dd.Access, dd.Matches, dd.Log) != fmt.Sprint(d.Access, d.Matches, d.Log) {
				diffs = append(diffs, "Decide and Evaluate disagree")
			}
			if len(diffs) > 0 {
				bad++
				t.Errorf("%s: allow %s, deny %s, %s:\n%s", c.name, show(c.allow), show(c.deny), q, strings.Join(diffs, "\n"))
			}
		}
	}
	return n, bad
}

func sp(s string) *string { return &s }

// req is a request for daemon from client (an address and port) to
// server ("" for none).
func req(daemon, client, server, user string) tablegen.Request {
	r := tablegen.Request{Daemon: daemon, Client: netip.MustParseAddrPort(client), User: user}
	if server != "" {
		r.Server = netip.MustParseAddrPort(server)
	}
	return r
}

const oddHosts = "10.0.0.1 good.example.com good\n10.0.0.9 127.0.0.5\n127.1.0.1 lo1.example.com\n" +
	"10.0.0.7 canon.example.com alias.example.com\n2001:db8::1 v6host.example.com\n"

const oddNetgroup = "trusted (good.example.com,,) (lo1.example.com,,)\n"

// TestOddities compares the cases of oddCases with libwrap.
func TestOddities(t *testing.T) {
	n, _ := runOddities(t, oddCases())
	fmt.Printf("difftest: %d odd requests compared with libwrap\n", n)
}

func oddCases() []oddCase {
	to22 := func(client string) tablegen.Request { return req("sshd", client+":5555", "127.1.0.1:22", "") }
	var cases []oddCase
	// Daemon patterns that sscanf's %u reads as port numbers: glibc
	// converts through a 64-bit strtoul and truncates to 32 bits.
	for _, tok := range []string{"4294967318", "-4294967274", "4294967296", "18446744069414584342",
		"18446744073709551616", "-18446744073709551616", "18446744073709551615", "-4294967295", "+4294967318",
		"\v4294967318", "0004294967318", "99999999999999999999999"} {
		cases = append(cases, oddCase{name: "port " + tok, deny: sp(tok + ": ALL\n"),
			reqs: []tablegen.Request{to22("10.0.0.1"), req("sshd", "10.0.0.1:5555", "127.1.0.1:0", ""),
				req("sshd", "10.0.0.1:5555", "127.1.0.1:1", ""), req("sshd", "10.0.0.1:5555", "", "")}})
	}
	// split_at's bracket counter in option values: the user option's
	// NAME.GROUP, severity's FACILITY.LEVEL.
	for _, opt := range []string{"user [nobody.nogroup", "user [a.b].nogroup", "user no]body.nogroup",
		"user nobody.[nogroup", "user nobody.nogroup]", "severity [auth.info", "severity x[.]info",
		"severity auth.[info", "severity auth.info]", "severity ]auth.info", "severity auth.info.x",
		"user nobody.", "user .nogroup", "severity .info", "severity auth."} {
		cases = append(cases, oddCase{name: "option " + opt, allow: sp("sshd: ALL: " + opt + "\n"),
			reqs: []tablegen.Request{to22("10.0.0.1")}})
	}
	// Banner files: split_at(line, '\n') counts brackets; a NUL cuts a
	// line; a '%' before the newline meets the CR.
	for _, b := range []string{"Hello [%a\nsecond ]%d\nthird [x] %d\nfour\n", "a\x00b\nc\n", "\x00\x00[\n]\n",
		"tail %\nlast %", "no newline [", "%%[\n%", "[[]]\n][\n"} {
		cases = append(cases, oddCase{name: fmt.Sprintf("banner %q", b), allow: sp("ALL: ALL: banners {DIR}/ban\n"),
			files: map[string]string{"ban/sshd": b}, reqs: []tablegen.Request{to22("10.0.0.1")}})
	}
	// Request attributes the generator never has: odd daemon and user
	// names (sanitised by an expansion, cut at 127 bytes), servers with
	// and without names, a client without an address.
	long := strings.Repeat("d", 126) + "xyz"
	cases = append(cases,
		oddCase{name: "daemon names", allow: sp("in_ftpd: ALL: spawn echo %d : banners {DIR}/ban\n" +
			strings.Repeat("d", 126) + "x: ALL: spawn echo %d\n10.0.0.1: ALL: spawn echo mapped\nunknown: ALL\n*: ALL: spawn echo %d\n"),
			files: map[string]string{"ban/in_ftpd": "sanitised %d\n", "ban/in ftpd": "raw %d\n"},
			reqs: []tablegen.Request{to22("10.0.0.1"), req("in ftpd", "10.0.0.1:5555", "127.1.0.1:22", ""),
				req(long, "10.0.0.1:5555", "127.1.0.1:22", ""), req("::ffff:10.0.0.1", "10.0.0.1:5555", "127.1.0.1:22", ""),
				req("", "10.0.0.1:5555", "127.1.0.1:22", ""), req("a\xffb", "10.0.0.1:5555", "127.1.0.1:22", "")}},
		oddCase{name: "user sanitised before hosts.deny", allow: sp("ALL: ALL: spawn echo %u : aclexec /bin/false\n"),
			deny: sp("ALL: a;b@ALL\nALL: a_b@ALL: spawn echo %u\n"),
			reqs: []tablegen.Request{req("sshd", "10.0.0.1:5555", "127.1.0.1:22", "a;b"),
				req("sshd", "10.0.0.1:5555", "127.1.0.1:22", "a_b"), req("sshd", "10.0.0.1:5555", "127.1.0.1:22", strings.Repeat("u", 130))}},
		oddCase{name: "users", allow: sp("ALL: " + strings.Repeat("u", 127) + "@ALL: spawn echo %u\nALL: ::ffff:1.2.3.4@ALL: spawn echo mapped %u\nALL: KNOWN@KNOWN : spawn echo %c\n"),
			reqs: []tablegen.Request{req("sshd", "10.0.0.1:5555", "127.1.0.1:22", strings.Repeat("u", 140)),
				req("sshd", "10.0.0.1:5555", "127.1.0.1:22", "::FFFF:1.2.3.4"), req("sshd", "10.0.0.1:5555", "127.1.0.1:22", "x@y")}},
		oddCase{name: "servers", allow: sp("sshd@PARANOID: ALL: spawn echo paranoid %H %N %s\nsshd@UNKNOWN: ALL: spawn echo unknown %H %A %s\n" +
			"sshd@@trusted: ALL: spawn echo netgroup %N\nsshd@{DIR}/servers: ALL: spawn echo file %A\nsshd@.example.com: ALL: spawn echo suffix %H\n" +
			"sshd@[::1]: ALL: spawn echo v6 %A %R\nsshd@LOCAL: ALL: spawn echo local %N\nsshd@127.1.0.1: ALL: spawn echo plain %s\n"),
			files: map[string]string{"servers": "10.9.9.8\n"},
			reqs: []tablegen.Request{req("sshd", "10.0.0.1:5555", "10.0.0.9:22", ""), req("sshd", "10.0.0.1:5555", "10.9.9.9:22", ""),
				req("sshd", "10.0.0.1:5555", "10.9.9.8:22", ""), req("sshd", "10.0.0.1:5555", "[::ffff:127.1.0.1]:22", ""),
				req("sshd", "10.0.0.1:5555", "[::1]:2222", ""), req("sshd", "10.0.0.1:5555", "10.0.0.1:22", ""),
				req("sshd", "10.0.0.1:5555", "10.0.0.7:22", "")}},
		oddCase{name: "no client address", allow: sp("ALL: KNOWN: spawn echo known\nALL: UNKNOWN: spawn echo %a %h %n %c %r\n"),
			reqs: []tablegen.Request{{Daemon: "sshd", Server: netip.MustParseAddrPort("127.1.0.1:22")}, {Daemon: "sshd"}}},
	)
	// Pattern files with odd bytes and words: CR LF, NUL, form feed,
	// EXCEPT, user@host, brackets, netgroups, a directory, a file named
	// as a directory.
	for _, f := range []string{"10.0.0.2\r\n10.0.0.1\r\n", "10.0.0.1\x00junk\n", "x\f10.0.0.1\v10.0.0.2\n",
		"ALL EXCEPT 10.0.0.1\n", "alice@10.0.0.1\n", "[2001:db8::1]\n10.0.0.0/24\n", "@trusted\n", "2001:db8::1\n",
		"\x00\n10.0.0.1\n", "[10.0.0.1 ]\n", ".1\n", "good.\n"} {
		cases = append(cases, oddCase{name: fmt.Sprintf("pattern file %q", f), deny: sp("ALL: {DIR}/list: spawn echo %h\n"),
			files: map[string]string{"list": f}, reqs: []tablegen.Request{to22("10.0.0.1"), to22("10.0.0.2"),
				req("sshd", "[2001:db8::1]:5555", "[::1]:22", "")}})
	}
	cases = append(cases, oddCase{name: "pattern file paths", deny: sp("ALL: {DIR}/dir {DIR}/list/ {DIR}/list/x: spawn echo x\n"),
		files: map[string]string{"list": "10.0.0.1\n", "dir/x": "10.0.0.1\n"}, reqs: []tablegen.Request{to22("10.0.0.1")}})
	// Names longer than libwrap's 127 bytes: the reverse name is cut
	// before its forward lookup; a canonical name in a warning is cut at
	// 128 bytes.
	n200 := strings.Repeat("n", 190) + ".example"
	cases = append(cases, oddCase{name: "long names", deny: sp("ALL: KNOWN: spawn echo %n\n"),
		hosts: "10.0.0.40 " + n200 + "\n10.0.0.41 " + n200[:127] + "\n10.0.0.42 " + n200 + " " + n200[:127] + "\n" +
			"10.0.0.43 " + n200[:127] + "\n10.0.0.43 " + n200[:127] + "\n10.0.0.44 short.example\n10.0.0.45 short.example\n" +
			"10.0.0.46 " + strings.Repeat("m", 127) + "\n10.0.0.47 " + strings.Repeat("m", 127) + "\n",
		reqs: []tablegen.Request{to22("10.0.0.40"), to22("10.0.0.41"), to22("10.0.0.42"), to22("10.0.0.43"), to22("10.0.0.45"), to22("10.0.0.47")}},
		oddCase{name: "long canonical names", deny: sp("ALL: KNOWN: spawn echo %n\n"),
			hosts: "10.0.0.42 " + n200 + " " + n200[:127] + "\n10.0.0.48 " + n200[:127] + "\n10.0.0.49 " + n200[:128] + "x\n",
			reqs:  []tablegen.Request{to22("10.0.0.42"), to22("10.0.0.48"), to22("10.0.0.49")}})
	// Hosts tables: v4-mapped entries, names on lines of both families,
	// upper case, a name that is also another line's alias, an address
	// on several lines, "localhost" exemptions. (No name that starts with
	// a character other than a letter, digit or '_': nss_wrapper drops
	// those characters, glibc does not.)
	cases = append(cases, oddCase{name: "hosts tables", deny: sp("ALL: KNOWN: spawn echo %n %h\nALL: ALL: spawn echo %n %h\n"),
		hosts: "::ffff:10.0.0.30 mapped30\n10.0.0.31 both31\n2001:db8::31 both31\n10.0.0.32 UP32.Example\n" +
			"10.0.0.33 first33 shared33\n10.0.0.34 shared33\n10.0.0.35 a35\n10.0.0.35 b35\n10.0.0.36 localhost\n" +
			"10.0.0.37 LocalHost\n10.0.0.38 localhost.localdomain localhost\n::ffff:10.0.0.39 m39\n10.0.0.39 v39\n" +
			"10.0.0.41 _under41\n",
		reqs: []tablegen.Request{to22("10.0.0.30"), req("sshd", "[::ffff:10.0.0.30]:5555", "[::ffff:127.1.0.1]:22", ""),
			to22("10.0.0.31"), req("sshd", "[2001:db8::31]:5555", "[::1]:22", ""), to22("10.0.0.32"), to22("10.0.0.33"),
			to22("10.0.0.34"), to22("10.0.0.35"), to22("10.0.0.36"), to22("10.0.0.37"), to22("10.0.0.38"),
			to22("10.0.0.39"), req("sshd", "[::ffff:10.0.0.39]:5555", "[::ffff:127.1.0.1]:22", ""),
			to22("10.0.0.41"),
			req("sshd", "[::10.0.0.1]:5555", "[::1]:22", "")}})
	return cases
}
