package main

import (
	"bufio"
	"cmp"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// This file renders a decision as text for people: the verdict and the
// deciding rule first, then what libwrap read, line by line and token by
// token, then the options, the commands that would run, and the warnings.

// painter adds ANSI colours when on.
type painter struct{ on bool }

func newPainter(on bool) painter { return painter{on} }

func (p painter) paint(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p painter) bold(s string) string   { return p.paint("1", s) }
func (p painter) dim(s string) string    { return p.paint("2", s) }
func (p painter) red(s string) string    { return p.paint("31", s) }
func (p painter) green(s string) string  { return p.paint("32", s) }
func (p painter) yellow(s string) string { return p.paint("33", s) }
func (p painter) cyan(s string) string   { return p.paint("36", s) }

func (p painter) access(a engine.Access) string {
	switch a {
	case engine.Granted:
		return p.paint("1;32", string(a))
	case engine.Denied:
		return p.paint("1;31", string(a))
	}
	return p.paint("1;33", string(a))
}

// state colours a token state, padded to width.
func (p painter) state(s string, width int) string {
	padded := fmt.Sprintf("%-*s", width, s)
	switch s {
	case "match":
		return p.green(padded)
	case "no-match", "error":
		return p.red(padded)
	case "except":
		return p.paint("35", padded)
	}
	return p.dim(padded)
}

// writeText explains one decision; ctl is the hosts_ctl request it
// answers, or nil for a connection. Without read, the lines read are left
// out (d has no trace).
func (m *matcher) writeText(w *bufio.Writer, req engine.Request, d *engine.Decision, ctl *wire.CtlEcho, color, read bool) {
	p := newPainter(color)
	fmt.Fprintf(w, "%s: %s\n", p.access(d.Access), d.Reason)
	if ctl != nil {
		fmt.Fprintf(w, "request: %s: strings, no socket: nothing is looked up\n", ctl.Call())
	}
	if r := m.ruleOut(d.Matched); r != nil {
		fmt.Fprintf(w, "rule:    %s  %s\n", p.bold(fmt.Sprintf("%s:%d", r.File, r.Line)), r.Text)
	} else {
		fmt.Fprintf(w, "rule:    none\n")
	}
	if d.Error != "" {
		fmt.Fprintf(w, "error:   %s\n", p.red(d.Error))
	}
	client := d.Client
	if ctl != nil && client.Name == "" && ctl.Name == "" {
		// Never looked up: hosts_ctl's empty name is "unknown".
		client.Name = "unknown (NAME is empty)"
	}
	fmt.Fprintf(w, "client:  %s\n", describeHost(req.Client, client, "no address"))
	noServer := "no @SERVER given"
	switch {
	case ctl != nil:
		noServer = "hosts_ctl gives none"
	case req.Server.Name != "":
		noServer = "no address"
	}
	fmt.Fprintf(w, "server:  %s\n", describeHost(req.Server, d.Server, noServer))
	daemon := d.Daemon
	if daemon == "" {
		daemon = `"" (the empty name)`
	}
	fmt.Fprintf(w, "daemon:  %s\n", daemon)
	user := d.User
	switch {
	case user != "":
	case ctl != nil && ctl.User != "":
		user = ctl.User
	case ctl != nil:
		user = "unknown (USER is empty)"
	default:
		user = "(not needed by any rule)"
	}
	fmt.Fprintf(w, "user:    %s\n", user)

	if read {
		fmt.Fprintf(w, "\n%s\n", p.bold("read:"))
		for i, ti := range m.tables {
			var steps []engine.Step
			for _, s := range d.Trace {
				if s.File == ti.t.Name {
					steps = append(steps, s)
				}
			}
			m.writeTable(w, p, i, ti, steps)
		}
	}

	if len(d.Options) > 0 {
		fmt.Fprintf(w, "\n%s\n", p.bold("options (in order, values after %-expansion):"))
		for _, o := range d.Options {
			if o.Value == nil {
				fmt.Fprintf(w, "  %s\n", o.Name)
			} else {
				fmt.Fprintf(w, "  %-9s %s\n", o.Name, *o.Value)
			}
		}
	}
	if len(d.Commands) > 0 {
		fmt.Fprintf(w, "\n%s\n", p.bold("commands that would run (NOT run by tcpwrap):"))
		for _, c := range d.Commands {
			fmt.Fprintf(w, "  %-9s /bin/sh -c %s\n", c.Kind, shellQuote(c.Command))
			switch c.Kind {
			case "aclexec":
				fmt.Fprintf(w, "  %9s %s\n", "", p.dim("assumed to exit 0; if it fails, libwrap counts the rule as not matched"))
			case "twist":
				fmt.Fprintf(w, "  %9s %s\n", "", p.dim("takes the connection over: the daemon itself never runs"))
			}
		}
	}
	if d.Banner != "" {
		fmt.Fprintf(w, "\n%s\n", p.bold("banner that would be sent to the client:"))
		for _, l := range strings.SplitAfter(d.Banner, "\n") {
			if l != "" {
				fmt.Fprintf(w, "  | %s\n", strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r"))
			}
		}
	}
	if len(d.Env) > 0 {
		fmt.Fprintf(w, "\n%s\n", p.bold("environment (setenv):"))
		for _, e := range d.Env {
			fmt.Fprintf(w, "  %s=%s\n", e.Name, e.Value)
		}
	}
	// Where user and group make no call (Debian's switch no ids), say so
	// where the reader looks for the setuid.
	var ids []string
	if !m.policy.Profile().SwitchesIDs() {
		for _, o := range d.Options {
			if n := strings.ToLower(o.Name); (n == "user" || n == "group") && o.Value != nil {
				ids = append(ids, n+" "+*o.Value)
			}
		}
	}
	if len(d.Effects) > 0 || len(ids) > 0 {
		fmt.Fprintf(w, "\n%s\n", p.bold("calls that would change the daemon's process or connection (NOT made by tcpwrap):"))
		for _, e := range d.Effects {
			fmt.Fprintf(w, "  %s\n", e)
		}
		for _, s := range ids {
			fmt.Fprintf(w, "  %s\n", p.dim(s+": none, Debian's libwrap looks the name up and switches no ids"))
		}
	}
	if len(d.Warnings) > 0 {
		fmt.Fprintf(w, "\n%s\n", p.bold("warnings:"))
		for _, s := range d.Warnings {
			fmt.Fprintf(w, "  %s\n", p.yellow(s))
		}
	}
}

// describeHost says what is known about an endpoint: the request's
// address, and the name as far as the decision looked it up.
func describeHost(ep engine.Endpoint, hi engine.HostInfo, noAddr string) string {
	addr := hi.Addr
	switch {
	case addr != "":
	case ep.Socket.IsValid():
		addr = ep.Socket.Addr().String()
	case ep.Addr != "":
		addr = ep.Addr
	default:
		addr = "unknown (" + noAddr + ")"
	}
	name := hi.Name
	switch {
	case name != "":
	case ep.Name != "":
		name = ep.Name
	case !ep.Socket.IsValid() && ep.Addr == "":
		name = "unknown"
	default:
		name = "(not looked up: no rule needed it)"
	}
	s := addr
	if hi.Port != 0 || ep.Socket.IsValid() {
		s += fmt.Sprintf(" port %d", hi.Port)
	}
	return s + ", name " + name
}

// writeTable prints what was read of one table.
func (m *matcher) writeTable(w *bufio.Writer, p painter, idx int, ti *tableInfo, steps []engine.Step) {
	base := filepath.Base(ti.path)
	if len(steps) == 0 {
		var what string
		switch {
		case ti.t.Missing:
			what = "does not exist: reads as empty"
		case ti.t.OpenError != "":
			what = "cannot be opened: " + ti.t.OpenError
		case ti.dir:
			what = "is a directory: reads as empty"
		case len(ti.t.Lines) == 0:
			what = "is empty"
		default:
			what = "not read: the decision was made before it"
		}
		fmt.Fprintf(w, "  %s  %s\n", p.bold(base), p.dim(what))
		return
	}
	for i := 0; i < len(steps); i++ {
		s := steps[i]
		loc := fmt.Sprintf("%s:%d", base, s.Line)
		if s.Kind == engine.LineComment || s.Kind == engine.LineBlank {
			j := i
			for j+1 < len(steps) && (steps[j+1].Kind == engine.LineComment || steps[j+1].Kind == engine.LineBlank) {
				j++
			}
			if j > i {
				loc = fmt.Sprintf("%s:%d-%d", base, s.Line, steps[j].Line)
				fmt.Fprintf(w, "  %s  %s\n", p.bold(loc), p.dim("comments and blank lines"))
			} else {
				fmt.Fprintf(w, "  %s  %s\n", p.bold(loc), p.dim(s.Kind.String()))
			}
			i = j
			continue
		}
		fmt.Fprintf(w, "  %s  %s\n", p.bold(loc), s.Text)
		if s.Kind != engine.LineRule {
			fmt.Fprintf(w, "      %s\n", p.yellow(s.Note))
			continue
		}
		width := 0
		for _, t := range append(append([]engine.TokenStep{}, s.Daemons...), s.Clients...) {
			width = max(width, len(t.Text)+2*t.Depth)
		}
		width = min(width, 32)
		writeTokens(w, p, "daemon", s.Daemons, width)
		switch {
		case s.Clients != nil:
			writeTokens(w, p, "client", s.Clients, width)
		case !s.DaemonMatch:
			fmt.Fprintf(w, "      client  %s\n", p.dim("not evaluated: the daemon list does not match"))
		}
		switch {
		case s.Match:
			fmt.Fprintf(w, "      => %s\n", p.green("the rule matches"))
		case stepFailed(s):
			// The note says which error.
			fmt.Fprintf(w, "      => %s\n", p.red(cmp.Or(s.Note, "error: libwrap stops here")))
			continue
		case !s.DaemonMatch:
			fmt.Fprintf(w, "      => %s\n", p.dim("no match (daemon list)"))
		default:
			fmt.Fprintf(w, "      => %s\n", p.dim("no match (client list)"))
		}
		if s.Note != "" {
			fmt.Fprintf(w, "      %s\n", s.Note)
		}
	}
	last := steps[len(steps)-1].Line
	if end := lastLine(ti.t); end > last {
		loc := fmt.Sprintf("%s:%d", base, end)
		if end > last+1 {
			loc = fmt.Sprintf("%s:%d-%d", base, last+1, end)
		}
		fmt.Fprintf(w, "  %s  %s\n", p.bold(loc), p.dim(fmt.Sprintf("not read: libwrap stopped at line %d", last)))
	}
}

// stepFailed reports whether evaluating one of s's tokens ended the
// decision with an error.
func stepFailed(s engine.Step) bool {
	for _, t := range s.Clients {
		if t.State == "error" {
			return true
		}
	}
	for _, t := range s.Daemons {
		if t.State == "error" {
			return true
		}
	}
	return false
}

// lastLine is the number of a table's last logical line.
func lastLine(t *engine.Table) int {
	n := 0
	for _, ln := range t.Lines {
		n = max(n, ln.Num)
	}
	return n
}

func writeTokens(w *bufio.Writer, p painter, label string, toks []engine.TokenStep, width int) {
	if len(toks) == 0 {
		fmt.Fprintf(w, "      %-6s  %s\n", label, p.dim("(empty list: never matches)"))
		return
	}
	for i, t := range toks {
		head := ""
		if i == 0 {
			head = label
		}
		text := strings.Repeat("  ", t.Depth) + t.Text
		fmt.Fprintf(w, "      %-6s  %-*s  %s  %s\n", head, width, text, p.state(t.State, 8), t.Why)
		for _, l := range t.Lookups {
			fmt.Fprintf(w, "      %-6s  %-*s  %s  %s\n", "", width, "", p.cyan(fmt.Sprintf("%-8s", "lookup")), l)
		}
	}
}

// shellQuote quotes s for a POSIX shell, for display.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
