package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// TestTableSizeLimit: a table of engine.MaxTableSize bytes is read whole
// by every command; one byte more and no command reads any of it (a table
// cut at the limit ends in a line without a newline, which changes
// Debian's verdicts): match and fmt refuse it with exit status 1 and
// "FILE: table larger than 16 MiB (16777216 bytes): not read", check
// reports it as an error.
func TestTableSizeLimit(t *testing.T) {
	const rule = "sshd: 10.0.0.1: deny\n" // the last line decides
	at := tablegen.OfSize(engine.MaxTableSize, rule)
	over := tablegen.OfSize(engine.MaxTableSize+1, rule)
	if len(at) != engine.MaxTableSize || len(over) != engine.MaxTableSize+1 {
		t.Fatalf("OfSize: %d and %d bytes", len(at), len(over))
	}
	lastLine := strings.Count(at, "\n")

	dir := setup(t, map[string]string{"hosts": specHosts, "at/hosts.allow": at, "over/hosts.allow": over, "batch": "sshd 10.0.0.1\n"})
	match := []string{"match", "--hosts", "DIR/hosts", "-d"}
	r := tcpwrap(t, dir, "", false, append(match, "DIR/at", "--json", "sshd", "10.0.0.1")...)
	if p := decodeLines(t, r.stdout); r.code != exitOK || r.stderr != "" || verdict(p[0]) != "denied hosts.allow:"+strconv.Itoa(lastLine) {
		t.Errorf("match at the limit: exit %d, stdout %q, stderr %q; want denied by hosts.allow:%d", r.code, r.stdout, r.stderr, lastLine)
	}
	r = tcpwrap(t, dir, "", false, "check", "--no-dns", "DIR/at/hosts.allow")
	if r.code != exitOK || r.stdout != "" {
		t.Errorf("check at the limit: exit %d, stdout %q", r.code, r.stdout)
	}

	overFile := filepath.Join(dir, "over", "hosts.allow")
	msg := overFile + ": table larger than 16 MiB (16777216 bytes): not read"
	for _, args := range [][]string{
		append(match, "DIR/over", "sshd", "10.0.0.1"),
		append(match, "DIR/over", "--json", "sshd", "10.0.0.1"),
		append(match, "DIR/over", "--batch", "DIR/batch"),
		{"fmt", "DIR/over/hosts.allow"},
	} {
		r := tcpwrap(t, dir, "", false, args...)
		prefix := "tcpwrap: "
		if args[0] == "fmt" {
			prefix = "tcpwrap fmt: "
		}
		if r.code != exitInput || r.stdout != "" || r.stderr != prefix+msg+"\n" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 1 and only %q", args, r.code, r.stdout, r.stderr, prefix+msg)
		}
	}
	r = tcpwrap(t, dir, "", false, "check", "--no-dns", "DIR/over/hosts.allow")
	if want := overFile + ": error: table larger than 16 MiB (16777216 bytes): not read [table-too-large]\n"; r.code != 1 || r.stdout != want {
		t.Errorf("check over the limit: exit %d, stdout %q; want exit 1 and %q", r.code, r.stdout, want)
	}
	r = tcpwrap(t, dir, "", false, "check", "--no-dns", "--format", "json", "DIR/over/hosts.allow")
	if r.code != 1 || strings.Count(r.stdout, `"code": "table-too-large"`) != 1 || strings.Count(r.stdout, `"code"`) != 1 {
		t.Errorf("check --format json over the limit: exit %d, stdout %q", r.code, r.stdout)
	}
	if b, err := os.ReadFile(overFile); err != nil || string(b) != over {
		t.Errorf("the table changed: %v", err)
	}
}
