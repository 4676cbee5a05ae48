package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine/golden"
)

// update rewrites the want sections of testdata/*.txtar from the real
// Debian tcpdchk, run sealed through e2e/libwrap (root only).
var update = flag.Bool("update", false, "record want from the real tcpdchk (root, e2e/libwrap)")

// corpusCase is one testdata/*.txtar file: the tables and files of a case
// directory, the hosts and netgroup tables, the flags and the real
// tcpdchk's output ("want": the lines, then "exit N").
type corpusCase struct {
	path    string
	archive *golden.Archive
	c       libwrap.Case
	args    []string
	want    []string
}

func loadCorpus(t *testing.T) []corpusCase {
	t.Helper()
	paths, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("corpus: %d files, %v", len(paths), err)
	}
	var out []corpusCase
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		a := golden.Parse(b)
		s, err := a.Sections()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		c, err := libwrap.CaseFromSections(s)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		args, err := golden.SplitArgs(s["args"])
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, corpusCase{path: p, archive: a, c: c, args: args, want: splitOut(s["want"])})
	}
	return out
}

func splitOut(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// runCase runs our tcpdchk on a case in a fresh directory (its path
// replacing {DIR}) whose files get the case's modes, with --hosts and
// --netgroup giving the case's tables, and returns standard output, then
// standard error, and "exit N", with the directory replaced back by
// {DIR}, and without the usage lines Debian's tcpdchk does not have
// (usageExtra: our --hosts and --netgroup). A nobody case runs in a
// subprocess (this test binary, copied where nobody can run it) as uid
// and gid 65534 with no groups; that needs root (the caller skips it
// otherwise).
func runCase(t *testing.T, cc corpusCase) []string {
	t.Helper()
	// Not t.TempDir: its directories are 0700, and a nobody case must
	// reach the case directory and the tables.
	dir, err := os.MkdirTemp("", "tcpdchk-corpus-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	caseD := filepath.Join(dir, "case")
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
	if err := os.MkdirAll(caseD, 0o755); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(cc.c.Files))
	for rel := range cc.c.Files {
		names = append(names, rel)
	}
	sort.Strings(names)
	for _, rel := range names {
		write(rel, cc.c.Files[rel])
	}
	if cc.c.Allow != nil {
		write("hosts.allow", *cc.c.Allow)
	}
	if cc.c.Deny != nil {
		write("hosts.deny", *cc.c.Deny)
	}
	hosts := filepath.Join(dir, "hosts")
	netgroup := filepath.Join(dir, "netgroup")
	if err := os.WriteFile(hosts, []byte(libwrap.NormalizeHosts(cc.c.Hosts)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(netgroup, []byte(cc.c.Netgroup), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := libwrap.ApplyModes(caseD, cc.c.Modes); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--hosts", hosts, "--netgroup", netgroup}, cc.args...)
	var stdout, stderr bytes.Buffer
	var code int
	if cc.c.AsNobody {
		code = runAsNobody(t, dir, caseD, args, &stdout, &stderr)
	} else {
		t.Chdir(caseD)
		code = run(args, &stdout, &stderr)
	}
	errText := strings.Replace(stderr.String(), usageExtra, "", 1)
	var lines []string
	for _, l := range splitOut(stdout.String() + errText) {
		l = strings.TrimSuffix(l, "\r") // as the harness splits
		lines = append(lines, strings.ReplaceAll(l, caseD, libwrap.DirPlaceholder))
	}
	return append(lines, "exit "+itoa(code))
}

// helperEnv makes the test binary run our tcpdchk (run) instead of the
// tests: runAsNobody's subprocess.
const helperEnv = "TCPDCHK_CORPUS_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		name = "/usr/sbin/tcpdchk"
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// runAsNobody runs this test binary as our tcpdchk (see TestMain) in
// caseD with uid and gid 65534 and no supplementary groups. The binary
// is copied into dir first (the go tool's build directory is 0700).
func runAsNobody(t *testing.T, dir, caseD string, args []string, stdout, stderr *bytes.Buffer) int {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "tcpdchk.test")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = caseD
	cmd.Env = []string{helperEnv + "=1", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}}
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return ee.ExitCode()
	}
	return 0
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestCorpus compares our tcpdchk with the real binary's recorded output
// on every corpus case (no root needed). With -update it first records
// want from the real tcpdchk.
func TestCorpus(t *testing.T) {
	old := name
	name = "/usr/sbin/tcpdchk" // argv[0] as the harness runs it
	t.Cleanup(func() { name = old })
	cases := loadCorpus(t)
	if *update {
		record(t, cases)
		cases = loadCorpus(t)
	}
	for _, cc := range cases {
		t.Run(strings.TrimSuffix(filepath.Base(cc.path), ".txtar"), func(t *testing.T) {
			if cc.want == nil {
				t.Fatalf("%s: no want section (run go test -update as root)", cc.path)
			}
			if cc.c.AsNobody && os.Geteuid() != 0 {
				t.Skip("a nobody case runs our tcpdchk as uid 65534 in a subprocess: needs root (e2e/tcpdchkdiff compares it too)")
			}
			got := runCase(t, cc)
			if strings.Join(got, "\n") != strings.Join(cc.want, "\n") {
				t.Errorf("tcpdchk %q differs\n--- want (Debian tcpdchk)\n%s\n--- got (cmd/tcpdchk)\n%s",
					cc.args, strings.Join(cc.want, "\n"), strings.Join(got, "\n"))
			}
		})
	}
}

// record runs the real tcpdchk on every case and rewrites its want.
func record(t *testing.T, cases []corpusCase) {
	if err := libwrap.Available(); err != nil {
		t.Fatalf("-update needs the libwrap harness: %v", err)
	}
	h, err := libwrap.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, cc := range cases {
		lines, code, err := h.Tcpdchk(cc.c, cc.args...)
		if err != nil {
			t.Fatalf("%s: %v", cc.path, err)
		}
		want := strings.Join(append(lines, "exit "+itoa(code)), "\n") + "\n"
		// Output that echoes binary tables goes in a Go string literal.
		section := golden.File{Name: "want", Data: want}
		if !isText(want) {
			section = golden.File{Name: "want.quoted", Data: strconv.Quote(want) + "\n"}
		}
		a := cc.archive
		found := false
		for i := range a.Files {
			if a.Files[i].Name == "want" || a.Files[i].Name == "want.quoted" {
				a.Files[i], found = section, true
			}
		}
		if !found {
			a.Files = append(a.Files, section)
		}
		if err := os.WriteFile(cc.path, a.Format(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// isText reports whether a txtar section can hold s as it is: UTF-8
// with no NUL and no ESC, which git and terminals take for something
// else. (Other control characters stay raw, as findaddr_plain's have.)
func isText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsAny(s, "\x00\x1b")
}
