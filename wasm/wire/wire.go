// Package wire is the JSON contract of tcpwrap's WebAssembly modules, of
// the command line's --json output and of the server's API: plain data
// types, the conversion from [engine.Decision], the one evaluation every
// embedding shares, [Evaluate], and the table check and formatter,
// [Check] and [Format] (check.go).
//
// It uses only the standard library and builds natively, for GOOS=js and
// for GOOS=wasip1; it never touches syscall/js. Nothing in it panics on
// bad input: every problem comes back as data, in an Error field.
//
// # Input
//
//	{
//	  "version":  1,                      // optional; anything but 0 or 1 is an error
//	  "allow":    "sshd: 10.0.0.0/24\n",  // hosts.allow text; absent or null = no such file, "" = empty file
//	  "deny":     "ALL: ALL\n",           // hosts.deny text, the same way
//	  "hosts":    "10.0.0.1 good.example.com\n", // /etc/hosts text answering every name lookup
//	  "netgroup": "trusted (good.example.com,,)\n", // /etc/netgroup text; absent = no netgroups
//	  "files":    {"/etc/trusted": "10.0.0.1\n"},  // /path pattern files and banner directories
//	  "profile":  "debian",               // "debian" (default), "upstream" or "freebsd"
//	  "requests": [{"daemon": "sshd", "server": "", "client": "10.0.0.1", "user": "", "clientPort": 0, "serverPort": 0},
//	               {"ctl": {"daemon": "sendmail", "name": "mail.example.com", "addr": "10.0.0.1", "user": ""}},
//	               {"daemon": "sshd", "client": "10.0.0.9", "expect": {"access": "denied", "rule": "hosts.deny:1"}}]
//	}
//
// A request has the operands of `tcpwrap match DAEMON[@SERVER]
// [USER@]CLIENT` ([engine.Query]), split into fields; or, in "ctl" alone,
// the four strings of a hosts_ctl(daemon, name, addr, user) request
// (`tcpwrap match --ctl`, [engine.CtlRequest]), which libwrap takes as
// given: no lookups, so exactly one prediction whatever the name and the
// address say, no server, no ports and no descriptor. An absent field of
// "ctl" is "", which hosts_ctl reads as "unknown" (an empty daemon is the
// empty name); "ctl": null is no hosts_ctl request; "ctl": {} is
// hosts_ctl("", "", "", ""). A "ctl" request that also sets "daemon",
// "server", "client", "user" or a port gets an error for that request
// ([Request.Check]). "dns" does not apply to it (hosts_ctl makes no
// reverse lookup): its prediction is the one without the what-if. Its
// strings have no limit of their own, as no other has: the input's size
// bounds them, and libwrap's 127 bytes cut them as it cuts every string.
// Either kind may carry "expect", the verdict it must get ([Expect]: a
// line of `tcpwrap test`): then its result says in "expect" whether
// every prediction got it ([ExpectResult]). Tables are read as
// /etc/hosts.allow and /etc/hosts.deny unless "allowName" and "denyName"
// say otherwise. Texts are JSON strings: bytes
// that are not UTF-8 cannot travel in JSON, and invalid UTF-8 in the
// input is read as U+FFFD, as encoding/json does.
//
// The JSON is read and written by wire's own codec (json.go), not by
// encoding/json, which with reflect and fmt would make the WebAssembly
// modules a quarter larger; it reads and writes exactly what encoding/json
// would for these types, errors included.
//
// # Output
//
//	{"results": [{"predictions": [Result, ...]}, {"error": "nohost: host not found"},
//	             {"predictions": [...], "expect": {"met": true, "got": [{"access": "denied", "rule": "hosts.deny:1"}]}}]}
//	{"error": "input of 2000000 bytes: at most 1048576"}
//
// One entry of results per request, in order: the predictions (one per
// client address, each the object `tcpwrap match --json` prints, trace
// included unless "noTrace": true; one for a hosts_ctl request, whose
// "request" echoes its "ctl"), or the error that request gave. A
// top-level error means no request was decided.
//
// # Limits
//
// [MaxInputSize] bytes of JSON, [MaxRequests] requests a call.
// [EvaluateContext] and [CheckContext] also stop when their context is
// done (a server past its deadline) and then answer [ErrCanceled] instead
// of an Output; the modules call [Evaluate] and [Check], which run to the
// end.
package wire

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/tcpwrap/tcpwrap/engine"
)

// Version is the version of the JSON contract (and of the wasip1 ABI).
// An input may name it in "version"; 0 means the current one.
const Version = 1

const (
	// MaxInputSize is the largest JSON input accepted, in bytes: 1 MiB.
	// It bounds every table, the hosts and netgroup texts and the files
	// together.
	MaxInputSize = 1 << 20
	// MaxRequests is the most requests one call may carry.
	MaxRequests = 10000
)

// AllowPath and DenyPath are the names the tables are read under.
const (
	AllowPath = "/etc/hosts.allow"
	DenyPath  = "/etc/hosts.deny"
)

// Policy is the policy part of an [Input]: what [Compile] needs.
type Policy struct {
	// Version is the contract version the caller speaks: 0 (current) or
	// [Version].
	Version int `json:"version,omitempty"`
	// Allow and Deny are the tables' texts; nil is a missing file.
	Allow *string `json:"allow"`
	Deny  *string `json:"deny"`
	// Hosts is an /etc/hosts text answering every name lookup.
	Hosts string `json:"hosts,omitempty"`
	// Netgroup is an /etc/netgroup text; nil means no netgroups.
	Netgroup *string `json:"netgroup,omitempty"`
	// Files maps absolute paths to contents ([engine.MapFiles]).
	Files map[string]string `json:"files,omitempty"`
	// Profile is "debian" (""), "upstream" or "freebsd".
	Profile string `json:"profile,omitempty"`
	// AllowName and DenyName are the names the tables are read under, as
	// libwrap prints them in its log; "" means [AllowPath] and [DenyPath].
	AllowName string `json:"allowName,omitempty"`
	DenyName  string `json:"denyName,omitempty"`
}

// Input is a policy and the requests to decide under it.
type Input struct {
	Policy
	Requests []Request `json:"requests"`
	// NoTrace leaves every prediction's trace null (as in `tcpwrap match
	// --batch`) and decides through the tables' indexes: the same answers,
	// much faster and smaller.
	NoTrace bool `json:"noTrace,omitempty"`
	// DNS, when set, decides the requests as if their clients' reverse
	// lookups were missing, lying or consistent (the playground's DNS
	// what-if); see [DNS].
	DNS *DNS `json:"dns,omitempty"`
	// TraceFold, when positive, shortens each trace: every run of at
	// least TraceFold consecutive steps of one file that matched nothing
	// and carry no note (comments, blank lines, rules whose daemon or
	// client list did not match) becomes one step of kind "fold": Line
	// its first line, EndLine its last, Count its steps, DaemonLines how
	// many of them are rules whose daemon list matched, Span the whole
	// run, no text and no tokens. A 50,000-line blocklist's trace is then
	// one step instead of 50,000.
	TraceFold int `json:"traceFold,omitempty"`
	// TraceLines, when set, keeps only the trace steps of those lines
	// (nothing folded): what a fold stands for, a part at a time.
	TraceLines *LineRange `json:"traceLines,omitempty"`
	// Old is the other version of the tables [Diff] compares with these;
	// the other calls ignore it.
	Old *Tables `json:"old,omitempty"`
}

// A Request is one pair of operands of `tcpwrap match`: DAEMON[@SERVER]
// [USER@]CLIENT, and the ports; or, when Ctl is set, the four strings of
// a hosts_ctl request (`tcpwrap match --ctl`), and then nothing else.
type Request struct {
	// Daemon is the server's process name (a leading path is cut).
	Daemon string `json:"daemon"`
	// Server is an address or a host name with one address; "" for none.
	Server string `json:"server,omitempty"`
	// Client is an address, a host name (one prediction per address), or
	// "unknown" / "paranoid".
	Client string `json:"client"`
	// User presets the client's user name; "" means unknown.
	User       string `json:"user,omitempty"`
	ClientPort uint16 `json:"clientPort,omitempty"`
	ServerPort uint16 `json:"serverPort,omitempty"`
	// Ctl, when set, makes this a hosts_ctl(daemon, name, addr, user)
	// request ([engine.CtlRequest]): four strings taken as given, no
	// socket, no lookups. The fields above must then all be empty or
	// absent: see [Request.Check].
	Ctl *CtlEcho `json:"ctl,omitempty"`
	// Expect, when set, is the verdict this request must get; its
	// result then says whether it did ([RequestResult.Expect]).
	Expect *Expect `json:"expect,omitempty"`
}

// Check reports what is wrong with the shape of r: an expectation that
// names no verdict or no rule ([Expect.Check]), or a hosts_ctl request
// (Ctl set) that also sets one of the connection's fields. The other
// faults of a request (a daemon with @, a client that is neither an
// address nor a name) are found when it is decided.
func (r *Request) Check() error {
	if r.Expect != nil {
		if err := r.Expect.Check(); err != nil {
			return err
		}
	}
	if r.Ctl == nil {
		return nil
	}
	var set []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"daemon", r.Daemon != ""}, {"server", r.Server != ""}, {"client", r.Client != ""}, {"user", r.User != ""},
		{"clientPort", r.ClientPort != 0}, {"serverPort", r.ServerPort != 0}} {
		if f.set {
			set = append(set, strconv.Quote(f.name))
		}
	}
	if len(set) == 0 {
		return nil
	}
	return errors.New("a hosts_ctl request (\"ctl\") has no " + strings.Join(set, ", ") +
		": its daemon, name, addr and user are in \"ctl\", and it has no server, client or ports")
}

// Requests is the input of [Compiled.EvaluateJSON].
type Requests struct {
	Requests []Request `json:"requests"`
	// NoTrace is [Input.NoTrace].
	NoTrace bool `json:"noTrace,omitempty"`
}

// Output is the answer to one call.
type Output struct {
	// Error is set when the call as a whole failed; Results is then
	// absent.
	Error string `json:"error,omitempty"`
	// Results has one entry per request, in order.
	Results []RequestResult `json:"results,omitzero"`
}

// A RequestResult is the answer to one request.
type RequestResult struct {
	// Predictions has one entry per client address.
	Predictions []*Result `json:"predictions,omitzero"`
	// Error says why the request gave no prediction.
	Error string `json:"error,omitempty"`
	// Expect, for a request with an expectation, is whether its
	// predictions met it.
	Expect *ExpectResult `json:"expect,omitempty"`
}

// A Compiled is a policy ready to decide requests. It is safe for
// concurrent use except for [Compiled.Decide], which reuses memory.
type Compiled struct {
	policy  *engine.Policy
	decider *engine.Decider
	// query, when set, turns requests into engine requests instead of
	// policy.Resolver (a DNS what-if: see withDNS).
	query engine.Resolver
	// base, when set, is the policy without the DNS what-if, which
	// hosts_ctl requests are decided under.
	base *engine.Policy
	// trace is how traces are cut (see withTrace).
	trace traceShape
}

// Compile builds the policy p. Its error is data for the caller
// (unknown version or profile, a relative file path, a table larger than
// engine.MaxTableSize).
func Compile(p Policy) (c *Compiled, err error) { return compile(p, nil) }

// compile is Compile with tables parsed through tc.
func compile(p Policy, tc *TableCache) (c *Compiled, err error) {
	defer func() {
		if v := recover(); v != nil {
			c, err = nil, panicError(v)
		}
	}()
	if p.Version != 0 && p.Version != Version {
		return nil, errors.New("unsupported version " + strconv.Itoa(p.Version) + " (this module speaks version " + strconv.Itoa(Version) + ")")
	}
	prof, err := engine.ParseProfile(p.Profile)
	if err != nil {
		return nil, err
	}
	for name := range p.Files {
		if !strings.HasPrefix(name, "/") {
			return nil, errors.New("files: " + strconv.Quote(name) + " is not an absolute path")
		}
	}
	res := engine.NewHostsResolver("/etc/hosts", []byte(p.Hosts))
	if p.Netgroup != nil {
		res = res.WithNetgroups("/etc/netgroup", []byte(*p.Netgroup))
	}
	allow, deny, err := p.tables(prof, tc)
	if err != nil {
		return nil, err
	}
	ep := &engine.Policy{Allow: allow, Deny: deny, Resolver: res, Files: engine.MapFiles(p.Files)}
	decider := ep.NewDecider()
	decider.Quiet = true // the compact path returns the verdict and the rule only
	return &Compiled{policy: ep, decider: decider}, nil
}

// tables parses p's two tables under profile prof, through tc, with the
// names they are read under. Its error is data for the caller: the two
// names are one, or a table is larger than engine.MaxTableSize.
func (p *Policy) tables(prof engine.Profile, tc *TableCache) (allow, deny *engine.Table, err error) {
	allowName, denyName := p.AllowName, p.DenyName
	if allowName == "" {
		allowName = AllowPath
	}
	if denyName == "" {
		denyName = DenyPath
	}
	if allowName == denyName {
		return nil, nil, errors.New("allowName and denyName are both " + strconv.Quote(allowName))
	}
	// A table over engine.MaxTableSize (only a Go caller can give one:
	// JSON input is at most MaxInputSize) decides nothing, as the
	// commands refuse it, rather than a denial per request.
	for _, t := range []struct {
		name string
		text *string
	}{{allowName, p.Allow}, {denyName, p.Deny}} {
		if t.text != nil && len(*t.text) > engine.MaxTableSize {
			return nil, nil, errors.New(t.name + ": " + engine.ErrTableTooLarge.Error())
		}
	}
	table := func(name string, text *string) *engine.Table {
		if text == nil {
			return engine.MissingTable(name, prof)
		}
		return tc.parse(name, *text, prof)
	}
	return table(allowName, p.Allow), table(denyName, p.Deny), nil
}

// Engine returns the compiled engine policy.
func (c *Compiled) Engine() *engine.Policy { return c.policy }

// Evaluate decides every request of in: see the package documentation.
// It never panics.
func Evaluate(in Input) Output {
	out, _ := evaluate(call{}, in, nil)
	return out
}

// EvaluateContext is [Evaluate] until ctx is done: then it stops, in
// the middle of a decision if need be, and returns an empty Output and
// an error matching [ErrCanceled] (and ctx's error). The error is nil
// whenever the Output is the answer, Error field included.
func EvaluateContext(ctx context.Context, in Input) (Output, error) {
	return evaluate(call{ctx}, in, nil)
}

// evaluate is Evaluate within the call cl, with tables parsed through
// tc.
func evaluate(cl call, in Input, tc *TableCache) (Output, error) {
	c, err := compile(in.Policy, tc)
	if err != nil {
		return Output{Error: err.Error()}, nil
	}
	if in.DNS != nil {
		if err := in.DNS.Check(); err != nil {
			return Output{Error: err.Error()}, nil
		}
		c = c.withDNS(in.DNS, in.Requests)
	}
	return c.withTrace(traceShape{fold: in.TraceFold, lines: in.TraceLines}).evaluate(cl, in.Requests, in.NoTrace)
}

// Evaluate decides reqs, with full traces unless noTrace. It never
// panics.
func (c *Compiled) Evaluate(reqs []Request, noTrace bool) Output {
	out, _ := c.evaluate(call{}, reqs, noTrace)
	return out
}

// EvaluateContext is [Compiled.Evaluate] until ctx is done; see
// [EvaluateContext].
func (c *Compiled) EvaluateContext(ctx context.Context, reqs []Request, noTrace bool) (Output, error) {
	return c.evaluate(call{ctx}, reqs, noTrace)
}

// evaluate is Evaluate within the call cl.
func (c *Compiled) evaluate(cl call, reqs []Request, noTrace bool) (out Output, err error) {
	if len(reqs) > MaxRequests {
		return Output{Error: tooManyRequests(len(reqs)).Error()}, nil
	}
	out.Results = make([]RequestResult, len(reqs))
	for i, r := range reqs {
		if out.Results[i], err = c.one(cl, r, noTrace); err != nil {
			return Output{}, err
		}
	}
	return out, nil
}

// one answers one request: the error of its shape ([Request.Check]), or
// its decision, and then how the decision met its expectation. Its own
// error is the engine's when the call's context is done.
func (c *Compiled) one(cl call, r Request, noTrace bool) (RequestResult, error) {
	if err := r.Check(); err != nil {
		return RequestResult{Error: err.Error()}, nil
	}
	rr, err := c.decideOne(cl, r, noTrace)
	if err == nil && r.Expect != nil {
		rr.Expect = c.expect(r.Expect, &rr)
	}
	return rr, err
}

// decideOne decides the well-formed request r, turning a panic into its
// error.
func (c *Compiled) decideOne(cl call, r Request, noTrace bool) (rr RequestResult, err error) {
	defer func() {
		if v := recover(); v != nil {
			rr, err = RequestResult{Error: panicError(v).Error()}, nil
		}
	}()
	if r.Ctl != nil {
		return c.oneCtl(cl, r, noTrace)
	}
	switch {
	case strings.Contains(r.Daemon, "@"):
		return RequestResult{Error: "daemon " + strconv.Quote(r.Daemon) + " contains @: give the server in \"server\""}, nil
	case strings.Contains(r.User, "@"):
		return RequestResult{Error: "user " + strconv.Quote(r.User) + " contains @"}, nil
	}
	daemonArg, clientArg := r.Daemon, r.Client
	if r.Server != "" {
		daemonArg += "@" + r.Server
	}
	if r.User != "" {
		clientArg = r.User + "@" + clientArg
	}
	query := c.policy.Resolver
	if c.query != nil {
		query = c.query
	}
	reqs, err := engine.Query(query, daemonArg, clientArg, r.ClientPort, r.ServerPort)
	if err != nil {
		return RequestResult{Error: err.Error()}, nil
	}
	echo := Echo{Daemon: daemonArg, Client: clientArg, ClientPort: r.ClientPort, ServerPort: r.ServerPort}
	rr.Predictions = make([]*Result, len(reqs))
	for i, req := range reqs {
		if rr.Predictions[i], err = c.predict(cl, c.policy, echo, req, noTrace); err != nil {
			return RequestResult{}, err
		}
	}
	return rr, nil
}

// predict decides req under p and gives its prediction, the trace (unless
// noTrace) cut to the call's shape.
func (c *Compiled) predict(cl call, p *engine.Policy, echo Echo, req engine.Request, noTrace bool) (*Result, error) {
	d, err := cl.decide(p, req, !noTrace)
	if err != nil {
		return nil, err
	}
	res := FromDecision(p, echo, req, d, !noTrace)
	if !noTrace {
		res.Trace = c.trace.shape(res.Trace)
	}
	return res, nil
}

// oneCtl decides the hosts_ctl request r: one prediction, whatever the
// name and the address say (hosts_ctl looks nothing up), under the
// tables' resolver even in a DNS what-if (whose reverse lookups a
// hosts_ctl request never makes).
func (c *Compiled) oneCtl(cl call, r Request, noTrace bool) (RequestResult, error) {
	ctl := *r.Ctl
	p := c.policy
	if c.base != nil {
		p = c.base
	}
	req := engine.CtlRequest(ctl.Daemon, ctl.Name, ctl.Addr, ctl.User)
	res, err := c.predict(cl, p, Echo{Daemon: ctl.Daemon, Address: ctl.Addr, Ctl: &ctl}, req, noTrace)
	if err != nil {
		return RequestResult{}, err
	}
	return RequestResult{Predictions: []*Result{res}}, nil
}

// EvaluateJSON is [Evaluate] on JSON: an [Input] in, an [Output] out. It
// never panics and always returns a JSON object.
func EvaluateJSON(data []byte) []byte { return evaluateJSON(data, nil) }

func evaluateJSON(data []byte, tc *TableCache) []byte {
	in, err := decodeInput(data)
	if err != nil {
		return encodeOutput(Output{Error: err.Error()})
	}
	out, _ := evaluate(call{}, in, tc)
	return encodeOutput(out)
}

// CompileJSON is [Compile] on a JSON [Policy] (an [Input] whose requests,
// if any, are ignored).
func CompileJSON(data []byte) (*Compiled, error) {
	in, err := decodeInput(data)
	if err != nil {
		return nil, err
	}
	return Compile(in.Policy)
}

// EvaluateJSON is [Compiled.Evaluate] on JSON: a [Requests] object in, an
// [Output] out. It never panics.
func (c *Compiled) EvaluateJSON(data []byte) []byte {
	var in Requests
	if err := decode(data, func(d *decoder) int { d.requestsObject(&in); return len(in.Requests) }); err != nil {
		return encodeOutput(Output{Error: err.Error()})
	}
	return encodeOutput(c.Evaluate(in.Requests, in.NoTrace))
}

// ErrorJSON is the output object for a call that failed before it could
// be decoded: {"error": msg}.
func ErrorJSON(msg string) []byte { return encodeOutput(Output{Error: msg}) }

func decodeInput(data []byte) (in Input, err error) {
	err = decode(data, func(d *decoder) int { d.input(&in); return len(in.Requests) })
	return in, err
}

// decode reads one JSON object with fill, strictly, as encoding/json's
// Decoder with DisallowUnknownFields would: unknown fields and trailing
// data are errors, and so is more than MaxInputSize bytes or MaxRequests
// requests (fill returns how many requests it read).
func decode(data []byte, fill func(*decoder) int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicError(p)
		}
	}()
	if len(data) > MaxInputSize {
		return errors.New("input of " + strconv.Itoa(len(data)) + " bytes: at most " + strconv.Itoa(MaxInputSize))
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] != '{' {
		return errors.New("bad JSON input: want an object")
	}
	end, err := syntaxCheck(data)
	if err != nil {
		return errors.New("bad JSON input: " + err.Error())
	}
	d := decoder{data: data[:end]}
	n := fill(&d)
	if d.err != nil {
		return errors.New("bad JSON input: " + d.err.Error())
	}
	// encoding/json's Decoder.More: more data unless what follows is
	// white space, ] or }.
	if t := bytes.TrimLeft(data[end:], " \t\r\n"); len(t) > 0 && t[0] != ']' && t[0] != '}' {
		return errors.New("bad JSON input: data after the object")
	}
	if n > MaxRequests {
		return tooManyRequests(n)
	}
	return nil
}

func tooManyRequests(n int) error {
	return errors.New(strconv.Itoa(n) + " requests: at most " + strconv.Itoa(MaxRequests) + " a call")
}

func encodeOutput(o Output) []byte {
	return encode(func(b []byte) []byte { return appendOutput(b, &o) })
}

// encodeBuffers keeps the buffers outputs are encoded in, as encoding/json
// keeps its own: an output is built in a reused buffer and copied out
// once, which keeps the garbage of a call (and the reactor's memory) small.
var encodeBuffers = sync.Pool{New: func() any { return new([]byte) }}

// encode returns what app appends to an empty buffer, in a slice of its
// own.
func encode(app func([]byte) []byte) []byte {
	p := encodeBuffers.Get().(*[]byte)
	b := app((*p)[:0])
	out := make([]byte, len(b))
	copy(out, b)
	*p = b
	encodeBuffers.Put(p)
	return out
}

// panicError turns a recovered panic into an error value, as fmt's %v
// prints an error, a string or a Stringer.
func panicError(v any) error {
	var s string
	switch v := v.(type) {
	case error:
		s = v.Error()
	case string:
		s = v
	case interface{ String() string }:
		s = v.String()
	case int:
		s = strconv.Itoa(v)
	default:
		s = "panic with a value that is not an error or a string"
	}
	return errors.New("internal error: " + s)
}

// Compact decision codes returned by [Compiled.Decide] (and the wasip1
// module's decide export):
//
//	bits 0-1  access: 0 granted, 1 denied, 2 delegated
//	bit  2    the deciding table: 0 hosts.allow, 1 hosts.deny (with a line)
//	bit  3    libwrap would not have decided at all (a table error: denied)
//	bits 8-31 the deciding rule's line number, 0 when no rule decided
//
// [DecideError] (all bits set) is an invalid call: an unknown handle, a
// bad daemon buffer, or an internal error.
const (
	AccessGranted   = 0
	AccessDenied    = 1
	AccessDelegated = 2
	AccessMask      = 3
	FlagDeny        = 1 << 2
	FlagError       = 1 << 3
	LineShift       = 8
	DecideError     = 0xFFFFFFFF
)

// Decide decides a connection from client to daemon without a trace, as
// fast as the engine can, and returns a compact code. It reuses memory
// and must not be called concurrently on one Compiled. It never panics.
func (c *Compiled) Decide(daemon string, client netip.AddrPort) (code uint32) {
	defer func() {
		if recover() != nil {
			code = DecideError
		}
	}()
	req := engine.Request{Daemon: daemon}
	req.Client.Socket = client
	d := c.decider.Decide(req)
	return Code(c.policy, d)
}

// Code is the compact code of the decision d under p.
func Code(p *engine.Policy, d *engine.Decision) uint32 {
	var code uint32
	switch d.Access {
	case engine.Denied:
		code = AccessDenied
	case engine.Delegated:
		code = AccessDelegated
	}
	if d.Error != "" {
		code |= FlagError
	}
	if d.Matched != nil {
		if p.Deny != nil && d.Matched.File == p.Deny.Name {
			code |= FlagDeny
		}
		code |= uint32(d.Matched.Line) << LineShift
	}
	return code
}
