//go:build linux

// Package tcpdmatchdiff compares cmd/tcpdmatch with the real Debian
// tcpdmatch, run sealed by e2e/libwrap (as `tcpdmatch -d -i /dev/null
// ARGS...`): every tcpdmatch vector of the golden corpus, and cases with
// a real inetd.conf. The output lines (standard output and standard error
// in the order written) and the exit statuses must be identical,
// including the inetd analysis' "no such process name in /dev/null".
package tcpdmatchdiff

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine/golden"
)

// caseDir is the golden corpus' stand-in for the case directory.
const caseDir = "/case"

// harness is the harness every test of the package shares.
func harness(t *testing.T) *libwrap.Harness { return libwrap.Shared(t) }

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// ourTcpdmatch builds cmd/tcpdmatch once per test binary.
func ourTcpdmatch(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "tcpdmatchdiff-")
		if buildErr != nil {
			return
		}
		gobin, err := exec.LookPath("go")
		if err != nil {
			gobin = "/usr/local/go/bin/go"
		}
		out, err := exec.Command(gobin, "build", "-o", filepath.Join(buildDir, "tcpdmatch"),
			"github.com/tcpwrap/tcpwrap/cmd/tcpdmatch").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build cmd/tcpdmatch: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "tcpdmatch")
}

func TestMain(m *testing.M) {
	code := m.Run()
	libwrap.CloseShared()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// runOurs runs our tcpdmatch the way the harness runs Debian's: in a
// fresh case directory holding the case's files, as `tcpdmatch -d -i
// /dev/null ARGS...`, with --hosts and --netgroup giving the case's
// tables. Its standard output comes first, then its standard error
// without our own diagnostics of the hosts file ("tcpdmatch: ..."); real
// tcpdmatch writes to standard error only just before it exits, so this
// is the order the harness sees. The case directory is replaced by {DIR}.
func runOurs(t *testing.T, bin string, c libwrap.Case, args []string) ([]string, int) {
	t.Helper()
	dir, err := os.MkdirTemp("", "tcpdmatchdiff-case-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	caseD := filepath.Join(dir, "case")
	if err := os.Mkdir(caseD, 0o700); err != nil {
		t.Fatal(err)
	}
	subst := func(s string) string { return strings.ReplaceAll(s, libwrap.DirPlaceholder, caseD) }
	write := func(rel, data string) {
		p := filepath.Join(caseD, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(subst(data)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for rel, data := range c.Files {
		write(rel, data)
	}
	if c.Allow != nil {
		write("hosts.allow", *c.Allow)
	}
	if c.Deny != nil {
		write("hosts.deny", *c.Deny)
	}
	hosts, netgroup := filepath.Join(dir, "hosts"), filepath.Join(dir, "netgroup")
	if err := os.WriteFile(hosts, []byte(c.Hosts), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(netgroup, []byte(c.Netgroup), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"-d", "-i", "/dev/null", "--hosts", hosts, "--netgroup", netgroup}, args...)...)
	cmd.Dir = caseD
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	var lines []string
	for _, l := range splitLines(stdout.String()) {
		lines = append(lines, strings.ReplaceAll(l, caseD, libwrap.DirPlaceholder))
	}
	for _, l := range splitLines(stderr.String()) {
		if !strings.HasPrefix(l, "tcpdmatch: ") {
			lines = append(lines, strings.ReplaceAll(l, caseD, libwrap.DirPlaceholder))
		}
	}
	return lines, code
}

// splitLines splits output as the harness does: at LF, one trailing CR
// removed per line.
func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// compare runs one invocation through both and reports a difference.
func compare(t *testing.T, h *libwrap.Harness, bin, name string, c libwrap.Case, args []string) {
	t.Helper()
	want, wantCode, err := h.Tcpdmatch(c, args...)
	if err != nil {
		t.Fatal(err)
	}
	got, gotCode := runOurs(t, bin, c, args)
	if strings.Join(got, "\n") != strings.Join(want, "\n") || gotCode != wantCode {
		t.Errorf("%s: tcpdmatch %q differs (exit %d, ours %d)\n--- Debian tcpdmatch\n%s\n--- cmd/tcpdmatch\n%s",
			name, args, wantCode, gotCode, strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

// compareAll compares the invocations runs of case c, in parallel, and
// says how many kind cases it compared.
func compareAll(t *testing.T, h *libwrap.Harness, bin, kind string, c libwrap.Case, runs [][]string) {
	t.Run("group", func(t *testing.T) {
		for i, args := range runs {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				compare(t, h, bin, kind, c, args)
			})
		}
	})
	fmt.Printf("tcpdmatchdiff: %d %s cases compared with Debian's tcpdmatch\n", len(runs), kind)
}

// TestVectors compares every tcpdmatch request of the Debian golden
// corpus.
func TestVectors(t *testing.T) {
	h := harness(t)
	bin := ourTcpdmatch(t)
	paths, _ := filepath.Glob("../../engine/testdata/vectors/*.txtar")
	if len(paths) < 181 {
		t.Fatalf("found %d golden vectors", len(paths))
	}
	var mu sync.Mutex
	ran := 0
	t.Run("group", func(t *testing.T) {
		for _, file := range paths {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			a, err := golden.Parse(b).Sections()
			if err != nil {
				t.Fatal(err)
			}
			if p, ok := a["profile"]; ok && strings.TrimSpace(p) != "debian" {
				continue
			}
			c, err := libwrap.CaseFromSectionsAt(a, caseDir)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(strings.TrimSpace(a["request"]), "\n") {
				args, err := golden.SplitArgs(line)
				if err != nil {
					t.Fatal(err)
				}
				if args[0] != "tcpdmatch" {
					continue
				}
				name := strings.TrimSuffix(filepath.Base(file), ".txtar")
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					compare(t, h, bin, name, c, args[1:])
					mu.Lock()
					ran++
					mu.Unlock()
				})
			}
		}
	})
	if ran < 169 {
		t.Errorf("compared %d tcpdmatch vectors, want at least 169", ran)
	}
	fmt.Printf("tcpdmatchdiff: %d tcpdmatch vectors compared with Debian's tcpdmatch\n", ran)
}

// inetdConf exercises every branch of the inetd.conf analysis whose
// outcome does not depend on where the harness puts the case directory
// (absolute paths are system files; case files are named relatively).
const inetdConf = `# service type proto wait user path args
ftp	stream	tcp	nowait	root	/usr/sbin/tcpd	in.ftpd -l
telnet	stream	tcp	nowait	root	/usr/sbin/tcpd	/usr/sbin/in.telnetd
echo	stream	tcp	nowait	root	internal
  # indented comment
finger	stream	tcp	nowait	nobody	/usr/sbin/in.fingerd	in.fingerd
talk	dgram	udp	wait	nobody	/bin/sh	talkd
x	stream	tcp	nowait	root	bin/noexec	nx
missing	stream	tcp	nowait	root	/nonexistent/dir/y	yd
nouser	stream	tcp	nowait
short	stream	tcp	nowait	root	/usr/sbin/tcpd
rexd	stream	rpc/tcp	nowait	root	/usr/sbin/tcpd	rpc.rexd
tc	stream	tcp	nowait	root	/usr/sbin/tcpd	tcpd
ins	stream	tcp	nowait	root	/usr/sbin/tcpd	/usr/sbin/in.foo in.foo
rpc	stream	rpc/tcp	wait	root	2-3	/usr/sbin/tcpd	rpcd
tli	stream	tcp	nowait	root	/usr/sbin/tcpd	2	tlid
m	stream	tcp	nowait	root	/usr/sbin/miscd	miscx
portmap	stream	tcp	nowait	root	/usr/sbin/tcpd	portmap
opt	stream	tcp	nowait	root	?/usr/sbin/tcpd	optd
cont	stream	tcp	nowait	root	/usr/sbin/tcpd \
	contd
stream	tcp	nowait	root	/usr/sbin/tcpd	nosvc
chk	stream	tcp	nowait	root	/bin/tcpdchk-copy	tcpdchk
self	stream	tcp	nowait	root	/usr/sbin/sshd	sshd
crlf	stream	tcp	nowait	root	/usr/sbin/tcpd	crlfd` + "\r\nnul\tstream\ttcp\tnowait\troot\t/usr/sbin/tcpd\tnu\x00lost\nglued\n" +
	"last\tstream\ttcp\tnowait\troot\t/usr/sbin/tcpd\tlastd"

// TestInetd compares cases with a real inetd.conf given with -i (after
// the harness' own -i /dev/null, which it overrides).
func TestInetd(t *testing.T) {
	h := harness(t)
	bin := ourTcpdmatch(t)
	long := strings.Repeat("x", 8200)
	allow := "in.ftpd: 10.0.0.1\nALL EXCEPT in.ftpd: 10.0.0.2 : spawn echo %d\n"
	deny := "ALL: ALL\n"
	base := libwrap.Case{
		Allow: &allow, Deny: &deny,
		Hosts: "10.0.0.1 good.example.com\n10.0.0.3 multi.example.com\n10.0.0.4 multi.example.com\n" +
			"10.0.0.9 127.0.0.5 srvm\n10.0.0.10 127.0.0.5 srvm\n",
		Files: map[string]string{"inetd.conf": inetdConf, "bin/noexec": "#!/bin/sh\n", "dir/.keep": "",
			"long.conf": "a stream tcp nowait root /usr/sbin/tcpd " + long + " q\nb stream tcp nowait root /usr/sbin/tcpd bd\n"},
	}
	runs := [][]string{
		{"-i", "inetd.conf", "in.ftpd", "10.0.0.1"},
		{"-i", "inetd.conf", "/usr/sbin/in.telnetd", "10.0.0.2"},
		{"-i", "inetd.conf", "in.fingerd", "good.example.com"},
		{"-i", "inetd.conf", "talkd", "10.0.0.2"},
		{"-i", "inetd.conf", "nx", "10.0.0.2"},
		{"-i", "inetd.conf", "miscx", "10.0.0.1"},
		{"-i", "inetd.conf", "portmap", "10.0.0.2"},
		{"-i", "inetd.conf", "rpcbind", "10.0.0.2"},
		{"-i", "inetd.conf", "tcpdchk", "10.0.0.2"},
		{"-i", "inetd.conf", "sshd", "alice@10.0.0.2"},
		{"-i", "inetd.conf", "optd", "10.0.0.2"},
		{"-i", "inetd.conf", "contd", "10.0.0.2"},
		{"-i", "inetd.conf", "nosvc", "10.0.0.2"},
		{"-i", "inetd.conf", "crlfd", "10.0.0.2"},
		{"-i", "inetd.conf", "nu", "10.0.0.2"},
		{"-i", "inetd.conf", "lastd", "10.0.0.2"},
		{"-i", "inetd.conf", "nosuchd", "unknown"},
		{"-i", "inetd.conf", "in.ftpd@10.0.0.99", "multi.example.com"},
		{"-i", "inetd.conf", "in.ftpd@10.0.0.9", "multi.example.com"},
		{"-i", "inetd.conf", "in.ftpd@srvm", "10.0.0.1"},
		{"-i", "inetd.conf", "in.ftpd@unknown", "srvm"},
		{"-i", "inetd.conf", "in.ftpd@multi.example.com", "10.0.0.1"},
		{"-i", "inetd.conf", "in.ftpd", "nosuch.example.com"},
		{"-i", "long.conf", "bd", "10.0.0.1"},
		{"-i", "dir", "in.ftpd", "10.0.0.1"},
		{"-i", "missing.conf", "in.ftpd", "10.0.0.1"},
		{"-i", "missing.conf", "/usr/sbin/in.ftpd", "10.0.0.1"},
		{"-i", "bin", "in.ftpd", "10.0.0.1"},
		{"-iinetd.conf", "in.ftpd", "10.0.0.1"},
		{"in.ftpd", "-i", "inetd.conf", "10.0.0.1"},
		{"--", "in.ftpd", "10.0.0.1"},
	}
	compareAll(t, h, bin, "inetd.conf", base, runs)
}

// TestBanners compares banner output: CRLF line ends (the harness, like
// runOurs, removes one CR per line) and a last line without a newline,
// which runs into tcpdmatch's next line.
func TestBanners(t *testing.T) {
	h := harness(t)
	bin := ourTcpdmatch(t)
	allow := "sshd, in.ftpd: ALL: banners {DIR}/ban\n"
	c := libwrap.Case{
		Allow: &allow,
		Hosts: "10.0.0.3 multi.example.com\n10.0.0.4 multi.example.com\n",
		Files: map[string]string{"ban/sshd": "Hello %d from %a\nno newline", "ban/in.ftpd": "line 1\n\nline 3 %h\n"},
	}
	runs := [][]string{
		{"sshd", "10.0.0.1"},
		{"sshd", "multi.example.com"},
		{"in.ftpd", "multi.example.com"},
		{"in.telnetd", "10.0.0.1"},
	}
	for _, args := range runs {
		compare(t, h, bin, "banners", c, args)
	}
	fmt.Printf("tcpdmatchdiff: %d banner cases compared with Debian's tcpdmatch\n", len(runs))
}

// TestOperands compares the daemon, server and client operands of odd
// forms: an empty daemon name (kept empty, not "unknown"), and servers and
// clients that Debian's find_inet_addr reads as numeric addresses
// (inet_aton's short and whole-number forms, IPv6 with a scope) or looks
// up as names (anything else, even of digits and dots, or a number
// followed by a vertical tab or form feed), and an alias whose official
// name is longer than libwrap's STRING_LENGTH (printed cut). (IPv6
// addresses with a valid scope are left out: under nss_wrapper, whose
// getaddrinfo drops the scope, Debian's tcpdmatch prints them otherwise
// than with glibc's; engine/testdata/glibc has them as glibc answers.)
func TestOperands(t *testing.T) {
	h := harness(t)
	bin := ourTcpdmatch(t)
	allow := "unknown: ALL: spawn echo unknown %d %s\n" +
		"?*: ALL: spawn echo named %d %s\n" +
		"*: ALL: spawn echo any %d %s %c %u\n"
	deny := "ALL: ALL\n"
	c := libwrap.Case{Allow: &allow, Deny: &deny,
		Hosts: "127.0.0.1 lo\n10.0.0.1 c\n192.0.2.1 good.example.com alias.example.com good\n" +
			"192.0.2.9 " + strings.Repeat("x", 150) + ".example.com longalias\n"}
	runs := [][]string{
		{"@127.0.0.1", "10.0.0.1"}, {"/usr/sbin/", "10.0.0.1"}, {"", "10.0.0.1"}, {"@good", "10.0.0.1"},
		{"unknown", "10.0.0.1"}, {"UNKNOWN", "10.0.0.1"}, {"sshd", "10.0.0.1"},
		// '@' after a stray bracket is not a separator (split_at)
		{"sshd[@10.0.0.1", "10.0.0.1"}, {"sshd]@10.0.0.1", "10.0.0.1"}, {"a[]@10.0.0.1", "10.0.0.1"},
		{"[x@y]@10.0.0.1", "10.0.0.1"}, {"sshd", "u[@10.0.0.1"}, {"sshd", "u]@10.0.0.1"},
		{"sshd", "[u]@10.0.0.1"}, {"sshd", "[a@b]@10.0.0.1"}, {"/usr/sbin/[x@y", "10.0.0.1"},
		// the server's name is looked up before the client operand is read
		{"sshd@10.9.9.9", "alias.example.com"}, {"sshd@10.9.9.9", "nosuch.example.com"}, {"sshd@10.9.9.9", "good"},
	}
	for _, op := range []string{"", ".", "1", "0", "1.2.3", "1.2.3.", "1.2.3.4.5", "4294967295", "255.255.255.255",
		"0x7f.0.0.1", "010.0.0.1", "0.0.0.0", "1.2.3.4 ", "1.2.3.4 x", "10.0.0.1\t", "::ffff:1.2.3.4",
		"fe80::1%", "[::1]", "2001:db8::1 ",
		"GOOD.EXAMPLE.COM", "alias.example.com", "good", "1e1", "-", "unknown", "PARANOID",
		"10.0.0.1\v", "10.0.0.1\f", "10.0.0.1\x01", "0x10.1", "0X7F.1", "4294967296", "fe80::1%eth0",
		"2001:db8::1%lo", "fe80::1%4294967296", "fe80::1%-1", "longalias",
		"0xffffffff", "037777777777", "1.0xffffff", "1.2.65536", "1.2.3.4x", "[1.2.3.4]", "::127.0.0.1",
		"1.2.3.4%lo", "fe80::1%LO"} {
		runs = append(runs, []string{"sshd", op}, []string{"sshd", "u@" + op}, []string{"sshd@" + op, "10.0.0.1"})
	}
	compareAll(t, h, bin, "operand", c, runs)
}

// TestNetgroups compares netgroup patterns, answered from the case's
// netgroup table (--netgroup), for a client given by name and by address,
// and a user@ form.
func TestNetgroups(t *testing.T) {
	h := harness(t)
	bin := ourTcpdmatch(t)
	allow := "sshd: @trusted\nin.ftpd: alice@@trusted : spawn echo %u\n"
	deny := "ALL: ALL\n"
	c := libwrap.Case{Allow: &allow, Deny: &deny,
		Hosts:    "10.0.0.1 good.example.com good\n10.0.0.2 other.example.com\n",
		Netgroup: "trusted (good.example.com,,) (,alice,)\n"}
	runs := [][]string{
		{"sshd", "good"}, {"sshd", "10.0.0.1"}, {"sshd", "other.example.com"},
		{"in.ftpd", "alice@good.example.com"}, {"in.ftpd", "bob@good.example.com"}, {"in.ftpd", "alice@10.0.0.2"},
	}
	compareAll(t, h, bin, "netgroup", c, runs)
}

// TestBothFamilies compares names with IPv4 and IPv6 addresses: one
// verdict block per address in the table's order (the order of a
// getaddrinfo answer from the harness' nss_wrapper), and the canonical
// name of the first address's line.
func TestBothFamilies(t *testing.T) {
	h := harness(t)
	bin := ourTcpdmatch(t)
	allow := "sshd: [2001:db8::]/32 : spawn echo %a %h\n"
	deny := "ALL: ALL\n"
	c := libwrap.Case{Allow: &allow, Deny: &deny,
		Hosts: "2001:db8::2 dual.example.com\n10.0.0.40 dual.example.com\n" +
			"2001:db8::3 v6name.example.com dual2\n10.0.0.41 dual2\n" +
			"10.0.0.42 tri.example.com\n2001:db8::4 tri.example.com\n10.0.0.43 tri.example.com\n"}
	runs := [][]string{
		{"sshd", "dual.example.com"}, {"sshd", "dual2"}, {"sshd", "tri.example.com"},
		{"sshd@dual2", "10.0.0.1"}, {"sshd@v6name.example.com", "tri.example.com"},
	}
	compareAll(t, h, bin, "both-family name", c, runs)
}
