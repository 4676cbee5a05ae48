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
