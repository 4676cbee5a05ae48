package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/tcpwrap/tcpwrap/cmd/internal/sysdeps"
	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// maxBatchLine is the longest line a --batch file may have, in bytes,
// without its line end. A longer line is reported as an error and skipped.
const maxBatchLine = 4096

const matchUsage = `Usage:
  tcpwrap match [flags] DAEMON[@SERVER] [USER@]CLIENT
  tcpwrap match [flags] --batch FILE|- [--summary]
  tcpwrap match [flags] --ctl DAEMON NAME ADDR [USER]
  tcpwrap match [flags] --ctl --batch FILE|- [--summary]

Predicts what libwrap decides for a connection from CLIENT to DAEMON, and
explains it: the verdict, the deciding rule, every line read and why each
pattern did or did not match, the options with their expanded values, the
commands that would run (tcpwrap never runs any) and libwrap's warnings.

Unlike tcpdmatch, an address operand is a connection from that address:
its host name is looked up (and double-checked) when a rule needs it. A
host name operand gives one prediction per address. "unknown" and
"paranoid" are host names without an address, as in tcpdmatch.

With --ctl the operands are the four strings a daemon such as sendmail
hands libwrap's hosts_ctl(daemon, name, addr, user) instead of a socket,
taken as given: nothing is looked up and there is no server, no port and
no descriptor (keepalive, linger and twist fail as they do under
hosts_ctl). "" is an empty string: an empty NAME, ADDR or USER (or an
omitted USER) is "unknown", an empty DAEMON is the empty name. NAME
"unknown" is a name not known (UNKNOWN matches); NAME "paranoid" is a
name that failed the double check (PARANOID matches); any other NAME is
trusted as is and is what %h shows. In a --batch file a --ctl line is
"DAEMON NAME ADDR [USER]", and a field written "" is the empty string.

Flags:
  -d DIR               read DIR/hosts.allow and DIR/hosts.deny (default /etc)
  --hosts FILE         answer host name lookups from FILE (/etc/hosts format)
                       instead of the system resolver
  --netgroup FILE      answer netgroup lookups from FILE (/etc/netgroup format);
                       without it no host is in any netgroup
  --profile NAME       debian (default), upstream or freebsd
  --client-port N      the client's port (default 0)
  --server-port N      the server's port (default 0; needs DAEMON@SERVER)
  --json               print one JSON object per prediction instead of text
  --batch FILE|-       read one "DAEMON[@SERVER] [USER@]CLIENT" request per
                       line (# comments and blank lines are skipped; at most
                       4096 bytes a line) and print one JSON line per prediction
  --summary            with --batch: print only the counts, and the hits of
                       every rule (0 = a rule no request reached)
  --record             with --batch: print each request as a line of
                       "tcpwrap test" with the verdict and rule it gets now
                       ("denied sshd 192.0.2.7 by hosts.deny:1", the ports
                       on the line): today's verdicts, pinned before the
                       rules are edited (run tcpwrap test with the same -d,
                       --hosts, --netgroup and --profile)
  --brief              leave out the lines read (the JSON's trace): the
                       verdict, rule, options and commands only; the
                       decision skips the lines that cannot match, so a
                       large table answers faster and in less memory
  --ctl                decide hosts_ctl requests: operands (or batch lines)
                       DAEMON NAME ADDR [USER]; not with --hosts,
                       --client-port or --server-port

Exit status: 0 when verdicts were printed, 1 when an input could not be read
or a host name could not be resolved (in a batch: after the other lines), 2
for a usage error.
`

// matchConfig is what the flags of match say.
type matchConfig struct {
	dir          string
	hostsFile    string
	netgroupFile string
	profile      engine.Profile
	clientPort   uint16
	serverPort   uint16
	serverPortOK bool // --server-port was given
	json         bool
	batch        string // "" = no batch
	summary      bool
	record       bool // batch answers as tcpwrap test lines
	brief        bool // no trace: the verdict without the lines read
	ctl          bool // hosts_ctl requests: DAEMON NAME ADDR [USER]
	color        bool
}

// usageError marks errors that exit with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// newFlagSet is a FlagSet for command cmd that writes nothing: the
// commands word their own errors (usageFail) and usage texts.
func newFlagSet(cmd string) *flag.FlagSet {
	set := flag.NewFlagSet(cmd, flag.ContinueOnError)
	set.SetOutput(io.Discard)
	return set
}

// matchFlags defines match's flags (matchUsage lists them), into cfg;
// --profile's text goes into *profile.
func matchFlags(cfg *matchConfig) (set *flag.FlagSet, profile *string) {
	set = newFlagSet("match")
	profile = requestFlags(set, cfg)
	set.BoolVar(&cfg.json, "json", false, "")
	set.StringVar(&cfg.batch, "batch", "", "")
	set.BoolVar(&cfg.summary, "summary", false, "")
	set.BoolVar(&cfg.record, "record", false, "")
	set.BoolVar(&cfg.brief, "brief", false, "")
	set.BoolVar(&cfg.ctl, "ctl", false, "")
	return set, profile
}

// parseMatch parses the arguments of match. Flags may come before, between
// and after the operands; "--" ends the flags.
func parseMatch(args []string) (*matchConfig, []string, error) {
	cfg := &matchConfig{}
	set, profile := matchFlags(cfg)
	operands, err := parseInterleaved(set, args)
	if err != nil {
		return nil, nil, err
	}

	given := map[string]bool{}
	set.Visit(func(f *flag.Flag) { given[f.Name] = true })
	batchSet := given["batch"]
	if cfg.profile, err = engine.ParseProfile(*profile); err != nil {
		return nil, nil, &usageError{err.Error()}
	}
	switch {
	case cfg.dir == "":
		return nil, nil, usagef("-d needs a directory")
	case batchSet && cfg.batch == "":
		return nil, nil, usagef("--batch needs a file name (or - for standard input)")
	case cfg.summary && !batchSet:
		return nil, nil, usagef("--summary needs --batch")
	case cfg.record && !batchSet:
		return nil, nil, usagef("--record needs --batch")
	case cfg.record && (cfg.summary || cfg.json):
		return nil, nil, usagef("--record does not go with --summary or --json: it prints tcpwrap test lines")
	case cfg.brief && batchSet:
		return nil, nil, usagef("--brief does not go with --batch: a batch's answers never carry the lines read")
	case batchSet && len(operands) > 0:
		return nil, nil, usagef("--batch takes its requests from the file, not from operands (got %q)", operands[0])
	case cfg.ctl:
		// hosts_ctl takes strings, not a socket: nothing to look up, no
		// port to give.
		for _, name := range []string{"hosts", "client-port", "server-port"} {
			if given[name] {
				return nil, nil, usagef("--%s does not go with --ctl: hosts_ctl's name and address are taken as given, with no socket", name)
			}
		}
		if !batchSet && (len(operands) < 3 || len(operands) > 4) {
			return nil, nil, usagef("want 3 or 4 operands with --ctl, DAEMON NAME ADDR [USER], got %d", len(operands))
		}
	case !batchSet && len(operands) != 2:
		return nil, nil, usagef("want 2 operands, DAEMON[@SERVER] [USER@]CLIENT, got %d", len(operands))
	}
	return cfg, operands, nil
}

// requestFlags defines the flags match and test share, those that say
// where the tables are and how requests are read (-d, --hosts,
// --netgroup, --profile, the ports), into cfg; --profile's text goes
// into the string it returns.
func requestFlags(set *flag.FlagSet, cfg *matchConfig) (profile *string) {
	set.StringVar(&cfg.dir, "d", "/etc", "")
	set.StringVar(&cfg.hostsFile, "hosts", "", "")
	set.StringVar(&cfg.netgroupFile, "netgroup", "", "")
	profile = set.String("profile", "debian", "")
	set.Func("client-port", "", portFlag(&cfg.clientPort, nil))
	set.Func("server-port", "", portFlag(&cfg.serverPort, &cfg.serverPortOK))
	return profile
}

// parseInterleaved parses args with set, flags before, between and after
// the operands ("--" ends the flags), and returns the operands. Its
// errors are flag.ErrHelp or a usage error.
func parseInterleaved(set *flag.FlagSet, args []string) ([]string, error) {
	var operands []string
	for rest := args; ; {
		if err := set.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{flagMessage(err)}
		}
		left := set.Args()
		if len(left) == 0 {
			return operands, nil
		}
		if n := len(rest) - len(left); n > 0 && rest[n-1] == "--" {
			return append(operands, left...), nil
		}
		operands = append(operands, left[0])
		rest = left[1:]
	}
}

// A lineReader reads the lines of a --batch or expectation file, each
// at most maxBatchLine bytes without its line end.
type lineReader struct {
	br  *bufio.Reader
	n   int  // lines read
	eof bool // the last line has been read
}

// newLineReader reads lines from r through a buffer that holds the
// longest line plus "\r\n": a line that does not fit is too long.
func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, maxBatchLine+2)}
}

// next returns the next line's number and text, without "\n" or
// "\r\n"; a line over maxBatchLine bytes is read to its end and given
// as tooLong, with no text. err is io.EOF after the last line (a last
// line without a newline counts), or the read error.
func (lr *lineReader) next() (n int, text string, tooLong bool, err error) {
	if lr.eof {
		return lr.n, "", false, io.EOF
	}
	data, err := lr.br.ReadSlice('\n')
	for err == bufio.ErrBufferFull {
		tooLong = true
		_, err = lr.br.ReadSlice('\n')
	}
	switch {
	case err == io.EOF:
		lr.eof = true
		if len(data) == 0 && !tooLong {
			return lr.n, "", false, io.EOF
		}
	case err != nil:
		return lr.n, "", false, err
	}
	lr.n++
	if !tooLong {
		text = strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
		tooLong = len(text) > maxBatchLine
	}
	if tooLong {
		text = ""
	}
	return lr.n, text, tooLong, nil
}

// openInput opens a file of lines named on the command line ("-" is
// stdin, shown as "<stdin>"); a directory is EISDIR. done closes it (a
// no-op for stdin).
func openInput(name string, stdin io.Reader) (in io.Reader, shown string, done func(), err error) {
	if name == "-" {
		return stdin, "<stdin>", func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, name, nil, err
	}
	if fi, err := f.Stat(); err != nil || fi.IsDir() {
		f.Close()
		if err == nil {
			err = syscall.EISDIR
		}
		return nil, name, nil, err
	}
	return f, name, func() { f.Close() }, nil
}

func portFlag(p *uint16, set *bool) func(string) error {
	return func(s string) error {
		n, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			return errors.New("not a port number (0 to 65535)")
		}
		*p = uint16(n)
		if set != nil {
			*set = true
		}
		return nil
	}
}

// checkOperands rejects operands that are malformed rather than
// unresolvable, so that they can be reported as usage errors.
func checkOperands(daemonArg, clientArg string) error {
	daemon, server, hasServer := strings.Cut(daemonArg, "@")
	switch {
	case daemon == "":
		return usagef("%v", engine.EmptyOperand("daemon name", daemonArg))
	case hasServer && server == "":
		return usagef("empty server after @ in %q", daemonArg)
	}
	if _, client, ok := strings.Cut(clientArg, "@"); clientArg == "" || ok && client == "" {
		return usagef("%v", engine.EmptyOperand("client", clientArg))
	}
	return nil
}

// matcher is what match decides with: the policy and its two tables.
type matcher struct {
	policy *engine.Policy
	tables [2]*tableInfo // allow, deny
	// rules maps each rule line to its slot, for the summary's hit
	// counts and for the text of the deciding rule.
	rules map[ruleKey]int
	slots []ruleSlot
	// deciders are the batch workers' reusable Deciders.
	deciders []*engine.Decider
}

type ruleKey struct {
	table int // 0 allow, 1 deny
	line  int
}

type ruleSlot struct {
	file string // base name
	line *engine.Line
}

// tableInfo is a table and what was found when opening it.
type tableInfo struct {
	t    *engine.Table
	path string
	dir  bool // the path is a directory: it reads as empty
}

// load builds the matcher from the flags. Its errors are unreadable
// inputs (exit status 1), among them a table larger than
// engine.MaxTableSize: libwrap reads it whole, so any verdict on part of
// it (or on none of it, as if it could not be opened) could differ from
// libwrap's, and none is given.
func load(cfg *matchConfig, stderr io.Writer) (*matcher, error) {
	if err := statDir(cfg.dir); err != nil {
		return nil, err
	}
	m := &matcher{rules: map[ruleKey]int{}}
	for i, base := range []string{"hosts.allow", "hosts.deny"} {
		ti := loadTable(filepath.Join(cfg.dir, base), cfg.profile)
		if ti.t.TooLarge {
			return nil, fmt.Errorf("%s: %w", ti.path, engine.ErrTableTooLarge)
		}
		m.tables[i] = ti
		for _, ln := range ti.t.Lines {
			if ln.Kind == engine.LineRule {
				m.rules[ruleKey{i, ln.Num}] = len(m.slots)
				m.slots = append(m.slots, ruleSlot{file: base, line: ln})
			}
		}
	}
	res, err := loadResolver(cfg, stderr)
	if err != nil {
		return nil, err
	}
	m.policy = &engine.Policy{Allow: m.tables[0].t, Deny: m.tables[1].t, Resolver: res, Files: sysdeps.Files{}}
	return m, nil
}

// statDir reports a -d DIR that does not exist or is not a directory.
// (Within it, a missing table reads as empty, as for libwrap.)
func statDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("-d %s: %s", dir, sysdeps.Strerror(err))
	case !fi.IsDir():
		return fmt.Errorf("-d %s: Not a directory", dir)
	}
	return nil
}

// statFile reports a table named on the command line that does not exist
// or is a directory: a typo must not read as an empty table (clean for
// check, nothing to do for fmt, allow-everything for envoy), as libwrap
// reads a missing table.
func statFile(name string) error {
	fi, err := os.Stat(name)
	switch {
	case err != nil:
		return fmt.Errorf("%s: %s", name, sysdeps.Strerror(err))
	case fi.IsDir():
		return fmt.Errorf("%s: Is a directory", name)
	}
	return nil
}

// loadTable opens one table the way libwrap does: a missing file reads as
// empty, a file that cannot be opened is an error of its own, a directory
// reads as empty. A table larger than engine.MaxTableSize is
// engine.TooLargeTable: none of it is read.
func loadTable(path string, prof engine.Profile) *tableInfo {
	ti := &tableInfo{path: path}
	data, err := sysdeps.ReadTable(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		ti.t = engine.MissingTable(path, prof)
	case errors.Is(err, engine.ErrTableTooLarge):
		ti.t = engine.TooLargeTable(path, prof)
	case err != nil:
		ti.t = engine.UnreadableTable(path, sysdeps.Strerror(err), prof)
	default:
		if data == nil {
			if fi, err := os.Stat(path); err == nil && fi.IsDir() {
				ti.dir = true
			}
		}
		ti.t = engine.Parse(path, data, prof)
	}
	return ti
}

func loadResolver(cfg *matchConfig, stderr io.Writer) (engine.Resolver, error) {
	return sysdeps.LoadResolver("tcpwrap", cfg.hostsFile, cfg.netgroupFile, stderr)
}

// runMatch is the match command.
func runMatch(args []string, stdin io.Reader, stdout, stderr io.Writer, color bool) int {
	cfg, operands, err := parseMatch(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, matchUsage)
			return exitOK
		}
		return usageFail(stderr, "match", err)
	}
	cfg.color = color
	if cfg.batch == "" && !cfg.ctl {
		if err := checkOperands(operands[0], operands[1]); err != nil {
			return usageFail(stderr, "match", err)
		}
	}
	m, err := load(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "tcpwrap: %v\n", err)
		return exitInput
	}
	if cfg.batch != "" {
		return m.batch(cfg, stdin, stdout, stderr)
	}
	if cfg.ctl {
		return m.singleCtl(cfg, wire.NewCtlEcho(operands), stdout, stderr)
	}
	return m.single(cfg, operands[0], operands[1], stdout, stderr)
}

// single decides the requests of one pair of operands, with full traces.
func (m *matcher) single(cfg *matchConfig, daemonArg, clientArg string, stdout, stderr io.Writer) int {
	reqs, err := engine.Query(m.policy.Resolver, daemonArg, clientArg, cfg.clientPort, cfg.serverPort)
	if err != nil {
		fmt.Fprintf(stderr, "tcpwrap: %v\n", err)
		return exitInput
	}
	if cfg.serverPortOK && !reqs[0].Server.Socket.IsValid() {
		fmt.Fprintf(stderr, "tcpwrap: warning: --server-port has no effect without a server address (DAEMON@SERVER): libwrap knows no port without one\n")
	}
	echo := requestEcho{Daemon: daemonArg, Client: clientArg, ClientPort: cfg.clientPort, ServerPort: cfg.serverPort}
	return m.explain(cfg, reqs, echo, stdout, stderr)
}

// explain decides reqs, the requests of one echo, with full traces
// (none with --brief), and prints them as text or JSON.
func (m *matcher) explain(cfg *matchConfig, reqs []engine.Request, echo requestEcho, stdout, stderr io.Writer) int {
	w := bufio.NewWriter(stdout)
	enc := newEncoder(w)
	for i, req := range reqs {
		var d *engine.Decision
		if cfg.brief {
			d = m.policy.Decide(req) // the same answer, no trace to build
		} else {
			d = m.policy.Evaluate(req)
		}
		if cfg.json {
			if err := enc.Encode(m.prediction(echo, req, d, !cfg.brief)); err != nil {
				return writeFailed(stderr, err)
			}
			continue
		}
		if i > 0 {
			w.WriteString("\n")
		}
		if len(reqs) > 1 {
			p := newPainter(cfg.color)
			fmt.Fprintf(w, "%s\n", p.bold(fmt.Sprintf("== %s %s: address %s (%d of %d) ==", echo.Daemon, echo.Client, req.Client.Socket.Addr(), i+1, len(reqs))))
		}
		m.writeText(w, req, d, echo.Ctl, cfg.color, !cfg.brief)
	}
	if err := w.Flush(); err != nil {
		return writeFailed(stderr, err)
	}
	return exitOK
}

// ctlRequest is the engine's request and the echo of a hosts_ctl request.
func ctlRequest(c *wire.CtlEcho, line int) (engine.Request, requestEcho) {
	req := engine.CtlRequest(c.Daemon, c.Name, c.Addr, c.User)
	return req, requestEcho{Daemon: c.Daemon, Address: c.Addr, Line: line, Ctl: c}
}

// singleCtl decides one hosts_ctl request, with its full trace.
func (m *matcher) singleCtl(cfg *matchConfig, c *wire.CtlEcho, stdout, stderr io.Writer) int {
	req, echo := ctlRequest(c, 0)
	return m.explain(cfg, []engine.Request{req}, echo, stdout, stderr)
}

func writeFailed(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "tcpwrap: writing the output: %v\n", err)
	return exitInput
}

func newEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// summary is the --summary output.
type summary struct {
	Requests  int `json:"requests"`
	Granted   int `json:"granted"`
	Denied    int `json:"denied"`
	Delegated int `json:"delegated"`
	// Errors counts the batch lines that gave no prediction.
	Errors int           `json:"errors"`
	Rules  []summaryRule `json:"rules"`
}

type summaryRule struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Hits int    `json:"hits"`
}

// batch decides one request per line of the batch file, streaming: one
// line is read, decided and written at a time, and only the summary's
// counters are kept.
func (m *matcher) batch(cfg *matchConfig, stdin io.Reader, stdout, stderr io.Writer) int {
	in, name, closeIn, err := openInput(cfg.batch, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "tcpwrap: --batch %s: %s\n", cfg.batch, sysdeps.Strerror(err))
		return exitInput
	}
	defer closeIn()
	lr := newLineReader(in)
	w := bufio.NewWriterSize(stdout, 64<<10)
	enc := newEncoder(w)
	var sum summary
	hits := make([]int, len(m.slots))
	status := exitOK
	// Lines are read and parsed in order into chunks; the decisions of a
	// chunk are made in parallel; results are written in input order.
	var chunk []batchItem
	deciders := make([]*engine.Decider, runtime.GOMAXPROCS(0))
	for i := range deciders {
		deciders[i] = m.policy.NewDecider()
		deciders[i].Quiet = true // the summary counts verdicts and rules only
	}
	m.deciders = deciders
	flush := func() error {
		if cfg.summary {
			// Count in the workers: no decision needs to outlive them.
			for _, it := range chunk {
				if it.err != "" {
					fmt.Fprintf(stderr, "%s:%d: %s\n", name, it.n, it.err)
					sum.Errors++
					status = exitInput
				}
			}
			m.countAll(chunk, &sum, hits)
			chunk = chunk[:0]
			return w.Flush()
		}
		m.decideAll(chunk)
		for i := range chunk {
			it := &chunk[i]
			if it.err != "" {
				fmt.Fprintf(stderr, "%s:%d: %s\n", name, it.n, it.err)
				sum.Errors++
				status = exitInput
				continue
			}
			if cfg.record {
				if _, e := w.WriteString(m.record(it)); e != nil {
					return e
				}
				continue
			}
			for j, req := range it.reqs {
				d := it.decisions[j]
				if !cfg.summary {
					if e := enc.Encode(m.prediction(it.echo, req, d, false)); e != nil {
						return e
					}
					continue
				}
				sum.Requests++
				switch d.Access {
				case engine.Granted:
					sum.Granted++
				case engine.Denied:
					sum.Denied++
				case engine.Delegated:
					sum.Delegated++
				}
				if slot, ok := m.slot(d.Matched); ok {
					hits[slot]++
				}
			}
		}
		chunk = chunk[:0]
		return w.Flush()
	}
	for {
		// Answer what was read before a read that may block, so that a
		// program feeding requests one at a time through a pipe gets each
		// answer.
		if lr.br.Buffered() == 0 || len(chunk) == batchChunk {
			if err := flush(); err != nil {
				return writeFailed(stderr, err)
			}
		}
		n, text, tooLong, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			flush()
			fmt.Fprintf(stderr, "tcpwrap: --batch %s: %s\n", cfg.batch, sysdeps.Strerror(err))
			return exitInput
		}
		if it, ok := m.parseBatchLine(cfg, n, text, tooLong); ok {
			chunk = append(chunk, it)
		}
	}
	if err := flush(); err != nil {
		return writeFailed(stderr, err)
	}
	if cfg.summary {
		sum.Rules = make([]summaryRule, len(m.slots))
		for i, s := range m.slots {
			sum.Rules[i] = summaryRule{File: s.file, Line: s.line.Num, Hits: hits[i]}
		}
		if err := enc.Encode(sum); err != nil {
			return writeFailed(stderr, err)
		}
	}
	if err := w.Flush(); err != nil {
		return writeFailed(stderr, err)
	}
	return status
}

// testLine is the tcpwrap test line that expects g of request (its
// operands and ports): "denied sshd 192.0.2.7 by hosts.deny:1".
func testLine(g wire.Expect, request string) string {
	return g.Access + " " + request + " by " + g.Rule
}

// record writes the decided batch item it as tcpwrap test lines: one
// for its request when all its predictions got the same verdict from the
// same rule, else one per client address (the addresses of a host name
// that the rules tell apart).
func (m *matcher) record(it *batchItem) string {
	gots := make([]wire.Expect, len(it.reqs))
	for j, d := range it.decisions {
		gots[j], _, _ = m.expectOf(d)
	}
	line := func(g wire.Expect, request string) string { return testLine(g, request) + "\n" }
	if c := it.echo.Ctl; c != nil {
		q := func(s string) string {
			if s == "" {
				return `""`
			}
			return s
		}
		return line(gots[0], "hosts_ctl "+q(c.Daemon)+" "+q(c.Name)+" "+q(c.Addr)+" "+q(c.User))
	}
	same := true
	for _, g := range gots[1:] {
		same = same && g == gots[0]
	}
	// The ports of --client-port and --server-port go on each line, so
	// that the record runs alike without them.
	ports := ""
	if p := it.echo.ClientPort; p != 0 {
		ports += " --client-port " + strconv.Itoa(int(p))
	}
	if p := it.echo.ServerPort; p != 0 {
		ports += " --server-port " + strconv.Itoa(int(p))
	}
	if same {
		return line(gots[0], it.echo.Daemon+" "+it.echo.Client+ports)
	}
	var b strings.Builder
	user, _, hasUser := strings.Cut(it.echo.Client, "@")
	for j, req := range it.reqs {
		client := req.Client.Socket.Addr().String()
		if hasUser {
			client = user + "@" + client
		}
		b.WriteString(line(gots[j], it.echo.Daemon+" "+client+ports))
	}
	return b.String()
}

// batchChunk is how many request lines are decided together.
const batchChunk = 1024

// batchItem is one request line of a batch: its requests, or its error.
type batchItem struct {
	n         int
	echo      requestEcho
	reqs      []engine.Request
	decisions []*engine.Decision
	err       string
}

// parseBatchLine reads line n of a batch (lineReader.next's answer); ok
// is false for blank and comment lines.
func (m *matcher) parseBatchLine(cfg *matchConfig, n int, text string, tooLong bool) (batchItem, bool) {
	it := batchItem{n: n}
	switch f := strings.Fields(text); {
	case tooLong:
		it.err = fmt.Sprintf("line longer than %d bytes", maxBatchLine)
	case len(f) == 0 || f[0][0] == '#':
		return it, false
	case cfg.ctl && (len(f) < 3 || len(f) > 4):
		it.err = "want DAEMON NAME ADDR [USER] (--ctl), got " + plural(len(f), "word", "words")
	case cfg.ctl:
		req, echo := ctlRequest(wire.CtlWords(f), n)
		it.reqs, it.echo = []engine.Request{req}, echo
	case len(f) != 2:
		it.err = "want DAEMON[@SERVER] [USER@]CLIENT, got " + plural(len(f), "word", "words")
	default:
		if e := checkOperands(f[0], f[1]); e != nil {
			it.err = e.Error()
			break
		}
		reqs, e := engine.Query(m.policy.Resolver, f[0], f[1], cfg.clientPort, cfg.serverPort)
		if e != nil {
			it.err = e.Error()
			break
		}
		it.reqs = reqs
		it.echo = requestEcho{Daemon: f[0], Client: f[1], ClientPort: cfg.clientPort, ServerPort: cfg.serverPort, Line: n}
	}
	return it, true
}

// countAll decides every request of items for the summary, in parallel,
// each worker with its own Decider and counters.
func (m *matcher) countAll(items []batchItem, sum *summary, hits []int) {
	workers := len(m.deciders)
	if len(items) < 64 {
		workers = 1
	}
	type counts struct {
		requests, granted, denied, delegated int
		hits                                 []int
	}
	part := make([]counts, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := &part[w]
			c.hits = make([]int, len(hits))
			z := m.deciders[w]
			for i := w; i < len(items); i += workers {
				for _, req := range items[i].reqs {
					d := z.Decide(req)
					c.requests++
					switch d.Access {
					case engine.Granted:
						c.granted++
					case engine.Denied:
						c.denied++
					case engine.Delegated:
						c.delegated++
					}
					if slot, ok := m.slot(d.Matched); ok {
						c.hits[slot]++
					}
				}
			}
		}(w)
	}
	wg.Wait()
	for _, c := range part {
		sum.Requests += c.requests
		sum.Granted += c.granted
		sum.Denied += c.denied
		sum.Delegated += c.delegated
		for i, h := range c.hits {
			hits[i] += h
		}
	}
}

// decideAll decides every request of items, spreading the work over the
// available processors. A Policy is safe for concurrent use.
func (m *matcher) decideAll(items []batchItem) {
	workers := runtime.GOMAXPROCS(0)
	if len(items) < 64 || workers < 2 {
		workers = 1
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(items); i += workers {
				it := &items[i]
				it.decisions = make([]*engine.Decision, len(it.reqs))
				for j, req := range it.reqs {
					it.decisions[j] = m.policy.Decide(req)
				}
			}
		}(w)
	}
	wg.Wait()
}

// expectOf is d's verdict and deciding rule as an expectation names
// them (wire.Expect: "hosts.allow:N", or "none"), and the rule's slot
// (ok false when no rule decided).
func (m *matcher) expectOf(d *engine.Decision) (e wire.Expect, slot int, ok bool) {
	e = wire.Expect{Access: string(d.Access), Rule: "none"}
	if slot, ok = m.slot(d.Matched); ok {
		e.Rule = m.ruleName(slot)
	}
	return e, slot, ok
}

// ruleName names the rule of slot as an expectation does: hosts.allow:N.
func (m *matcher) ruleName(slot int) string {
	return m.slots[slot].file + ":" + strconv.Itoa(m.slots[slot].line.Num)
}

// slot returns the rule slot of a decision's deciding rule.
func (m *matcher) slot(ref *engine.RuleRef) (int, bool) {
	if ref == nil {
		return 0, false
	}
	for i, ti := range m.tables {
		if ti.t.Name == ref.File {
			slot, ok := m.rules[ruleKey{i, ref.Line}]
			return slot, ok
		}
	}
	return 0, false
}
