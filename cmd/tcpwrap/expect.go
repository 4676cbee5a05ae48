package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tcpwrap/tcpwrap/cmd/internal/sysdeps"
	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

const testUsage = `Usage:
  tcpwrap test [flags] FILE...

Checks the tables against expectations: each line of each FILE (- for
standard input) names a request and the verdict it must get, and
tcpwrap test reports every request decided otherwise, with the rule that
decided it. Run it in CI on the tables you are about to install.

An expectation line is

  VERDICT DAEMON[@SERVER] [USER@]CLIENT [by RULE]
  VERDICT hosts_ctl DAEMON NAME ADDR [USER] [by RULE]

VERDICT is granted, denied or delegated (a twist option took the
connection over). The request is written as for "tcpwrap match" (the
second form as for its hosts_ctl requests; "" is an empty string); a host
name CLIENT stands for every address it has, and each must get the
verdict. "by RULE" also requires the deciding rule: hosts.allow:N,
hosts.deny:N, or none (no rule decided: the default grant, or an error
before any rule). A '#' word starts a comment; blank lines are skipped.
At most 4096 bytes a line.

Flags:
  -d DIR               read DIR/hosts.allow and DIR/hosts.deny (default /etc)
  --hosts FILE         answer host name lookups from FILE (/etc/hosts format)
                       instead of the system resolver
  --netgroup FILE      answer netgroup lookups from FILE (/etc/netgroup format);
                       without it no host is in any netgroup
  --profile NAME       debian (default), upstream or freebsd
  --client-port N      the client's port (default 0)
  --server-port N      the server's port (default 0; needs DAEMON@SERVER)
  -v                   print every expectation met as well

The last line says how many expectations were met, and which rules none
of the requests was decided by (a rule the expectations never exercise).

Exit status: 0 when every expectation is met, 1 when one is not, or a
line cannot be read as one, or an input cannot be read; 2 for a usage
error.
`

// testConfig is what the flags of test say.
type testConfig struct {
	matchConfig
	verbose bool
}

// testFlags defines test's flags (testUsage lists them), into cfg;
// --profile's text goes into *profile.
func testFlags(cfg *testConfig) (set *flag.FlagSet, profile *string) {
	set = newFlagSet("test")
	profile = requestFlags(set, &cfg.matchConfig)
	set.BoolVar(&cfg.verbose, "v", false, "")
	return set, profile
}

// parseTest parses the arguments of test: flags anywhere before "--",
// then the expectation files.
func parseTest(args []string) (*testConfig, []string, error) {
	cfg := &testConfig{}
	set, profile := testFlags(cfg)
	files, err := parseInterleaved(set, args)
	if err != nil {
		return nil, nil, err
	}
	if cfg.profile, err = engine.ParseProfile(*profile); err != nil {
		return nil, nil, &usageError{err.Error()}
	}
	switch {
	case cfg.dir == "":
		return nil, nil, usagef("-d needs a directory")
	case len(files) == 0:
		return nil, nil, usagef("want at least one expectation file (- for standard input)")
	}
	stdin := 0
	for _, f := range files {
		if f == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return nil, nil, usagef("standard input (-) can be read once")
	}
	return cfg, files, nil
}

// runTest is the test command.
func runTest(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, files, err := parseTest(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, testUsage)
			return exitOK
		}
		return usageFail(stderr, "test", err)
	}
	m, err := load(&cfg.matchConfig, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "tcpwrap: %v\n", err)
		return exitInput
	}
	t := &tester{m: m, cfg: cfg, hits: make([]int, len(m.slots)), w: bufio.NewWriter(stdout), stderr: stderr}
	for _, name := range files {
		if !t.file(name, stdin) {
			t.unread++
		}
	}
	status := exitOK
	if t.failed > 0 || t.bad > 0 || t.unread > 0 {
		status = exitInput
	}
	t.summary()
	if err := t.w.Flush(); err != nil {
		return writeFailed(stderr, err)
	}
	return status
}

// tester runs expectation files against one matcher.
type tester struct {
	m      *matcher
	cfg    *testConfig
	w      *bufio.Writer
	stderr io.Writer
	hits   []int // requests decided by each rule slot

	met, failed, bad int // expectations met, not met, unreadable lines
	unread           int // files that could not be read
	requests         int
}

// file runs the expectations of one file; it reports false when the file
// cannot be read (said on standard error).
func (t *tester) file(name string, stdin io.Reader) bool {
	in, shown, closeIn, err := openInput(name, stdin)
	if err != nil {
		t.w.Flush()
		fmt.Fprintf(t.stderr, "tcpwrap: %s: %s\n", name, sysdeps.Strerror(err))
		return false
	}
	defer closeIn()
	lr := newLineReader(in)
	for {
		n, text, tooLong, err := lr.next()
		switch {
		case err == io.EOF:
			return true
		case err != nil:
			t.w.Flush()
			fmt.Fprintf(t.stderr, "tcpwrap: %s: %s\n", shown, sysdeps.Strerror(err))
			return false
		case tooLong:
			t.bad++
			fmt.Fprintf(t.w, "%s:%d:1: line longer than %d bytes\n", shown, n, maxBatchLine)
		default:
			t.line(shown, n, text)
		}
	}
}

// A word is one blank-separated word of an expectation line and its
// 1-based byte column.
type word struct {
	text string
	col  int
}

// words splits a line at blanks, up to a word that starts with '#'.
func words(line string) []word {
	var out []word
	for i := 0; i < len(line); {
		if line[i] == ' ' || line[i] == '\t' {
			i++
			continue
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		if line[i] == '#' {
			break
		}
		out = append(out, word{line[i:j], i + 1})
		i = j
	}
	return out
}

// line runs the expectation on one line, if it has one.
func (t *tester) line(file string, n int, text string) {
	f := words(text)
	if len(f) == 0 {
		return
	}
	bad := func(w word, format string, args ...any) {
		t.bad++
		fmt.Fprintf(t.w, "%s:%d:%d: %s\n", file, n, w.col, fmt.Sprintf(format, args...))
	}
	col := f[0].col
	if !wire.IsVerdict(f[0].text) {
		bad(f[0], "want granted, denied or delegated first, got %s", quoteWord(f[0].text))
		return
	}
	want := wire.Expect{Access: f[0].text}
	f = f[1:]
	// by RULE
	if k := len(f) - 2; k >= 0 && f[k].text == "by" {
		r := f[k+1]
		if !wire.ValidRule(r.text) {
			bad(r, "want hosts.allow:N, hosts.deny:N or none after by, got %s", quoteWord(r.text))
			return
		}
		want.Rule = r.text
		f = f[:k]
	}
	var reqs []engine.Request
	var shown string
	switch {
	case len(f) == 0:
		bad(word{col: len(text) + 1}, "want a request after %s", want.Access)
		return
	case f[0].text == "hosts_ctl":
		if len(f) < 4 || len(f) > 5 {
			bad(f[0], "want hosts_ctl DAEMON NAME ADDR [USER], got %s after hosts_ctl", plural(len(f)-1, "word", "words"))
			return
		}
		var ws []string
		for _, w := range f[1:] {
			ws = append(ws, w.text)
		}
		c := wire.CtlWords(ws)
		req, _ := ctlRequest(c, n)
		reqs, shown = []engine.Request{req}, c.Call()
	case len(f) != 2:
		bad(f[0], "want DAEMON[@SERVER] [USER@]CLIENT after %s, got %s", want.Access, plural(len(f), "word", "words"))
		return
	default:
		if err := checkOperands(f[0].text, f[1].text); err != nil {
			bad(f[0], "%v", err)
			return
		}
		var err error
		reqs, err = engine.Query(t.m.policy.Resolver, f[0].text, f[1].text, t.cfg.clientPort, t.cfg.serverPort)
		if err != nil {
			bad(f[1], "%v", err)
			return
		}
		shown = f[0].text + " " + f[1].text
	}
	var misses []string
	for _, req := range reqs {
		d := t.m.policy.Decide(req)
		t.requests++
		got := wire.Expect{Access: string(d.Access), Rule: "none"}
		if slot, ok := t.m.slot(d.Matched); ok {
			t.hits[slot]++
			got.Rule = fmt.Sprintf("%s:%d", t.m.slots[slot].file, t.m.slots[slot].line.Num)
		}
		if want.Meets(got) {
			continue
		}
		who := shown
		if len(reqs) > 1 {
			who += " (address " + req.Client.Socket.Addr().String() + ")"
		}
		gotText := got.Access + " by " + got.Rule
		if r := t.m.ruleOut(d.Matched); r != nil {
			gotText += " (" + r.Text + ")"
		} else if d.Error != "" {
			gotText += " (" + d.Error + ")"
		}
		misses = append(misses, fmt.Sprintf("%s: want %s, got %s", who, want, gotText))
	}
	if len(misses) == 0 {
		t.met++
		if t.cfg.verbose {
			fmt.Fprintf(t.w, "%s:%d:%d: ok: %s %s\n", file, n, col, shown, want)
		}
		return
	}
	t.failed++
	for _, s := range misses {
		fmt.Fprintf(t.w, "%s:%d:%d: FAIL: %s\n", file, n, col, s)
	}
}

// maxQuoted is how much of a word an error message quotes.
const maxQuoted = 40

// quoteWord quotes w for an error message, cut to maxQuoted bytes (at a
// UTF-8 boundary) with "..." after: the column already says where the
// word is, and a 4,000-byte word need not be printed again.
func quoteWord(w string) string {
	if len(w) <= maxQuoted {
		return strconv.Quote(w)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(w[cut]) {
		cut--
	}
	return strconv.Quote(w[:cut]) + "..."
}

// maxIdleShown is how many rules no request reached the last line names.
const maxIdleShown = 20

// summary writes the last line: the counts, and the rules no request
// was decided by.
func (t *tester) summary() {
	var idle []string
	for i, s := range t.m.slots {
		if t.hits[i] == 0 {
			idle = append(idle, fmt.Sprintf("%s:%d", s.file, s.line.Num))
		}
	}
	verdict := "ok"
	if t.failed > 0 || t.bad > 0 || t.unread > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(t.w, "%s: %d of %s met (%s)", verdict, t.met, plural(t.met+t.failed, "expectation", "expectations"), plural(t.requests, "request", "requests"))
	if t.bad > 0 {
		fmt.Fprintf(t.w, ", %s not read", plural(t.bad, "line", "lines"))
	}
	if t.unread > 0 {
		fmt.Fprintf(t.w, ", %s not read", plural(t.unread, "file", "files"))
	}
	if len(idle) > maxIdleShown {
		idle = append(idle[:maxIdleShown], fmt.Sprintf("and %d more", len(idle)-maxIdleShown))
	}
	if len(idle) > 0 {
		fmt.Fprintf(t.w, "; no request was decided by %s", strings.Join(idle, ", "))
	}
	fmt.Fprintln(t.w)
}
