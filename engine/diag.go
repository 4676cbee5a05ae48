package engine

import (
	"sort"
)

// Severity grades a [Diagnostic].
type Severity int

const (
	SeverityError Severity = iota
	SeverityWarning
	SeverityInfo
)

func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	default:
		return "info"
	}
}

// MarshalText makes a Severity encode as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// A Diagnostic is a message about a position in a source text, printed as
// "file:line:col: msg" like go/scanner's errors.
type Diagnostic struct {
	File     string   `json:"file"`
	Span     Span     `json:"span"`
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Msg      string   `json:"message"`
}

func (d Diagnostic) Error() string {
	if d.File == "" && !d.Span.Start.IsValid() {
		return d.Msg
	}
	if !d.Span.Start.IsValid() {
		return d.File + ": " + d.Msg
	}
	return sprintf("%s:%d:%d: %s", d.File, d.Span.Start.Line, d.Span.Start.Col, d.Msg)
}

// Diagnostics is a list of diagnostics. The zero value is an empty list
// ready to use.
type Diagnostics []Diagnostic

func (l *Diagnostics) add(d Diagnostic) { *l = append(*l, d) }

// Sort orders the list by file, then position, then severity.
func (l Diagnostics) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Span.Start.Offset != b.Span.Start.Offset {
			return a.Span.Start.Offset < b.Span.Start.Offset
		}
		return a.Severity < b.Severity
	})
}

// Errors returns the diagnostics of severity error.
func (l Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range l {
		if d.Severity == SeverityError {
			out = append(out, d)
		}
	}
	return out
}

// Err returns l as an error if it holds any diagnostic of severity error,
// and nil otherwise.
func (l Diagnostics) Err() error {
	if len(l.Errors()) == 0 {
		return nil
	}
	return l
}

func (l Diagnostics) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return sprintf("%s (and %d more)", l[0].Error(), len(l)-1)
}
