package wire

import (
	"context"

	"github.com/tcpwrap/tcpwrap/engine"
)

// A Diagnostic is one finding of [Check], as `tcpwrap check --format json`
// prints it: 1-based line and column (bytes), byte offsets for editors.
type Diagnostic struct {
	File      string `json:"file"`
	Line      int    `json:"line,omitempty"`
	Col       int    `json:"col,omitempty"`
	EndLine   int    `json:"endLine,omitempty"`
	EndCol    int    `json:"endCol,omitempty"`
	Offset    int    `json:"offset"`
	EndOffset int    `json:"endOffset"`
	Severity  string `json:"severity"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	Doc       string `json:"doc"`
}

// FromDiagnostic converts an engine diagnostic.
func FromDiagnostic(d engine.Diagnostic) Diagnostic {
	return Diagnostic{File: d.File, Line: d.Span.Start.Line, Col: d.Span.Start.Col,
		EndLine: d.Span.End.Line, EndCol: d.Span.End.Col, Offset: d.Span.Start.Offset, EndOffset: d.Span.End.Offset,
		Severity: d.Severity.String(), Code: d.Code, Message: d.Msg, Doc: engine.CheckDocs[d.Code]}
}

// CheckOutput is the answer of [Check].
type CheckOutput struct {
	Error       string       `json:"error,omitempty"`
	Diagnostics []Diagnostic `json:"diagnostics"`
}

// Check reports the problems of the policy's tables (engine.Check), host
// names looked up in its hosts table, and the lines of the hosts table
// that cannot be read. It never panics.
func Check(p Policy) CheckOutput {
	out, _ := check(call{}, p, nil)
	return out
}

// CheckContext is [Check] until ctx is done: then it stops and returns
// an empty CheckOutput and an error matching [ErrCanceled] (and ctx's
// error). The error is nil whenever the CheckOutput is the answer.
func CheckContext(ctx context.Context, p Policy) (CheckOutput, error) {
	return check(call{ctx}, p, nil)
}

// check is Check within the call cl, with tables parsed through tc.
func check(cl call, p Policy, tc *TableCache) (out CheckOutput, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = CheckOutput{Error: panicError(v).Error()}, nil
		}
	}()
	c, err := compile(p, tc)
	if err != nil {
		return CheckOutput{Error: err.Error()}, nil
	}
	ep := c.Engine()
	allow, deny := ep.Allow, ep.Deny
	if allow.Missing {
		allow = nil
	}
	if deny.Missing {
		deny = nil
	}
	diags, err := cl.check(allow, deny, engine.CheckOptions{Resolver: ep.Resolver, Files: ep.Files})
	if err != nil {
		return CheckOutput{}, err
	}
	if res, ok := ep.Resolver.(*engine.HostsResolver); ok {
		// The hosts table's own lines that could not be read.
		diags = append(diags, res.Diagnostics...)
		diags.Sort()
	}
	out.Diagnostics = []Diagnostic{}
	for _, d := range diags {
		out.Diagnostics = append(out.Diagnostics, FromDiagnostic(d))
	}
	return out, nil
}

// CheckJSON is [Check] on JSON: a [Policy] (or an [Input], whose requests
// are ignored) in, a [CheckOutput] out.
func CheckJSON(data []byte) []byte { return checkJSON(data, nil) }

func checkJSON(data []byte, tc *TableCache) []byte {
	in, err := decodeInput(data)
	if err != nil {
		out := CheckOutput{Error: err.Error()}
		return encode(func(b []byte) []byte { return appendCheckOutput(b, &out) })
	}
	out, _ := check(call{}, in.Policy, tc)
	return encode(func(b []byte) []byte { return appendCheckOutput(b, &out) })
}

// FormatOutput is the answer of [Format]: the two tables in the canonical
// layout (null where the input had none).
type FormatOutput struct {
	Error string  `json:"error,omitempty"`
	Allow *string `json:"allow"`
	Deny  *string `json:"deny"`
}

// Format writes the policy's tables in the canonical layout
// (engine.Format), which keeps every decision. It never panics.
func Format(p Policy) (out FormatOutput) {
	defer func() {
		if v := recover(); v != nil {
			out = FormatOutput{Error: panicError(v).Error()}
		}
	}()
	if _, err := Compile(p); err != nil {
		return FormatOutput{Error: err.Error()}
	}
	prof, _ := engine.ParseProfile(p.Profile)
	f := func(s *string) *string {
		if s == nil {
			return nil
		}
		t := string(engine.Format([]byte(*s), prof))
		return &t
	}
	return FormatOutput{Allow: f(p.Allow), Deny: f(p.Deny)}
}

// FormatJSON is [Format] on JSON.
func FormatJSON(data []byte) []byte {
	in, err := decodeInput(data)
	if err != nil {
		out := FormatOutput{Error: err.Error()}
		return encode(func(b []byte) []byte { return appendFormatOutput(b, &out) })
	}
	out := Format(in.Policy)
	return encode(func(b []byte) []byte { return appendFormatOutput(b, &out) })
}
