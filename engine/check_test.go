package engine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCheck pins the code, severity and position of each diagnostic on a
// table built to trip them.
func TestCheck(t *testing.T) {
	allow := "" +
		"sshd: ALL EXCEPT\n" + // 1 empty-client-list
		" # ALL: ALL\n" + // 2 indented-comment
		"sshd: 10.0.0.2 # ALL\n" + // 3 trailing-comment
		"sshd: 10.0.0.1/24 [2001:db8::/32] 10.0.0.0/24junk\n" + // 4 netmask-host-bits, v6-prefix-in-brackets
		"sshd: ALL:\n" + // 5 trailing-colon
		"sshd: ALL: allow : spawn x\n" + // 6 option-error (must be at end)
		"sshd: ALL: twist echo %h\n" + // 7 attacker-controlled, twist-resident
		"sockd: ALL: severity warn\n" + // 8 option-error
		"sockd: ALL: banners /x : allow\n" + // 9 sockd-option ×2, option-redundant
		"ss[hd: ALL\n" + // 10 unbalanced-brackets (missing separator)
		"@grp: .example.com @nosuch KNOWN\n" + // 11 pattern-begins-at, dns-fails-closed, unknown-netgroup
		"sshd: nosuch.example.org\n" + // 12 host-not-found, dns-fails-closed
		"sshd: 10.0.0.1" // 13 missing-newline
	deny := "ALL: .example.com\n"
	res := NewHostsResolver("hosts", []byte("10.0.0.1 good.example.com\n")).WithNetgroups("netgroup", []byte("grp (a,,)\n"))
	got := Check(Parse("hosts.allow", []byte(allow), Debian), Parse("hosts.deny", []byte(deny), Debian),
		CheckOptions{Resolver: res, ImplicitAllow: true, Paranoid: true})
	var lines []string
	for _, d := range got {
		lines = append(lines, fmt.Sprintf("%s:%d:%d %s %s", d.File, d.Span.Start.Line, d.Span.Start.Col, d.Severity, d.Code))
		if CheckDocs[d.Code] == "" {
			t.Errorf("code %q has no documentation", d.Code)
		}
	}
	want := []string{
		"hosts.allow:1:1 info implicit-allow",
		"hosts.allow:1:6 warning empty-client-list",
		"hosts.allow:2:1 error indented-comment",
		"hosts.allow:2:1 info implicit-allow",
		"hosts.allow:3:1 warning shadowed-rule",
		"hosts.allow:3:1 info implicit-allow",
		"hosts.allow:3:16 error trailing-comment",
		"hosts.allow:4:1 warning shadowed-rule",
		"hosts.allow:4:1 info implicit-allow",
		"hosts.allow:4:7 error netmask-host-bits",
		"hosts.allow:4:19 error v6-prefix-in-brackets",
		"hosts.allow:5:1 warning shadowed-rule",
		"hosts.allow:5:10 error trailing-colon",
		"hosts.allow:6:1 warning shadowed-rule",
		"hosts.allow:6:12 error option-error",
		"hosts.allow:7:1 warning shadowed-rule",
		"hosts.allow:7:12 warning attacker-controlled",
		"hosts.allow:7:12 warning twist-resident",
		"hosts.allow:8:1 warning shadowed-rule",
		"hosts.allow:8:13 error option-error",
		"hosts.allow:9:1 warning shadowed-rule",
		"hosts.allow:9:13 warning sockd-option",
		"hosts.allow:9:26 warning sockd-option",
		"hosts.allow:9:26 info option-redundant",
		"hosts.allow:10:1 error unbalanced-brackets",
		"hosts.allow:10:1 warning missing-separator",
		"hosts.allow:11:1 warning pattern-begins-at",
		"hosts.allow:11:1 warning shadowed-rule",
		"hosts.allow:11:1 info implicit-allow",
		"hosts.allow:11:7 info dns-fails-closed",
		"hosts.allow:11:7 info name-without-paranoid",
		"hosts.allow:11:20 warning unknown-netgroup",
		"hosts.allow:12:1 warning shadowed-rule",
		"hosts.allow:12:1 info implicit-allow",
		"hosts.allow:12:7 warning host-not-found",
		"hosts.allow:12:7 info dns-fails-closed",
		"hosts.allow:12:7 info name-without-paranoid",
		"hosts.allow:13:1 error missing-newline",
		"hosts.deny:1:1 warning shadowed-rule",
		"hosts.deny:1:6 warning dns-fails-open",
		"hosts.deny:1:6 info name-without-paranoid",
	}
	if g, w := strings.Join(lines, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("diagnostics differ\n--- got\n%s\n--- want\n%s", g, w)
	}
}

// TestCheckContinuation pins the two backslash traps at the end of a line:
// a comment that swallows the next line (spec F28) and a backslash that
// does not continue its line because blanks or a CR follow it (F13).
func TestCheckContinuation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile Profile
		text    string
		want    []string // "line:col-line:col code"
	}{
		{"comment swallows a rule", Debian,
			"sshd: 10.0.0.9\n# old rule \\\nsshd: 10.0.0.1\n",
			[]string{"3:1-3:15 comment-continued"}},
		{"comment swallows two rules", Debian,
			"# a \\\nsshd: 10.0.0.1 \\\nin.ftpd: ALL\n",
			[]string{"2:1-2:16 comment-continued", "3:1-3:13 comment-continued"}},
		{"comment joined to blanks and comments", Debian,
			"# a \\\n   \\\n# b \\\n\t# c\n",
			nil},
		{"NUL in a comment", Debian,
			"# a\x00b\nsshd: ALL\n",
			[]string{"2:1-2:10 comment-continued"}},
		{"FreeBSD trailing comment swallows a rule", FreeBSD,
			"sshd: 10.0.0.9 # note \\\nsshd: 10.0.0.1\n",
			[]string{"2:1-2:15 comment-continued"}},
		{"Debian: no trailing comments", Debian,
			"sshd: 10.0.0.9 \\# note \\\nsshd: 10.0.0.1\n",
			nil},
		{"backslash then blanks", Debian,
			"sshd: 10.0.0.9 \\  \n  10.0.0.1: ALL\n",
			[]string{"1:16-1:19 backslash-blank"}},
		{"backslash then CR", Debian,
			"sshd: 10.0.0.9 \\\r\nALL: 10.0.0.1\r\n",
			[]string{"1:16-1:18 backslash-blank"}},
		{"backslash then tab on a continued line", Debian,
			"sshd: \\\n 10.0.0.9 \\\t\nALL: ALL\n",
			[]string{"2:11-2:13 backslash-blank"}},
		{"backslash joined from the line before", Debian,
			"sshd: a\\\\\n  \nALL: ALL\n",
			[]string{"1:1-2:3 backslash-blank"}},
		{"a real continuation", Debian,
			"sshd: 10.0.0.9 \\\n 10.0.0.1\n",
			nil},
		{"FreeBSD: the backslash is in a comment", FreeBSD,
			"sshd: 10.0.0.9 # see \\ \nALL: ALL\n",
			nil},
		{"backslash-blank in a comment", Debian,
			"# see \\ \nALL: ALL\n",
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range Check(Parse("hosts.allow", []byte(tc.text), tc.profile), nil, CheckOptions{NoReach: true}) {
				if d.Code != "comment-continued" && d.Code != "backslash-blank" {
					continue
				}
				got = append(got, fmt.Sprintf("%d:%d-%d:%d %s", d.Span.Start.Line, d.Span.Start.Col, d.Span.End.Line, d.Span.End.Col, d.Code))
				if src := tc.text[d.Span.Start.Offset:d.Span.End.Offset]; d.Code == "backslash-blank" && !strings.HasPrefix(src, "\\") {
					if n := len(got); !strings.HasPrefix(tc.name, "backslash joined") {
						t.Errorf("diagnostic %d's span %q does not start at the backslash", n, src)
					}
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestCheckExpansions pins the %-sequence checks: unknown sequences in
// every expanded option (and, without options, the shell command), each
// reported at its own span every time it appears (libwrap warns at each
// expansion; the playground's editor marks exactly these spans), the
// client-chosen values in commands only, and "%%" as a literal.
func TestCheckExpansions(t *testing.T) {
	for _, c := range []struct {
		prof Profile
		rule string
		want []string // "code msg-fragment", in source order
		// at is where each unknown-expansion is: "line:col" and the
		// source text of its span.
		at []string
	}{
		{Debian, "sshd: ALL: spawn echo %z %d 100% sure %%h\n", []string{
			`unknown-expansion "%z" in spawn`, `unknown-expansion "% " in spawn`},
			[]string{`1:23 "%z"`, `1:32 "% "`}},
		{Debian, "sshd: ALL: setenv X %h%q\n", []string{`unknown-expansion "%q" in setenv`}, []string{`1:23 "%q"`}},
		{Debian, "sshd: ALL: twist echo %u %r %R %z %z\n", []string{
			`attacker-controlled %u in a twist command`, `unknown-expansion "%z" in twist`, `unknown-expansion "%z" in twist`},
			[]string{`1:32 "%z"`, `1:35 "%z"`}},
		{FreeBSD, "sshd: ALL: twist echo %r %R\n", []string{ // Debian's only (spec X10)
			`unknown-expansion "%r" in twist`, `unknown-expansion "%R" in twist`},
			[]string{`1:23 "%r"`, `1:26 "%R"`}},
		{Debian, "sshd: ALL: spawn echo %\xff 50%\n", []string{`unknown-expansion "%\xff" in spawn`}, []string{`1:23 "%\xff"`}},
		// A multi-byte character after '%': its span covers the character.
		{Debian, "sshd: ALL: spawn echo %\u00e9\n", []string{`unknown-expansion "%\xc3" in spawn`}, []string{`1:23 "%é"`}},
		// "\:" in an option is one ':' of the value: the spans are the source's.
		{Debian, "sshd: ALL: spawn echo a\\:b %z %\\: %%z\n", []string{
			`unknown-expansion "%z" in spawn`, `unknown-expansion "%:" in spawn`},
			[]string{`1:28 "%z"`, `1:31 "%\\:"`}},
		// A continued line: the span is on the physical line of the sequence.
		{Debian, "sshd: ALL: spawn echo \\\n  %y %h\n", []string{`attacker-controlled %h in a spawn command`, `unknown-expansion "%y" in spawn`},
			[]string{`2:3 "%y"`}},
		{Debian, "sshd: ALL: severity auth.info\n", nil, nil},
		{Upstream, "sshd: ALL: echo %h %x\n", []string{`attacker-controlled %h in a shell command`, `unknown-expansion "%x" in shell`},
			[]string{`1:20 "%x"`}},
	} {
		if !c.prof.options() && strings.Contains(c.rule, "twist") {
			t.Fatalf("bad case %q", c.rule)
		}
		var got, at []string
		for _, d := range Check(Parse("hosts.allow", []byte(c.rule), c.prof), nil, CheckOptions{NoReach: true}) {
			if d.Code != "unknown-expansion" && d.Code != "attacker-controlled" {
				continue
			}
			if d.Severity != SeverityWarning {
				t.Errorf("%s %q: %v at %v", c.prof, c.rule, d.Severity, d.Span.Start)
			}
			got = append(got, d.Code+" "+d.Msg)
			if d.Code == "unknown-expansion" {
				at = append(at, fmt.Sprintf("%d:%d %q", d.Span.Start.Line, d.Span.Start.Col, c.rule[d.Span.Start.Offset:d.Span.End.Offset]))
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%s %q: got %q, want %q", c.prof, c.rule, got, c.want)
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], c.want[i]) {
				t.Errorf("%s %q: diagnostic %d is %q, want it to begin %q", c.prof, c.rule, i, got[i], c.want[i])
			}
		}
		if !slices.Equal(at, c.at) {
			t.Errorf("%s %q: unknown-expansion spans %q, want %q", c.prof, c.rule, at, c.at)
		}
	}
}

// TestKnownPercent checks that the checker's list of %-sequences is the
// evaluator's: every byte after '%' is known exactly when expanding it
// gives no "unrecognized" warning.
func TestKnownPercent(t *testing.T) {
	for _, prof := range []Profile{Debian, Upstream, FreeBSD} {
		for c := 0; c < 256; c++ {
			st := &evalState{prof: prof, res: emptyResolver{}, d: &Decision{}}
			st.percentX("%"+string([]byte{byte(c)}), 8192)
			warned := len(st.d.Warnings) > 0
			if knownPercent(byte(c), prof) == warned {
				t.Errorf("%s: %q: knownPercent %v, but the evaluator warned: %q", prof, "%"+string([]byte{byte(c)}), !warned, st.d.Warnings)
			}
		}
	}
}

// TestCheckInvisible pins invisible-character: on the pattern that holds
// one, once per pattern, and not for visible non-ASCII letters.
func TestCheckInvisible(t *testing.T) {
	allow := "\ufeffsshd: 10.0.0.1\n" + // 1 a byte order mark glued to the first daemon
		"sshd\u200b: 10.0.0.2\n" + // 2 zero-width space
		"in.ftpd: 10.0.0.3\u00a0EXCEPT\u00a010.0.0.4\n" + // 3 no-break spaces: one pattern
		"sshd: \u202e4.0.0.01 café.example\n" + // 4 right-to-left override; é is fine
		"sshd: 10.0.0.5 \u200b\u200b\n" // 5 a pattern of two zero-width spaces
	var got []string
	for _, d := range Check(Parse("hosts.allow", []byte(allow), Debian), nil, CheckOptions{NoReach: true}) {
		if d.Code == "invisible-character" {
			got = append(got, fmt.Sprintf("%d:%d %s", d.Span.Start.Line, d.Span.Start.Col, d.Msg))
		}
	}
	want := []string{
		`1:1 "\ufeffsshd" holds an invisible character, U+FEFF`,
		`2:1 "sshd\u200b" holds an invisible character, U+200B`,
		`3:10 "10.0.0.3\u00a0EXCEPT\u00a010.0.0.4" holds a non-ASCII blank character, U+00A0`,
		`4:7 "\u202e4.0.0.01" holds an invisible character, U+202E`,
		`5:16 "\u200b\u200b" holds an invisible character, U+200B`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %d diagnostics", got, len(want))
	}
	for i := range got {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("diagnostic %d: %q, want it to begin %q", i, got[i], want[i])
		}
	}
}

// TestCheckBinary: a table of binary junk gets diagnostics whose messages
// are printable, the input they quote escaped as in a Go string literal,
// so that tcpwrap check never sends a terminal escape or a byte that is
// not UTF-8 (the positions still point at the raw bytes).
func TestCheckBinary(t *testing.T) {
	allow := "sshd: 10.0.0.1\a ex\xc3ample.c\x80m @ng\x01 /etc/x\x1b[2Jy\n" +
		"sshd: ALL: sev\x1b]0;pwned\arity auth\n" +
		".\x7fELF\x02\x01\x01: ALL\r\n"
	var got []string
	opts := CheckOptions{NoReach: true, Files: MapFiles{},
		Resolver: NewHostsResolver("hosts", nil).WithNetgroups("netgroup", []byte("grp (a,,)\n"))}
	for _, d := range Check(Parse("hosts.allow", []byte(allow), Debian), nil, opts) {
		if !isPrintable(d.Msg) {
			t.Errorf("%s: message not printable: %q", d.Code, d.Msg)
		}
		got = append(got, fmt.Sprintf("%d:%d %s", d.Span.Start.Line, d.Span.Start.Col, d.Msg))
	}
	want := []string{
		`1:7 10.0.0.1\a: host not found`,
		`1:7 10.0.0.1\a matches a host name: when DNS fails, this rule does not grant`,
		`1:17 ex\xc3ample.c\x80m: host not found`,
		`1:17 ex\xc3ample.c\x80m matches a host name: when DNS fails, this rule does not grant`,
		`1:30 ng\x01: unknown or empty netgroup`,
		`1:35 /etc/x\x1b[2Jy does not exist: the pattern never matches`,
		`2:12 bad option name: "sev\x1b]0;pwned\arity"`,
		`3:1 .\x7fELF\x02\x01\x01: daemon name begins with dot`,
	}
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("diagnostics differ\n--- got\n%s\n--- want\n%s", g, w)
	}
}

// isPrintable reports whether s is UTF-8 made of printable characters
// only (strconv.IsPrint).
func isPrintable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !strconv.IsPrint(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// TestPrintable: printable escapes what strconv.Quote escapes, except
// backslashes and double quotes, and leaves printable text alone.
func TestPrintable(t *testing.T) {
	for _, s := range []string{
		"", "plain", "café.example ☃", "tab\there", "cr\r lf\n nul\x00", "esc\x1b[31m", "del\x7f",
		"bad\xff\xfe utf8 \xc3", "\u200b\u202e\ufeff\u00a0", "c1\u0085", "\U000e0001 tag",
	} {
		want := strconv.Quote(s)
		want = want[1 : len(want)-1]
		if got := printable(s); got != want {
			t.Errorf("printable(%q) = %q, want %q", s, got, want)
		}
	}
	for in, want := range map[string]string{
		`a\b "q"`:              `a\b "q"`, // already printable: kept as it is
		`"\x01" and ` + "\x01": `"\x01" and \x01`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCheckNetgroupsDisabled: upstream 7.6's default build has no
// netgroup support (derived/X15), so there an @group pattern is reported
// as never matching whatever the netgroup table holds; the profiles that
// have netgroups look the group up.
func TestCheckNetgroupsDisabled(t *testing.T) {
	allow := "sshd: @grp @nosuch\n"
	opts := CheckOptions{NoReach: true,
		Resolver: NewHostsResolver("hosts", nil).WithNetgroups("netgroup", []byte("grp (a,,)\n"))}
	for _, c := range []struct {
		prof Profile
		want []string
	}{
		{Upstream, []string{"1:7 netgroups-disabled", "1:12 netgroups-disabled"}},
		{Debian, []string{"1:12 unknown-netgroup"}},
		{FreeBSD, []string{"1:12 unknown-netgroup"}},
	} {
		var got []string
		for _, d := range Check(Parse("hosts.allow", []byte(allow), c.prof), nil, opts) {
			got = append(got, fmt.Sprintf("%d:%d %s", d.Span.Start.Line, d.Span.Start.Col, d.Code))
			if d.Code == "netgroups-disabled" && !strings.Contains(d.Msg, "netgroup support is disabled") {
				t.Errorf("%v: message %q does not quote libwrap's warning", c.prof, d.Msg)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%v: got %q, want %q", c.prof, got, c.want)
		}
	}
}

// TestCheckIDsNotSwitched: under the Debian profile a user or group
// option is flagged, since Debian's libwrap changes no ids; FreeBSD's
// switches them, and nothing is said.
func TestCheckIDsNotSwitched(t *testing.T) {
	allow := "sshd: ALL: user nobody.nogroup\nftpd: ALL: group daemon: umask 022\n"
	for _, tc := range []struct {
		prof Profile
		want []string
	}{
		{Debian, []string{
			"hosts.allow:1:12 ids-not-switched user nobody.nogroup: Debian's libwrap looks the name up but never switches to it: the daemon keeps its own ids",
			"hosts.allow:2:12 ids-not-switched group daemon: Debian's libwrap looks the name up but never switches to it: the daemon keeps its own ids",
		}},
		{FreeBSD, nil},
	} {
		var got []string
		for _, d := range Check(Parse("hosts.allow", []byte(allow), tc.prof), nil, CheckOptions{}) {
			if d.Code == "ids-not-switched" {
				got = append(got, fmt.Sprintf("%s:%d:%d %s %s", d.File, d.Span.Start.Line, d.Span.Start.Col, d.Code, d.Msg))
				if d.Severity != SeverityWarning {
					t.Errorf("%s: severity %s, want warning", d.Code, d.Severity)
				}
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.prof, got, tc.want)
		}
	}
}
