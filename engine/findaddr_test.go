package engine

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// noCanon answers every name it knows with an address and no canonical
// name (getaddrinfo's NULL ai_canonname).
type noCanon struct{ emptyResolver }

func (noCanon) LookupHost(name string, v6 bool) (string, []netip.Addr, bool) {
	if name != "nocanon" || v6 {
		return "", nil, false
	}
	return "", []netip.Addr{netip.MustParseAddr("10.0.0.5")}, true
}

// findAddrLines runs host through tcpdmatch (as the server operand) and
// tcpdchk (as a word of a pattern file), and returns the warnings each
// printed before its first line about the connection (tcpdmatch) or
// after the pattern file's first (tcpdchk): what find_inet_addr and the
// name lookups said.
func findAddrLines(t *testing.T, res Resolver, host string) (match, chk []string) {
	t.Helper()
	files := MapFiles{"/t/hosts.allow": "ALL: /t/pf\n", "/t/hosts.deny": "", "/t/pf": host + "\n", "/dev/null": ""}
	p := &Policy{Files: files, Resolver: res, DryRun: true}
	for _, l := range p.Tcpdmatch("sshd@"+host, "10.0.0.1").Lines {
		if !strings.HasPrefix(l, "warning: ") {
			break
		}
		match = append(match, strings.TrimPrefix(l, "warning: "))
	}
	r := p.Tcpdchk(&TcpdchkOptions{InetdConf: "/dev/null", AllowPath: "/t/hosts.allow", DenyPath: "/t/hosts.deny"})
	for _, l := range r.Lines {
		if rest, ok := strings.CutPrefix(l, "warning: /t/pf, line 1: "); ok {
			chk = append(chk, rest)
		}
	}
	return match, chk
}

// TestFindInetAddrShared checks that tcpdmatch's operands and tcpdchk's
// host check are one find_inet_addr, on what only glibc's resolver or a
// resolver without canonical names shows (the differential harness
// answers through nss_wrapper, which refuses a numeric IPv6 address with
// a scope and drops the scope of the address it finds; e2e/tcpdchkdiff
// and e2e/tcpdmatchdiff compare the rest). The scoped forms were checked
// by hand against Debian's tcpdchk under glibc (in an unshare --net
// namespace, whose only interface is lo, with the harness' shim printing
// the warnings).
func TestFindInetAddrShared(t *testing.T) {
	hosts := NewHostsResolver("hosts", []byte("10.0.0.1 good\n10.0.0.2 canon.example.com alias\n"))
	for _, tc := range []struct {
		res  Resolver
		host string
		want []string // the same from both
	}{
		{hosts, "fe80::1%1", []string{"host address fe80::1%lo->name lookup failed"}},
		{hosts, "fe80::1%lo", []string{"host address fe80::1%lo->name lookup failed"}},
		{hosts, "fe80::1%999", []string{"host address fe80::1%999->name lookup failed"}},
		{hosts, "2001:db8::1%1", []string{"host address 2001:db8::1%1->name lookup failed"}},
		{hosts, "fe80::1%eth0", []string{"fe80::1%eth0: host not found"}},
		{hosts, "2001:db8::1%lo", []string{"2001:db8::1%lo: host not found"}},
		{hosts, "fe80::1%0x1", []string{"fe80::1%0x1: host not found"}},
		{hosts, "10.0.0.1\v", []string{"10.0.0.1\v: host not found"}},
		{hosts, "10.0.0.1\f", []string{"10.0.0.1\f: host not found"}},
		{hosts, "alias", []string{"alias: hostname alias", "(official name: canon.example.com)"}},
		{noCanon{}, "nocanon", []string{"nocanon: hostname alias", "(cannot obtain official name)",
			"host address 10.0.0.5->name lookup failed"}},
	} {
		match, chk := findAddrLines(t, tc.res, tc.host)
		if !reflect.DeepEqual(chk, tc.want) {
			t.Errorf("tcpdchk on %q:\n got %q\nwant %q", tc.host, chk, tc.want)
		}
		// tcpdmatch looks the server's name up lazily, after the
		// no-such-process warning: compare find_inet_addr's part.
		var m []string
		for _, l := range match {
			if !strings.Contains(l, "name lookup failed") && !strings.Contains(l, "no such process") {
				m = append(m, l)
			}
		}
		var w []string
		for _, l := range tc.want {
			if !strings.Contains(l, "name lookup failed") {
				w = append(w, l)
			}
		}
		if !reflect.DeepEqual(m, w) {
			t.Errorf("tcpdmatch on %q:\n got %q\nwant %q", tc.host, m, w)
		}
	}
}

// TestTcpdchkScopedBrackets checks tcpdchk's is_inet6_addr on bracketed
// addresses with a scope, alone and as the net of a net/prefix, as
// glibc's numeric getaddrinfo (IPv6 only) takes them: a valid scope is an
// address, said nothing about; any other is looked up as a name,
// brackets and all, or makes a bad net/mask pattern. Checked by hand against
// Debian's tcpdchk under glibc, as above.
func TestTcpdchkScopedBrackets(t *testing.T) {
	files := MapFiles{"/dev/null": "", "/t/hosts.deny": "",
		"/t/hosts.allow": "ALL: [fe80::1%1] [fe80::1%lo] [fe80::1%999] [fe80::1%01] [fe80::1%eth0] [2001:db8::1%lo] [fe80::1%]" +
			" [fe80::1%1]/64 [fe80::1%lo]/64 [fe80::1%eth0]/64\n"}
	p := &Policy{Files: files, Resolver: NewHostsResolver("hosts", nil), DryRun: true}
	r := p.Tcpdchk(&TcpdchkOptions{InetdConf: "/dev/null", AllowPath: "/t/hosts.allow", DenyPath: "/t/hosts.deny"})
	var got []string
	for _, l := range r.Lines {
		if rest, ok := strings.CutPrefix(l, "warning: /t/hosts.allow, line 1: "); ok {
			got = append(got, rest)
		}
	}
	want := []string{"[fe80::1%eth0]: host not found", "[2001:db8::1%lo]: host not found", "[fe80::1%]: host not found",
		"[fe80::1%eth0]/64: bad net/mask pattern"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// machineIfs is a resolver on a machine whose interfaces are lo (1), ifb0
// (2), ifb1 (3) and eth0 (4): the machine the cases of
// TestInterfaceScopes were checked on.
type machineIfs struct{ *HostsResolver }

var machineIfNames = map[uint32]string{1: "lo", 2: "ifb0", 3: "ifb1", 4: "eth0"}

func (machineIfs) InterfaceIndex(name string) (uint32, bool) {
	for i, n := range machineIfNames {
		if n == name {
			return i, true
		}
	}
	return 0, false
}

func (machineIfs) InterfaceName(index uint32) (string, bool) {
	n, ok := machineIfNames[index]
	return n, ok
}

// TestInterfaceScopes: with a resolver that knows the machine's
// interfaces ([InterfaceResolver]), an IPv6 operand scoped by an
// interface's name is an address, as glibc's numeric getaddrinfo reads
// it (not a name to look up, which a resolver may answer with the scope
// dropped, as Go's does); a client keeps its text, and a rule's address
// patterns read it; a server's scope is printed by name, as getnameinfo
// prints a link-local address's. A scope naming no interface, or a name
// on an address that is not link-local, is "host not found". Checked
// against Debian's tcpdmatch on a machine with these interfaces (with the
// syslog lines captured from /dev/log: matched, warnings).
func TestInterfaceScopes(t *testing.T) {
	files := MapFiles{"/t/hosts.allow": "", "/t/hosts.deny": "sshd: [fe80::]/10\nin.ftpd: [fe80::1]\n", "/dev/null": ""}
	res := machineIfs{NewHostsResolver("hosts", nil)}
	for _, tc := range []struct {
		daemon, client string
		want           []string
		code           int
	}{
		{"sshd", "fe80::1%eth0", []string{"client:   address  fe80::1%eth0", "server:   process  sshd",
			"matched:  hosts.deny line 1", "access:   denied"}, 0},
		{"in.ftpd", "fe80::1%ifb0", []string{"client:   address  fe80::1%ifb0", "server:   process  in.ftpd",
			"matched:  hosts.deny line 2", "access:   denied"}, 0},
		{"sshd", "fe80::1%nosuch", []string{"warning: fe80::1%nosuch: host not found"}, 1},
		{"sshd", "2001:db8::1%eth0", []string{"warning: 2001:db8::1%eth0: host not found"}, 1},
		{"fingerd@fe80::1%eth0", "10.0.0.1", []string{"warning: host address fe80::1%eth0->name lookup failed",
			"client:   address  10.0.0.1", "server:   address  fe80::1%eth0", "server:   process  fingerd", "access:   granted"}, 0},
		{"fingerd@fe80::1%4", "10.0.0.1", []string{"warning: host address fe80::1%eth0->name lookup failed",
			"client:   address  10.0.0.1", "server:   address  fe80::1%eth0", "server:   process  fingerd", "access:   granted"}, 0},
		{"fingerd@fe80::1%99", "10.0.0.1", []string{"warning: host address fe80::1%99->name lookup failed",
			"client:   address  10.0.0.1", "server:   address  fe80::1%99", "server:   process  fingerd", "access:   granted"}, 0},
		{"fingerd@ff02::1%eth0", "10.0.0.1", []string{"warning: host address ff02::1%eth0->name lookup failed",
			"client:   address  10.0.0.1", "server:   address  ff02::1%eth0", "server:   process  fingerd", "access:   granted"}, 0},
		{"fingerd@2001:db8::1%4", "10.0.0.1", []string{"warning: host address 2001:db8::1%4->name lookup failed",
			"client:   address  10.0.0.1", "server:   address  2001:db8::1%4", "server:   process  fingerd", "access:   granted"}, 0},
	} {
		p := &Policy{Files: files, Resolver: res, DryRun: true,
			Allow: Parse("hosts.allow", []byte(files["/t/hosts.allow"]), Debian),
			Deny:  Parse("hosts.deny", []byte(files["/t/hosts.deny"]), Debian)}
		r := p.TcpdmatchWith(&TcpdmatchOptions{InetdConf: "/dev/null", AllowPath: "hosts.allow", DenyPath: "hosts.deny"}, tc.daemon, tc.client)
		var got []string // without what MapFiles has no answer for
		for _, l := range r.Lines {
			if !strings.Contains(l, "no such process name") && !strings.Contains(l, "REAL_DAEMON_DIR") {
				got = append(got, l)
			}
		}
		if !reflect.DeepEqual(got, tc.want) || r.ExitCode != tc.code {
			t.Errorf("tcpdmatch %s %s: exit %d\n got %q\nwant exit %d, %q", tc.daemon, tc.client, r.ExitCode, got, tc.code, tc.want)
		}
	}

	// tcpdchk's is_inet6_addr reads bracketed patterns the same way.
	chk := MapFiles{"/dev/null": "", "/t/hosts.deny": "",
		"/t/hosts.allow": "ALL: [fe80::1%eth0] [fe80::1%eth0]/64 [fe80::1%nosuch] [fe80::1%nosuch]/64 [2001:db8::1%eth0]\n"}
	pc := &Policy{Files: chk, Resolver: res, DryRun: true}
	var got []string
	for _, l := range pc.Tcpdchk(&TcpdchkOptions{InetdConf: "/dev/null", AllowPath: "/t/hosts.allow", DenyPath: "/t/hosts.deny"}).Lines {
		if rest, ok := strings.CutPrefix(l, "warning: /t/hosts.allow, line 1: "); ok {
			got = append(got, rest)
		}
	}
	if want := []string{"[fe80::1%nosuch]: host not found", "[fe80::1%nosuch]/64: bad net/mask pattern",
		"[2001:db8::1%eth0]: host not found"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tcpdchk:\n got %q\nwant %q", got, want)
	}

	// Without the interfaces (a resolver that does not know them stands
	// for a machine with only lo), eth0 is a name to look up.
	p := &Policy{Files: files, Resolver: NewHostsResolver("hosts", nil), DryRun: true}
	r := p.TcpdmatchWith(&TcpdmatchOptions{InetdConf: "/dev/null"}, "sshd", "fe80::1%eth0")
	if r.ExitCode != 1 || !slices.Contains(r.Lines, "warning: fe80::1%eth0: host not found") {
		t.Errorf("lo only: exit %d, %q", r.ExitCode, r.Lines)
	}
}

// TestQueryScopes: an operand's IPv6 scope is read as glibc's numeric
// getaddrinfo reads it, so that tcpwrap match and the playground refuse a
// connection from an address no socket could have (Debian's tcpdmatch
// says "host not found" for each of the refused ones).
func TestQueryScopes(t *testing.T) {
	table := NewHostsResolver("hosts", nil)
	machine := machineIfs{table}
	for _, c := range []struct {
		res     Resolver
		client  string
		wantErr string // "" for an address
	}{
		{machine, "fe80::1%eth0", ""},
		{machine, "fe80::1%4", ""},
		{machine, "fe80::1%4294967295", ""},
		{machine, "ff02::1%lo", ""},
		{machine, "2001:db8::1%7", ""},
		{machine, "fe80::1%nosuch", `fe80::1%nosuch: host not found: no network interface "nosuch"`},
		{machine, "fe80::1%4294967296", "fe80::1%4294967296: host not found: scope id above 4294967295"},
		{machine, "2001:db8::1%eth0", "2001:db8::1%eth0: host not found: an interface name is read as a scope only on a link-local address"},
		{machine, "::ffff:169.254.0.1%eth0", "::ffff:169.254.0.1%eth0: host not found: an interface name is read as a scope only on a link-local address"},
		{table, "fe80::1%lo", ""},
		{table, "fe80::1%eth0", `fe80::1%eth0: host not found: no network interface "eth0" (the simulated machine has only "lo")`},
	} {
		reqs, err := Query(c.res, "sshd", c.client, 0, 0)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.client, err)
		case c.wantErr == "" && reqs[0].Client.Socket.Addr().String() != c.client:
			t.Errorf("%s: client %v", c.client, reqs[0].Client.Socket.Addr())
		case c.wantErr != "" && (err == nil || err.Error() != c.wantErr):
			t.Errorf("%s: error %v, want %s", c.client, err, c.wantErr)
		}
		if _, err := Query(c.res, "sshd@"+c.client, "10.0.0.1", 0, 0); (err == nil) != (c.wantErr == "") {
			t.Errorf("server %s: error %v", c.client, err)
		}
	}
}
