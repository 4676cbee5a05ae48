package wire

import (
	"context"
	"errors"

	"github.com/tcpwrap/tcpwrap/engine"
)

// Tables are the two texts of another version of a policy's tables: nil
// is a missing file.
type Tables struct {
	Allow *string `json:"allow"`
	Deny  *string `json:"deny"`
}

// DiffOutput is the answer of [Diff]: the requests the old tables decide
// otherwise than the input's own, grouped by how they change, the changes
// of verdict first (see engine.Diff).
type DiffOutput struct {
	Error   string       `json:"error,omitempty"`
	Changes []DiffChange `json:"changes"`
}

// A DiffChange is a set of requests that the old tables decide as Old
// and the new ones as New.
type DiffChange struct {
	// Verdict is set when the verdict changes (or an error replaces
	// one), clear when only the deciding rule does.
	Verdict bool        `json:"verdict"`
	Old     DiffOutcome `json:"old"`
	New     DiffOutcome `json:"new"`
	// Examples are up to three of the requests.
	Examples []DiffExample `json:"examples"`
	// Cases counts the representative requests that change so: classes
	// of equivalent requests, a measure of breadth, not of connections.
	Cases int `json:"cases"`
}

// A DiffOutcome is how one version decides.
type DiffOutcome struct {
	Access string `json:"access"`
	// Rule is the deciding rule as expectations name it, "hosts.allow:N"
	// or "hosts.deny:N" whatever the tables' names; "" when none decided.
	// Text is its text in tcpwrap fmt's layout.
	Rule  string `json:"rule,omitempty"`
	Text  string `json:"text,omitempty"`
	Error string `json:"error,omitempty"`
	// Reason, when no rule decided, is libwrap's reason: the default,
	// PARANOID mode, a table that could not be read to the end.
	Reason string `json:"reason,omitempty"`
}

// A DiffExample is a request of a change: a daemon, the server where it
// matters, and a client that is an address or none, with the host name it
// has.
type DiffExample struct {
	Daemon string `json:"daemon"`
	// Server is the server's address, or its name when it has no address
	// ("unknown", "paranoid"); ServerPort its port where it has one.
	Server     string `json:"server,omitempty"`
	ServerPort uint16 `json:"serverPort,omitempty"`
	// Client is the client's address, "" for none. Name is its host name:
	// "" when the hosts table's answer for the address is meant,
	// "unknown" for none, "paranoid" for one that does not verify, or a
	// name (which need not be the address's own).
	Client string `json:"client,omitempty"`
	Name   string `json:"name,omitempty"`
	User   string `json:"user,omitempty"`
	// Text describes the request in words: "sshd from 10.1.0.0 (no host
	// name)".
	Text string `json:"text"`
}

// Diff compares the tables of in.Old (under in's hosts, netgroups,
// files, profile and table names) with in's own: what [Evaluate] would
// decide differently. Requests are ignored. Tables that Diff cannot
// compare (engine.ErrDiffTooLarge, engine.ErrDiffServerNames) get an
// error that says why. It never panics.
func Diff(in Input) DiffOutput {
	out, _ := diff(call{}, in, nil)
	return out
}

// DiffContext is [Diff] until ctx is done: then it stops and returns an
// empty DiffOutput and an error matching [ErrCanceled].
func DiffContext(ctx context.Context, in Input) (DiffOutput, error) {
	return diff(call{ctx}, in, nil)
}

// DiffJSON is [Diff] on JSON: an [Input] with "old" in, a [DiffOutput]
// out.
func DiffJSON(data []byte) []byte { return diffJSON(data, nil) }

// DiffJSON is [DiffJSON] through tc.
func (tc *TableCache) DiffJSON(data []byte) []byte { return diffJSON(data, tc) }

func diffJSON(data []byte, tc *TableCache) []byte {
	in, err := decodeInput(data)
	var out DiffOutput
	if err != nil {
		out.Error = err.Error()
	} else {
		out, _ = diff(call{}, in, tc)
	}
	return encode(func(b []byte) []byte { return appendDiffOutput(b, &out) })
}

func diff(cl call, in Input, tc *TableCache) (out DiffOutput, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = DiffOutput{Error: panicError(v).Error()}, nil
		}
	}()
	if in.Old == nil {
		return DiffOutput{Error: `diff: no "old" tables to compare with`}, nil
	}
	newC, err := compile(in.Policy, tc)
	if err != nil {
		return DiffOutput{Error: err.Error()}, nil
	}
	// The old tables, read as the new ones are, under the same resolver
	// and files.
	newE := newC.Engine()
	oldP := in.Policy
	oldP.Allow, oldP.Deny = in.Old.Allow, in.Old.Deny
	allow, deny, err := oldP.tables(newE.Profile(), tc)
	if err != nil {
		return DiffOutput{Error: "old: " + err.Error()}, nil
	}
	oldE := &engine.Policy{Allow: allow, Deny: deny, Resolver: newE.Resolver, Files: newE.Files}
	changes, err := cl.diff(oldE, newE)
	if errors.Is(err, ErrCanceled) {
		return DiffOutput{}, err
	}
	if err != nil {
		return DiffOutput{Error: "diff: " + err.Error()}, nil
	}
	out.Changes = make([]DiffChange, len(changes))
	for i := range changes {
		c := &changes[i]
		dc := DiffChange{Verdict: c.Verdict(), Old: diffOutcome(oldE, c.Old), New: diffOutcome(newE, c.New), Cases: c.Cases}
		for _, r := range c.Examples {
			dc.Examples = append(dc.Examples, diffExample(r))
		}
		out.Changes[i] = dc
	}
	return out, nil
}

// diffOutcome names o's rule by its table's kind.
func diffOutcome(p *engine.Policy, o engine.Outcome) DiffOutcome {
	d := DiffOutcome{Access: string(o.Access), Text: o.Text, Error: o.Error, Reason: o.Reason}
	if o.Rule != nil {
		d.Rule = RuleName(p, o.Rule)
	}
	return d
}

func diffExample(r engine.Request) DiffExample {
	e := DiffExample{Daemon: r.Daemon, User: r.User, Name: r.Client.Name, Text: DescribeRequest(r)}
	if r.Daemon == "" && !r.EmptyDaemon {
		e.Daemon = "unknown"
	}
	if s := r.Server; s.Socket.IsValid() {
		e.Server, e.ServerPort = s.Socket.Addr().String(), s.Socket.Port()
	} else {
		e.Server = s.Name
	}
	if r.Client.Socket.IsValid() {
		e.Client = r.Client.Socket.Addr().String()
	}
	return e
}

// DescribeRequest describes a request in words, as tcpwrap diff shows
// its examples: the daemon (with the server where there is one), then
// the client's user, its address and its host name.
func DescribeRequest(r engine.Request) string {
	b := make([]byte, 0, 64)
	switch {
	case r.Daemon == "" && r.EmptyDaemon:
		b = append(b, `""`...)
	case r.Daemon == "":
		b = append(b, "unknown"...)
	default:
		b = append(b, r.Daemon...)
	}
	switch s := r.Server; {
	case s.Socket.IsValid():
		b = append(b, '@')
		b = s.Socket.AppendTo(b)
		if s.Name != "" {
			b = append(append(append(b, " (server named "...), s.Name...), ')')
		}
	case s.Name != "":
		b = append(append(b, '@'), s.Name...)
	}
	b = append(b, " from "...)
	if r.User != "" {
		b = append(append(b, r.User...), '@')
	}
	c := r.Client
	if c.Socket.IsValid() {
		b = c.Socket.Addr().AppendTo(b)
	} else {
		b = append(b, "an unknown address"...)
	}
	switch c.Name {
	case "":
		if c.Socket.IsValid() {
			b = append(b, " (its name looked up)"...)
		}
	case "unknown":
		b = append(b, " (no host name)"...)
	case "paranoid":
		b = append(b, " (a host name that does not verify)"...)
	default:
		b = append(append(append(b, " (host name "...), c.Name...), ')')
	}
	return string(b)
}
