//go:build linux

// Package tcpdchkdiff compares cmd/tcpdchk with the real Debian tcpdchk,
// run sealed by e2e/libwrap (Harness.Tcpdchk), on every case of the
// corpus in cmd/tcpdchk/testdata: the output lines (standard output and
// standard error in the order written) and the exit statuses must be
// identical. It also checks that each case's recorded want is still what
// the real binary prints.
package tcpdchkdiff

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine/golden"
)

// harness is the harness every test of the package shares.
func harness(t *testing.T) *libwrap.Harness { return libwrap.Shared(t) }

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// build builds cmd/tcpdchk into a temporary directory, once per test
// binary (TestMain removes it). Its usage text carries argv[0], which
// runOurs replaces by the real binary's path.
func build(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "tcpdchkdiff-bin-"); buildErr != nil {
			return
		}
		gobin, err := exec.LookPath("go")
		if err != nil {
			gobin = "/usr/local/go/bin/go"
		}
		out, err := exec.Command(gobin, "build", "-o", filepath.Join(buildDir, "tcpdchk"),
			"github.com/tcpwrap/tcpwrap/cmd/tcpdchk").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build cmd/tcpdchk: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "tcpdchk")
}

func TestMain(m *testing.M) {
	code := m.Run()
	libwrap.CloseShared()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

type corpusCase struct {
	name string
	c    libwrap.Case
	args []string
	want []string
}

func loadCorpus(t *testing.T) []corpusCase {
	t.Helper()
	paths, _ := filepath.Glob("../../cmd/tcpdchk/testdata/*.txtar")
	if len(paths) < 40 {
		t.Fatalf("found %d corpus cases", len(paths))
	}
	var out []corpusCase
	for _, p := range paths {
		out = append(out, readCorpusCase(t, p))
	}
	return out
}

// readCorpusCase reads one case in cmd/tcpdchk's corpus format.
func readCorpusCase(t *testing.T, p string) corpusCase {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s, err := golden.Parse(b).Sections()
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
	return corpusCase{name: strings.TrimSuffix(filepath.Base(p), ".txtar"), c: c, args: args, want: splitLines(s["want"])}
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

// usageExtra holds the lines of cmd/tcpdchk's usage text (its
// usageExtra) that Debian's has not: those for --hosts and --netgroup.
var usageExtra = map[string]bool{
	"\t--hosts FILE: answer host lookups from FILE (/etc/hosts format)":           true,
	"\t--netgroup FILE: answer netgroup lookups from FILE (/etc/netgroup format)": true,
}

// runOurs runs our tcpdchk the way the harness runs Debian's: in a fresh
// case directory holding the case's files with the case's modes, with
// --hosts and --netgroup giving the case's tables, as uid and gid 65534
// with no groups for a nobody case (Case.AsNobody). The case directory is
// replaced by {DIR}, and our binary's path in the usage text by the real
// one's; our usage text's two lines for --hosts and --netgroup are left
// out.
func runOurs(t *testing.T, bin string, c libwrap.Case, args []string) ([]string, int) {
	t.Helper()
	return runOursHosts(t, bin, c, libwrap.NormalizeHosts(c.Hosts), args)
}

// runOursHosts is runOurs with hosts as our tcpdchk's hosts table (the
// real one on glibc reads c.Hosts as given: runOurs gives ours the table
// as nss_wrapper reads it).
func runOursHosts(t *testing.T, bin string, c libwrap.Case, hostsText string, args []string) ([]string, int) {
	t.Helper()
	// Not t.TempDir (0700 directories): nobody must reach the case
	// directory, the tables and the binary.
	dir, err := os.MkdirTemp("", "tcpdchkdiff-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	caseD := filepath.Join(dir, "case")
	if err := os.Mkdir(caseD, 0o755); err != nil {
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
	hosts := filepath.Join(dir, "hosts")
	netgroup := filepath.Join(dir, "netgroup")
	if err := os.WriteFile(hosts, []byte(hostsText), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(netgroup, []byte(c.Netgroup), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := libwrap.ApplyModes(caseD, c.Modes); err != nil {
		t.Fatal(err)
	}
	run := bin
	if c.AsNobody {
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		run = filepath.Join(dir, "tcpdchk")
		if err := os.WriteFile(run, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(run, append([]string{"--hosts", hosts, "--netgroup", netgroup}, args...)...)
	cmd.Dir = caseD
	if c.AsNobody {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	var lines []string
	for _, l := range splitLines(out.String()) {
		if usageExtra[l] {
			continue
		}
		l = strings.ReplaceAll(l, caseD, libwrap.DirPlaceholder)
		lines = append(lines, strings.ReplaceAll(l, run, libwrap.TcpdchkPath))
	}
	return lines, code
}

// TestCorpus runs every corpus case through the real tcpdchk and ours.
func TestCorpus(t *testing.T) {
	h := harness(t)
	bin := build(t)
	cases := loadCorpus(t)
	for _, cc := range cases {
		t.Run(cc.name, func(t *testing.T) {
			want, wantCode, err := h.Tcpdchk(cc.c, cc.args...)
			if err != nil {
				t.Fatal(err)
			}
			got, gotCode := runOurs(t, bin, cc.c, cc.args)
			wantText := strings.Join(append(append([]string{}, want...), fmt.Sprintf("exit %d", wantCode)), "\n")
			gotText := strings.Join(append(got, fmt.Sprintf("exit %d", gotCode)), "\n")
			if gotText != wantText {
				t.Errorf("tcpdchk %q differs\n--- Debian tcpdchk\n%s\n--- cmd/tcpdchk\n%s", cc.args, wantText, gotText)
			}
			if recorded := strings.Join(cc.want, "\n"); recorded != wantText {
				t.Errorf("tcpdchk %q: the recorded want is stale (go test ./cmd/tcpdchk -update)\n--- now\n%s\n--- recorded\n%s",
					cc.args, wantText, recorded)
			}
		})
	}
	t.Logf("%d corpus cases compared with the real tcpdchk", len(cases))
}
