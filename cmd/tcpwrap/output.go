package main

import (
	"path/filepath"

	"github.com/tcpwrap/tcpwrap/engine"
)

// This file defines the JSON that match prints: one prediction object per
// line. The shape is tcpwrap's own contract, independent of the engine's
// json tags.

// prediction is one JSON line of match --json and match --batch.
type prediction struct {
	// Access is "granted", "denied" or "delegated".
	Access string `json:"access"`
	Reason string `json:"reason"`
	// Matched is the deciding rule, or null (default grant, table error).
	Matched *ruleOut `json:"matched"`
	// Options ran in this order; Value is after %-expansion, null when
	// the option has none.
	Options []optionOut `json:"options"`
	// Commands would run; tcpwrap never runs one.
	Commands []commandOut `json:"commands"`
	// Warnings are libwrap's warning: and error: lines.
	Warnings []string `json:"warnings"`
	// Error is set when libwrap would not decide at all (it exits); the
	// prediction is then a denial.
	Error string `json:"error,omitempty"`
	// Daemon, User, Client and Server are what libwrap knew when the
	// decision ended; null means never looked up.
	Daemon string  `json:"daemon"`
	User   *string `json:"user"`
	Client hostOut `json:"client"`
	Server hostOut `json:"server"`
	// Banner is the text a banners option would send, Env the setenv
	// options, Severity the severity option's value.
	Banner   *string  `json:"banner,omitempty"`
	Env      []envOut `json:"env,omitempty"`
	Severity string   `json:"severity,omitempty"`
	// Log is every line libwrap would log, in order.
	Log []string `json:"log"`
	// Trace is every line read, token by token; null in batch output.
	Trace   []stepOut   `json:"trace"`
	Request requestEcho `json:"request"`
}

// requestEcho repeats the operands a prediction answers.
type requestEcho struct {
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
}

type ruleOut struct {
	File string `json:"file"` // base name: "hosts.allow"
	Line int    `json:"line"`
	Path string `json:"path"` // as opened: "/etc/hosts.allow"
	Text string `json:"text"`
}

type optionOut struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
}

type commandOut struct {
	Kind    string `json:"kind"` // spawn, twist, aclexec, shell
	Command string `json:"command"`
}

type envOut struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type hostOut struct {
	Addr *string `json:"addr"`
	Name *string `json:"name"`
	Port int     `json:"port"`
}

type stepOut struct {
	File string  `json:"file"` // base name
	Line int     `json:"line"`
	Span spanOut `json:"span"`
	// Kind is rule, comment, blank, no-separator or unterminated.
	Kind string `json:"kind"`
	Text string `json:"text"`
	// Daemons and Clients are the lists token by token; Clients is null
	// when the daemon list did not match.
	Daemons     []tokenOut `json:"daemons"`
	Clients     []tokenOut `json:"clients"`
	DaemonMatch bool       `json:"daemonMatch"`
	ClientMatch bool       `json:"clientMatch"`
	Match       bool       `json:"match"`
	Note        string     `json:"note,omitempty"`
}

type tokenOut struct {
	Text string  `json:"text"`
	Span spanOut `json:"span"`
	// State is match, no-match, except or skipped.
	State   string   `json:"state"`
	Depth   int      `json:"depth"`
	Why     string   `json:"why,omitempty"`
	Lookups []string `json:"lookups,omitempty"`
}

type spanOut struct {
	Start posOut `json:"start"`
	End   posOut `json:"end"`
}

type posOut struct {
	Line   int `json:"line"`
	Col    int `json:"col"`
	Offset int `json:"offset"`
}

// prediction converts a decision; withTrace copies its trace.
func (m *matcher) prediction(echo requestEcho, req engine.Request, d *engine.Decision, withTrace bool) *prediction {
	p := &prediction{
		Access:   string(d.Access),
		Reason:   d.Reason,
		Matched:  m.ruleOut(d.Matched),
		Options:  make([]optionOut, len(d.Options)),
		Commands: make([]commandOut, len(d.Commands)),
		Warnings: nonNil(d.Warnings),
		Error:    d.Error,
		Daemon:   d.Daemon,
		User:     known(d.User),
		Client:   hostOut{Addr: known(d.Client.Addr), Name: known(d.Client.Name), Port: d.Client.Port},
		Server:   hostOut{Addr: known(d.Server.Addr), Name: known(d.Server.Name), Port: d.Server.Port},
		Severity: d.Severity,
		Log:      nonNil(d.Log),
		Request:  echo,
	}
	if req.Client.Socket.IsValid() {
		p.Request.Address = req.Client.Socket.Addr().String()
	}
	for i, o := range d.Options {
		p.Options[i] = optionOut{Name: o.Name, Value: o.Value}
	}
	for i, c := range d.Commands {
		p.Commands[i] = commandOut{Kind: c.Kind, Command: c.Command}
	}
	for _, e := range d.Env {
		p.Env = append(p.Env, envOut{Name: e.Name, Value: e.Value})
	}
	if d.Banner != "" {
		p.Banner = &d.Banner
	}
	if withTrace {
		p.Trace = make([]stepOut, len(d.Trace))
		for i, s := range d.Trace {
			p.Trace[i] = stepOut{File: filepath.Base(s.File), Line: s.Line, Span: spanOf(s.Span),
				Kind: s.Kind.String(), Text: s.Text, Daemons: tokensOut(s.Daemons), Clients: tokensOut(s.Clients),
				DaemonMatch: s.DaemonMatch, ClientMatch: s.ClientMatch, Match: s.Match, Note: s.Note}
		}
	}
	return p
}

// ruleOut describes a rule reference; nil stays nil.
func (m *matcher) ruleOut(ref *engine.RuleRef) *ruleOut {
	if ref == nil {
		return nil
	}
	r := &ruleOut{File: filepath.Base(ref.File), Line: ref.Line, Path: ref.File}
	if slot, ok := m.slot(ref); ok {
		r.Text = m.slots[slot].line.Text
	}
	return r
}

func tokensOut(ts []engine.TokenStep) []tokenOut {
	if ts == nil {
		return nil
	}
	out := make([]tokenOut, len(ts))
	for i, t := range ts {
		out[i] = tokenOut{Text: t.Text, Span: spanOf(t.Span), State: t.State, Depth: t.Depth, Why: t.Why, Lookups: t.Lookups}
	}
	return out
}

func spanOf(s engine.Span) spanOut {
	return spanOut{Start: posOut{s.Start.Line, s.Start.Col, s.Start.Offset}, End: posOut{s.End.Line, s.End.Col, s.End.Offset}}
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
