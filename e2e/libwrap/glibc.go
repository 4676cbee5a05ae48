//go:build linux

package libwrap

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// GlibcHosts holds host names that nss_wrapper (the sealed harness)
// reads otherwise than glibc's files backend, which a Debian system uses:
// trailing dots, names that read as numbers of either family, names that
// start with a character other than a letter, digit or '_', upper case.
const GlibcHosts = "10.0.1.1 trail.example.com.\n10.0.1.2 nodot.\n10.0.1.3 UPPER3.EXAMPLE.COM. upper3\n" +
	"10.0.1.6 010.0.1.6\n10.0.1.7 10.1\n10.0.1.8 0x0a.0.1.8\n10.0.1.9 1234\n10.0.1.10 2001:db8::10\n" +
	"2001:db8::11 10.0.1.11\n10.0.1.12 10.0.1.12.\n10.0.1.16 0:0:0:0:0:ffff:a00:110\n2001:db8::15 0::ffff:10.0.1.16\n" +
	"10.0.1.17 fe80::1%lo\n10.0.1.18 ::ffff:1.2.3.4%eth9\n10.0.1.19 ::ffff:1.2.3.4%lo\n10.0.1.20 1.2.3.4%lo\n" +
	"2001:db8::19 10.1\n2001:db8::20 0x1\n2001:db8::21 fe80::1%lo\n2001:db8::22 fe80::1%eth9\n2001:db8::23 2001:db8::23%1\n" +
	"10.0.1.30 LOCALHOST.\n10.0.1.31 localhost\n10.0.1.40 -dash.example\n10.0.1.41 .dot.example\n10.0.1.42 _u.example\n" +
	"10.0.1.43 1.2.3.4.5\n10.0.1.44 10.0.1.44 alias44\n10.0.1.45 0x\n10.0.1.46 ::ffff:10.0.1.46\n"

// GlibcCommand returns a command that runs argv in mount and network
// namespaces of its own (unshare --mount --propagation private --net)
// where /etc/hosts is the table hosts, exactly as given, and
// /etc/nsswitch.conf says "hosts: files", so that names are looked up
// through glibc's own files backend rather than nss_wrapper, which the
// seal uses and which reads some names otherwise (a trailing dot
// dropped, a numeric text looked up in its table before it is read as a
// number, leading characters other than a letter, digit or '_'
// stripped). The two files are written into dir and bind-mounted for
// that namespace only: the machine's /etc is never written, and the
// mounts are gone with the process. The network namespace has only a
// loopback that is down. The caller sets Dir, Env and the standard
// streams; an LD_PRELOAD in Env would reach unshare, sh and mount too,
// so a preload belongs in argv ("env", "LD_PRELOAD=…", program, …).
// It needs root.
func GlibcCommand(dir, hosts string, argv ...string) (*exec.Cmd, error) {
	if len(argv) == 0 {
		return nil, errors.New("libwrap: GlibcCommand needs a program")
	}
	h, ns := filepath.Join(dir, "glibc-hosts"), filepath.Join(dir, "glibc-nsswitch.conf")
	if err := os.WriteFile(h, []byte(hosts), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(ns, []byte("hosts: files\n"), 0o644); err != nil {
		return nil, err
	}
	script := `mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/nsswitch.conf && shift 2 && exec "$@"`
	args := append([]string{"--mount", "--propagation", "private", "--net", "--", "sh", "-c", script, "sh", h, ns}, argv...)
	return exec.Command("unshare", args...), nil
}

// GlibcTcpdmatch runs the real `tcpdmatch -d -i /dev/null ARGS...` in the
// case directory as Tcpdmatch does (the shim preloaded, so the library's
// warnings appear as lines and no command runs), but not sealed:
// through GlibcCommand, so that c.Hosts, as given (not normalised), is
// read by glibc's own files backend, as on a Debian system. Netgroups,
// users and groups are not the case's (the machine's files, no
// netgroup source): cases must not depend on them, and c.AsNobody is
// refused. lines and exitCode are as for Tcpdmatch.
func (h *Harness) GlibcTcpdmatch(c Case, args ...string) (lines []string, exitCode int, err error) {
	return h.glibcTool(c, append([]string{h.tcpdmatch, "-d", "-i", "/dev/null"}, args...))
}

// GlibcTcpdchk runs the real `tcpdchk ARGS...` as GlibcTcpdmatch runs
// tcpdmatch.
func (h *Harness) GlibcTcpdchk(c Case, args ...string) (lines []string, exitCode int, err error) {
	if h.upstream != "" {
		return nil, 0, errNoUpstreamTcpdchk
	}
	return h.glibcTool(c, append([]string{h.tcpdchk}, args...))
}

func (h *Harness) glibcTool(c Case, argv []string) ([]string, int, error) {
	if c.AsNobody {
		return nil, 0, errors.New("libwrap harness: AsNobody is not supported on glibc")
	}
	s, err := h.acquire()
	if err != nil {
		return nil, 0, err
	}
	defer h.release(s)
	caseDir, err := s.prepare(c)
	if caseDir != "" {
		defer os.RemoveAll(caseDir)
	}
	if err != nil {
		return nil, 0, err
	}
	cmd, err := GlibcCommand(s.ctl, c.Hosts, append([]string{"env", "LD_PRELOAD=" + h.shimRun}, argv...)...)
	if err != nil {
		return nil, 0, err
	}
	var out bytes.Buffer
	cmd.Dir = caseDir
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	cmd.Stdout, cmd.Stderr = &out, &out // one pipe: lines in the order written
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return nil, 0, err
		}
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	}
	text := strings.TrimSuffix(undir(out.String(), caseDir), "\n")
	if text == "" {
		return nil, code, nil
	}
	return outputLines(text), code, nil
}
