//go:build linux

package difftest

// Areas of the spec that TestRandom's generator and TestOddities reach
// thinly or not at all, compared with libwrap on every run: host names
// of odd forms in the hosts table (trailing dots, names that read as
// addresses, per-family canonical names) against the special words and
// the suffix and prefix forms; net/mask patterns with odd masks and
// prefix lengths, for IPv4, IPv4-mapped and IPv6 clients; netgroups
// naming the sentinel strings; user@host splitting with odd user names;
// EXCEPT at the edges of both lists; daemon tokens and daemon names
// with '@' and brackets; comments, blank lines, CRs and NULs around
// continuations, and tables without a final newline.

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// gapHosts names the clients of gapCases. Some names read differently
// through nss_wrapper (the harness) and glibc, so there is none here (see
// TestGlibcNames for them): one that starts with a character other than
// a letter, digit or '_', an all-digit one, one with a trailing dot
// (nss_wrapper drops it from the name looked up), an IPv4-mapped IPv6
// text for an IPv4 client, an inet_aton form other than a dotted quad
// for an IPv6 client (glibc reads both as numbers, nss_wrapper as names).
const gapHosts = "10.0.1.1 trail.example.com\n" +
	"10.0.1.2 nodot\n" +
	"10.0.1.3 UPPER3.EXAMPLE.COM upper3\n" +
	"10.0.1.4 under_score.example.com\n" +
	"10.0.1.5 1digit.example.com\n" +
	"10.0.1.10 2001:db8::10\n" +
	"2001:db8::11 10.0.1.11\n" +
	"10.0.1.13 a.b.c.d.e\n" +
	"10.0.1.14 host-14.example.com host14 h14.\n" +
	"2001:db8::15 0::ffff:10.0.1.16\n" +
	"10.0.1.17 1.2.3.4.5\n" +
	"10.0.1.18 10.0.1.18.example\n" +
	"10.0.1.26 n26\n2001:db8::26 m26 n26\n2001:db8::27 n26\n" +
	"2001:db8::28 v6name28\n10.0.1.28 v6name28\n" +
	"10.0.1.29 ip6-localhost\n" +
	"10.0.1.31 localhost\n10.0.1.32 localhost\n" +
	"127.1.0.1 lo1.example.com\n::1 lo1.example.com\n"

// gapNetgroup: groups naming the sentinel strings, a trailing-dot host,
// user-only and domain-only triples.
const gapNetgroup = "ng1 (trail.example.com,,) (nodot,,)\n" +
	"sentinels (paranoid,,) (unknown,,)\n" +
	"upper (UPPER3.EXAMPLE.COM,,)\n" +
	"users (-,alice,) (-,@grp,)\n" +
	"dom (-,-,example.com)\n" +
	"numeric (10.0.1.1,,) (010.0.1.6,,)\n"

var gapClients = []string{"10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.4", "10.0.1.5", "10.0.1.6", "10.0.1.7",
	"10.0.1.8", "10.0.1.10", "[2001:db8::11]", "[2001:db8::19]", "10.0.1.12", "10.0.1.13", "10.0.1.14", "10.0.1.16", "10.0.1.17",
	"10.0.1.18", "10.0.1.19", "[2001:db8::27]", "[2001:db8::26]", "[2001:db8::15]", "[2001:db8::28]", "10.0.1.28", "10.0.1.29", "10.0.1.30",
	"10.0.1.32", "[::ffff:10.0.1.1]", "[::ffff:10.0.1.14]", "10.0.2.1", "[2001:db8::10]", "[2001:db9::1]",
	"[::10.0.1.1]", "128.0.0.1", "0.0.0.0", "255.255.255.255"}

// gapRequests asks for sshd from every client of gapClients, each with
// a server of its family.
func gapRequests(user string) []tablegen.Request {
	var out []tablegen.Request
	for _, c := range gapClients {
		server := "127.1.0.1:22"
		switch {
		case strings.HasPrefix(c, "[::ffff:"):
			server = "[::ffff:127.1.0.1]:22"
		case strings.HasPrefix(c, "["):
			server = "[::1]:22"
		}
		out = append(out, req("sshd", c+":5555", server, user))
	}
	return out
}

// TestGaps compares the cases of gapCases with libwrap.
func TestGaps(t *testing.T) {
	n, bad := runOddities(t, gapCases())
	fmt.Printf("difftest: %d gap requests compared with libwrap, %d differ\n", n, bad)
}

func gapCases() []oddCase {
	var cases []oddCase
	add := func(name string, allow, deny *string, reqs []tablegen.Request) {
		cases = append(cases, oddCase{name: name, allow: allow, deny: deny, hosts: gapHosts, netgroup: gapNetgroup,
			files: map[string]string{"list": "10.0.1.0/24 trail.\n.COM.\n@ng1\n"}, reqs: reqs})
	}
	// Host patterns, one rule each, against every client: names with
	// trailing dots, names that read as addresses, per-family canonical
	// names, "localhost" exemptions.
	for _, p := range []string{
		"KNOWN", "LOCAL", "PARANOID", "UNKNOWN",
		".example.com", ".example.com.", ".com.", ".", "..", "trail.", "trail.example.com", "trail.example.com.",
		"TRAIL.EXAMPLE.COM.", "nodot", "nodot.", "upper3", "upper3.example.com.", "h14.", "host14", "h14",
		"under_score.example.com", "under_", "1digit.", "010.0.1.6", "010.", "10.1", "10.0.1.", ".1", ".6",
		"0x0a.0.1.8", "0x0a.", "2001:db8::10", "[2001:db8::10]", "10.0.1.11", "10.0.1.12.", "10.0.1.12",
		"a.b.c.d.e", "a.", ".e", ".d.e", "1.2.3.4.5", "1.2.3.", "10.0.1.18.", "10.0.1.18.example", ".example",
		"0x1", "n26", "m26", "v6name28", "ip6-localhost", "localhost", "localhost.", "LOCALHOST.",
		"::ffff:10.0.1.16", "[::ffff:10.0.1.16]", "*.", "*.com.", "?", "*.*.*.*.*", "*:*", "*::*",
		"@ng1", "@sentinels", "@upper", "@users", "@dom", "@numeric", "@NG1", "{DIR}/list",
	} {
		add("host "+p, nil, sp("ALL: "+p+": spawn echo %n\n"), gapRequests(""))
	}
	// Net/mask patterns with odd masks and lengths.
	for _, p := range []string{
		"10.0.1.0/255.255.255.0", "10.0.1.0/255.0.255.0", "10.0.0.0/255.0.0.255", "10.0.1.1/32", "10.0.1.1/33",
		"10.0.1.0/024", "10.0.1/255.255.255.0", "10.0.1.0./24", "10.0.1.0/255.255.255.0.", "10.0.1.0/-8",
		"10.0.1.0/2147483672", "0x0a.0.1.0/0xffffff00", "10.0.1.0/0377.0377.0377.0", "10.0.1.00/24", "10.0.1.08/24",
		"10.0.1.0/24/8", "10.0.1.0//24", "10.0.1.0/", "0.0.0.0/1", "128.0.0.0/1", "10.0.1.0/31", "10.0.1.2/31",
		"10.0.1.0/0.0.0.0", "0.0.0.0/0", "0.0.0.0/32", "255.255.255.255/32", "10.0.1.16/255.255.255.255",
		"10.0.1.0 /24", "167772416/24", "10.256.0.0/8", "10.0.1.0/ 24", "10.0.1.0/24 ",
		"[2001:db8::]/128", "[2001:db8::10]/128", "[2001:db8::10]/0128", "[2001:db8::]/4294967360", "[2001:db8::]/-0",
		"[2001:db8::]/", "[2001:db8::]/64/1", "[2001:DB8::]/32", "[2001:db8::11]/127", "[::ffff:10.0.1.1]/128",
		"[::ffff:0.0.0.0]/96", "[::]/1", "[8000::]/1", "[2001:db8::]/32junk", "[2001:db8::10]/0x40",
		"[2001:db8::10]/+64", "[::10.0.1.1]/128", "[::10.0.1.1]/96", "[2001:db8::]/2147483648", "[2001:db8::]/4294967296",
		"[2001:db8::/32", "[2001:db8::]]/32", "[[2001:db8::]]/32", "[10.0.1.0]/24", "10.0.1.0/[24]",
		"[2001:db8::10/128]", "[2001:db8::10]/128[", "[]/0", "[::]/0", "[::]/00",
	} {
		add("net "+p, nil, sp("ALL: "+p+"\n"), gapRequests(""))
	}
	// user@host with odd user names and user patterns.
	var userReqs []tablegen.Request
	for _, u := range []string{"", "alice", "ALICE", "a.b", "a@b", "@grp", "local", "paranoid", "Unknown", "[a",
		"a]", "a b", "a,b", "known", "-", "unknown.", ".unknown", "a?b", "*"} {
		userReqs = append(userReqs, req("sshd", "10.0.1.1:5555", "127.1.0.1:22", u), req("sshd", "10.0.1.2:5555", "127.1.0.1:22", u),
			req("sshd", "10.0.2.1:5555", "127.1.0.1:22", u))
	}
	for _, p := range []string{
		"ALL@ALL", "KNOWN@ALL", "UNKNOWN@ALL", ".b@ALL", "a.@ALL", "a?b@ALL", "PARANOID@ALL", "LOCAL@ALL",
		"@grp@ALL", "[a@b]@ALL", "a[@b]@ALL", "alice@alice@ALL", "alice@KNOWN", "alice@LOCAL", "alice@.example.com.",
		"alice@10.0.1.0/24", "ALICE@{DIR}/list", "ALL@@ng1", "ALL@@users", "alice@@users", "a@b@ALL", "a@b",
		"*@ALL", "?@ALL", "[a@ALL", "a]@ALL", "a]@[ALL]", "KNOWN@KNOWN", "UNKNOWN@UNKNOWN", "ALL@PARANOID",
		"unknown.@ALL", ".unknown@ALL", "ALL@", "@", "@@", "ALL@@", "x@EXCEPT", "EXCEPT@ALL",
	} {
		add("user "+p, nil, sp("ALL: "+p+": spawn echo %u\n"), userReqs)
	}
	// EXCEPT at the edges of daemon and client lists, and lookups that
	// only an evaluated token makes.
	edgeReqs := []tablegen.Request{req("sshd", "10.0.1.1:5555", "127.1.0.1:22", ""), req("in.ftpd", "10.0.1.2:5555", "127.1.0.1:21", "alice"),
		req("sshd", "10.0.1.12:5555", "127.1.0.1:22", "alice"), req("telnetd", "10.0.2.1:5555", "", "")}
	for _, r := range []string{
		"EXCEPT: ALL", "sshd EXCEPT: ALL", "ALL: EXCEPT", "ALL: ALL EXCEPT", "ALL EXCEPT EXCEPT sshd: ALL",
		"sshd,EXCEPT,ALL: ALL", "ALL: ALL EXCEPT 10.0.1.1 EXCEPT 10.0.1.0/24 EXCEPT KNOWN",
		"ALL EXCEPT sshd EXCEPT sshd@KNOWN: ALL EXCEPT UNKNOWN EXCEPT PARANOID", "ALL: 10.0.2.1 KNOWN EXCEPT 10.0.1.1",
		"ALL: EXCEPTx xEXCEPT", "ALL: ALL except except", "ALL EXCEPT in.ftpd: ALL EXCEPT alice@ALL",
		"ALL: ALL EXCEPT ALL@ALL EXCEPT alice@ALL", "ALL EXCEPT ALL EXCEPT sshd: 10.0.1.1 EXCEPT EXCEPT",
		"sshd@ALL EXCEPT sshd@127.1.0.1 EXCEPT sshd@LOCAL: ALL", "ALL: KNOWN EXCEPT .example.com. EXCEPT trail.",
	} {
		add("list "+r, sp(r+": spawn echo %d %h %u\n"), nil, edgeReqs)
		add("list "+r, nil, sp(r+": spawn echo %d %h %u\n"), edgeReqs)
	}
	// Daemon tokens and daemon names with '@', brackets and other odd
	// characters.
	var daemonReqs []tablegen.Request
	for _, d := range []string{"sshd", "sshd@x", "a@b", "@x", "[x]", "x:y", "sshd,", "ss hd", "/usr/sbin/sshd",
		"[x@y]", "sshd@", "@", "x@127.1.0.1", "sshd@127.1.0.1", "EXCEPT", "ALL", "22", "/x", "a@b@c", "#"} {
		daemonReqs = append(daemonReqs, req(d, "10.0.1.1:5555", "127.1.0.1:22", ""), req(d, "10.0.1.1:5555", "", ""))
	}
	for _, p := range []string{
		"sshd@x", "@x", "/x", "[x@y]", "a@b@c", "ss*@ALL", "sshd@", "@", "sshd@@", "sshd@@ng1", "sshd@[::1]",
		"sshd@127.1.0.1/32", "sshd@KNOWN EXCEPT sshd@LOCAL", "[x]", "x@127.1.0.1", "*@*", "?@127.1.0.1", "#",
		"a@b", "@*", "sshd@lo1.example.com", "sshd@.example.com", "sshd@127.1.0.", "sshd@UNKNOWN", "x:y",
		"*[*", "[*]@ALL", "ALL@ALL@ALL", "22@127.1.0.1", "sshd@{DIR}/list", "sshd@10.0.1.0/24",
	} {
		add("daemon "+p, nil, sp(p+": ALL: spawn echo %d\n"), daemonReqs)
	}
	// Comments, blank lines, CRs and NULs around continuations; tables
	// without a final newline.
	lineReqs := []tablegen.Request{req("sshd", "10.0.1.1:5555", "127.1.0.1:22", ""), req("sshd", "10.0.2.1:5555", "127.1.0.1:22", ""),
		req("in.ftpd", "10.0.1.2:5555", "127.1.0.1:21", "")}
	for _, tb := range []string{
		"sshd: 10.0.2.2 \\\n# ALL\nsshd: 10.0.1.1\n",
		"sshd: 10.0.2.2, \\\n\nALL: 10.0.1.1\n",
		"\\\nsshd: 10.0.1.1\n",
		"\\\n\\\n\\\n",
		"sshd: 10.0.2.2 \\\\\nALL: ALL\n",
		"sshd: 10.0.2.2 \\\\\\\nALL: ALL\n",
		"sshd: 10.0.2.2 \\ \nALL: ALL\n",
		"\n\n\n#x\nsshd: 10.0.1.1",
		"sshd: 10.0.1.1\\",
		"sshd: 10.0.1.1\n\\",
		"sshd: 10.0.1.1\n\\\n",
		"#",
		"#\n",
		"   \t",
		"",
		"\n",
		"\r\n",
		"\r# x\nsshd: 10.0.1.1\n",
		"sshd:\r10.0.1.1\r\n",
		"sshd\r: 10.0.1.1\n",
		"sshd: 10.0.2.2\x00 ALL\nALL: 10.0.1.1\n",
		"\x00sshd: ALL\nALL: 10.0.1.1\n",
		"#\x00\nsshd: ALL\n",
		"sshd: 10.0.1.1\x00",
		"sshd: 10.0.1.1\x00\n",
		"sshd: ALL # x \\\n y\nALL: ALL\n",
		"# a \\\n# b \\\nsshd: ALL\nin.ftpd: ALL\n",
		"sshd: \\\n  10.0.2.1 \\\n  # not a comment\n",
		"sshd \\\n: \\\n 10.0.2.1\n",
		"sshd:\\\n10.0.2.1\n",
		"sshd\\\n: 10.0.2.1\n",
		"in.ftpd: 10.0.2.2\n\\\n",
		"\t#x: ALL\n",
		"\v#x: ALL\n",
		"\f\n",
		"\v\n",
		"sshd: 10.0.2.2\r\r\nALL: 10.0.1.1\r\n",
		"sshd: 10.0.2.2\rALL: 10.0.1.1\n",
		"sshd: 10.0.1.1\n\x00",
		"sshd: 10.0.2.2\n\x00\n\x00\nALL: 10.0.1.2\n",
	} {
		add(fmt.Sprintf("table %q", tb), sp(tb), sp("ALL: ALL: spawn echo denied\n"), lineReqs)
		add(fmt.Sprintf("table %q", tb), nil, sp(tb), lineReqs)
	}
	return cases
}

// TestGapsTcpdmatch runs the real tcpdmatch and the engine's on the names
// of gapHosts as client and server operands (tcpdmatch looks a named
// client up itself), against a table that shows which special words
// and name patterns each name meets. Not as server operands: the names
// of gapHosts that read as numbers, which nss_wrapper's getaddrinfo looks
// up in its table before it reads them as numbers (glibc's reads the
// number); nowhere: "h14.", whose trailing dot nss_wrapper drops.
func TestGapsTcpdmatch(t *testing.T) {
	h := harness(t)
	deny := "ALL: KNOWN: spawn echo known %n\nALL: PARANOID: spawn echo paranoid %n\nALL: LOCAL: spawn echo local %n\n" +
		"ALL: .example.com .example: spawn echo suffix %n\nALL: ALL: spawn echo other %n %a\n"
	c := oddCase{hosts: gapHosts, netgroup: gapNetgroup, deny: &deny}
	lc := libwrap.Case{Deny: c.deny, Hosts: c.hosts, Netgroup: c.netgroup}
	var runs [][2]string
	for _, name := range []string{"trail.example.com", "nodot", "upper3", "UPPER3.EXAMPLE.COM", "under_score.example.com",
		"1digit.example.com", "a.b.c.d.e", "host14", "host-14.example.com", "1.2.3.4.5", "10.0.1.18.example", "n26", "m26", "v6name28", "ip6-localhost", "localhost",
		"lo1.example.com", "nosuch.example", "10.0.1.13", "2001:db8::27", "2001:db8::28", "::ffff:10.0.1.28"} {
		runs = append(runs, [2]string{"sshd", name}, [2]string{"sshd@" + name, "10.0.1.1"})
	}
	for _, name := range []string{"2001:db8::10", "10.0.1.11", "0::ffff:10.0.1.16"} {
		runs = append(runs, [2]string{"sshd", name})
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	bad := 0
	for _, r := range runs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			diff, err := tcpdmatchDiff(h, lc, r[0], r[1])
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
			} else if diff != "" {
				bad++
				t.Errorf("tcpdmatch %q %q:\n%s", r[0], r[1], diff)
			}
		}()
	}
	wg.Wait()
	fmt.Printf("difftest: %d gap tcpdmatch runs compared with the real tcpdmatch, %d differ\n", len(runs), bad)
}
