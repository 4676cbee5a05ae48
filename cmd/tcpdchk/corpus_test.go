package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

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
		c := libwrap.Case{Files: map[string]string{}, Hosts: s["hosts"], Netgroup: s["netgroup"]}
		if v, ok := s["hosts.allow"]; ok {
			c.Allow = &v
		}
		if v, ok := s["hosts.deny"]; ok {
			c.Deny = &v
		}
		for k, v := range s {
			if rest, ok := strings.CutPrefix(k, "files/"); ok {
				c.Files[rest] = v
			}
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
// replacing {DIR}), with --hosts and --netgroup giving the case's tables,
// and returns standard output, then standard error, and "exit N", with
// the directory replaced back by {DIR}.
func runCase(t *testing.T, cc corpusCase) []string {
	t.Helper()
	dir := t.TempDir()
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
	t.Chdir(caseD)
	args := append([]string{"--hosts", hosts, "--netgroup", netgroup}, cc.args...)
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	var lines []string
	for _, l := range splitOut(stdout.String() + stderr.String()) {
		l = strings.TrimSuffix(l, "\r") // as the harness splits
		lines = append(lines, strings.ReplaceAll(l, caseD, libwrap.DirPlaceholder))
	}
	return append(lines, "exit "+itoa(code))
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
		a := cc.archive
		found := false
		for i := range a.Files {
			if a.Files[i].Name == "want" {
				a.Files[i].Data, found = want, true
			}
		}
		if !found {
			a.Files = append(a.Files, golden.File{Name: "want", Data: want})
		}
		if err := os.WriteFile(cc.path, a.Format(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
