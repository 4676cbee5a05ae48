package wire

import (
	"path"
	"slices"
	"sort"
	"strconv"

	"github.com/tcpwrap/tcpwrap/engine"
)

// This file defines the JSON of one prediction: a line of `tcpwrap match
// --json` and an entry of [RequestResult.Predictions]. The shape is
// tcpwrap's own contract, independent of the engine's json tags.

// A Result is one prediction: the decision for one connection.
type Result struct {
	// Access is "granted", "denied" or "delegated".
	Access string `json:"access"`
	Reason string `json:"reason"`
	// Matched is the deciding rule, or null (default grant, table error).
	Matched *Rule `json:"matched"`
	// Options ran in this order; Value is after %-expansion, null when
	// the option has none.
	Options []Option `json:"options"`
	// Commands would run; tcpwrap never runs one.
	Commands []Command `json:"commands"`
	// Warnings are libwrap's warning: and error: lines.
	Warnings []string `json:"warnings"`
	// Error is set when libwrap would not decide at all (it exits); the
	// prediction is then a denial.
	Error string `json:"error,omitempty"`
	// Daemon, User, Client and Server are what libwrap knew when the
	// decision ended; null means never looked up.
	Daemon string  `json:"daemon"`
	User   *string `json:"user"`
	Client Host    `json:"client"`
	Server Host    `json:"server"`
	// Banner is the text a banners option would send, Env the setenv
	// options, Effects the changes options would make to the daemon's
	// process and connection, Severity the severity option's value.
	Banner   *string  `json:"banner,omitempty"`
	Env      []Env    `json:"env,omitempty"`
	Effects  []Effect `json:"effects,omitempty"`
	Severity string   `json:"severity,omitempty"`
	// Log is every line libwrap would log, in order.
	Log []string `json:"log"`
	// Trace is every line read, token by token; null when not requested
	// (batch output).
	Trace   []Step `json:"trace"`
	Request Echo   `json:"request"`
}

// Echo repeats the operands a prediction answers.
type Echo struct {
	Daemon     string `json:"daemon"`
	Client     string `json:"client"`
	ClientPort uint16 `json:"clientPort"`
	ServerPort uint16 `json:"serverPort"`
	// Address is the client address of this prediction (a host name
	// operand gives one prediction per address); "" when the client is
	// "unknown" or "paranoid".
	Address string `json:"address"`
	// Line is the batch file's line number (batch only).
	Line int `json:"line,omitempty"`
	// Ctl, when set, says the prediction answers a hosts_ctl request
	// (tcpwrap match --ctl): these four strings, with no socket; then
	// Client is "", the ports are 0 and Address repeats Ctl.Addr.
	Ctl *CtlEcho `json:"ctl,omitempty"`
}

// CtlEcho is the four strings of a hosts_ctl(daemon, name, addr, user)
// request: a [Request]'s Ctl, and repeated as given, "" included, in the
// [Echo] of its prediction.
type CtlEcho struct {
	Daemon string `json:"daemon"`
	Name   string `json:"name"`
	Addr   string `json:"addr"`
	User   string `json:"user"`
}

// NewCtlEcho is the hosts_ctl request of three or four strings, DAEMON
// NAME ADDR [USER] (tcpwrap match --ctl's operands); it panics on any
// other count, which its callers refuse first.
func NewCtlEcho(f []string) *CtlEcho {
	c := &CtlEcho{Daemon: f[0], Name: f[1], Addr: f[2]}
	if len(f) == 4 {
		c.User = f[3]
	}
	return c
}

// CtlWords is [NewCtlEcho] of a line's words, in which a word "" is the
// empty string (a --batch line, a line of the server's form).
func CtlWords(f []string) *CtlEcho {
	f = slices.Clone(f)
	for i := range f {
		if f[i] == `""` {
			f[i] = ""
		}
	}
	return NewCtlEcho(f)
}

// Call writes c as the C call, its strings quoted:
// hosts_ctl("sendmail", "mail.example.com", "10.0.0.1", "").
func (c *CtlEcho) Call() string {
	return "hosts_ctl(" + strconv.Quote(c.Daemon) + ", " + strconv.Quote(c.Name) + ", " +
		strconv.Quote(c.Addr) + ", " + strconv.Quote(c.User) + ")"
}

// A Rule is the deciding rule of a prediction.
type Rule struct {
	File string `json:"file"` // base name: "hosts.allow"
	Line int    `json:"line"`
	Path string `json:"path"` // as opened: "/etc/hosts.allow"
	Text string `json:"text"`
}

// An Option is one option that ran.
type Option struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
}

// A Command is a command that would run.
type Command struct {
	Kind    string `json:"kind"` // spawn, twist, aclexec, shell
	Command string `json:"command"`
}

// An Env is one setenv option's effect.
type Env struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// An Effect is one change an option would make to the daemon's process
// or connection (engine.Effect): Kind is nice, umask, keepalive, linger,
// group or user, Text the call libwrap makes ("umask(022)").
type Effect struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	Text  string `json:"text"`
}

// A Host is what libwrap knew about one endpoint; null means never
// looked up.
type Host struct {
	Addr *string `json:"addr"`
	Name *string `json:"name"`
	Port int     `json:"port"`
}

// A Step is one logical line read.
type Step struct {
	File string `json:"file"` // base name
	Line int    `json:"line"`
	Span Span   `json:"span"`
	// Kind is rule, comment, blank, no-separator or unterminated; fold
	// for a run of steps folded into one ([Input.TraceFold]).
	Kind string `json:"kind"`
	Text string `json:"text"`
	// Daemons and Clients are the lists token by token; Clients is null
	// when the daemon list did not match.
	Daemons     []Token `json:"daemons"`
	Clients     []Token `json:"clients"`
	DaemonMatch bool    `json:"daemonMatch"`
	ClientMatch bool    `json:"clientMatch"`
	Match       bool    `json:"match"`
	Note        string  `json:"note,omitempty"`
	// EndLine, Count and DaemonLines describe a fold: its last line, how
	// many steps it stands for and how many of them are rules whose
	// daemon list matched.
	EndLine     int `json:"endLine,omitempty"`
	Count       int `json:"count,omitempty"`
	DaemonLines int `json:"daemonLines,omitempty"`
}

// A Token is one token of a list as evaluated.
type Token struct {
	Text string `json:"text"`
	Span Span   `json:"span"`
	// State is match, no-match, except or skipped.
	State   string   `json:"state"`
	Depth   int      `json:"depth"`
	Why     string   `json:"why,omitempty"`
	Lookups []string `json:"lookups,omitempty"`
}

// A Span is a range of a table: 1-based line and byte column, and the
// 0-based byte offset.
type Span struct {
	Start Pos `json:"start"`
	End   Pos `json:"end"`
}

// A Pos is one position of a Span.
type Pos struct {
	Line   int `json:"line"`
	Col    int `json:"col"`
	Offset int `json:"offset"`
}

// FromDecision converts the decision d for req, one of the requests of
// the operands echo, made under p (which gives the deciding rule's text).
// withTrace copies d's trace; without it Trace is null.
func FromDecision(p *engine.Policy, echo Echo, req engine.Request, d *engine.Decision, withTrace bool) *Result {
	r := &Result{
		Access:   string(d.Access),
		Reason:   d.Reason,
		Matched:  RuleOf(p, d.Matched),
		Options:  make([]Option, len(d.Options)),
		Commands: make([]Command, len(d.Commands)),
		Warnings: nonNil(d.Warnings),
		Error:    d.Error,
		Daemon:   d.Daemon,
		User:     known(d.User),
		Client:   Host{Addr: known(d.Client.Addr), Name: known(d.Client.Name), Port: d.Client.Port},
		Server:   Host{Addr: known(d.Server.Addr), Name: known(d.Server.Name), Port: d.Server.Port},
		Severity: d.Severity,
		Log:      nonNil(d.Log),
		Request:  echo,
	}
	if req.Client.Socket.IsValid() {
		r.Request.Address = req.Client.Socket.Addr().String()
	}
	for i, o := range d.Options {
		r.Options[i] = Option{Name: o.Name, Value: o.Value}
	}
	for i, c := range d.Commands {
		r.Commands[i] = Command{Kind: c.Kind, Command: c.Command}
	}
	for _, e := range d.Env {
		r.Env = append(r.Env, Env{Name: e.Name, Value: e.Value})
	}
	for _, e := range d.Effects {
		r.Effects = append(r.Effects, Effect{Kind: e.Kind, Value: e.Value, Text: e.String()})
	}
	if d.Banner != "" {
		banner := d.Banner
		r.Banner = &banner
	}
	if withTrace {
		r.Trace = make([]Step, len(d.Trace))
		for i, s := range d.Trace {
			r.Trace[i] = Step{File: path.Base(s.File), Line: s.Line, Span: spanOf(s.Span),
				Kind: s.Kind.String(), Text: s.Text, Daemons: tokens(s.Daemons), Clients: tokens(s.Clients),
				DaemonMatch: s.DaemonMatch, ClientMatch: s.ClientMatch, Match: s.Match, Note: s.Note}
		}
	}
	return r
}

// RuleOf describes the rule ref names in p's tables; nil stays nil. Text
// is "" when ref names no rule line of p's tables.
func RuleOf(p *engine.Policy, ref *engine.RuleRef) *Rule {
	if ref == nil {
		return nil
	}
	r := &Rule{File: path.Base(ref.File), Line: ref.Line, Path: ref.File}
	if ln := RuleLine(p, ref); ln != nil {
		r.Text = ln.Text
	}
	return r
}

// RuleLine returns the rule line ref names in p's tables, or nil.
func RuleLine(p *engine.Policy, ref *engine.RuleRef) *engine.Line {
	if p == nil || ref == nil {
		return nil
	}
	for _, t := range []*engine.Table{p.Allow, p.Deny} {
		if t == nil || t.Name != ref.File {
			continue
		}
		// Line numbers increase through a table.
		i := sort.Search(len(t.Lines), func(i int) bool { return t.Lines[i].Num >= ref.Line })
		for ; i < len(t.Lines) && t.Lines[i].Num == ref.Line; i++ {
			if t.Lines[i].Kind == engine.LineRule {
				return t.Lines[i]
			}
		}
		return nil
	}
	return nil
}

func tokens(ts []engine.TokenStep) []Token {
	if ts == nil {
		return nil
	}
	out := make([]Token, len(ts))
	for i, t := range ts {
		out[i] = Token{Text: t.Text, Span: spanOf(t.Span), State: t.State, Depth: t.Depth, Why: t.Why, Lookups: t.Lookups}
	}
	return out
}

func spanOf(s engine.Span) Span {
	return Span{Start: Pos{s.Start.Line, s.Start.Col, s.Start.Offset}, End: Pos{s.End.Line, s.End.Col, s.End.Offset}}
}

// known turns the engine's "" (never evaluated) into null.
func known(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
