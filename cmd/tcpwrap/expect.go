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

  VERDICT DAEMON[@SERVER] [USER@]CLIENT [--client-port N] [--server-port N] [by RULE]
  VERDICT hosts_ctl DAEMON NAME ADDR [USER] [by RULE]

VERDICT is granted, denied or delegated (a twist option took the
connection over). The request is written as for "tcpwrap match" (the
second form as for its hosts_ctl requests; "" is an empty string); a host
name CLIENT stands for every address it has, and each must get the
verdict. "by RULE" also requires the deciding rule: hosts.allow:N,
hosts.deny:N, or none (no rule decided: the default grant, or an error
before any rule). --client-port and --server-port on a line give that
request's ports in place of the flags'. A '#' word starts a comment;
blank lines are skipped. At most 4096 bytes a line. tcpwrap match
records such lines from a list of requests, each with the verdict it
gets now (see tcpwrap match -h).

Flags:
  -d DIR               read DIR/hosts.allow and DIR/hosts.deny (default /etc)
  --hosts FILE         answer host name lookups from FILE (/etc/hosts format)
                       instead of the system resolver
  --netgroup FILE      answer netgroup lookups from FILE (/etc/netgroup format);
                       without it no host is in any netgroup
  --profile NAME       debian (default), upstream or freebsd
  --client-port N      the client's port (default 0)
  --server-port N      the server's port (default 0; needs DAEMON@SERVER)
  -v                   print every expectation met as well (text format)
  --format F           text (default); json: one object with the counts, the
                       rules no request reached and every line's result;
                       junit: JUnit XML for CI (a testsuite per file, a
                       testcase per line, a failure per unmet expectation,
                       an error per unreadable line or file)

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
	format  string // text, json or junit
}

// testFlags defines test's flags (testUsage lists them), into cfg;
// --profile's text goes into *profile.
func testFlags(cfg *testConfig) (set *flag.FlagSet, profile *string) {
	set = newFlagSet("test")
	profile = requestFlags(set, &cfg.matchConfig)
	set.BoolVar(&cfg.verbose, "v", false, "")
	set.StringVar(&cfg.format, "format", "text", "")
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
	case cfg.format != "text" && cfg.format != "json" && cfg.format != "junit":
		return nil, nil, usagef("--format %q: want text, json or junit", cfg.format)
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
	w := bufio.NewWriter(stdout)
	t := &tester{m: m, cfg: cfg, hits: make([]int, len(m.slots)), w: w, stderr: stderr}
	switch cfg.format {
	case "json":
		t.out = &jsonReporter{w: w}
	case "junit":
		t.out = &junitReporter{w: w}
	default:
		t.out = &textReporter{w: w, verbose: cfg.verbose}
	}
	for _, name := range files {
		if !t.file(name, stdin) {
			t.unread++
		}
	}
	status := exitOK
	if t.failing() {
		status = exitInput
	}
	t.out.done(t)
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
	out    testReporter
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
		t.out.unreadable(name, sysdeps.Strerror(err))
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
			t.out.unreadable(shown, sysdeps.Strerror(err))
			return false
		case tooLong:
			t.bad++
			t.out.report(lineResult{file: shown, line: n, col: 1, err: fmt.Sprintf("line longer than %d bytes", maxBatchLine)})
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
		t.out.report(lineResult{file: file, line: n, col: w.col, text: strings.TrimSpace(text), err: fmt.Sprintf(format, args...)})
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
	// --client-port N, --server-port N: this request's ports, in place of
	// the flags'.
	clientPort, serverPort := t.cfg.clientPort, t.cfg.serverPort
	var portWords []word
	for seen := map[string]bool{}; len(f) >= 2; {
		flag, num := f[len(f)-2], f[len(f)-1]
		if flag.text != "--client-port" && flag.text != "--server-port" {
			break
		}
		n, err := strconv.ParseUint(num.text, 10, 16)
		switch {
		case seen[flag.text]:
			bad(flag, "%s given twice", flag.text)
			return
		case err != nil:
			bad(num, "want a port number (0 to 65535) after %s, got %s", flag.text, quoteWord(num.text))
			return
		case flag.text == "--client-port":
			clientPort = uint16(n)
		default:
			serverPort = uint16(n)
		}
		seen[flag.text] = true
		portWords = append([]word{flag, num}, portWords...)
		f = f[:len(f)-2]
	}
	var reqs []engine.Request
	var shown string
	switch {
	case len(f) == 0:
		bad(word{col: len(text) + 1}, "want a request after %s", want.Access)
		return
	case f[0].text == "hosts_ctl":
		if len(portWords) > 0 {
			bad(portWords[0], "a hosts_ctl request has no ports")
			return
		}
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
		reqs, err = engine.Query(t.m.policy.Resolver, f[0].text, f[1].text, clientPort, serverPort)
		if err != nil {
			bad(f[1], "%v", err)
			return
		}
		shown = f[0].text + " " + f[1].text
		for _, w := range portWords {
			shown += " " + w.text
		}
	}
	res := lineResult{file: file, line: n, col: col, text: strings.TrimSpace(text), request: shown, want: want, met: true}
	for _, req := range reqs {
		d := t.m.policy.Decide(req)
		t.requests++
		e, slot, ok := t.m.expectOf(d)
		if ok {
			t.hits[slot]++
		}
		g := got{Expect: e}
		if len(reqs) > 1 {
			g.address = req.Client.Socket.Addr().String()
		}
		if r := t.m.ruleOut(d.Matched); r != nil {
			g.ruleText = r.Text
		}
		g.err = d.Error
		g.met = want.Meets(g.Expect)
		res.met = res.met && g.met
		res.got = append(res.got, g)
	}
	if res.met {
		t.met++
	} else {
		t.failed++
	}
	t.out.report(res)
}

// A lineResult is what one line of an expectation file came to: an
// expectation judged (err empty), or a line that is not one.
type lineResult struct {
	file      string
	line, col int
	text      string // the line, trimmed
	err       string // why the line is not an expectation

	request string // the request as shown: its operands, or the hosts_ctl call
	want    wire.Expect
	met     bool
	got     []got // one per prediction
}

// A got is what one prediction of an expectation's request got.
type got struct {
	wire.Expect
	address  string // the client address, when the request has several
	ruleText string // the deciding rule's text, "" for none
	err      string // the error that decided, if one did
	met      bool
}

// A testReporter writes the results of tcpwrap test in one format.
type testReporter interface {
	// report takes one line's result, in the files' order.
	report(lineResult)
	// unreadable takes a file that could not be read (already said on
	// standard error) and why.
	unreadable(file, msg string)
	// done writes what is left once every file was read: the summary.
	done(t *tester)
}

// textReporter writes each result as it comes: FILE:LINE:COL lines for
// bad lines and unmet expectations (met ones with -v), then one summary
// line.
type textReporter struct {
	w       *bufio.Writer
	verbose bool
}

func (r *textReporter) report(l lineResult) {
	switch {
	case l.err != "":
		fmt.Fprintf(r.w, "%s:%d:%d: %s\n", l.file, l.line, l.col, l.err)
	case l.met:
		if r.verbose {
			fmt.Fprintf(r.w, "%s:%d:%d: ok: %s %s\n", l.file, l.line, l.col, l.request, l.want)
		}
	default:
		for _, g := range l.got {
			if g.met {
				continue
			}
			fmt.Fprintf(r.w, "%s:%d:%d: FAIL: %s\n", l.file, l.line, l.col, missText(l, g))
		}
	}
}

// missText says how the prediction g missed l's expectation: "sshd
// 10.0.0.9: want granted, got denied by hosts.deny:1 (ALL: ALL)".
func missText(l lineResult, g got) string {
	who := l.request
	if g.address != "" {
		who += " (address " + g.address + ")"
	}
	s := fmt.Sprintf("%s: want %s, got %s by %s", who, l.want, g.Access, g.Rule)
	if g.ruleText != "" {
		s += " (" + g.ruleText + ")"
	} else if g.err != "" {
		s += " (" + g.err + ")"
	}
	return s
}

// unreadable: standard error said it.
func (r *textReporter) unreadable(file, msg string) {}

func (r *textReporter) done(t *tester) {
	verdict := "ok"
	if t.failing() {
		verdict = "FAIL"
	}
	fmt.Fprintf(r.w, "%s: %d of %s met (%s)", verdict, t.met, plural(t.met+t.failed, "expectation", "expectations"), plural(t.requests, "request", "requests"))
	if t.bad > 0 {
		fmt.Fprintf(r.w, ", %s not read", plural(t.bad, "line", "lines"))
	}
	if t.unread > 0 {
		fmt.Fprintf(r.w, ", %s not read", plural(t.unread, "file", "files"))
	}
	idle := t.idle()
	if len(idle) > maxIdleShown {
		idle = append(idle[:maxIdleShown], fmt.Sprintf("and %d more", len(idle)-maxIdleShown))
	}
	if len(idle) > 0 {
		fmt.Fprintf(r.w, "; no request was decided by %s", strings.Join(idle, ", "))
	}
	fmt.Fprintln(r.w)
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

// idle is the rules no request was decided by, as hosts.allow:N.
func (t *tester) idle() []string {
	var idle []string
	for i := range t.m.slots {
		if t.hits[i] == 0 {
			idle = append(idle, t.m.ruleName(i))
		}
	}
	return idle
}

// failing reports whether the run fails: an expectation not met, a line
// not read or a file not read.
func (t *tester) failing() bool { return t.failed > 0 || t.bad > 0 || t.unread > 0 }
