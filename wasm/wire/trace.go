package wire

import (
	"sync"

	"github.com/tcpwrap/tcpwrap/engine"
)

// A LineRange names lines first to last (inclusive, libwrap's line
// numbers) of one table, by its base name ("hosts.deny").
type LineRange struct {
	File  string `json:"file"`
	First int    `json:"first"`
	Last  int    `json:"last"`
}

// traceShape is how a Compiled cuts its traces: see [Input.TraceFold]
// and [Input.TraceLines].
type traceShape struct {
	fold  int
	lines *LineRange
}

// withTrace is c cutting its traces to shape s.
func (c *Compiled) withTrace(s traceShape) *Compiled {
	if s.fold <= 0 && s.lines == nil {
		return c
	}
	c2 := *c
	c2.trace = s
	return &c2
}

// shape cuts the trace steps to s: only the steps in s.lines, when set;
// else runs of at least s.fold quiet steps folded into one.
func (s traceShape) shape(steps []Step) []Step {
	if r := s.lines; r != nil {
		out := steps[:0]
		for _, st := range steps {
			if st.File == r.File && st.Line >= r.First && st.Line <= r.Last {
				out = append(out, st)
			}
		}
		return out
	}
	if s.fold <= 0 {
		return steps
	}
	out := make([]Step, 0, min(len(steps), 64))
	for i := 0; i < len(steps); {
		j := i
		for j < len(steps) && quiet(&steps[j], j == len(steps)-1) && steps[j].File == steps[i].File {
			j++
		}
		if j-i >= s.fold {
			out = append(out, fold(steps[i:j]))
			i = j
			continue
		}
		if j == i {
			j++
		}
		out = append(out, steps[i:j]...)
		i = j
	}
	return out
}

// quiet reports whether st may be folded: a comment, a blank line, a
// line without a colon (its warning is also the checker's) or a rule
// that did not match, with no note (a comment's note is "comment"); never
// the last step when it matched (the deciding rule).
func quiet(st *Step, last bool) bool {
	if st.Kind == "no-separator" {
		return true
	}
	if st.Note != "" && st.Note != st.Kind || st.Match && last {
		return false
	}
	switch st.Kind {
	case "comment", "blank":
		return true
	case "rule":
		return !st.Match
	}
	return false
}

// fold is the one step standing for the quiet steps run.
func fold(run []Step) Step {
	first, last := &run[0], &run[len(run)-1]
	st := Step{File: first.File, Line: first.Line, EndLine: last.Line, Count: len(run), Kind: "fold",
		Span: Span{Start: first.Span.Start, End: last.Span.End}}
	for i := range run {
		if run[i].Kind == "rule" && run[i].DaemonMatch {
			st.DaemonLines++
		}
	}
	return st
}

// A TableCache keeps the tables most recently parsed, so that an edit of
// one table does not parse the others again (the playground's workers
// compile the whole policy on every keystroke). Tables are immutable once
// parsed, so one may serve any number of policies. It is for long-lived
// modules deciding one evolving policy; a server deciding unrelated
// policies has no use for it. The nil *TableCache parses every table.
// A TableCache is safe for concurrent use.
type TableCache struct {
	mu      sync.Mutex
	entries []cachedTable // the most recently used first
}

type cachedTable struct {
	name, text string
	prof       engine.Profile
	t          *engine.Table
}

// tableCacheSize is how many parsed tables the cache keeps: both tables
// of a policy, and both of the one before.
const tableCacheSize = 4

// Compile is [Compile] reusing a table parsed from the same name, profile
// and text among the last few tc parsed.
func (tc *TableCache) Compile(p Policy) (*Compiled, error) { return compile(p, tc) }

// EvaluateJSON is [EvaluateJSON] through tc.
func (tc *TableCache) EvaluateJSON(data []byte) []byte { return evaluateJSON(data, tc) }

// CheckJSON is [CheckJSON] through tc.
func (tc *TableCache) CheckJSON(data []byte) []byte { return checkJSON(data, tc) }

func (tc *TableCache) parse(name string, text string, prof engine.Profile) *engine.Table {
	if tc == nil {
		return engine.Parse(name, []byte(text), prof)
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	for i, e := range tc.entries {
		if e.name == name && e.prof == prof && e.text == text {
			copy(tc.entries[1:i+1], tc.entries[:i])
			tc.entries[0] = e
			return e.t
		}
	}
	t := engine.Parse(name, []byte(text), prof)
	if len(tc.entries) < tableCacheSize {
		tc.entries = append(tc.entries, cachedTable{})
	}
	copy(tc.entries[1:], tc.entries[:len(tc.entries)-1])
	tc.entries[0] = cachedTable{name: name, text: text, prof: prof, t: t}
	return t
}
