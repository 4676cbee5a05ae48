package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// TestTableSizeLimit: a table of engine.MaxTableSize bytes is examined
// whole; with one byte more, tcpdchk examines neither table (the real
// one reads the whole file, and a table cut at the limit ends in a line
// without a newline): "hosts.deny: table larger than 16 MiB (16777216
// bytes): not read" on standard error, nothing else, exit status 1.
func TestTableSizeLimit(t *testing.T) {
	const rule = "sshd: 10.0.0.1: sevrity auth\n" // a finding in the last line
	for _, big := range []string{"hosts.allow", "hosts.deny"} {
		t.Chdir(t.TempDir())
		other := map[string]string{"hosts.allow": "hosts.deny", "hosts.deny": "hosts.allow"}[big]
		if err := os.WriteFile(other, []byte("in.ftpd: ALL\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(big, []byte(tablegen.OfSize(engine.MaxTableSize, rule)), 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		code := run([]string{"-d", "-i", "/dev/null", "--hosts", "/dev/null"}, &stdout, &stderr)
		if want := `bad option name: "sevrity"`; code != 0 || !strings.Contains(stdout.String(), want) {
			t.Errorf("%s of %d bytes: exit %d, stdout %q, stderr %q; want %q", big, engine.MaxTableSize, code, stdout.String(), stderr.String(), want)
		}

		if err := os.WriteFile(big, []byte(tablegen.OfSize(engine.MaxTableSize+1, rule)), 0o644); err != nil {
			t.Fatal(err)
		}
		stdout.Reset()
		stderr.Reset()
		code = run([]string{"-d", "-v", "-i", "/dev/null", "--hosts", "/dev/null"}, &stdout, &stderr)
		if want := big + ": table larger than 16 MiB (16777216 bytes): not read\n"; code != 1 || stdout.Len() != 0 || stderr.String() != want {
			t.Errorf("%s over the limit: exit %d, stdout %q, stderr %q; want exit 1 and only %q", big, code, stdout.String(), stderr.String(), want)
		}
	}
}
