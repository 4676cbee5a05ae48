package engine

import (
	"reflect"
	"strings"
	"testing"
)

// TestTcpdchk checks the emulation over in-memory files: tcpdchk's own
// reading (CR kept in a token, a missing newline only warned about),
// option lines in verbose mode only, -a, and pattern files.
func TestTcpdchk(t *testing.T) {
	files := MapFiles{
		"/t/hosts.allow": "sshd: ALL\r\nin.ftpd: ALL: spawn echo %h\nx: /t/self\nALL: ALL",
		"/t/hosts.deny":  "ALL: @none, 10.0.0.0/33: allow\n",
		"/t/self":        "/t/self nothere\n",
	}
	res := NewHostsResolver("hosts", []byte("10.0.0.1 good\n"))
	p := &Policy{Files: files, Resolver: res, DryRun: true}
	run := func(o TcpdchkOptions) []string {
		o.InetdConf, o.AllowPath, o.DenyPath = "/dev/null", "/t/hosts.allow", "/t/hosts.deny"
		files["/dev/null"] = ""
		r := p.Tcpdchk(&o)
		if r.ExitCode != 0 || string(r.Stdout) != strings.Join(r.Lines, "\n")+"\n" {
			t.Fatalf("exit %d, stdout %q", r.ExitCode, r.Stdout)
		}
		return r.Lines
	}
	got := run(TcpdchkOptions{Implicit: true})
	want := []string{
		"warning: REAL_DAEMON_DIR /usr/sbin: No such file or directory",
		"warning: /t/hosts.allow, line 1: ALL\r: host not found",
		"warning: /t/hosts.allow, line 1: implicit \"allow\" at end of rule",
		"warning: /t/hosts.allow, line 2: in.ftpd: no such process name in /dev/null",
		"warning: /t/hosts.allow, line 2: implicit \"allow\" at end of rule",
		"warning: /t/hosts.allow, line 3: x: no such process name in /dev/null",
		"error: /t/self, line 1: /t/self: pattern file includes itself or nests too deep: not read",
		"warning: /t/self, line 1: nothere: host not found",
		"warning: /t/hosts.allow, line 3: implicit \"allow\" at end of rule",
		"warning: /t/hosts.allow, line 3: missing newline or line too long",
		"warning: /t/hosts.deny, line 1: none: unknown or empty netgroup",
		"warning: /t/hosts.deny, line 1: 10.0.0.0/33: bad net/mask pattern",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tcpdchk -a:\n got %q\nwant %q", got, want)
	}
	got = run(TcpdchkOptions{Verbose: true})
	for _, l := range []string{"Using network configuration file: /dev/null", "option:   spawn echo client_hostname",
		"option:   allow ", ">>> Rule /t/hosts.deny line 1:", "clients:  @none 10.0.0.0/33", "access:   granted"} {
		found := false
		for _, g := range got {
			found = found || g == l
		}
		if !found {
			t.Errorf("tcpdchk -v: no line %q in %q", l, got)
		}
	}
}

// TestTcpdchkInetdCase checks that inet_cfg's comparisons ignore case
// (cmd/tcpdchk/testdata/inetd_case_v.txtar has the same entries, recorded
// from the real tcpdchk): the stream and dgram formats, internal,
// rpc/tcp, tcpd, miscd, rexd, a path equal to REAL_DAEMON_DIR/argv[0]
// but for case, and service names, registered and looked up without
// case, the last registration winning.
func TestTcpdchkInetdCase(t *testing.T) {
	files := MapFiles{
		"/t/inetd.conf": "exec STREAM RPC/TCP nowait root /usr/sbin/TCPD in.rexd\n" +
			"STREAM tcp nowait root /bin/true intern\nDGRAM udp wait root /bin/true dgramd\n" +
			"x stream tcp nowait root INTERNAL\nx stream tcp nowait root /usr/sbin/MISCD miscsvc\n" +
			"x stream tcp nowait root /bin/true RPC.REXD\nx stream tcp nowait root /USR/SBIN/frob frob\n" +
			"x stream tcp nowait root /bin/true Twice\nx stream tcp nowait root /usr/sbin/tcpd TWICE\n",
		"/t/hosts.allow": "in.rexd intern dgramd miscsvc frob FROB twice RPC.REXD rpc.rexd: ALL\n",
		"/bin/true":      "",
		"/usr/sbin/tcpd": "",
		"/usr/sbin/TCPD": "",
	}
	p := &Policy{Files: files, DryRun: true}
	r := p.Tcpdchk(&TcpdchkOptions{InetdConf: "/t/inetd.conf", AllowPath: "/t/hosts.allow", DenyPath: "/t/hosts.deny"})
	want := []string{
		// MapFiles reads a directory as a file: no modes.
		"warning: REAL_DAEMON_DIR /usr/sbin is not a directory",
		"warning: /t/inetd.conf, line 1: in.rexd: not found in /usr/sbin: No such file or directory",
		"warning: /t/inetd.conf, line 1: in.rexd: cannot wrap rpc/tcp services",
		"warning: /t/inetd.conf, line 5: /usr/sbin/MISCD: not found: No such file or directory",
		"warning: /t/inetd.conf, line 6: RPC.REXD may be an insecure service",
		"warning: /t/inetd.conf, line 7: /USR/SBIN/frob: not found: No such file or directory",
		"warning: /t/inetd.conf, line 9: TWICE: not found in /usr/sbin: No such file or directory",
		"warning: /t/hosts.allow, line 1: intern: service possibly not wrapped",
		"warning: /t/hosts.allow, line 1: dgramd: service possibly not wrapped",
		"warning: /t/hosts.allow, line 1: frob: service possibly not wrapped",
		"warning: /t/hosts.allow, line 1: RPC.REXD: service possibly not wrapped",
	}
	if !reflect.DeepEqual(r.Lines, want) {
		t.Errorf("tcpdchk:\n got %q\nwant %q", r.Lines, want)
	}
}
