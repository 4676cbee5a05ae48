package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// TestTableSizeLimit: a table of engine.MaxTableSize bytes is read whole;
// with one byte more, tcpdmatch gives no verdict (the real one reads the
// whole file, and a table cut at the limit ends in a line without a
// newline, which changes the verdict): "hosts.allow: table larger than
// 16 MiB (16777216 bytes): not read" on standard error, exit status 1.
func TestTableSizeLimit(t *testing.T) {
	const rule = "sshd: 10.0.0.1\n"
	for _, table := range []string{"hosts.allow", "hosts.deny"} {
		at := tablegen.OfSize(engine.MaxTableSize, rule)
		inDir(t, map[string]string{table: at}, nil)
		r := tcpdmatch("-d", "-i", "/dev/null", "sshd", "10.0.0.1")
		access := map[string]string{"hosts.allow": "granted", "hosts.deny": "denied"}[table]
		want := "matched:  " + table + " line " + strconv.Itoa(strings.Count(at, "\n"))
		if r.code != 0 || !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "access:   "+access) {
			t.Errorf("%s of %d bytes: exit %d, stdout %q, stderr %q; want %q and %s", table, len(at), r.code, r.stdout, r.stderr, want, access)
		}

		inDir(t, map[string]string{table: tablegen.OfSize(engine.MaxTableSize+1, rule)}, nil)
		r = tcpdmatch("-d", "-i", "/dev/null", "sshd", "10.0.0.1")
		if want := table + ": table larger than 16 MiB (16777216 bytes): not read\n"; r.code != 1 || r.stdout != "" || r.stderr != want {
			t.Errorf("%s over the limit: exit %d, stdout %q, stderr %q; want exit 1 and only %q", table, r.code, r.stdout, r.stderr, want)
		}
	}
}
