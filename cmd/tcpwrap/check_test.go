package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

const brokenAllow = "sshd: ALL EXCEPT\n # ALL: ALL\nsshd, in.ftpd : 10.0.0.1/24 [::1/64] : spawn echo %h\nsshd: nosuch.example.org\n"

func TestCheckText(t *testing.T) {
	dir := setup(t, map[string]string{"hosts.allow": brokenAllow, "hosts.deny": "ALL: ALL\n", "hosts": "10.0.0.1 good.example.com\n"})
	r := tcpwrap(t, dir, "", false, "check", "-d", "DIR", "--hosts", "DIR/hosts")
	want := strings.Join([]string{
		"DIR/hosts.allow:1:6: warning: client list is empty or ends in EXCEPT [empty-client-list]",
		"DIR/hosts.allow:2:1: error: an indented '#' does not start a comment: this line is a rule [indented-comment]",
		"DIR/hosts.allow:3:1: warning: no request matches this rule [rule-never-matches]",
		"DIR/hosts.allow:3:17: error: 10.0.0.1/24: the network has bits outside the mask, so the pattern never matches [netmask-host-bits]",
		"DIR/hosts.allow:3:29: error: [::1/64] is not a prefix pattern: write [address]/length [v6-prefix-in-brackets]",
		"DIR/hosts.allow:3:40: warning: %h in a spawn command: the client chooses its value (DNS or ident); libwrap replaces unsafe characters, but not every meaning [attacker-controlled]",
		"DIR/hosts.allow:4:1: warning: this rule never decides: every request it matches is decided before by DIR/hosts.allow:1 [shadowed-rule]",
		"DIR/hosts.allow:4:7: warning: nosuch.example.org: host not found [host-not-found]",
		"DIR/hosts.allow:4:7: info: nosuch.example.org matches a host name: when DNS fails, this rule does not grant [dns-fails-closed]",
		"DIR/hosts.deny:1:1: warning: this rule never decides: every request it matches is decided before by DIR/hosts.allow:1, DIR/hosts.allow:2 [shadowed-rule]",
	}, "\n") + "\n"
	if got := strings.ReplaceAll(r.stdout, dir, "DIR"); got != want || r.code != 1 {
		t.Errorf("exit %d, output\n%s\nwant exit 1 and\n%s", r.code, got, want)
	}
	if r := tcpwrap(t, dir, "", false, "check", "-d", "DIR", "--hosts", "DIR/hosts", "--fail-on", "error"); r.code != 1 {
		t.Errorf("--fail-on error with errors: exit %d", r.code)
	}
	clean := setup(t, map[string]string{"hosts.allow": "sshd: 10.0.0.1\n", "hosts.deny": "ALL: ALL\n"})
	if r := tcpwrap(t, clean, "", false, "check", "-d", "DIR", "--no-dns"); r.code != 0 || r.stdout != "" {
		t.Errorf("clean tables: exit %d, output %q", r.code, r.stdout)
	}
	if r := tcpwrap(t, clean, "", false, "check", "-d", "DIR", "--no-dns", "-a", "--fail-on", "warning"); r.code != 0 || !strings.Contains(r.stdout, "implicit-allow") {
		t.Errorf("-a: exit %d, output %q (info findings stay below --fail-on warning)", r.code, r.stdout)
	}
	if r := tcpwrap(t, clean, "", false, "check", "-d", "DIR", "--no-dns", "-a", "--fail-on", "info"); r.code != 1 {
		t.Errorf("-a --fail-on info: exit %d", r.code)
	}
	for _, args := range [][]string{{"check", "--format", "xml"}, {"check", "--fail-on", "x"}, {"check", "-d", "x", "file"}, {"check", "--bogus"}} {
		if r := tcpwrap(t, dir, "", false, args...); r.code != exitUsage {
			t.Errorf("%q: exit %d, want 2", args, r.code)
		}
	}
}

// TestCheckNetgroups: with --netgroup, a rule naming a netgroup is
// reachable through its hosts whether names come from --hosts, the system
// resolver or nowhere (--no-dns), and an unknown netgroup is reported in
// each case (QA found the first a false rule-never-matches and the second
// missing without --hosts).
func TestCheckNetgroups(t *testing.T) {
	dir := setup(t, map[string]string{"hosts.allow": "sshd: @nogroup @goodgroup\n", "hosts.deny": "ALL: ALL\n",
		"netgroup": "goodgroup (good.example.com,,)\n", "hosts": "10.0.0.1 good.example.com\n"})
	want := "DIR/hosts.allow:1:7: warning: nogroup: unknown or empty netgroup [unknown-netgroup]\n"
	for _, args := range [][]string{
		{"--netgroup", "DIR/netgroup", "--hosts", "DIR/hosts"},
		{"--netgroup", "DIR/netgroup", "--hosts", "DIR/hosts", "--no-dns"},
		{"--netgroup", "DIR/netgroup", "--no-dns"},
	} {
		r := tcpwrap(t, dir, "", false, append([]string{"check", "-d", "DIR"}, args...)...)
		if got := strings.ReplaceAll(r.stdout, dir, "DIR"); got != want || r.code != 1 {
			t.Errorf("%q: exit %d, output\n%s\nwant exit 1 and\n%s", args, r.code, got, want)
		}
	}
}

// TestCheckInputs: a -d DIR or a named file that is not there fails
// (exit 1, a message), instead of checking nothing and passing; a table
// missing within DIR still reads as empty.
func TestCheckInputs(t *testing.T) {
	dir := setup(t, map[string]string{"hosts.allow": "sshd: 10.0.0.1\n", "sub/x": ""})
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-d", "DIR/nonexistent"}, "-d DIR/nonexistent: No such file or directory"},
		{[]string{"-d", "DIR/hosts.allow"}, "-d DIR/hosts.allow: Not a directory"},
		{[]string{"DIR/nonexistent/hosts.allow"}, "DIR/nonexistent/hosts.allow: No such file or directory"},
		{[]string{"DIR/sub"}, "DIR/sub: Is a directory"},
	} {
		r := tcpwrap(t, dir, "", false, append([]string{"check", "--no-dns"}, c.args...)...)
		if got := strings.ReplaceAll(r.stderr, dir, "DIR"); r.code != 1 || !strings.Contains(got, c.msg) || r.stdout != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want exit 1 and %q", c.args, r.code, got, r.stdout, c.msg)
		}
	}
	if r := tcpwrap(t, dir, "", false, "check", "--no-dns", "-d", "DIR"); r.code != 0 || r.stderr != "" {
		t.Errorf("-d DIR without hosts.deny: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestCheckJSONAndSARIF(t *testing.T) {
	dir := setup(t, map[string]string{"hosts.allow": brokenAllow, "hosts.deny": "ALL: ALL\n"})
	r := tcpwrap(t, dir, "", false, "check", "-d", "DIR", "--no-dns", "--format", "json")
	var out struct {
		Diagnostics []wire.Diagnostic `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Diagnostics) != 9 || out.Diagnostics[0].Code != "empty-client-list" || out.Diagnostics[0].Doc == "" || out.Diagnostics[0].Line != 1 {
		t.Errorf("json diagnostics: %+v", out.Diagnostics)
	}
	r = tcpwrap(t, dir, "", false, "check", "-d", "DIR", "--no-dns", "--format", "sarif")
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string } `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != 9 {
		t.Fatalf("sarif: %+v", log)
	}
	for _, res := range log.Runs[0].Results {
		if log.Runs[0].Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s points at rule %d", res.RuleID, res.RuleIndex)
		}
	}
	if f := os.Getenv("TCPWRAP_SARIF_OUT"); f != "" {
		// e2e/sarif validates this file against the SARIF 2.1.0 schema.
		if err := os.WriteFile(f, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCheckBinary: tcpwrap check on a table of binary junk prints its
// findings with the quoted input escaped as in a Go string literal, in
// text, JSON and SARIF alike: no terminal escape, no byte that is not
// UTF-8 (which encoding/json would turn into U+FFFD, losing the byte).
func TestCheckBinary(t *testing.T) {
	allow := "sshd: 10.0.0.1\a @ng\x01 /x\x1b[2Jy\nsshd: ALL: sev\x1b]0;pwned\arity auth\n.\x7fELF\xff: ALL\n"
	dir := setup(t, map[string]string{"hosts.allow": allow})
	msgs := []string{
		`10.0.0.1\a matches a host name: when DNS fails, this rule does not grant`,
		`ng\x01: unknown or empty netgroup`,
		`/x\x1b[2Jy does not exist: the pattern never matches`,
		`bad option name: "sev\x1b]0;pwned\arity"`,
		`.\x7fELF\xff: daemon name begins with dot`,
	}
	r := tcpwrap(t, dir, "", false, "check", "-d", "DIR", "--no-dns")
	want := "DIR/hosts.allow:1:7: info: " + msgs[0] + " [dns-fails-closed]\n" +
		"DIR/hosts.allow:1:17: warning: " + msgs[1] + " [unknown-netgroup]\n" +
		"DIR/hosts.allow:1:22: info: " + msgs[2] + " [pattern-file-missing]\n" +
		"DIR/hosts.allow:2:12: error: " + msgs[3] + " [option-error]\n" +
		"DIR/hosts.allow:3:1: warning: " + msgs[4] + " [pattern-begins-dot]\n"
	if got := strings.ReplaceAll(r.stdout, dir, "DIR"); r.code != 1 || got != want {
		t.Errorf("text: exit %d\n--- got\n%s--- want\n%s", r.code, got, want)
	}

	r = tcpwrap(t, dir, "", false, "check", "-d", "DIR", "--no-dns", "--format", "json")
	var out struct {
		Diagnostics []wire.Diagnostic `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range out.Diagnostics {
		got = append(got, d.Message)
	}
	if strings.Join(got, "\n") != strings.Join(msgs, "\n") {
		t.Errorf("json messages %q, want %q", got, msgs)
	}

	r = tcpwrap(t, dir, "", false, "check", "-d", "DIR", "--no-dns", "--format", "sarif")
	var log struct {
		Runs []struct {
			Results []struct {
				Message struct{ Text string } `json:"message"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("sarif: %v, %+v", err, log)
	}
	got = nil
	for _, res := range log.Runs[0].Results {
		got = append(got, res.Message.Text)
	}
	if strings.Join(got, "\n") != strings.Join(msgs, "\n") {
		t.Errorf("sarif messages %q, want %q", got, msgs)
	}
}

func TestFmt(t *testing.T) {
	dir := setup(t, map[string]string{"hosts.allow": "sshd,in.ftpd : 10.0.0.1 except 10.0.0.2:spawn echo a\\:b  :deny\n# keep\n", "ok": "sshd: ALL\n"})
	want := "sshd, in.ftpd: 10.0.0.1 EXCEPT 10.0.0.2: spawn echo a\\:b: deny\n# keep\n"
	if r := tcpwrap(t, dir, "", false, "fmt", "DIR/hosts.allow"); r.stdout != want || r.code != 0 {
		t.Errorf("fmt: exit %d, %q", r.code, r.stdout)
	}
	if r := tcpwrap(t, dir, "", false, "fmt", "--check", "DIR/hosts.allow", "DIR/ok"); r.code != 1 || strings.TrimSpace(strings.ReplaceAll(r.stdout, dir, "DIR")) != "DIR/hosts.allow" {
		t.Errorf("--check: exit %d, %q", r.code, r.stdout)
	}
	if r := tcpwrap(t, dir, "", false, "fmt", "-w", "DIR/hosts.allow"); r.code != 0 {
		t.Fatalf("-w: exit %d %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "hosts.allow")); string(b) != want {
		t.Errorf("-w wrote %q", b)
	}
	if r := tcpwrap(t, dir, "", false, "fmt", "--check", "DIR/hosts.allow"); r.code != 0 {
		t.Errorf("--check after -w: exit %d", r.code)
	}
	// A file that is not there is an error in every mode, with its name
	// and the reason; a directory is not an empty table (QA: exit 0 and
	// no output).
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ file, msg string }{
		{"DIR/missing", "tcpwrap fmt: DIR/missing: No such file or directory\n"},
		{"DIR/sub", "tcpwrap fmt: DIR/sub: Is a directory\n"},
	} {
		for _, mode := range [][]string{nil, {"--check"}, {"-w"}} {
			args := append(append([]string{"fmt"}, mode...), c.file)
			r := tcpwrap(t, dir, "", false, args...)
			if got := strings.ReplaceAll(r.stderr, dir, "DIR"); r.code != exitInput || got != c.msg || r.stdout != "" {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 1 and %q", args, r.code, r.stdout, got, c.msg)
			}
		}
	}
	if r := tcpwrap(t, dir, "", false, "fmt"); r.code != exitUsage {
		t.Errorf("no files: exit %d", r.code)
	}
}

// ifsResolver knows one interface besides lo.
type ifsResolver struct{ engine.Resolver }

func (ifsResolver) InterfaceIndex(name string) (uint32, bool) { return 4, name == "eth0" }
func (ifsResolver) InterfaceName(index uint32) (string, bool) { return "eth0", index == 4 }

// TestNoDNSInterfaces: --no-dns keeps the machine's interfaces (they are
// not DNS), and without them knows only lo, as the engine does.
func TestNoDNSInterfaces(t *testing.T) {
	var _ engine.InterfaceResolver = noDNS{}
	n := noDNS{ifsResolver{engine.NewHostsResolver("", nil)}}
	if i, ok := n.InterfaceIndex("eth0"); i != 4 || !ok {
		t.Errorf("InterfaceIndex(eth0) = %d, %v", i, ok)
	}
	if name, ok := n.InterfaceName(4); name != "eth0" || !ok {
		t.Errorf("InterfaceName(4) = %q, %v", name, ok)
	}
	lo := noDNS{engine.NewHostsResolver("", nil)}
	if i, ok := lo.InterfaceIndex("lo"); i != 1 || !ok {
		t.Errorf("lo only: InterfaceIndex(lo) = %d, %v", i, ok)
	}
	if _, ok := lo.InterfaceIndex("eth0"); ok {
		t.Errorf("lo only: InterfaceIndex(eth0) found")
	}
}
