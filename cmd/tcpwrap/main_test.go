package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// specHosts is the resolver table the spec's vectors assume (§12.1).
const specHosts = `10.0.0.1 good.example.com good
10.0.0.2 host2.example.org
10.0.0.3 nodots
10.0.0.6 liar.example.com
10.0.0.5 liar.example.com
10.0.0.7 canon.example.com alias.example.com
10.0.0.8 www.example.net
10.0.0.9 127.0.0.5
10.0.0.10 UPPER.Example.COM
2001:db8::1 v6host.example.com
10.0.0.11 multi.example.com
10.0.0.12 multi.example.com
10.0.0.15 m15.example.com n14.example.com
10.0.0.14 n14.example.com
10.0.0.9 numrev.example.com
10.0.0.20 example.com
127.1.0.1 lo1.example.com
127.1.0.2 lo2
::ffff:127.1.0.3 mapped.example.com
`

// setup writes files into a new temporary directory and returns it. The
// text "DIR" in names and contents stands for that directory. A name
// ending in "/" makes a directory.
func setup(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(data, "DIR", dir)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type result struct {
	stdout, stderr string
	code           int
}

// tcpwrap runs the program with args, in which "DIR" stands for dir.
func tcpwrap(t testing.TB, dir, stdin string, color bool, args ...string) result {
	t.Helper()
	args = slices.Clone(args)
	for i := range args {
		args[i] = strings.ReplaceAll(args[i], "DIR", dir)
	}
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut, color)
	return result{out.String(), errOut.String(), code}
}

// decodeLines decodes every line of out as one prediction.
func decodeLines(t *testing.T, out string) []prediction {
	t.Helper()
	var preds []prediction
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" && out == "" {
			break
		}
		var p prediction
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("line %d is not a prediction: %v\n%s", i+1, err, line)
		}
		// The required keys are present even when empty.
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"access", "matched", "options", "warnings", "client", "server", "user", "daemon", "commands", "trace", "reason", "request"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("line %d has no %q: %s", i+1, k, line)
			}
		}
		preds = append(preds, p)
	}
	return preds
}

// verdict is a prediction in short: "denied hosts.deny:1".
func verdict(p prediction) string {
	if p.Matched == nil {
		return p.Access + " -"
	}
	return fmt.Sprintf("%s %s:%d", p.Access, p.Matched.File, p.Matched.Line)
}

// TestMatchVectors runs cases of the spec's vectors translated into the
// socket semantics of tcpwrap match: an address operand is a connection
// from that address, whose name is looked up when a rule needs it.
func TestMatchVectors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // hosts.allow, hosts.deny, other files; "hosts" defaults to specHosts
		args  []string          // before the operands; -d DIR --hosts DIR/hosts --json are added
		ops   string
		want  []string // verdict of each prediction
		check func(t *testing.T, p []prediction)
	}{
		{
			name:  "F01 both tables missing: default grant",
			files: map[string]string{},
			ops:   "sshd 10.0.0.1",
			want:  []string{"granted -"},
		},
		{
			name:  "F03 allow table first",
			files: map[string]string{"hosts.allow": "sshd: 10.0.0.1\n", "hosts.deny": "ALL: ALL\n"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"granted hosts.allow:1"},
		},
		{
			// tcpdmatch says granted for C03: it never looks up an
			// address argument. A connection's address is looked up.
			name:  "C03 suffix pattern: the address's name is looked up",
			files: map[string]string{"hosts.deny": "ALL: .example.com\n"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"denied hosts.deny:1"},
			check: func(t *testing.T, p []prediction) {
				if n := p[0].Client.Name; n == nil || *n != "good.example.com" {
					t.Errorf("client name = %v, want good.example.com", n)
				}
				if a := p[0].Client.Addr; a == nil || *a != "10.0.0.1" {
					t.Errorf("client addr = %v, want 10.0.0.1", a)
				}
			},
		},
		{
			name:  "C70 reverse name of an address operand (tcpdmatch: granted)",
			files: map[string]string{"hosts.deny": "ALL: host2.example.org\n"},
			ops:   "sshd 10.0.0.2",
			want:  []string{"denied hosts.deny:1"},
		},
		{
			name:  "C38 KNOWN for an address operand (tcpdmatch: granted)",
			files: map[string]string{"hosts.deny": "ALL: KNOWN\n"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"denied hosts.deny:1"},
		},
		{
			name:  "C08 exact address: no name lookup",
			files: map[string]string{"hosts.deny": "ALL: 10.0.0.1\n"},
			ops:   "sshd 10.0.0.11",
			want:  []string{"granted -"},
			check: func(t *testing.T, p []prediction) {
				if p[0].Client.Name != nil {
					t.Errorf("client name = %q, want null (never looked up)", *p[0].Client.Name)
				}
			},
		},
		{
			name:  "C45 PARANOID: numeric reverse name",
			files: map[string]string{"hosts.deny": "ALL: PARANOID\n"},
			ops:   "sshd numrev.example.com",
			want:  []string{"denied hosts.deny:1"},
			check: func(t *testing.T, p []prediction) {
				want := "/hosts.deny, line 1: host name/name mismatch: reverse lookup results in non-FQDN 127.0.0.5"
				if len(p[0].Warnings) != 1 || !strings.HasPrefix(p[0].Warnings[0], "warning: ") || !strings.HasSuffix(p[0].Warnings[0], want) {
					t.Errorf("warnings = %q, want one ending in %q", p[0].Warnings, want)
				}
			},
		},
		{
			name:  "C69 one prediction per address of a host name",
			files: map[string]string{"hosts.deny": "ALL: 10.0.0.11\n"},
			ops:   "sshd multi.example.com",
			want:  []string{"denied hosts.deny:1", "granted -"},
			check: func(t *testing.T, p []prediction) {
				if p[0].Request.Address != "10.0.0.11" || p[1].Request.Address != "10.0.0.12" {
					t.Errorf("addresses %q %q", p[0].Request.Address, p[1].Request.Address)
				}
			},
		},
		{
			name:  "C50 user@host with a preset user",
			files: map[string]string{"hosts.allow": "sshd: alice@10.0.0.1\n", "hosts.deny": "ALL: ALL\n"},
			ops:   "sshd alice@10.0.0.1",
			want:  []string{"granted hosts.allow:1"},
			check: func(t *testing.T, p []prediction) {
				if p[0].User == nil || *p[0].User != "alice" {
					t.Errorf("user = %v", p[0].User)
				}
			},
		},
		{
			name:  "C83 paranoid client has an unknown address",
			files: map[string]string{"hosts.deny": "ALL: UNKNOWN\n"},
			ops:   "sshd paranoid",
			want:  []string{"denied hosts.deny:1"},
		},
		{
			name:  "O09 twist delegates",
			files: map[string]string{"hosts.allow": "sshd: ALL: twist /bin/echo hi %a\n"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"delegated hosts.allow:1"},
			check: func(t *testing.T, p []prediction) {
				want := []commandOut{{Kind: "twist", Command: "/bin/echo hi 10.0.0.1"}}
				if !slices.Equal(p[0].Commands, want) {
					t.Errorf("commands = %v, want %v", p[0].Commands, want)
				}
			},
		},
		{
			name:  "W12 %h before and after a name lookup",
			files: map[string]string{"hosts.allow": "sshd: 10.0.0.1: spawn echo %h-%n-%h : allow\n"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"granted hosts.allow:1"},
			check: func(t *testing.T, p []prediction) {
				if len(p[0].Options) != 2 || p[0].Options[0].Name != "spawn" || *p[0].Options[0].Value != "echo 10.0.0.1-good.example.com-good.example.com" || p[0].Options[1].Value != nil {
					t.Errorf("options = %+v", p[0].Options)
				}
			},
		},
		{
			name:  "%r is the client port",
			files: map[string]string{"hosts.allow": "sshd: ALL: setenv PORT %r\n"},
			args:  []string{"--client-port", "5555"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"granted hosts.allow:1"},
			check: func(t *testing.T, p []prediction) {
				if len(p[0].Env) != 1 || p[0].Env[0] != (envOut{Name: "PORT", Value: "5555"}) || p[0].Client.Port != 5555 {
					t.Errorf("env = %v, client = %+v", p[0].Env, p[0].Client)
				}
			},
		},
		{
			name:  "W01 port number as a daemon pattern",
			files: map[string]string{"hosts.deny": "22: ALL\n"},
			args:  []string{"--server-port", "22"},
			ops:   "sshd@127.1.0.1 127.1.0.2",
			want:  []string{"denied hosts.deny:1"},
		},
		{
			name:  "W02 port number, other port",
			files: map[string]string{"hosts.deny": "22: ALL\n"},
			args:  []string{"--server-port=2222"},
			ops:   "sshd@127.1.0.1 127.1.0.2",
			want:  []string{"granted -"},
		},
		{
			name:  "D08 daemon@host with a server address",
			files: map[string]string{"hosts.deny": "sshd@127.0.0.1: ALL\n"},
			ops:   "sshd@127.0.0.1 10.0.0.1",
			want:  []string{"denied hosts.deny:1"},
		},
		{
			name:  "C59 /path pattern file on the real file system",
			files: map[string]string{"hosts.deny": "ALL: DIR/list\n", "list": "10.0.0.9\n10.0.0.1\n"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"denied hosts.deny:1"},
		},
		{
			name:  "C62 missing pattern file matches nothing",
			files: map[string]string{"hosts.deny": "ALL: DIR/nonexistent\n"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"granted -"},
		},
		{
			name:  "a pattern file that is a directory reads as empty",
			files: map[string]string{"hosts.deny": "ALL: DIR/list ALL\n", "list/": ""},
			ops:   "sshd 10.0.0.1",
			want:  []string{"denied hosts.deny:1"},
		},
		{
			name:  "O34 banners from the real file system",
			files: map[string]string{"hosts.allow": "sshd: ALL: banners DIR/ban\n", "ban/sshd": "Hello %a\n"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"granted hosts.allow:1"},
			check: func(t *testing.T, p []prediction) {
				if p[0].Banner == nil || *p[0].Banner != "Hello 10.0.0.1\r\n" {
					t.Errorf("banner = %v", p[0].Banner)
				}
			},
		},
		{
			name:  "O27 missing banners directory only warns",
			files: map[string]string{"hosts.allow": "sshd: ALL: banners DIR/nonexistent\n"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"granted hosts.allow:1"},
			check: func(t *testing.T, p []prediction) {
				if len(p[0].Warnings) != 1 || !strings.HasSuffix(p[0].Warnings[0], "/nonexistent: No such file or directory") {
					t.Errorf("warnings = %q", p[0].Warnings)
				}
			},
		},
		{
			name:  "F27 a hosts.allow that is a directory reads as empty",
			files: map[string]string{"hosts.allow/": "", "hosts.deny": "ALL: ALL\n"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"denied hosts.deny:1"},
		},
		{
			name:  "netgroup from --netgroup",
			files: map[string]string{"hosts.deny": "ALL: @trusted\n", "netgroup": "trusted (good.example.com,,)\n"},
			args:  []string{"--netgroup", "DIR/netgroup"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"denied hosts.deny:1"},
		},
		{
			name:  "C58 no netgroup file: no host is in a netgroup",
			files: map[string]string{"hosts.deny": "ALL: @trusted\n"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"granted -"},
		},
		{
			name:  "D02 Debian wildcards",
			files: map[string]string{"hosts.deny": "ss*: ALL\n"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"denied hosts.deny:1"},
		},
		{
			name:  "X05 FreeBSD has no wildcards",
			files: map[string]string{"hosts.deny": "ss*: ALL\n"},
			args:  []string{"--profile", "freebsd"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"granted -"},
		},
		{
			name:  "X12 upstream runs the third field as a shell command",
			files: map[string]string{"hosts.deny": "sshd: ALL: allow\n"},
			args:  []string{"--profile=upstream"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"denied hosts.deny:1"},
			check: func(t *testing.T, p []prediction) {
				if len(p[0].Commands) != 1 || p[0].Commands[0].Kind != "shell" {
					t.Errorf("commands = %v", p[0].Commands)
				}
			},
		},
		{
			name:  "F14 deny table without a final newline denies",
			files: map[string]string{"hosts.deny": "sshd: 10.9.9.9"},
			ops:   "sshd 10.0.0.1",
			want:  []string{"denied -"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := tc.files
			if _, ok := files["hosts"]; !ok {
				files = maps(files, "hosts", specHosts)
			}
			dir := setup(t, files)
			args := append([]string{"match", "-d", "DIR", "--hosts", "DIR/hosts", "--json"}, tc.args...)
			args = append(args, strings.Fields(tc.ops)...)
			r := tcpwrap(t, dir, "", false, args...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			preds := decodeLines(t, r.stdout)
			var got []string
			for _, p := range preds {
				got = append(got, verdict(p))
				if p.Trace == nil {
					t.Errorf("no trace in --json output")
				}
				if p.Matched != nil && (p.Matched.File != "hosts.allow" && p.Matched.File != "hosts.deny" || p.Matched.Path != filepath.Join(dir, p.Matched.File)) {
					t.Errorf("matched = %+v", p.Matched)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("verdicts = %q, want %q", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, preds)
			}
		})
	}
}

// maps returns a copy of m with k set to v.
func maps(m map[string]string, k, v string) map[string]string {
	c := map[string]string{k: v}
	for a, b := range m {
		c[a] = b
	}
	return c
}

// TestUnreadableTable uses a symbolic link loop: as root, permissions do
// not stop a read, but ELOOP makes open fail with an error other than
// "no such file" whoever runs the test.
func TestUnreadableTable(t *testing.T) {
	dir := setup(t, map[string]string{"hosts": specHosts, "hosts.allow": "sshd: 10.0.0.2\n"})
	if err := os.Symlink("hosts.deny", filepath.Join(dir, "hosts.deny")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	r := tcpwrap(t, dir, "", false, "match", "-d", "DIR", "--hosts", "DIR/hosts", "--json", "sshd", "10.0.0.1")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	p := decodeLines(t, r.stdout)
	if got := verdict(p[0]); got != "denied -" {
		t.Errorf("verdict %q, want denied: Debian denies what the allow table did not grant when hosts.deny cannot be opened", got)
	}
	want := []string{"warning: cannot open " + filepath.Join(dir, "hosts.deny") + ": Too many levels of symbolic links"}
	if !slices.Equal(p[0].Warnings, want) {
		t.Errorf("warnings %q, want %q", p[0].Warnings, want)
	}
	// The allow table still grants what it matches.
	r = tcpwrap(t, dir, "", false, "match", "-d", "DIR", "--hosts", "DIR/hosts", "--json", "sshd", "10.0.0.2")
	if got := verdict(decodeLines(t, r.stdout)[0]); got != "granted hosts.allow:1" {
		t.Errorf("verdict %q", got)
	}
}

// TestPermissionDenied needs a user whom permissions stop: root reads a
// mode 000 file anyway, so the test is skipped when run as root (the
// symbolic-link loop above covers the same code path).
func TestPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: mode 000 does not stop root from reading")
	}
	dir := setup(t, map[string]string{"hosts": specHosts, "hosts.deny": "sshd: 10.9.9.9\n"})
	if err := os.Chmod(filepath.Join(dir, "hosts.deny"), 0); err != nil {
		t.Fatal(err)
	}
	r := tcpwrap(t, dir, "", false, "match", "-d", "DIR", "--hosts", "DIR/hosts", "--json", "sshd", "10.0.0.1")
	p := decodeLines(t, r.stdout)
	want := []string{"warning: cannot open " + filepath.Join(dir, "hosts.deny") + ": Permission denied"}
	if verdict(p[0]) != "denied -" || !slices.Equal(p[0].Warnings, want) {
		t.Errorf("got %s %q", verdict(p[0]), p[0].Warnings)
	}
}

// TestText compares the text explanation with testdata/*.golden
// (go test -update rewrites them).
func TestText(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		ops   []string
	}{
		{"suffix", map[string]string{
			"hosts.allow": "# trusted\n\nsshd: 10.0.0.2 : deny\nsshd, in.ftpd EXCEPT in.ftpd: 10.0.0. EXCEPT 10.0.0.1\n",
			"hosts.deny":  "ALL: .example.com\nALL: ALL\n",
		}, []string{"sshd", "10.0.0.1"}},
		{"options", map[string]string{
			"hosts.allow": "sshd: ALL: spawn echo %a %u %z : setenv X y : aclexec /bin/check %d : banners DIR/ban : umask 27 : user nobody : nice -5 : linger 3 : keepalive : severity auth.info\n",
			"ban/sshd":    "Welcome %h\n",
		}, []string{"sshd", "alice@10.0.0.1"}},
		{"twist", map[string]string{
			"hosts.deny": "sshd: ALL: twist /bin/echo it's %a\n",
		}, []string{"sshd", "10.0.0.9"}},
		{"multi", map[string]string{
			"hosts.allow": "ALL: 10.0.0.12\n",
			"hosts.deny":  "ALL: ALL\n",
		}, []string{"sshd", "multi.example.com"}},
		{"broken", map[string]string{
			"hosts.allow/": "",
			"hosts.deny":   "sshd 10.0.0.1\nsshd: 10.0.0.9 \\\n 10.0.0.8\nsshd: 10.9.9.9",
		}, []string{"sshd", "10.0.0.1"}},
		// A pattern file that includes itself ends the decision on its
		// token: the trace says where and why. (The long name keeps the
		// token column at its 32-byte cap whatever the temporary
		// directory's name.)
		{"cycle", map[string]string{
			"hosts.allow":                   "sshd: DIR/pattern-files/includes-itself\n",
			"pattern-files/includes-itself": "10.0.0.5\nDIR/pattern-files/includes-itself\n",
		}, []string{"sshd", "10.0.0.1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := setup(t, maps(tc.files, "hosts", specHosts))
			r := tcpwrap(t, dir, "", false, append([]string{"match", "-d", "DIR", "--hosts", "DIR/hosts"}, tc.ops...)...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			goldenCompare(t, tc.name+".golden", strings.ReplaceAll(r.stdout, dir, "DIR"))
		})
	}
}

// TestBrief: --brief answers as without it, minus the lines read: the
// text is the full text without its "read:" section (a golden for the
// options case), and the JSON is the full JSON with a null "trace", as
// --batch's.
func TestBrief(t *testing.T) {
	files := map[string]string{
		"hosts.allow": "# trusted\nsshd: 10.0.0.2 : deny\nsshd: ALL EXCEPT 10.0.0.1: spawn echo %a %u %z : setenv X y : twist /bin/echo hi %h\n",
		"hosts.deny":  "ALL: .example.com\nALL: ALL\n",
	}
	dir := setup(t, maps(files, "hosts", specHosts))
	for _, ops := range [][]string{{"sshd", "alice@10.0.0.3"}, {"sshd", "10.0.0.1"}, {"in.ftpd", "multi.example.com"}} {
		t.Run(strings.Join(ops, " "), func(t *testing.T) {
			base := []string{"match", "-d", "DIR", "--hosts", "DIR/hosts"}
			full := tcpwrap(t, dir, "", false, append(base, ops...)...)
			brief := tcpwrap(t, dir, "", false, append(append(base, "--brief"), ops...)...)
			if full.code != 0 || brief.code != 0 || brief.stderr != "" {
				t.Fatalf("exit %d and %d: %s", full.code, brief.code, brief.stderr)
			}
			if want := withoutRead(full.stdout); brief.stdout != want {
				t.Errorf("--brief printed\n%s\nwant the full text without its lines read:\n%s", brief.stdout, want)
			}
			if !strings.Contains(full.stdout, "\nread:\n") || strings.Contains(brief.stdout, "read:") {
				t.Errorf("the full text has no read: section, or the brief one has")
			}
			if ops[1] == "alice@10.0.0.3" {
				goldenCompare(t, "brief.golden", strings.ReplaceAll(brief.stdout, dir, "DIR"))
			}
			fullJSON := tcpwrap(t, dir, "", false, append(append(base, "--json"), ops...)...)
			briefJSON := tcpwrap(t, dir, "", false, append(append(base, "--json", "--brief"), ops...)...)
			fl, bl := strings.Split(strings.TrimSpace(fullJSON.stdout), "\n"), strings.Split(strings.TrimSpace(briefJSON.stdout), "\n")
			if len(fl) != len(bl) {
				t.Fatalf("%d JSON lines with --brief, %d without", len(bl), len(fl))
			}
			for i := range fl {
				var f, b map[string]any
				if err := json.Unmarshal([]byte(fl[i]), &f); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal([]byte(bl[i]), &b); err != nil {
					t.Fatal(err)
				}
				if _, ok := f["trace"]; !ok {
					t.Fatalf("the full JSON has no trace: %s", fl[i])
				}
				f["trace"] = nil // as in --batch's answers
				if !reflect.DeepEqual(f, b) {
					t.Errorf("--json --brief\n%s\nwant the full JSON without its trace\n%s", bl[i], fl[i])
				}
			}
		})
	}
}

// withoutRead removes every "read:" section, up to the next blank line
// before a section or prediction header or the end, from a text answer.
func withoutRead(s string) string {
	var out []string
	skip := false
	for _, l := range strings.SplitAfter(s, "\n") {
		switch {
		case l == "read:\n":
			skip = true
			out = out[:len(out)-1] // the blank line before it
			continue
		case skip && l != "\n":
			continue
		}
		skip = false
		out = append(out, l)
	}
	return strings.Join(out, "")
}

func TestColor(t *testing.T) {
	dir := setup(t, map[string]string{"hosts": specHosts, "hosts.deny": "ALL: ALL\n"})
	args := []string{"match", "-d", "DIR", "--hosts", "DIR/hosts", "sshd", "10.0.0.1"}
	if r := tcpwrap(t, dir, "", true, args...); !strings.Contains(r.stdout, "\x1b[1;31mdenied\x1b[0m") {
		t.Errorf("no colour with color=true:\n%s", r.stdout)
	}
	if r := tcpwrap(t, dir, "", false, args...); strings.Contains(r.stdout, "\x1b") {
		t.Errorf("colour with color=false:\n%q", r.stdout)
	}
	if r := tcpwrap(t, dir, "", true, append(args[:5:5], "--json", "sshd", "10.0.0.1")...); strings.Contains(r.stdout, "\x1b") {
		t.Errorf("colour in JSON:\n%q", r.stdout)
	}
}

// TestFlagsAnywhere: flags may follow the operands, "--" ends the flags.
func TestFlagsAnywhere(t *testing.T) {
	dir := setup(t, map[string]string{"hosts": specHosts, "hosts.deny": "ALL: ALL\n"})
	for _, args := range [][]string{
		{"match", "sshd", "10.0.0.1", "--json", "-d", "DIR", "--hosts", "DIR/hosts"},
		{"match", "-d=DIR", "sshd", "--json", "--hosts=DIR/hosts", "10.0.0.1"},
		{"match", "-d", "DIR", "--json", "--hosts", "DIR/hosts", "--", "sshd", "10.0.0.1"},
	} {
		r := tcpwrap(t, dir, "", false, args...)
		if r.code != 0 {
			t.Fatalf("%q: exit %d: %s", args, r.code, r.stderr)
		}
		if got := verdict(decodeLines(t, r.stdout)[0]); got != "denied hosts.deny:1" {
			t.Errorf("%q: %s", args, got)
		}
	}
}

func TestExitCodes(t *testing.T) {
	dir := setup(t, map[string]string{"hosts": specHosts, "hosts.deny": "ALL: ALL\n", "batch": "sshd 10.0.0.1\n"})
	base := []string{"match", "-d", "DIR", "--hosts", "DIR/hosts"}
	tests := []struct {
		args   []string
		code   int
		stderr string // a substring of the one-line message ("" = no stderr)
		stdout string // a substring of stdout
	}{
		{nil, 2, "Commands:", ""},
		{[]string{"-h"}, 0, "", "match"},
		{[]string{"--help"}, 0, "", "Commands:"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`, ""},
		{[]string{"help"}, 0, "", "Commands:"},
		{[]string{"help", "match"}, 0, "", "tcpwrap match [flags] DAEMON[@SERVER] [USER@]CLIENT"},
		{[]string{"help", "check"}, 0, "", "tcpwrap check [flags] [-d DIR | FILE...]"},
		{[]string{"help", "fmt"}, 0, "", "tcpwrap fmt [-w] [--check]"},
		{[]string{"help", "envoy"}, 0, "", "tcpwrap envoy [flags]"},
		{[]string{"help", "serve"}, 0, "", "tcpwrap serve [--addr 127.0.0.1:8080]"},
		{[]string{"--help", "match"}, 0, "", "tcpwrap match [flags]"},
		{[]string{"help", "frobnicate"}, 2, `tcpwrap help: unknown command "frobnicate"`, ""},
		{[]string{"help", "match", "check"}, 2, "tcpwrap help: want one command, got 2 commands", ""},
		{[]string{"serve", "--nope"}, 2, "unknown flag --nope", ""},
		{[]string{"serve", "extra"}, 2, `unexpected operand "extra"`, ""},
		{[]string{"serve", "-h"}, 0, "", "--addr HOST:PORT"},
		{[]string{"match", "-h"}, 0, "", "--batch FILE|-"},
		{[]string{"match"}, 2, "want 2 operands", ""},
		{append(base, "sshd"), 2, "want 2 operands", ""},
		{append(base, "sshd", "10.0.0.1", "extra"), 2, "got 3", ""},
		{append(base, "--nope", "sshd", "10.0.0.1"), 2, "unknown flag --nope", ""},
		{append(base, "--profile", "solaris", "sshd", "10.0.0.1"), 2, `unknown profile "solaris"`, ""},
		{append(base, "--client-port", "70000", "sshd", "10.0.0.1"), 2, "not a port number", ""},
		{append(base, "--server-port", "-1", "sshd", "10.0.0.1"), 2, "not a port number", ""},
		{append(base, "--client-port", "x", "sshd", "10.0.0.1"), 2, "not a port number", ""},
		{append(base, "--summary", "sshd", "10.0.0.1"), 2, "--summary needs --batch", ""},
		{append(base, "--brief", "--batch", "DIR/batch"), 2, "--brief does not go with --batch", ""},
		{append(base, "--batch", "DIR/batch", "sshd", "10.0.0.1"), 2, "not from operands", ""},
		{append(base, "--batch="), 2, "--batch needs a file name", ""},
		{append(base, "", "10.0.0.1"), 2, ": daemon name is empty (", ""},
		{append(base, "@10.0.0.9", "10.0.0.1"), 2, `empty daemon name in "@10.0.0.9"`, ""},
		{append(base, "sshd", ""), 2, ": client is empty (", ""},
		{append(base, "sshd@", "10.0.0.1"), 2, "empty server", ""},
		{append(base, "sshd", "alice@"), 2, "empty client", ""},
		{append(base, "-d", "", "sshd", "10.0.0.1"), 2, "-d needs a directory", ""},
		{[]string{"match", "--hosts", "DIR/nonexistent", "sshd", "10.0.0.1"}, 1, "--hosts DIR/nonexistent: No such file or directory", ""},
		{append(base, "--netgroup", "DIR/nonexistent", "sshd", "10.0.0.1"), 1, "--netgroup DIR/nonexistent: No such file or directory", ""},
		{append(base, "-d", "DIR/nonexistent", "sshd", "10.0.0.1"), 1, "-d DIR/nonexistent: No such file or directory", ""},
		{append(base, "-d", "DIR/batch", "sshd", "10.0.0.1"), 1, "Not a directory", ""},
		{append(base, "sshd", "nosuch.example"), 1, "nosuch.example: host not found", ""},
		{append(base, "sshd@multi.example.com", "10.0.0.1"), 1, "more than one address", ""},
		{append(base, "--batch", "DIR/nonexistent"), 1, "--batch DIR/nonexistent: No such file or directory", ""},
		{append(base, "--batch", "DIR"), 1, "--batch DIR: Is a directory", ""},
		{append(base, "sshd", "10.0.0.1"), 0, "", "denied: "},
		{append(base, "--batch", "DIR/batch"), 0, "", `"access":"denied"`},
		{append(base, "--server-port", "22", "sshd", "10.0.0.1"), 0, "--server-port has no effect", "denied: "},
	}
	for _, tc := range tests {
		name := strings.Join(tc.args, " ")
		t.Run(name, func(t *testing.T) {
			r := tcpwrap(t, dir, "", false, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", r.code, tc.code, r.stderr)
			}
			stderr := strings.ReplaceAll(r.stderr, dir, "DIR")
			switch {
			case tc.stderr == "" && stderr != "":
				t.Errorf("stderr %q, want none", stderr)
			case !strings.Contains(stderr, tc.stderr):
				t.Errorf("stderr %q, want %q in it", stderr, tc.stderr)
			case tc.args != nil && tc.code == 2 && strings.Count(stderr, "\n") != 1:
				t.Errorf("usage error is not one line: %q", stderr)
			}
			if !strings.Contains(r.stdout, tc.stdout) {
				t.Errorf("stdout %q, want %q in it", r.stdout, tc.stdout)
			}
			if tc.code != 0 && r.stdout != "" {
				t.Errorf("stdout %q on failure", r.stdout)
			}
		})
	}
}

// TestUsageErrors: every command words a bad command line as one line,
// "tcpwrap CMD: MESSAGE (see tcpwrap CMD -h)", naming flags as the usage
// texts do (--name, -d) rather than as the flag package does ("flag
// provided but not defined: -name"); a flag before the command says
// where flags go.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--hosts", "x", "match"}, `tcpwrap: --hosts before the command: flags go after it, as in "tcpwrap match -d DIR ..." (run "tcpwrap -h" for the list)`},
		{[]string{"match", "--bogus", "sshd", "10.0.0.1"}, "tcpwrap match: unknown flag --bogus (see tcpwrap match -h)"},
		{[]string{"match", "-x", "sshd", "10.0.0.1"}, "tcpwrap match: unknown flag -x (see tcpwrap match -h)"},
		{[]string{"match", "sshd", "10.0.0.1", "--hosts"}, "tcpwrap match: --hosts needs a value (see tcpwrap match -h)"},
		{[]string{"match", "-d"}, "tcpwrap match: -d needs a value (see tcpwrap match -h)"},
		{[]string{"match", "--client-port", "x", "sshd", "10.0.0.1"}, `tcpwrap match: --client-port "x": not a port number (0 to 65535) (see tcpwrap match -h)`},
		{[]string{"match", "--json=maybe", "sshd", "10.0.0.1"}, `tcpwrap match: --json "maybe": want true or false (see tcpwrap match -h)`},
		{[]string{"match", "--ctl", "sendmail", "mail.example.com"}, "tcpwrap match: want 3 or 4 operands with --ctl, DAEMON NAME ADDR [USER], got 2 (see tcpwrap match -h)"},
		{[]string{"match", "--ctl", "sendmail", "", "10.0.0.1", "", "x"}, "tcpwrap match: want 3 or 4 operands with --ctl, DAEMON NAME ADDR [USER], got 5 (see tcpwrap match -h)"},
		{[]string{"match", "--ctl", "--server-port", "25", "sendmail", "", "10.0.0.1"}, "tcpwrap match: --server-port does not go with --ctl: hosts_ctl's name and address are taken as given, with no socket (see tcpwrap match -h)"},
		{[]string{"match", "sendmail", "", "10.0.0.1", "--client-port", "0", "--ctl"}, "tcpwrap match: --client-port does not go with --ctl: hosts_ctl's name and address are taken as given, with no socket (see tcpwrap match -h)"},
		{[]string{"match", "--ctl", "--hosts", "h", "--batch", "-"}, "tcpwrap match: --hosts does not go with --ctl: hosts_ctl's name and address are taken as given, with no socket (see tcpwrap match -h)"},
		{[]string{"match", "--ctl", "--batch", "-", "sendmail"}, `tcpwrap match: --batch takes its requests from the file, not from operands (got "sendmail") (see tcpwrap match -h)`},
		{[]string{"check", "--bogus"}, "tcpwrap check: unknown flag --bogus (see tcpwrap check -h)"},
		{[]string{"check", "--format"}, "tcpwrap check: --format needs a value (see tcpwrap check -h)"},
		{[]string{"fmt", "--bogus", "f"}, "tcpwrap fmt: unknown flag --bogus (see tcpwrap fmt -h)"},
		{[]string{"fmt", "--check=yes", "f"}, `tcpwrap fmt: --check "yes": want true or false (see tcpwrap fmt -h)`},
		{[]string{"fmt", "--profile", "solaris", "f"}, `tcpwrap fmt: unknown profile "solaris" (want debian, upstream or freebsd) (see tcpwrap fmt -h)`},
		{[]string{"fmt"}, "tcpwrap fmt: no files (see tcpwrap fmt -h)"},
		{[]string{"fmt", "-w", "--check", "f"}, "tcpwrap fmt: -w and --check do not go together (see tcpwrap fmt -h)"},
		{[]string{"envoy", "--bogus"}, "tcpwrap envoy: unknown flag --bogus (see tcpwrap envoy -h)"},
		{[]string{"envoy", "--filter", "tls"}, `tcpwrap envoy: --filter "tls": want network or http (see tcpwrap envoy -h)`},
		{[]string{"serve", "--rate", "abc"}, `tcpwrap serve: --rate "abc": not a number (see tcpwrap serve -h)`},
		{[]string{"serve", "--burst", "0"}, "tcpwrap serve: --burst must be at least 1 (see tcpwrap serve -h)"},
		{[]string{"serve", "extra"}, `tcpwrap serve: unexpected operand "extra" (see tcpwrap serve -h)`},
	} {
		r := tcpwrap(t, t.TempDir(), "", false, tc.args...)
		if r.code != exitUsage || r.stderr != tc.want+"\n" || r.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr\n%q\nwant exit 2 and\n%q", tc.args, r.code, r.stdout, r.stderr, tc.want+"\n")
		}
	}
}

// batchTables have 5 rules; the batch below reaches 3 of them.
var batchTables = map[string]string{
	"hosts":       specHosts,
	"hosts.allow": "# allow\nsshd: 10.0.0.1\nsshd: 10.0.0.99\nin.ftpd: ALL: twist /bin/false\n",
	"hosts.deny":  "ALL: .example.com\n\nALL: 10.0.0.99\nALL: 10.0.0.98\n",
}

const batchInput = `# a comment, then a blank line

sshd 10.0.0.1
sshd 10.0.0.2
  # an indented comment
sshd multi.example.com
in.ftpd 10.0.0.3
sshd 10.0.0.1 extra
sshd nosuch.example
sshd@ 10.0.0.1
sshd good.example.com` // no final newline

func TestBatch(t *testing.T) {
	dir := setup(t, maps(batchTables, "batch", batchInput))
	r := tcpwrap(t, dir, "", false, "match", "-d", "DIR", "--hosts", "DIR/hosts", "--batch", "DIR/batch")
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (bad lines)", r.code)
	}
	wantErr := "DIR/batch:8: want DAEMON[@SERVER] [USER@]CLIENT, got 3 words\n" +
		"DIR/batch:9: nosuch.example: host not found\n" +
		"DIR/batch:10: empty server after @ in \"sshd@\"\n"
	if got := strings.ReplaceAll(r.stderr, dir, "DIR"); got != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, wantErr)
	}
	// One word is "1 word" (QA: "got 1 words").
	if one := tcpwrap(t, dir, "sshd\n", false, "match", "-d", "DIR", "--hosts", "DIR/hosts", "--batch", "-"); one.stderr != "<stdin>:1: want DAEMON[@SERVER] [USER@]CLIENT, got 1 word\n" {
		t.Errorf("a one-word line: stderr %q", one.stderr)
	}
	preds := decodeLines(t, r.stdout)
	var got []string
	for _, p := range preds {
		got = append(got, fmt.Sprintf("%d %s %s", p.Request.Line, p.Request.Address, verdict(p)))
		if p.Trace != nil {
			t.Errorf("line %d: batch output has a trace", p.Request.Line)
		}
	}
	want := []string{
		"3 10.0.0.1 granted hosts.allow:2",
		"4 10.0.0.2 granted -",
		"6 10.0.0.11 denied hosts.deny:1",
		"6 10.0.0.12 denied hosts.deny:1",
		"7 10.0.0.3 delegated hosts.allow:4",
		"11 10.0.0.1 granted hosts.allow:2",
	}
	if !slices.Equal(got, want) {
		t.Errorf("predictions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestBatchSummary(t *testing.T) {
	dir := setup(t, batchTables)
	// Standard input, and the same requests as TestBatch.
	r := tcpwrap(t, dir, batchInput, false, "match", "-d", "DIR", "--hosts", "DIR/hosts", "--batch", "-", "--summary")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if !strings.HasPrefix(r.stderr, "<stdin>:8: ") || strings.Count(r.stderr, "\n") != 3 {
		t.Errorf("stderr %q", r.stderr)
	}
	if strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("summary is not one line: %q", r.stdout)
	}
	var got summary
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := summary{Requests: 6, Granted: 3, Denied: 2, Delegated: 1, Errors: 3, Rules: []summaryRule{
		{"hosts.allow", 2, 2},
		{"hosts.allow", 3, 0},
		{"hosts.allow", 4, 1},
		{"hosts.deny", 1, 2},
		{"hosts.deny", 3, 0},
		{"hosts.deny", 4, 0},
	}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("summary\n%+v\nwant\n%+v", got, want)
	}
}

func TestBatchSummaryEmpty(t *testing.T) {
	dir := setup(t, map[string]string{"hosts": specHosts})
	r := tcpwrap(t, dir, "", false, "match", "-d", "DIR", "--hosts", "DIR/hosts", "--batch", "-", "--summary")
	if r.code != 0 || r.stdout != `{"requests":0,"granted":0,"denied":0,"delegated":0,"errors":0,"rules":[]}`+"\n" {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestBatchLineLimit(t *testing.T) {
	dir := setup(t, map[string]string{"hosts": specHosts, "hosts.deny": "ALL: ALL\n"})
	pad := func(n int) string { // a valid request line of exactly n bytes
		return "sshd" + strings.Repeat(" ", n-len("sshd")-len("10.0.0.1")) + "10.0.0.1"
	}
	input := pad(maxBatchLine) + "\r\n" + // longest line, CRLF
		pad(maxBatchLine+1) + "\n" + // one byte too long
		strings.Repeat("x", 3*maxBatchLine) + "\n" + // much too long
		pad(maxBatchLine) // last line, no newline
	r := tcpwrap(t, dir, input, false, "match", "-d", "DIR", "--hosts", "DIR/hosts", "--batch", "-")
	want := "<stdin>:2: line longer than 4096 bytes\n<stdin>:3: line longer than 4096 bytes\n"
	if r.code != 1 || r.stderr != want {
		t.Errorf("exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
	var lines []int
	for _, p := range decodeLines(t, r.stdout) {
		lines = append(lines, p.Request.Line)
	}
	if !slices.Equal(lines, []int{1, 4}) {
		t.Errorf("predictions for lines %v, want [1 4]", lines)
	}
}

// BenchmarkBatchSummary measures --batch --summary on 200 rules.
func BenchmarkBatchSummary(b *testing.B) {
	var allow, deny, batch strings.Builder
	for i := range 100 {
		fmt.Fprintf(&allow, "sshd: 10.1.%d.0/24 EXCEPT 10.1.%d.7\n", i, i)
		fmt.Fprintf(&deny, "in.ftpd, sshd: .d%d.example.com 10.2.%d.\n", i, i)
	}
	deny.WriteString("ALL: ALL\n")
	for i := range 1000 {
		fmt.Fprintf(&batch, "sshd 10.%d.%d.%d\n", i%3, i%120, i%250)
	}
	dir := setup(b, map[string]string{"hosts": specHosts, "hosts.allow": allow.String(), "hosts.deny": deny.String()})
	b.ResetTimer()
	for b.Loop() {
		r := tcpwrap(b, dir, batch.String(), false, "match", "-d", "DIR", "--hosts", "DIR/hosts", "--batch", "-", "--summary")
		if r.code != 0 {
			b.Fatal(r.stderr)
		}
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "requests/s")
}

// TestExample runs the README's first command on the example tables.
func TestExample(t *testing.T) {
	ex := filepath.Join("testdata", "example")
	for ops, want := range map[string]string{
		"sshd 10.0.0.1":      "granted hosts.allow:2",
		"sshd 10.0.0.9":      "denied hosts.deny:2",
		"in.ftpd 192.0.2.7":  "granted hosts.allow:4",
		"in.telnetd 1.2.3.4": "denied hosts.deny:3",
	} {
		r := tcpwrap(t, "", "", false, append([]string{"match", "-d", ex, "--hosts", filepath.Join(ex, "hosts"), "--json"}, strings.Fields(ops)...)...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", ops, r.code, r.stderr)
		}
		if got := verdict(decodeLines(t, r.stdout)[0]); got != want {
			t.Errorf("%s: %s, want %s", ops, got, want)
		}
	}
	// The README's tcpwrap test example: the expectations hold.
	r := tcpwrap(t, "", "", false, "test", "-d", ex, "--hosts", filepath.Join(ex, "hosts"), filepath.Join(ex, "expect"))
	if r.code != exitOK || r.stdout != "ok: 5 of 5 expectations met (5 requests)\n" {
		t.Errorf("tcpwrap test on the example: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

// TestUsageListsEveryFlag: each command's usage text names every flag
// its FlagSet accepts (as --name, or -d for a letter), and every --name it
// mentions is a flag of that command.
func TestUsageListsEveryFlag(t *testing.T) {
	matchSet, _ := matchFlags(&matchConfig{})
	testSet, _ := testFlags(&testConfig{})
	checkSet, _, _, _ := checkFlags(&checkConfig{})
	fmtSet, _, _, _ := fmtFlags()
	serveSet, _ := newServeFlags()
	envoySet, _ := newEnvoyFlags()
	diffSet, _ := diffFlags(&diffConfig{})
	longFlag := regexp.MustCompile(`--[a-z][a-z-]*`)
	for _, c := range []struct {
		usage string
		set   *flag.FlagSet
	}{
		{matchUsage, matchSet}, {testUsage, testSet}, {checkUsage, checkSet}, {fmtUsage, fmtSet}, {serveUsage, serveSet}, {envoyUsage, envoySet}, {diffUsage, diffSet},
	} {
		n := 0
		c.set.VisitAll(func(f *flag.Flag) {
			n++
			name := dashed(f.Name)
			if !regexp.MustCompile(`(^|[\s\[|])` + regexp.QuoteMeta(name) + `([\s=\]|]|$)`).MatchString(c.usage) {
				t.Errorf("tcpwrap %s: usage does not list %s", c.set.Name(), name)
			}
		})
		if n == 0 {
			t.Errorf("tcpwrap %s: no flags", c.set.Name())
		}
		for _, name := range longFlag.FindAllString(c.usage, -1) {
			if c.set.Lookup(name[2:]) == nil {
				t.Errorf("tcpwrap %s: usage names %s, which is not a flag", c.set.Name(), name)
			}
		}
	}
}

// TestMakeServeAddr: make serve takes the listen address from ADDR, whose
// default is tcpwrap serve's --addr default, and passes it as --addr.
func TestMakeServeAddr(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	set, _ := newServeFlags()
	def := set.Lookup("addr").DefValue
	m := regexp.MustCompile(`(?m)^ADDR\s*\?=\s*(\S+)\s*$`).FindSubmatch(mk)
	if m == nil || string(m[1]) != def {
		t.Errorf("Makefile: no \"ADDR ?= %s\" line (found %q)", def, m)
	}
	if !regexp.MustCompile(`(?m)^serve:.*\n\t\$\(GO\) run \./cmd/tcpwrap serve --addr \$\(ADDR\)\s*$`).Match(mk) {
		t.Errorf("Makefile: the serve target does not run tcpwrap serve --addr $(ADDR)")
	}
}
