package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine"
)

// diffFiles are an edit people make: sshd narrowed from 10/8 to 10.0/16,
// one host taken out of ftp's domain.
var diffFiles = map[string]string{
	"hosts":           "10.0.0.5 bad.example.com\n",
	"old/hosts.allow": "sshd: 10.0.0.0/8\nin.ftpd: .example.com\n",
	"old/hosts.deny":  "ALL: ALL\n",
	"new/hosts.allow": "# narrowed\nsshd: 10.0.0.0/16\nin.ftpd: .example.com EXCEPT bad.example.com\n",
	"new/hosts.deny":  "ALL: ALL\n",
}

// TestDiffCommand: the text (golden), --rules, the exit statuses.
func TestDiffCommand(t *testing.T) {
	dir := setup(t, diffFiles)
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"diff.golden", []string{"diff", "--hosts", "DIR/hosts", "DIR/old", "DIR/new"}},
		{"diff-rules.golden", []string{"diff", "DIR/old", "DIR/new", "--rules", "--hosts", "DIR/hosts"}},
	} {
		r := tcpwrap(t, dir, "", false, tc.args...)
		if r.code != 1 || r.stderr != "" {
			t.Fatalf("%v: exit %d, %s", tc.args, r.code, r.stderr)
		}
		goldenCompare(t, tc.golden, strings.ReplaceAll(r.stdout, dir, "DIR"))
	}
	// No change: exit 0, and a line that says so.
	r := tcpwrap(t, dir, "", false, "diff", "--hosts", "DIR/hosts", "DIR/old", "DIR/old")
	if r.stdout = strings.ReplaceAll(r.stdout, dir, "DIR"); r.code != 0 || r.stdout != "no change of verdict from DIR/old to DIR/old\n" {
		t.Errorf("same tables: exit %d, %q", r.code, r.stdout)
	}
}

// TestDiffRuleChangesOnly: a change of the deciding rule alone is not a
// change of verdict (exit 0, with a pointer to --rules); with --rules it
// is listed and the exit status is 1.
func TestDiffRuleChangesOnly(t *testing.T) {
	dir := setup(t, map[string]string{
		"a/hosts.allow": "sshd: 10.0.0.1\n",
		"b/hosts.allow": "sshd: 10.0.0.1: spawn echo hello\n",
		"c/hosts.allow": "\n\nsshd :   10.0.0.1\n", // moved and respaced: the same rule
	})
	r := tcpwrap(t, dir, "", false, "diff", "DIR/a", "DIR/b")
	if r.code != 0 || !strings.Contains(r.stdout, "no change of verdict") || !strings.Contains(r.stdout, "1 change of the deciding rule: --rules lists them") {
		t.Errorf("exit %d, %q", r.code, r.stdout)
	}
	r = tcpwrap(t, dir, "", false, "diff", "--rules", "DIR/a", "DIR/b")
	if r.stdout = strings.ReplaceAll(r.stdout, dir, "DIR"); r.code != 1 || !strings.HasPrefix(r.stdout, "no change of verdict from DIR/a to DIR/b, 1 change of the deciding rule:\n") ||
		!strings.Contains(r.stdout, "now: granted by DIR/b/hosts.allow:1  sshd: 10.0.0.1: spawn echo hello") {
		t.Errorf("--rules: exit %d, %q", r.code, r.stdout)
	}
	r = tcpwrap(t, dir, "", false, "diff", "--rules", "DIR/a", "DIR/c")
	if r.stdout = strings.ReplaceAll(r.stdout, dir, "DIR"); r.code != 0 || r.stdout != "no change of verdict from DIR/a to DIR/c\n" {
		t.Errorf("moved: exit %d, %q", r.code, r.stdout)
	}
}

// TestDiffJSON: --json has the changes, each example decided under each
// side's tables as the change says.
func TestDiffJSON(t *testing.T) {
	dir := setup(t, diffFiles)
	r := tcpwrap(t, dir, "", false, "diff", "--json", "--hosts", "DIR/hosts", "DIR/old/hosts.allow,DIR/old/hosts.deny", "DIR/new")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var out struct {
		Old, New string
		Changes  []engine.Change
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if out.Old != dir+"/old/hosts.allow,"+dir+"/old/hosts.deny" || out.New != dir+"/new" || len(out.Changes) != 2 {
		t.Fatalf("%s", r.stdout)
	}
	for _, c := range out.Changes {
		if len(c.Examples) == 0 || c.Cases < len(c.Examples) {
			t.Fatalf("change without examples: %+v", c)
		}
		for _, ex := range c.Examples {
			for _, side := range []struct {
				dir  string
				want engine.Outcome
			}{{"old", c.Old}, {"new", c.New}} {
				got := matchJSON(t, dir, side.dir, ex)
				line := 0
				if side.want.Rule != nil {
					line = side.want.Rule.Line
				}
				if got.access != string(side.want.Access) || got.line != line {
					t.Errorf("%+v under %s: %s by line %d, the change says %+v", ex, side.dir, got.access, got.line, side.want)
				}
			}
		}
	}
	// No change is an empty list, not null.
	r = tcpwrap(t, dir, "", false, "diff", "--json", "DIR/new", "DIR/new")
	if r.code != 0 || !strings.Contains(r.stdout, `"changes": []`) {
		t.Errorf("exit %d, %s", r.code, r.stdout)
	}
}

type matched struct {
	access string
	line   int
}

// matchJSON decides ex with tcpwrap match --json against DIR/side.
func matchJSON(t *testing.T, dir, side string, ex engine.Request) matched {
	t.Helper()
	// tcpdmatch looks a name up, and an address's name: the tables
	// have one name that matters, with its address in the hosts file.
	client := ex.Client.Socket.Addr().String()
	switch ex.Client.Name {
	case "", "unknown":
	case "paranoid":
		t.Fatalf("example %+v: not a tcpdmatch request", ex)
	default:
		client = ex.Client.Name
	}
	if ex.User != "" {
		client = ex.User + "@" + client
	}
	r := tcpwrap(t, dir, "", false, "match", "--json", "-d", "DIR/"+side, "--hosts", "DIR/hosts", ex.Daemon, client)
	var p struct {
		Access  string
		Matched *struct{ Line int }
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("%v: %s %s", err, r.stdout, r.stderr)
	}
	m := matched{access: p.Access}
	if p.Matched != nil {
		m.line = p.Matched.Line
	}
	return m
}

func TestDiffErrors(t *testing.T) {
	dir := setup(t, map[string]string{"a/hosts.allow": "sshd: 10.0.0.1\n", "file": "", "s/hosts.allow": "sshd@.example.com: ALL\n"})
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"diff", "DIR/a"}, 2, "tcpwrap diff: want two operands, OLD and NEW, got 1 (see tcpwrap diff -h)\n"},
		{[]string{"diff", "DIR/a", "DIR/a", "DIR/a"}, 2, "tcpwrap diff: want two operands, OLD and NEW, got 3 (see tcpwrap diff -h)\n"},
		{[]string{"diff", "DIR/a", "x,"}, 2, "tcpwrap diff: \"x,\": want a directory or two files ALLOW,DENY (see tcpwrap diff -h)\n"},
		{[]string{"diff", "DIR/a", "DIR/a", "--profile", "bsd"}, 2, ""},
		{[]string{"diff", "DIR/a", "DIR/missing"}, 1, "tcpwrap diff: DIR/missing: No such file or directory\n"},
		{[]string{"diff", "DIR/a", "DIR/file"}, 1, "tcpwrap diff: DIR/file: Not a directory\n"},
		{[]string{"diff", "DIR/a", "DIR/file,DIR/nofile"}, 1, "tcpwrap diff: DIR/nofile: No such file or directory\n"},
		{[]string{"diff", "DIR/a", "DIR/s"}, 1, "tcpwrap diff: not compared: " + engine.ErrDiffServerNames.Error() + "; give one with --hosts\n"},
	} {
		r := tcpwrap(t, dir, "", false, tc.args...)
		msg := strings.ReplaceAll(r.stderr, dir, "DIR")
		if r.code != tc.code || tc.msg != "" && msg != tc.msg || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want %d, %q", tc.args, r.code, msg, r.stdout, tc.code, tc.msg)
		}
	}
	r := tcpwrap(t, dir, "", false, "diff", "-h")
	if r.code != 0 || r.stdout != diffUsage {
		t.Errorf("-h: exit %d", r.code)
	}
}

// TestDiffTooLarge: tables whose comparison passes engine.MaxDiffWork
// are not compared, and the command says so (exit 1, nothing on
// standard output).
func TestDiffTooLarge(t *testing.T) {
	var b strings.Builder
	for i := range 4600 {
		fmt.Fprintf(&b, "ALL: 10.%d.%d.1 .d%d.example\n", i/256, i%256, i)
	}
	dir := setup(t, map[string]string{"a/hosts.deny": b.String(), "b/hosts.deny": b.String() + "ALL: 192.0.2.1\n"})
	r := tcpwrap(t, dir, "", false, "diff", "DIR/a", "DIR/b")
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "too large to compare") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestDiffREADME: the README's example is what the command prints for
// diffFiles (diff.golden, with old and new in the working directory).
func TestDiffREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start = "$ tcpwrap diff --hosts hosts old new\n"
	_, block, ok := strings.Cut(string(readme), start)
	if !ok {
		t.Fatalf("README.md has no %q", start)
	}
	block, _, _ = strings.Cut(block, "```")
	golden, err := os.ReadFile("testdata/diff.golden")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(string(golden), "DIR/", ""); block != want {
		t.Errorf("README.md's example:\n%s\nthe command's output (testdata/diff.golden):\n%s", block, want)
	}
}

// TestDiffGit: --git REV compares NEW with its tables as committed at REV;
// a table git does not have there reads as empty.
func TestDiffGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is not installed")
		}
		t.Skip("git is not installed")
	}
	dir := setup(t, map[string]string{
		"hosts":                diffFiles["hosts"],
		"repo/etc/hosts.allow": diffFiles["old/hosts.allow"],
		"repo/etc/hosts.deny":  diffFiles["old/hosts.deny"],
	})
	repo := filepath.Join(dir, "repo")
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.email=t@example.com", "-c", "user.name=t"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", "etc")
	git("commit", "-q", "-m", "old tables")
	if err := os.WriteFile(filepath.Join(repo, "etc/hosts.allow"), []byte(diffFiles["new/hosts.allow"]), 0o644); err != nil {
		t.Fatal(err)
	}
	r := tcpwrap(t, dir, "", false, "diff", "--hosts", "DIR/hosts", "--git", "HEAD", "DIR/repo/etc")
	want, err := os.ReadFile("testdata/diff.golden")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(r.stdout, "HEAD:"+dir+"/repo/etc", "DIR/old")
	got = strings.ReplaceAll(got, dir+"/repo/etc", "DIR/new")
	if r.code != 1 || got != string(want) {
		t.Errorf("exit %d, stderr %q, output\n%s\nwant (diff.golden)\n%s", r.code, r.stderr, got, want)
	}
	// A table added since REV: at REV it is missing, an empty table.
	if err := os.WriteFile(filepath.Join(repo, "etc/hosts.extra"), []byte("sshd: ALL\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = tcpwrap(t, dir, "", false, "diff", "--git", "HEAD", "DIR/repo/etc/hosts.extra,DIR/repo/etc/hosts.deny")
	if r.code != 1 || !strings.Contains(r.stdout, "was: denied by HEAD:"+dir+"/repo/etc/hosts.deny:1  ALL: ALL") ||
		!strings.Contains(r.stdout, "now: granted by "+dir+"/repo/etc/hosts.extra:1  sshd: ALL") {
		t.Errorf("a table new since HEAD: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"diff", "--git", "HEAD~5", "DIR/repo/etc"}, 1, "tcpwrap diff: --git HEAD~5: invalid object name 'HEAD~5'.\n"},
		{[]string{"diff", "--git", "HEAD", "DIR"}, 1, "tcpwrap diff: --git HEAD: not a git repository (or any of the parent directories): .git\n"},
		{[]string{"diff", "--git", "HEAD", "DIR/repo/etc", "DIR/repo/etc"}, 2, "tcpwrap diff: with --git, want one operand, NEW, got 2 (see tcpwrap diff -h)\n"},
		{[]string{"diff", "--git", "--rules", "DIR/repo/etc"}, 2, "tcpwrap diff: --git \"--rules\": not a revision (see tcpwrap diff -h)\n"},
	} {
		r := tcpwrap(t, dir, "", false, tc.args...)
		if msg := strings.ReplaceAll(r.stderr, dir, "DIR"); r.code != tc.code || msg != tc.msg {
			t.Errorf("%v: exit %d, %q; want %d, %q", tc.args, r.code, msg, tc.code, tc.msg)
		}
	}
}

// TestDiffRecord: --record writes tcpwrap test lines that NEW meets and
// OLD fails, every one of them, and a comment for an example no line
// gives.
func TestDiffRecord(t *testing.T) {
	dir := setup(t, diffFiles)
	r := tcpwrap(t, dir, "", false, "diff", "--record", "--hosts", "DIR/hosts", "DIR/old", "DIR/new")
	out := strings.ReplaceAll(r.stdout, dir, "DIR")
	want := "# tcpwrap diff --record: the verdicts DIR/new gives requests that DIR/old decides otherwise\n" +
		"denied sshd 10.255.255.255 by hosts.deny:1\n" +
		"denied in.ftpd bad.example.com by hosts.deny:1\n"
	if r.code != 1 || out != want {
		t.Fatalf("exit %d, stderr %q\n%s\nwant\n%s", r.code, r.stderr, out, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "recorded"), []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := tcpwrap(t, dir, "", false, "test", "-d", "DIR/new", "--hosts", "DIR/hosts", "DIR/recorded"); r.code != 0 || !strings.HasPrefix(r.stdout, "ok: 2 of 2 expectations met") {
		t.Errorf("the record under NEW: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := tcpwrap(t, dir, "", false, "test", "-d", "DIR/old", "--hosts", "DIR/hosts", "DIR/recorded"); r.code != 1 || !strings.Contains(r.stdout, "FAIL: 0 of 2 expectations met") {
		t.Errorf("the record under OLD: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A client known only by a name the hosts table does not give: no
	// line asks for it, so it is a comment.
	dir = setup(t, map[string]string{
		"hosts":        "10.0.0.1 other.example\n",
		"a/hosts.deny": "ALL: .bad.example\n",
		"b/hosts.deny": "ALL: .bad.example EXCEPT ok.bad.example\n",
	})
	r = tcpwrap(t, dir, "", false, "diff", "--record", "--hosts", "DIR/hosts", "DIR/a", "DIR/b")
	if r.code != 1 || r.stderr != "" || !strings.Contains(r.stdout, "\n# not recorded (no tcpwrap test line gives this request): ") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := tcpwrap(t, dir, "", false, "diff", "--record", "--json", "DIR/a", "DIR/b"); r.code != 2 {
		t.Errorf("--record --json: exit %d", r.code)
	}
}

// TestDiffReason: an outcome no rule decides says libwrap's reason: here
// a hosts.deny that cannot be read (a symbolic link loop, which stops
// root too), which denies what hosts.allow does not grant.
func TestDiffReason(t *testing.T) {
	dir := setup(t, map[string]string{"a/hosts.deny": "ALL: ALL\n", "u/": ""})
	if err := os.Symlink("loop", filepath.Join(dir, "u/hosts.deny")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("hosts.deny", filepath.Join(dir, "u/loop")); err != nil {
		t.Fatal(err)
	}
	r := tcpwrap(t, dir, "", false, "diff", "--rules", "DIR/a", "DIR/u")
	out := strings.ReplaceAll(r.stdout, dir, "DIR")
	if r.code != 1 || !strings.Contains(out, "   was: denied by DIR/a/hosts.deny:1  ALL: ALL\n"+
		"   now: denied (hosts.deny could not be read to the end: libwrap denies what no earlier rule matched)\n") {
		t.Errorf("exit %d\n%s%s", r.code, out, r.stderr)
	}
}
