package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestParseArgs: getopt("adi:v") as glibc parses it, plus --hosts and
// --netgroup.
func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want config
		err  string
	}{
		{[]string{"-d", "-v", "-i", "/dev/null"}, config{local: true, verbose: true, inetd: "/dev/null"}, ""},
		{[]string{"-dai/x", "-v"}, config{local: true, implicit: true, verbose: true, inetd: "/x"}, ""},
		{[]string{"-di", "f", "--hosts=h", "--netgroup", "n"}, config{local: true, inetd: "f", hostsFile: "h", netgroupFile: "n"}, ""},
		{[]string{"op", "-a"}, config{implicit: true, operands: []string{"op"}}, ""},
		{[]string{"--", "-a"}, config{operands: []string{"-a"}}, ""},
		{[]string{"-x"}, config{}, "tcpdchk: invalid option -- 'x'"},
		{[]string{"-i"}, config{}, "tcpdchk: option requires an argument -- 'i'"},
		{[]string{"--hosts"}, config{}, "tcpdchk: option '--hosts' requires an argument"},
		{[]string{"--bogus"}, config{}, "tcpdchk: invalid option -- '-'"},
		{[]string{"-netgroup", "n"}, config{}, "tcpdchk: invalid option -- 'n' (long options take two dashes: --netgroup)"},
	} {
		cfg, err := parseArgs(tc.args)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: error %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(*cfg, tc.want) {
			t.Errorf("%q: %+v, %v; want %+v", tc.args, cfg, err, tc.want)
		}
	}
}

// TestRunErrors: usage errors and unreadable files exit 1 with a message
// on standard error only.
func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, args := range [][]string{
		{"operand"},
		{"-q"},
		{"-d", "--hosts", filepath.Join(dir, "missing")},
		{"-d", "--netgroup", filepath.Join(dir, "missing")},
		{"-d", "-i", filepath.Join(dir, "missing")},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 1 || stdout.Len() != 0 || stderr.Len() == 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, stdout.String(), stderr.String())
		}
	}
}

// TestUsageListsEveryOption: the usage text names every option parseArgs
// takes (QA: it left out --hosts and --netgroup), and keeps Debian's
// lines first.
func TestUsageListsEveryOption(t *testing.T) {
	usage := fmt.Sprintf(usageText, "tcpdchk")
	var names []string
	for _, c := range optFlags + optWithArg {
		names = append(names, "-"+string(c))
	}
	for _, l := range optLong {
		names = append(names, "--"+l)
	}
	for _, n := range names {
		if !regexp.MustCompile(`(^|[\s\[])` + regexp.QuoteMeta(n) + `[\s:\]]`).MatchString(usage) {
			t.Errorf("usage does not list %s:\n%s", n, usage)
		}
	}
	if !strings.HasPrefix(usage, "usage: tcpdchk [-a] [-d] [-i inet_conf] [-v]\n\t-a: ") {
		t.Errorf("usage does not begin as Debian's:\n%s", usage)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-q"}, &stdout, &stderr); code != 1 || !strings.HasSuffix(stderr.String(), usageExtra) {
		t.Errorf("bad option: exit %d, stderr %q", code, stderr.String())
	}
}

// TestRunBanner: a banner is written byte for byte (CRLF) to standard
// output.
func TestRunBanner(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.MkdirAll(filepath.Join(dir, "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b", "daemon_name"), []byte("hi %d\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("hosts.allow", []byte("sshd: ALL: banners "+filepath.Join(dir, "b")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-d", "-i", "/dev/null", "--hosts", "/dev/null"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "hi daemon_name\r\n") {
		t.Errorf("stdout %q has no CRLF banner", stdout.String())
	}
}
