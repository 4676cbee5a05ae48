package main

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// testTables are the tables the test command's tests run against.
var testTables = map[string]string{
	"hosts.allow": "sshd: 10.0.0.0/24 EXCEPT 10.0.0.9\n" +
		"in.ftpd: .example.com: twist echo hi\n" +
		"sendmail: mail.example.com\n" +
		"sshd: 192.0.2.1\n",
	"hosts.deny": "ALL: ALL\n",
	"hosts":      "10.0.0.1 good.example.com\n10.0.0.2 multi.example.com\n10.0.0.9 multi.example.com\n",
}

// TestTestCommand: every kind of line, met, not met and unreadable, and
// the summary's counts and rules no request reached.
func TestTestCommand(t *testing.T) {
	files := map[string]string{"exp": "" +
		"# the office\n" +
		"granted sshd 10.0.0.1            # a comment\n" +
		"granted\tsshd 10.0.0.1 by hosts.allow:1\n" +
		"denied  sshd 10.0.0.9 by hosts.deny:1\n" +
		"granted sshd multi.example.com\n" + // 10.0.0.9 is denied
		"delegated in.ftpd good.example.com\n" +
		"granted hosts_ctl sendmail mail.example.com 192.0.2.7 \"\"\n" +
		"denied hosts_ctl sendmail \"\" 192.0.2.7\n" +
		"bogus sshd 10.0.0.1\n" +
		"granted sshd\n" +
		"granted sshd 10.0.0.1 by hosts.allow:x\n" +
		"granted sshd nohost.example.com\n" +
		"denied sshd 10.0.0.1 by none\n" +
		"granted hosts_ctl sendmail mail.example.com\n" +
		"\n" +
		"granted sshd 10.0.0.1 by\n" +
		"granted sshd@ 10.0.0.1\n" +
		"granted sshd 10.0.0.5 by hosts.allow:01\n" +
		strings.Repeat("é", 30) + " sshd 10.0.0.1\n"}
	for k, v := range testTables {
		files[k] = v
	}
	dir := setup(t, files)
	r := tcpwrap(t, dir, "", false, "test", "-d", dir, "--hosts", "DIR/hosts", "DIR/exp")
	want := strings.ReplaceAll(`DIR/exp:5:1: FAIL: sshd multi.example.com (address 10.0.0.9): want granted, got denied by hosts.deny:1 (ALL: ALL)
DIR/exp:9:1: want granted, denied or delegated first, got "bogus"
DIR/exp:10:9: want DAEMON[@SERVER] [USER@]CLIENT after granted, got 1 word
DIR/exp:11:26: want hosts.allow:N, hosts.deny:N or none after by, got "hosts.allow:x"
DIR/exp:12:14: nohost.example.com: host not found
DIR/exp:13:1: FAIL: sshd 10.0.0.1: want denied by none, got granted by hosts.allow:1 (sshd: 10.0.0.0/24 EXCEPT 10.0.0.9)
DIR/exp:14:9: want hosts_ctl DAEMON NAME ADDR [USER], got 2 words after hosts_ctl
DIR/exp:16:9: want DAEMON[@SERVER] [USER@]CLIENT after granted, got 3 words
DIR/exp:17:9: empty server after @ in "sshd@"
DIR/exp:18:26: want hosts.allow:N, hosts.deny:N or none after by, got "hosts.allow:01"
DIR/exp:19:1: want granted, denied or delegated first, got "`+strings.Repeat("é", 20)+`"...
FAIL: 6 of 8 expectations met (9 requests), 9 lines not read; no request was decided by hosts.allow:4
`, "DIR", dir)
	if r.code != exitInput || r.stdout != want || r.stderr != "" {
		t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", r.code, r.stdout, want, r.stderr)
	}
}

// TestTestCommandMet: every expectation met is exit status 0; -v lists
// each; - reads standard input; several files run in turn.
func TestTestCommandMet(t *testing.T) {
	files := map[string]string{"a": "granted sshd 10.0.0.1\n", "b": "denied sshd 10.0.0.9 by hosts.deny:1\r\n"}
	for k, v := range testTables {
		files[k] = v
	}
	dir := setup(t, files)
	r := tcpwrap(t, dir, "granted sshd 192.0.2.1 by hosts.allow:4", false, "test", "-d", dir, "--hosts", "DIR/hosts", "-v", "DIR/a", "-", "DIR/b")
	want := strings.ReplaceAll(`DIR/a:1:1: ok: sshd 10.0.0.1 granted
<stdin>:1:1: ok: sshd 192.0.2.1 granted by hosts.allow:4
DIR/b:1:1: ok: sshd 10.0.0.9 denied by hosts.deny:1
ok: 3 of 3 expectations met (3 requests); no request was decided by hosts.allow:2, hosts.allow:3
`, "DIR", dir)
	if r.code != exitOK || r.stdout != want || r.stderr != "" {
		t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", r.code, r.stdout, want, r.stderr)
	}
	// Without -v only the summary.
	r = tcpwrap(t, dir, "", false, "test", "-d", dir, "--hosts", "DIR/hosts", "DIR/a")
	if r.code != exitOK || r.stdout != "ok: 1 of 1 expectation met (1 request); no request was decided by hosts.allow:2, hosts.allow:3, hosts.allow:4, hosts.deny:1\n" {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
}

// TestTestCommandErrors: usage errors (status 2), unreadable inputs and
// over-long lines (status 1).
func TestTestCommandErrors(t *testing.T) {
	dir := setup(t, map[string]string{"hosts.deny": "ALL: ALL\n", "long": strings.Repeat("x", 4097) + "\ndenied sshd 10.0.0.1\n", "sub/": ""})
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"test", "-d", "DIR"}, exitUsage, "", "tcpwrap test: want at least one expectation file (- for standard input) (see tcpwrap test -h)\n"},
		{[]string{"test", "-d", "DIR", "-", "-"}, exitUsage, "", "tcpwrap test: standard input (-) can be read once (see tcpwrap test -h)\n"},
		{[]string{"test", "--profile", "bsd", "DIR/long"}, exitUsage, "", "tcpwrap test: unknown profile \"bsd\" (want debian, upstream or freebsd) (see tcpwrap test -h)\n"},
		{[]string{"test", "--json", "DIR/long"}, exitUsage, "", "tcpwrap test: unknown flag --json (see tcpwrap test -h)\n"},
		{[]string{"test", "--format", "xml", "DIR/long"}, exitUsage, "", "tcpwrap test: --format \"xml\": want text, json or junit (see tcpwrap test -h)\n"},
		{[]string{"test", "-d", "DIR/nosuch", "DIR/long"}, exitInput, "", "tcpwrap: -d DIR/nosuch: No such file or directory\n"},
		{[]string{"test", "-d", "DIR", "DIR/nosuch", "DIR/sub"}, exitInput,
			"FAIL: 0 of 0 expectations met (0 requests), 2 files not read; no request was decided by hosts.deny:1\n",
			"tcpwrap: DIR/nosuch: No such file or directory\ntcpwrap: DIR/sub: Is a directory\n"},
		{[]string{"test", "-d", "DIR", "DIR/long"}, exitInput,
			"DIR/long:1:1: line longer than 4096 bytes\nFAIL: 1 of 1 expectation met (1 request), 1 line not read\n", ""},
	} {
		r := tcpwrap(t, dir, "", false, tc.args...)
		stdout, stderr := strings.ReplaceAll(tc.stdout, "DIR", dir), strings.ReplaceAll(tc.stderr, "DIR", dir)
		if r.code != tc.code || r.stdout != stdout || r.stderr != stderr {
			t.Errorf("%q: exit %d (want %d)\nstdout %q\nwant   %q\nstderr %q\nwant   %q", tc.args, r.code, tc.code, r.stdout, stdout, r.stderr, stderr)
		}
	}
}

// TestTestCommandFormats: --format json and junit report what the text
// does, every line included, and an unreadable file.
func TestTestCommandFormats(t *testing.T) {
	files := map[string]string{"exp": "" +
		"granted sshd 10.0.0.1   # office\n" +
		"granted sshd multi.example.com\n" +
		"bogus sshd 10.0.0.1\n" +
		"denied hosts_ctl sendmail \"\" 192.0.2.7 by hosts.deny:1\n" +
		"denied sshd 10.0.0.1 by none\n"}
	for k, v := range testTables {
		files[k] = v
	}
	dir := setup(t, files)
	r := tcpwrap(t, dir, "", false, "test", "-d", dir, "--hosts", "DIR/hosts", "--format", "json", "DIR/exp", "DIR/nosuch")
	var rep jsonReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != exitInput {
		t.Fatalf("json: exit %d, %v:\n%s", r.code, err, r.stdout)
	}
	ok, notOK := true, false
	exp := dir + "/exp"
	want := jsonReport{OK: false, Met: 2, Failed: 2, BadLines: 1, Requests: 5,
		UnreadFiles: []jsonUnread{{dir + "/nosuch", "No such file or directory"}},
		Idle:        []string{"hosts.allow:2", "hosts.allow:3", "hosts.allow:4"},
		Results: []jsonLine{
			{File: exp, Line: 1, Col: 1, Text: "granted sshd 10.0.0.1   # office", Request: "sshd 10.0.0.1",
				Expect: &wire.Expect{Access: "granted"}, Met: &ok,
				Got: []jsonGot{{Access: "granted", Rule: "hosts.allow:1", RuleText: "sshd: 10.0.0.0/24 EXCEPT 10.0.0.9", Met: true}}},
			{File: exp, Line: 2, Col: 1, Text: "granted sshd multi.example.com", Request: "sshd multi.example.com",
				Expect: &wire.Expect{Access: "granted"}, Met: &notOK,
				Got: []jsonGot{{Access: "granted", Rule: "hosts.allow:1", Address: "10.0.0.2", RuleText: "sshd: 10.0.0.0/24 EXCEPT 10.0.0.9", Met: true},
					{Access: "denied", Rule: "hosts.deny:1", Address: "10.0.0.9", RuleText: "ALL: ALL", Met: false}}},
			{File: exp, Line: 3, Col: 1, Text: "bogus sshd 10.0.0.1", Error: `want granted, denied or delegated first, got "bogus"`},
			{File: exp, Line: 4, Col: 1, Text: `denied hosts_ctl sendmail "" 192.0.2.7 by hosts.deny:1`,
				Request: `hosts_ctl("sendmail", "", "192.0.2.7", "")`, Expect: &wire.Expect{Access: "denied", Rule: "hosts.deny:1"}, Met: &ok,
				Got: []jsonGot{{Access: "denied", Rule: "hosts.deny:1", RuleText: "ALL: ALL", Met: true}}},
			{File: exp, Line: 5, Col: 1, Text: "denied sshd 10.0.0.1 by none", Request: "sshd 10.0.0.1",
				Expect: &wire.Expect{Access: "denied", Rule: "none"}, Met: &notOK,
				Got: []jsonGot{{Access: "granted", Rule: "hosts.allow:1", RuleText: "sshd: 10.0.0.0/24 EXCEPT 10.0.0.9", Met: false}}},
		}}
	if !reflect.DeepEqual(rep, want) {
		g, _ := json.MarshalIndent(rep, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("json report:\n%s\nwant:\n%s", g, w)
	}
	if r.stderr != "tcpwrap: "+dir+"/nosuch: No such file or directory\n" {
		t.Errorf("json: stderr %q", r.stderr)
	}

	r = tcpwrap(t, dir, "", false, "test", "-d", dir, "--hosts", "DIR/hosts", "--format", "junit", "DIR/exp", "DIR/nosuch")
	var suites junitSuites
	if err := xml.Unmarshal([]byte(r.stdout), &suites); err != nil || r.code != exitInput || !strings.HasPrefix(r.stdout, xml.Header) {
		t.Fatalf("junit: exit %d, %v:\n%s", r.code, err, r.stdout)
	}
	if suites.Tests != 6 || suites.Failures != 2 || suites.Errors != 2 || len(suites.Suites) != 2 {
		t.Fatalf("junit: %d tests, %d failures, %d errors, %d suites:\n%s", suites.Tests, suites.Failures, suites.Errors, len(suites.Suites), r.stdout)
	}
	cases := suites.Suites[0].Cases
	if s := suites.Suites[0]; s.Name != exp || s.Tests != 5 || s.Failures != 2 || s.Errors != 1 || len(cases) != 5 {
		t.Fatalf("junit: first suite %+v", s)
	}
	if cases[0].Name != "1: granted sshd 10.0.0.1" || cases[0].Failure != nil || cases[0].Error != nil {
		t.Errorf("junit: case 1 %+v", cases[0])
	}
	if f := cases[1].Failure; f == nil || f.Message != "want granted" ||
		f.Text != exp+":2:1: sshd multi.example.com (address 10.0.0.9): want granted, got denied by hosts.deny:1 (ALL: ALL)" {
		t.Errorf("junit: case 2 %+v", cases[1])
	}
	if e := cases[2].Error; e == nil || e.Type != "bad line" || e.Text != exp+`:3:1: want granted, denied or delegated first, got "bogus"` {
		t.Errorf("junit: case 3 %+v", cases[2])
	}
	if s := suites.Suites[1]; s.Errors != 1 || len(s.Cases) != 1 || s.Cases[0].Error == nil || s.Cases[0].Error.Type != "unreadable" ||
		s.SystemOut != "no request was decided by hosts.allow:2, hosts.allow:3, hosts.allow:4" {
		t.Errorf("junit: second suite %+v", s)
	}
}

// TestTestCommandPorts: --client-port and --server-port on a line are
// that request's ports, in place of the flags'.
func TestTestCommandPorts(t *testing.T) {
	dir := setup(t, map[string]string{"hosts.allow": "22: ALL\n", "hosts.deny": "ALL: ALL\n", "exp": "" +
		"granted sshd@10.0.0.5 10.0.0.1 --server-port 22 by hosts.allow:1\n" +
		"denied sshd@10.0.0.5 10.0.0.1 by hosts.deny:1\n" +
		"granted sshd@10.0.0.5 10.0.0.1 --server-port 23 --client-port 5\n" +
		"granted sshd@10.0.0.5 10.0.0.1 --client-port 5 --server-port 22\n" +
		"granted sshd@10.0.0.5 10.0.0.1 --server-port x\n" +
		"granted sshd@10.0.0.5 10.0.0.1 --server-port 22 --server-port 22\n" +
		"granted sshd@10.0.0.5 10.0.0.1 --server-port 65536\n" +
		"denied hosts_ctl sshd name 10.0.0.1 --client-port 5\n"})
	r := tcpwrap(t, dir, "", false, "test", "-d", dir, "DIR/exp")
	want := strings.ReplaceAll(`DIR/exp:3:1: FAIL: sshd@10.0.0.5 10.0.0.1 --server-port 23 --client-port 5: want granted, got denied by hosts.deny:1 (ALL: ALL)
DIR/exp:5:46: want a port number (0 to 65535) after --server-port, got "x"
DIR/exp:6:32: --server-port given twice
DIR/exp:7:46: want a port number (0 to 65535) after --server-port, got "65536"
DIR/exp:8:37: a hosts_ctl request has no ports
FAIL: 3 of 4 expectations met (4 requests), 4 lines not read
`, "DIR", dir)
	if r.code != exitInput || r.stdout != want {
		t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", r.code, r.stdout, want, r.stderr)
	}
	// The flags give the ports of lines that name none.
	r = tcpwrap(t, dir, "denied sshd@10.0.0.5 10.0.0.1 --server-port 23\ngranted sshd@10.0.0.5 10.0.0.1\n", false, "test", "-d", dir, "--server-port", "22", "-")
	if r.code != exitOK {
		t.Errorf("with --server-port 22: exit %d %s", r.code, r.stdout)
	}
}

// TestTestCommandIdleCap: the summary names at most maxIdleShown rules
// no request reached, and counts the rest.
func TestTestCommandIdleCap(t *testing.T) {
	var allow strings.Builder
	for i := range 30 {
		fmt.Fprintf(&allow, "d%d: ALL\n", i)
	}
	dir := setup(t, map[string]string{"hosts.allow": allow.String(), "exp": "granted d0 10.0.0.1 by hosts.allow:1\n"})
	r := tcpwrap(t, dir, "", false, "test", "-d", dir, "DIR/exp")
	if r.code != exitOK || !strings.HasSuffix(r.stdout, "hosts.allow:21, and 9 more\n") || !strings.Contains(r.stdout, "decided by hosts.allow:2, hosts.allow:3,") {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
}

// FuzzTestLine: any line is an expectation met, one not met, or one
// FILE:LINE:COL error whose column is within the line, and never more
// than one of them; nothing panics.
func FuzzTestLine(f *testing.F) {
	for _, s := range []string{"granted sshd 10.0.0.1", "denied sshd 10.0.0.9 by hosts.deny:1", "# c", "",
		"granted hosts_ctl sendmail mail.example.com 192.0.2.7 \"\"", "bogus", "granted sshd 10.0.0.1 by hosts.allow:x",
		"delegated in.ftpd good.example.com", "granted sshd@ 10.0.0.1", "granted sshd multi.example.com", "denied by by",
		"granted sshd@10.0.0.5 10.0.0.1 --server-port 22 --client-port 1 by none", "denied hosts_ctl a b c --client-port 2"} {
		f.Add(s)
	}
	dir := setup(f, testTables)
	cfg := &testConfig{matchConfig: matchConfig{dir: dir, hostsFile: dir + "/hosts"}}
	m, err := load(&cfg.matchConfig, io.Discard)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\r\n") || len(line) > maxBatchLine {
			return
		}
		var out strings.Builder
		w := bufio.NewWriter(&out)
		ts := &tester{m: m, cfg: cfg, hits: make([]int, len(m.slots)), w: w, stderr: io.Discard, out: &textReporter{w: w}}
		ts.line("F", 1, line)
		w.Flush()
		// The machine-readable reports of the same line parse.
		for _, format := range []string{"json", "junit"} {
			var doc strings.Builder
			dw := bufio.NewWriter(&doc)
			td := &tester{m: m, cfg: cfg, hits: make([]int, len(m.slots)), w: dw, stderr: io.Discard}
			if format == "json" {
				td.out = &jsonReporter{w: dw}
			} else {
				td.out = &junitReporter{w: dw}
			}
			td.line("F", 1, line)
			td.out.done(td)
			dw.Flush()
			var err error
			if format == "json" {
				var v jsonReport
				err = json.Unmarshal([]byte(doc.String()), &v)
				if err == nil && len(v.Results) != td.met+td.failed+td.bad {
					err = fmt.Errorf("%d results for %d outcomes", len(v.Results), td.met+td.failed+td.bad)
				}
			} else {
				var v junitSuites
				err = xml.Unmarshal([]byte(doc.String()), &v)
				if err == nil && v.Tests != td.met+td.failed+td.bad {
					err = fmt.Errorf("%d tests for %d outcomes", v.Tests, td.met+td.failed+td.bad)
				}
			}
			if err != nil {
				t.Fatalf("%q: --format %s: %v\n%s", line, format, err, doc.String())
			}
		}
		if n := ts.met + ts.failed + ts.bad; n > 1 {
			t.Fatalf("%q: %d outcomes", line, n)
		}
		for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			if l == "" && ts.failed+ts.bad == 0 {
				continue
			}
			var col int
			if _, err := fmt.Sscanf(l, "F:1:%d:", &col); err != nil || col < 1 || col > len(line)+1 {
				t.Fatalf("%q: output line %q has no column within the line", line, l)
			}
		}
	})
}

// TestMatchRecord: match --batch --record writes tcpwrap test lines of
// today's verdicts (a host name whose addresses the rules tell apart as
// one line per address, hosts_ctl requests as hosts_ctl lines), and
// tcpwrap test then finds every one met.
func TestMatchRecord(t *testing.T) {
	files := map[string]string{"reqs": "sshd 10.0.0.1\nbob@multi.example.com\n# c\nsshd bob@multi.example.com\n" +
		"in.ftpd good.example.com\nsshd good.example.com\nsshd nohost.example.com\n", "ctl": "sendmail mail.example.com 192.0.2.7\nsendmail \"\" 192.0.2.7 alice\n"}
	for k, v := range testTables {
		files[k] = v
	}
	dir := setup(t, files)
	r := tcpwrap(t, dir, "", false, "match", "-d", dir, "--hosts", "DIR/hosts", "--batch", "DIR/reqs", "--record")
	want := "granted sshd 10.0.0.1 by hosts.allow:1\n" +
		"granted sshd bob@10.0.0.2 by hosts.allow:1\n" +
		"denied sshd bob@10.0.0.9 by hosts.deny:1\n" +
		"delegated in.ftpd good.example.com by hosts.allow:2\n" +
		"granted sshd good.example.com by hosts.allow:1\n"
	wantErr := strings.ReplaceAll("DIR/reqs:2: want DAEMON[@SERVER] [USER@]CLIENT, got 1 word\nDIR/reqs:7: nohost.example.com: host not found\n", "DIR", dir)
	if r.code != exitInput || r.stdout != want || r.stderr != wantErr {
		t.Fatalf("--record: exit %d\nstdout:\n%s\nwant:\n%s\nstderr %q\nwant   %q", r.code, r.stdout, want, r.stderr, wantErr)
	}
	got := tcpwrap(t, dir, r.stdout, false, "test", "-d", dir, "--hosts", "DIR/hosts", "-")
	if got.code != exitOK || !strings.HasPrefix(got.stdout, "ok: 5 of 5 expectations met (5 requests)") {
		t.Errorf("tcpwrap test of the record: exit %d %s %s", got.code, got.stdout, got.stderr)
	}
	r = tcpwrap(t, dir, "", false, "match", "-d", dir, "--ctl", "--batch", "DIR/ctl", "--record")
	want = "granted hosts_ctl sendmail mail.example.com 192.0.2.7 \"\" by hosts.allow:3\n" +
		"denied hosts_ctl sendmail \"\" 192.0.2.7 alice by hosts.deny:1\n"
	if r.code != exitOK || r.stdout != want || r.stderr != "" {
		t.Fatalf("--ctl --record: exit %d\nstdout:\n%s\nwant:\n%s\nstderr %q", r.code, r.stdout, want, r.stderr)
	}
	if got := tcpwrap(t, dir, r.stdout, false, "test", "-d", dir, "-"); got.code != exitOK || !strings.HasPrefix(got.stdout, "ok: 2 of 2") {
		t.Errorf("tcpwrap test of the hosts_ctl record: exit %d %s %s", got.code, got.stdout, got.stderr)
	}
	// The ports go on each line, and tcpwrap test then needs no port
	// flag: a port-number daemon pattern (Debian) tells them apart.
	pdir := setup(t, map[string]string{"hosts.allow": "22: ALL\n", "hosts.deny": "ALL: ALL\n", "reqs": "sshd@10.0.0.5 10.0.0.1\n"})
	r = tcpwrap(t, pdir, "", false, "match", "-d", pdir, "--batch", "DIR/reqs", "--record", "--client-port", "2222", "--server-port", "22")
	if want := "granted sshd@10.0.0.5 10.0.0.1 --client-port 2222 --server-port 22 by hosts.allow:1\n"; r.code != exitOK || r.stdout != want {
		t.Fatalf("--record with ports: exit %d %q, want %q (%s)", r.code, r.stdout, want, r.stderr)
	}
	if got := tcpwrap(t, pdir, r.stdout, false, "test", "-d", pdir, "-"); got.code != exitOK {
		t.Errorf("tcpwrap test of the record with ports: exit %d %s %s", got.code, got.stdout, got.stderr)
	}
	for _, args := range [][]string{{"--record", "sshd", "10.0.0.1"}, {"--batch", "DIR/reqs", "--record", "--summary"}, {"--batch", "DIR/reqs", "--record", "--json"}} {
		if r := tcpwrap(t, dir, "", false, append([]string{"match", "-d", dir}, args...)...); r.code != exitUsage || !strings.Contains(r.stderr, "--record") {
			t.Errorf("%q: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}
