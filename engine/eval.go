package engine

import (
	"context"
	"iter"
	"net/netip"
	"strconv"
	"strings"
)

// A Policy is a compiled pair of tables with everything a decision needs.
// It is immutable once built and safe for concurrent use.
type Policy struct {
	// Allow and Deny are the two tables; nil reads as a missing file.
	Allow, Deny *Table
	// Resolver answers name, netgroup, user and group lookups. Nil means
	// no names at all (every reverse lookup fails) and the default user
	// and group tables.
	Resolver Resolver
	// Files gives /path pattern files and banner directories. Nil means
	// none exist.
	Files Files
	// Aclexec decides whether an aclexec command succeeds (exit status
	// 0). Nil assumes success. The engine itself never runs a command.
	Aclexec func(command string) bool
	// DryRun reproduces libwrap's verification mode (tcpdmatch, tcpdchk):
	// aclexec is skipped and twist is not logged.
	DryRun bool
}

// Profile returns the profile the tables were parsed with.
func (p *Policy) Profile() Profile {
	if p.Allow != nil {
		return p.Allow.Profile
	}
	if p.Deny != nil {
		return p.Deny.Profile
	}
	return Debian
}

// Evaluate decides r with a full trace of every line read.
func (p *Policy) Evaluate(r Request) *Decision { return p.decide(r, true) }

// Decide decides r without a trace, using the tables' indexes to skip
// lines that provably cannot match. Its answer is the same as Evaluate's.
func (p *Policy) Decide(r Request) *Decision { return p.decide(r, false) }

// EvaluateContext is [Policy.Evaluate] until ctx is done: then it stops
// and returns no decision and an error matching [ErrCanceled]. A context
// done before the call decides nothing.
func (p *Policy) EvaluateContext(ctx context.Context, r Request) (*Decision, error) {
	return p.decideContext(ctx, r, true)
}

// DecideContext is [Policy.Decide] until ctx is done; see
// [Policy.EvaluateContext].
func (p *Policy) DecideContext(ctx context.Context, r Request) (*Decision, error) {
	return p.decideContext(ctx, r, false)
}

func (p *Policy) decideContext(ctx context.Context, r Request, trace bool) (d *Decision, err error) {
	defer recoverCanceled(ctx, &err)
	done := ctx.Done()
	poll(done)
	return p.decideWith(&evalState{done: done}, &Decision{}, &r, trace), nil
}

// scan results, as libwrap's table_match returns them.
const (
	scanNo = iota
	scanYes
	scanErr
)

// jump ends a decision early, like libwrap's longjmp out of hosts_access.
type jump struct {
	access Access
	reason string
	err    string
	exit   bool // libwrap ends the process here (exit status 0)
}

// Limits on the work one decision may do.
const (
	// MaxPatternFileDepth bounds /path pattern files that name further
	// pattern files.
	MaxPatternFileDepth = 32
	// MaxPatternFileWords bounds the words read from pattern files in
	// one decision.
	MaxPatternFileWords = 1 << 20
)

type hostState struct {
	ep       Endpoint
	addr     string
	addrDone bool
	name     string
	nameDone bool
	form     addrForm // of addr (or of the text the index peeked at)
}

// formOf returns text's addrForm, computed once per decision.
func (h *hostState) formOf(text string, p Profile) *addrForm {
	if h.form.orig != text {
		h.form = makeAddrForm(text, p)
	}
	return &h.form
}

type evalState struct {
	pol   *Policy
	prof  Profile
	res   Resolver
	d     *Decision
	trace bool

	daemon   string
	user     string
	userDone bool
	client   hostState
	server   hostState
	pid      int

	ctxFile string
	ctxLine int

	dryRun        bool
	noFD          bool // Request.NoDescriptor
	quiet         bool // no Log, Warnings or Reason (Decider.Quiet)
	aclexecFailed bool
	keepLines     bool // a Decider's state keeps daemonLines across decisions
	fileStack     []string
	fileWords     int

	cursor lineCursor
	peek   string // the client's address text, once computed for the index

	daemonLines []daemonLines

	// tracing
	lookups *[]string

	// done is the context's: polled per line and per pattern-file word.
	done <-chan struct{}
}

func truncate(s string) string {
	if len(s) > maxString {
		return s[:maxString]
	}
	return s
}

func (p *Policy) decide(r Request, trace bool) *Decision {
	return p.decideWith(&evalState{}, &Decision{}, &r, trace)
}

// A Decider makes decisions one after another for one goroutine, reusing
// its memory: the Decision it returns is valid until its next call. Use
// one Decider per goroutine; the Policy itself is shared.
type Decider struct {
	// Quiet leaves the Decision's Log, Warnings and Reason empty, for
	// callers that want only the verdict and the deciding rule (the
	// decision itself is the same).
	Quiet bool

	p   *Policy
	st  evalState
	d   Decision
	req Request
}

// NewDecider returns a Decider for p.
func (p *Policy) NewDecider() *Decider { return &Decider{p: p} }

// Decide is [Policy.Decide] into reused memory.
func (z *Decider) Decide(r Request) *Decision {
	z.d.reset()
	z.st.reset(z.Quiet)
	z.st.keepLines = true
	z.req = r
	return z.p.decideWith(&z.st, &z.d, &z.req, false)
}

// DecideContext is [Decider.Decide] until ctx is done; see
// [Policy.EvaluateContext]. After a canceled decision the Decider is
// ready for the next one.
//
// It repeats Decide's body rather than share it with a done parameter:
// Decide is the Envoy filter's path, and sharing it cost that path 5 to
// 10 ns a decision (BenchmarkDecider).
func (z *Decider) DecideContext(ctx context.Context, r Request) (d *Decision, err error) {
	defer recoverCanceled(ctx, &err)
	done := ctx.Done()
	poll(done)
	z.d.reset()
	z.st.reset(z.Quiet)
	z.st.keepLines, z.st.done = true, done
	z.req = r
	return z.p.decideWith(&z.st, &z.d, &z.req, false), nil
}

// reset empties d for reuse, keeping its slices' memory. It assigns field
// by field rather than building a fresh 520-byte Decision and copying it
// in, which under wasm is a clear and a copy through linear memory on
// every decision (TestResetClearsEverything catches a field left out).
func (d *Decision) reset() {
	d.Access, d.Matched = "", nil
	d.Matches, d.Options, d.Commands = d.Matches[:0], d.Options[:0], d.Commands[:0]
	d.Banner, d.Env, d.Effects, d.Severity = "", nil, d.Effects[:0], ""
	d.Log, d.Warnings = d.Log[:0], d.Warnings[:0]
	d.Reason, d.Error, d.Daemon, d.User, d.Probe = "", "", "", "", ""
	d.Client, d.Server = HostInfo{}, HostInfo{}
	d.Trace = nil
	d.primeEnd, d.primed, d.stdout, d.paranoid, d.exited = 0, [6]string{}, nil, false, false
}

// reset empties st for reuse, keeping the index cursor's memory and the
// daemonLines; see [Decision.reset].
func (st *evalState) reset(quiet bool) {
	st.pol, st.prof, st.res, st.d, st.trace, st.done = nil, 0, nil, nil, false, nil
	st.daemon, st.user, st.userDone = "", "", false
	st.client, st.server = hostState{}, hostState{}
	st.pid, st.ctxFile, st.ctxLine = 0, "", 0
	st.dryRun, st.noFD, st.quiet, st.aclexecFailed = false, false, quiet, false
	st.fileStack, st.fileWords = st.fileStack[:0], 0
	st.peek, st.lookups, st.keepLines = "", nil, false
}

func (p *Policy) decideWith(st *evalState, d *Decision, r *Request, trace bool) (result *Decision) {
	st.pol, st.prof, st.res, st.trace, st.dryRun = p, p.Profile(), p.Resolver, trace, p.DryRun
	if st.res == nil {
		st.res = emptyResolver{}
	}
	st.d = d
	st.daemon = truncate(r.Daemon)
	if st.daemon == "" && !r.EmptyDaemon {
		st.daemon = unknown
	}
	if r.User != "" {
		st.user, st.userDone = truncate(r.User), true
	}
	st.client.ep = r.Client
	st.server.ep = r.Server
	st.pid = r.PID
	st.noFD = r.NoDescriptor
	defer func() {
		if e := recover(); e != nil {
			j, ok := e.(jump)
			if !ok {
				panic(e)
			}
			d.Access = j.access
			d.Reason = j.reason
			d.Error = j.err
			d.exited = j.exit
			if n := len(d.Trace); j.err != "" && n > 0 && d.Trace[n-1].Note == "" {
				d.Trace[n-1].Note = "libwrap stops here: " + j.err
			}
			result = d
		}
		if r.Probe != "" {
			st.probe(r.Probe)
		}
		st.finish()
	}()
	if r.Prime {
		st.prime()
		st.dryRun = true
	}
	// PARANOID is tcpd's step (and tcpdmatch's), not the library's: a
	// daemon that calls hosts_ctl has none.
	if st.prof.paranoidMode() && !st.noFD && st.hostname(&st.client) == paranoid {
		d.Access = Denied
		d.paranoid = true
		d.Reason = "PARANOID mode: the client's host name could not be verified, the tables are not read"
		return d
	}
	if st.scan(p.Allow, true) == scanYes {
		if d.Access == "" {
			d.Access = Granted
		}
		return d
	}
	switch st.scan(p.Deny, false) {
	case scanNo:
		d.Access = Granted
		if d.Matched == nil && d.Reason == "" {
			d.Reason = "no rule matched: access is granted by default"
		}
	case scanYes:
		if d.Access == "" {
			d.Access = Denied
		}
	case scanErr:
		d.Access = Denied
		d.Matched = nil
		if d.Reason == "" {
			d.Reason = "hosts.deny could not be read to the end: libwrap denies what no earlier rule matched"
		}
	}
	return d
}

// prime evaluates every attribute up front and sanitises it, as tcpdmatch
// does while printing its client and server lines.
func (st *evalState) prime() {
	for _, h := range []*hostState{&st.server, &st.client} {
		if h.ep.Socket.IsValid() && h.ep.Name == "" {
			if st.hostname(h) == unknown {
				st.warn("host address %s->name lookup failed", st.hostaddr(h))
			}
		}
	}
	st.client.name = sanitize(st.hostname(&st.client))
	st.client.addr = sanitize(st.hostaddr(&st.client))
	st.user = sanitize(st.evalUser())
	st.server.name = sanitize(st.hostname(&st.server))
	st.server.addr = sanitize(st.hostaddr(&st.server))
	st.daemon = sanitize(st.daemon)
	st.d.primed = [6]string{st.client.name, st.client.addr, st.user, st.server.name, st.server.addr, st.daemon}
	st.d.primeEnd = len(st.d.Log)
}

func (st *evalState) finish() {
	d := st.d
	d.Daemon = st.daemon
	d.User = st.user
	d.Client = HostInfo{Addr: st.client.addr, Name: st.client.name, Port: int(st.client.ep.Socket.Port())}
	d.Server = HostInfo{Addr: st.server.addr, Name: st.server.name, Port: int(st.server.ep.Socket.Port())}
}

func (st *evalState) log(msg string) {
	if !st.quiet {
		st.d.Log = append(st.d.Log, msg)
	}
}

// warn logs like tcpd_warn: "warning: FILE, line N: TEXT".
func (st *evalState) warn(format string, args ...any) {
	if st.quiet {
		return
	}
	msg := "warning: " + st.context() + sprintf(format, args...)
	st.log(msg)
	st.d.Warnings = append(st.d.Warnings, msg)
}

func (st *evalState) context() string {
	if st.ctxFile == "" {
		return ""
	}
	return st.ctxFile + ", line " + strconv.Itoa(st.ctxLine) + ": "
}

// fail logs like tcpd_jump and ends the decision with a denial.
func (st *evalState) fail(format string, args ...any) {
	text := sprintf(format, args...)
	msg := "error: " + st.context() + text
	st.log(msg)
	st.d.Warnings = append(st.d.Warnings, msg)
	panic(jump{access: Denied, reason: "option error: " + text})
}

// abort ends a decision where libwrap would not have decided at all (it
// crashes or exits): logged like an error, a denial with Decision.Error.
func (st *evalState) abort(format string, args ...any) {
	msg := sprintf(format, args...)
	line := "error: " + st.context() + msg
	st.log(line)
	st.d.Warnings = append(st.d.Warnings, line)
	panic(jump{access: Denied, reason: msg, err: msg})
}

// scan reads one table like libwrap's table_match.
func (st *evalState) scan(t *Table, allow bool) int {
	if t == nil || t.Missing {
		return scanNo
	}
	if t.TooLarge {
		st.abort("%s: %s", t.Name, ErrTableTooLarge.Error())
	}
	if t.OpenError != "" {
		st.warn("cannot open %s: %s", t.Name, t.OpenError)
		if st.prof.tableErrors() {
			return scanErr
		}
		return scanNo
	}
	st.ctxFile, st.ctxLine = t.Name, 0
	r := st.scanLines(t, allow)
	// Not deferred: like libwrap, a jump out of the table (an allow or
	// deny option, an error) leaves the context set, which shows in the
	// warnings of a probe expanded afterwards.
	st.ctxFile, st.ctxLine = "", 0
	return r
}

// scanLines is scan once the table is open.
func (st *evalState) scanLines(t *Table, allow bool) int {
	var matched *Line
	result := scanNo
	lines := t.Lines
	var ix *lineCursor
	if !st.trace && t.index != nil {
		ix = &st.cursor
		ix.reset(t, st)
	}
	for i := 0; i < len(lines); i++ {
		if ix != nil {
			next := ix.next(i)
			for _, w := range ix.skippedWarnings(i, next) {
				st.ctxLine = lines[w].Num
				st.warn(`missing ":" separator`)
			}
			i = next
			if i >= len(lines) {
				break
			}
		}
		poll(st.done)
		ln := lines[i]
		st.ctxLine = ln.Num
		switch ln.Kind {
		case LineUnterminated:
			st.warn("missing newline or line too long")
			step := st.step(t, ln)
			if st.prof.tableErrors() {
				st.warn("all the subsequent rules will be ignored")
				if step != nil {
					step.Note = "no newline or too long: libwrap stops reading this table here, as an error"
				}
				if !allow {
					st.d.Reason = sprintf("%s line %d has no newline or is too long: libwrap stops reading and denies", t.Name, ln.Num)
				}
				return scanErr
			}
			if step != nil {
				step.Note = "no newline or too long: libwrap skips the line"
			}
			continue
		case LineComment, LineBlank:
			if step := st.step(t, ln); step != nil {
				step.Note = ln.Kind.String()
			}
			continue
		case LineNoSeparator:
			st.warn(`missing ":" separator`)
			if step := st.step(t, ln); step != nil {
				step.Note = `no ":" outside brackets: the line is skipped`
			}
			continue
		}
		step := st.step(t, ln)
		dm := st.listMatch(ln.Daemons.Tokens, step, false)
		cm := false
		if dm {
			if step != nil {
				// Set before the client list, which an error can end.
				step.DaemonMatch = true
			}
			cm = st.listMatch(ln.Clients.Tokens, step, true)
		}
		if step != nil {
			step.ClientMatch, step.Match = cm, dm && cm
		}
		if dm && cm {
			matched = ln
			result = scanYes
			break
		}
	}
	if result != scanYes {
		return result
	}
	st.d.Matches = append(st.d.Matches, RuleRef{File: t.Name, Line: matched.Num, Span: matched.Span})
	st.d.Matched = &st.d.Matches[len(st.d.Matches)-1]
	if !st.quiet {
		where := t.Name + " line " + strconv.Itoa(matched.Num)
		st.log("matched:  " + where)
		if allow {
			st.d.Reason = where + " matched: access is granted"
		} else {
			st.d.Reason = where + " matched: access is denied"
		}
	}
	if matched.Third != nil {
		if st.prof.options() {
			st.runOptions(matched, allow)
			if st.aclexecFailed && st.prof.aclexec() {
				st.log("aclexec returned 1")
				st.d.Matched = nil
				st.d.Reason = sprintf("%s line %d matched but its aclexec command failed: the rule counts as not matched", t.Name, matched.Num)
				return scanNo
			}
		} else {
			cmd := st.percentX(matched.Third.Text, 8192)
			st.d.Commands = append(st.d.Commands, Command{Kind: "shell", Command: cmd})
			if st.dryRun {
				// tcpdmatch's stand-in for shell_cmd prints the command.
				// It prints the text as it is: a command has its
				// line's newline unless an expansion took it.
				st.d.stdout = append(st.d.stdout, outChunk{at: len(st.d.Log), text: "command: " + cmd,
					glue: !strings.HasSuffix(cmd, "\n")})
			}
		}
	}
	return scanYes
}

func (st *evalState) step(t *Table, ln *Line) *Step {
	if !st.trace {
		return nil
	}
	st.d.Trace = append(st.d.Trace, Step{File: t.Name, Line: ln.Num, Span: ln.Span, Kind: ln.Kind, Text: ln.Text})
	return &st.d.Trace[len(st.d.Trace)-1]
}

// listMatch walks a list like libwrap's list_match: left to right, the
// first matching token skips to the next EXCEPT, whose list is then
// matched recursively and inverted.
func (st *evalState) listMatch(toks []*Token, step *Step, client bool) bool {
	var out *[]TokenStep
	if step != nil {
		if client {
			out = &step.Clients
		} else {
			out = &step.Daemons
		}
	}
	return st.listFrom(toks, 0, client, out)
}

func (st *evalState) listFrom(toks []*Token, i int, client bool, out *[]TokenStep) bool {
	for ; i < len(toks); i++ {
		t := toks[i]
		if t.Except {
			st.record(out, t, "except", "EXCEPT: reached before any pattern matched, so the list does not match", nil)
			st.skipRest(toks, i+1, out)
			return false
		}
		var ok bool
		if out == nil {
			if client {
				ok = st.clientMatch(t.pat.client)
			} else {
				ok = st.daemonMatch(t.pat.daemon)
			}
		} else {
			lookups := []string{}
			ok = st.tracedMatch(t, client, out, &lookups)
			state := "no-match"
			if ok {
				state = "match"
			}
			if len(lookups) == 0 {
				lookups = nil
			}
			st.record(out, t, state, st.explain(t, client, ok), lookups)
		}
		if ok {
			j := i + 1
			for j < len(toks) && !toks[j].Except {
				st.record(out, toks[j], "skipped", "not evaluated: an earlier pattern matched", nil)
				j++
			}
			if j == len(toks) {
				return true
			}
			st.record(out, toks[j], "except", "", nil)
			at := -1
			if out != nil {
				at = len(*out) - 1
			}
			excepted := st.listFrom(toks, j+1, client, out)
			if at >= 0 {
				if excepted {
					(*out)[at].Why = "EXCEPT: the exception list after it matched, so this part of the list does not match"
				} else {
					(*out)[at].Why = "EXCEPT: the exception list after it did not match, so the match before it stands"
				}
			}
			return !excepted
		}
	}
	return false
}

// tracedMatch matches one token for a trace, noting lookups. A token whose
// evaluation ends the decision (a pattern file that includes itself, one
// nested too deep) is recorded with state "error" before the jump goes on.
func (st *evalState) tracedMatch(t *Token, client bool, out *[]TokenStep, lookups *[]string) bool {
	st.lookups = lookups
	defer func() {
		st.lookups = nil
		if e := recover(); e != nil {
			if j, ok := e.(jump); ok && j.err != "" {
				st.record(out, t, "error", j.err, *lookups)
			}
			panic(e)
		}
	}()
	if client {
		return st.clientMatch(t.pat.client)
	}
	return st.daemonMatch(t.pat.daemon)
}

func (st *evalState) skipRest(toks []*Token, i int, out *[]TokenStep) {
	for ; i < len(toks); i++ {
		st.record(out, toks[i], "skipped", "not evaluated", nil)
	}
}

func (st *evalState) record(out *[]TokenStep, t *Token, state, why string, lookups []string) {
	if out == nil {
		return
	}
	*out = append(*out, TokenStep{Text: t.Text, Span: t.Span, State: state, Depth: t.Depth, Why: why, Lookups: lookups})
}

func (st *evalState) noteLookup(format string, args ...any) {
	if st.lookups != nil {
		*st.lookups = append(*st.lookups, sprintf(format, args...))
	}
}

// daemonMatch is libwrap's server_match.
func (st *evalState) daemonMatch(dp *daemonPat) bool {
	var ok bool
	if dp.port >= 0 {
		ok = st.server.ep.Socket.IsValid() && int32(st.server.ep.Socket.Port()) == dp.port
	} else {
		ok = dp.name.match(st.daemon, st.prof, st.res)
	}
	if dp.hasHost {
		return ok && st.hostMatch(dp.host, &st.server)
	}
	return ok
}

// clientMatch is libwrap's client_match: host first, then the user.
func (st *evalState) clientMatch(cp *clientPat) bool {
	if !st.hostMatch(cp.host, &st.client) {
		return false
	}
	if cp.hasUser {
		return cp.user.match(st.evalUser(), st.prof, st.res)
	}
	return true
}

func hostnameKnown(s string) bool {
	return !asciiEqualFold(s, unknown) && !asciiEqualFold(s, paranoid)
}

// hostMatch is libwrap's host_match (spec §5.2).
func (st *evalState) hostMatch(hp *hostPat, h *hostState) bool {
	switch hp.kind {
	case hostNetgroup:
		if !st.prof.netgroups() {
			// Built without NETGROUP (upstream's linux target): a
			// warning, no lookup, never a match.
			st.warn("netgroup support is disabled")
			if st.lookups != nil {
				st.noteLookup("netgroup %q: this build has no netgroup support", hp.text[1:])
			}
			return false
		}
		name := st.hostname(h)
		ok := st.res.InNetgroup(hp.text[1:], name)
		if st.lookups != nil {
			st.noteLookup("netgroup %q membership of %q: %v", hp.text[1:], name, ok)
		}
		return ok
	case hostFile:
		return st.fileMatch(hp.text, h)
	case hostKnown:
		name := st.hostname(h)
		return !asciiEqualFold(st.hostaddr(h), unknown) && hostnameKnown(name)
	case hostLocal:
		name := st.hostname(h)
		return !strings.Contains(name, ".") && hostnameKnown(name)
	case hostNetmask:
		ok, bad := hp.maskedMatch(h.formOf(st.hostaddr(h), st.prof), st.prof, st.res)
		if bad {
			st.warn("bad net/mask expression: %s/%s", hp.netText, hp.maskText)
		}
		return ok
	}
	if hp.sp.match(st.hostaddr(h), st.prof, st.res) {
		return true
	}
	return hp.nameToo && hp.sp.match(st.hostname(h), st.prof, st.res)
}

// fileMatch is libwrap's hostfile_match: every white-space separated word
// of the file is a host pattern, tried in order.
func (st *evalState) fileMatch(path string, h *hostState) bool {
	if st.pol.Files == nil {
		if st.lookups != nil {
			st.noteLookup("pattern file %s: not found", path)
		}
		return false
	}
	for _, p := range st.fileStack {
		if p == path {
			st.abort("pattern file %s includes itself: libwrap would recurse until it crashes", path)
		}
	}
	if len(st.fileStack) >= MaxPatternFileDepth {
		st.abort("pattern file %s: nesting deeper than %d files", path, MaxPatternFileDepth)
	}
	data, err := st.pol.Files.ReadFile(path)
	if err != nil {
		if isNotExist(err) {
			if st.lookups != nil {
				st.noteLookup("pattern file %s: not found", path)
			}
			return false
		}
		if isTooLarge(err) {
			// libwrap reads the whole file and might match a word past
			// any limit: no answer here is libwrap's, so none is given.
			st.abort("pattern file %s: %s: not read", path, strerror(err))
		}
		st.warn("open %s: %s", path, strerror(err))
		return false
	}
	if st.lookups != nil {
		st.noteLookup("pattern file %s read", path)
	}
	st.fileStack = append(st.fileStack, path)
	defer func() { st.fileStack = st.fileStack[:len(st.fileStack)-1] }()
	for word := range patternWords(data) {
		poll(st.done)
		st.fileWords++
		if st.fileWords > MaxPatternFileWords {
			msg := sprintf("pattern files: more than %d words read in one decision", MaxPatternFileWords)
			panic(jump{access: Denied, reason: msg, err: msg})
		}
		if st.hostMatch(compileHost(string(word), st.prof), h) {
			if st.lookups != nil {
				st.noteLookup("pattern file %s: %q matched", path, word)
			}
			return true
		}
	}
	return false
}

// patternWords yields the words of a pattern file as hostfile_match reads
// them: separated by white space, each cut at a NUL.
func patternWords(data []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for i, j := range patternSpans(data) {
			if !yield(data[i:j]) {
				return
			}
		}
	}
}

// patternSpans yields where each of patternWords' words starts and ends
// in data.
func patternSpans(data []byte) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		for i := 0; i < len(data); {
			for i < len(data) && isCSpace(data[i]) {
				i++
			}
			if i >= len(data) {
				return
			}
			j := i
			for j < len(data) && !isCSpace(data[j]) {
				j++
			}
			start, end := i, j
			i = j
			if k := indexByte(data[start:end], 0); k >= 0 {
				end = start + k
			}
			if !yield(start, end) {
				return
			}
		}
	}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// hostaddr is libwrap's eval_hostaddr.
func (st *evalState) hostaddr(h *hostState) string {
	if !h.addrDone {
		h.addrDone = true
		if h == &st.client && st.peek != "" {
			h.addr = st.peek // already computed for the index
		} else {
			h.addr = h.addrText(st.res)
		}
	}
	return h.addr
}

// addrText is the address string libwrap evaluates for the endpoint: the
// preset text, the socket address in numeric form (a scope named as res's
// interfaces name it), or "unknown".
func (h *hostState) addrText(res Resolver) string {
	switch {
	case h.ep.Addr != "":
		return truncate(h.ep.Addr)
	case h.ep.Socket.IsValid():
		return truncate(numericHost(h.ep.Socket.Addr(), res))
	}
	return unknown
}

// numericHost formats an address the way getnameinfo(NI_NUMERICHOST)
// does on glibc, its scope as scopeText.
func numericHost(a netip.Addr, res Resolver) string {
	zone := ""
	if z := scopeText(a, res); z != "" {
		zone = "%" + z
	}
	a = a.WithZone("")
	if a.Is6() && !a.Is4In6() {
		b := a.As16()
		zero12 := true
		for _, x := range b[:12] {
			if x != 0 {
				zero12 = false
			}
		}
		if zero12 && (b[12] != 0 || b[13] != 0) {
			// glibc prints IPv4-compatible addresses with a dotted tail.
			return sprintf("::%d.%d.%d.%d", b[12], b[13], b[14], b[15]) + zone
		}
	}
	return a.String() + zone
}

// scopeText is the scope of IPv6 address a as getnameinfo prints it: none
// for scope 0, the interface's name for a link-local address's scope when
// res's interfaces know the index ([InterfaceResolver]; without it, or nil:
// only index 1, "lo"), else the number; a zone
// that is not a number is taken to be an interface name already.
func scopeText(a netip.Addr, res Resolver) string {
	z := a.Zone()
	if numeric(z) {
		z = strings.TrimLeft(z, "0")
		if z != "" && fitsUint32(z) && (a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast()) {
			n, _ := strconv.ParseUint(z, 10, 32)
			if name, ok := interfacesOf(res).InterfaceName(uint32(n)); ok {
				z = name
			}
		}
	}
	return z
}

// hostname is libwrap's eval_hostname.
func (st *evalState) hostname(h *hostState) string {
	if !h.nameDone {
		h.nameDone = true
		h.name = unknown
		switch {
		case h.ep.Name != "":
			h.name = truncate(h.ep.Name)
		case h.ep.Socket.IsValid():
			st.lookupName(h)
		}
	}
	return h.name
}

// lookupName is libwrap's sock_hostname: a reverse lookup, double-checked
// by a forward lookup (spec §5.4).
func (st *evalState) lookupName(h *hostState) {
	a := h.ep.Socket.Addr().WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	v6 := a.Is6()
	if st.prof == Upstream && a.Is4() && a.IsUnspecified() {
		return
	}
	name, ok := st.res.LookupAddr(a)
	if !ok {
		if st.lookups != nil {
			st.noteLookup("reverse lookup of %s: no name", a)
		}
		return
	}
	h.name = truncate(name)
	var numeric, refused bool
	if st.prof != Upstream {
		numeric, refused = numericName(h.name, v6, st.prof, st.res)
	}
	if numeric {
		if st.lookups != nil {
			st.noteLookup("reverse lookup of %s: %q, which is an address", a, name)
		}
		st.warn("host name/name mismatch: reverse lookup results in non-FQDN %s", h.name)
		h.name = paranoid
		return
	}
	// A refused name never reaches a name service (numericName).
	var canon string
	var addrs []netip.Addr
	if ok = !refused; ok {
		canon, addrs, ok = st.res.LookupHost(h.name, v6)
	}
	if v, num := inetAton(h.name, false); num && st.prof == Upstream {
		// gethostbyname answers a numeric name itself.
		canon, addrs, ok = h.name, []netip.Addr{v4Addr(v)}, true
	}
	if !ok {
		if st.lookups != nil {
			st.noteLookup("reverse lookup of %s: %q; forward lookup of %q failed", a, name, h.name)
		}
		if st.prof == Upstream {
			st.warn("can't verify hostname: gethostbyname(%s) failed", h.name)
		} else {
			fam := "AF_INET"
			if v6 {
				fam = "AF_INET6"
			}
			st.warn("can't verify hostname: getaddrinfo(%s, %s) failed", h.name, fam)
		}
		h.name = paranoid
		return
	}
	// Both mismatch warnings print the canonical name with "%.*s" and
	// STRING_LENGTH: at most 128 bytes (engine/testdata/found/F10.txtar).
	shown := canon
	if len(shown) > maxString+1 {
		shown = shown[:maxString+1]
	}
	if !asciiEqualFold(h.name, canon) && !asciiEqualFold(h.name, "localhost") {
		if st.lookups != nil {
			st.noteLookup("reverse lookup of %s: %q; its canonical name is %q", a, name, canon)
		}
		st.warn("host name/name mismatch: %s != %s", h.name, shown)
		h.name = paranoid
		return
	}
	// The forward lookup's addresses have no scope: a client with one is
	// never among them.
	scoped := a.Is6() && scopeText(h.ep.Socket.Addr(), nil) != ""
	for _, x := range addrs {
		if x.WithZone("") == a && !scoped {
			if st.lookups != nil {
				st.noteLookup("reverse lookup of %s: %q, verified by its forward lookup", a, name)
			}
			return
		}
	}
	if st.lookups != nil {
		st.noteLookup("reverse lookup of %s: %q, whose forward lookup does not give %s back", a, name, a)
	}
	st.warn("host name/address mismatch: %s != %s", numericHost(a.WithZone(h.ep.Socket.Addr().Zone()), st.res), shown)
	h.name = paranoid
}

// evalUser is libwrap's eval_user; the engine never makes IDENT queries.
func (st *evalState) evalUser() string {
	if !st.userDone {
		st.userDone = true
		st.user = unknown
	}
	return st.user
}

// probe expands the request's probe template after the decision; an
// overflow there only loses the probe. Its warnings carry the context the
// decision left: none when the tables were read to the end, the deciding
// rule's file and line when an option or an error ended the decision
// (libwrap restores the context only when table_match returns).
func (st *evalState) probe(template string) {
	defer func() {
		if e := recover(); e != nil {
			if _, ok := e.(jump); !ok {
				panic(e)
			}
		}
	}()
	st.d.Probe = st.percentX(template, 8192)
}
