package engine

import (
	"sort"
	"strconv"
	"unicode/utf8"
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
// "file:line:col: msg" like go/scanner's errors. Msg is printable text:
// the input it quotes has its control characters, other non-printable
// characters and bytes that are not UTF-8 escaped as Go writes them in a
// string literal ("\x1b", "\u200b", "\xff"; see [Diagnostics]).
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

// add appends d, its message made printable: every diagnostic the engine
// makes comes through here, so a table of binary junk cannot send
// terminal escapes or bytes that are not UTF-8 to whoever reads
// tcpwrap check's text, JSON or SARIF. (The tcpdchk and tcpdmatch
// emulations print what Debian prints, raw bytes included, and do not
// come through here.)
func (l *Diagnostics) add(d Diagnostic) {
	d.Msg = printable(d.Msg)
	*l = append(*l, d)
}

// printable escapes the characters of s that strconv.Quote escapes, and
// only those: control characters and other non-printable runes ("\a",
// "\x1b", "\u200b") and bytes that are not UTF-8 ("\xff"). Printable
// text, non-ASCII letters included, is left as it is, and so are
// backslashes and quotes, so that text a message already quoted with %q
// is not escaped twice.
func printable(s string) string {
	i := 0
	for i < len(s) && s[i] >= ' ' && s[i] < utf8.RuneSelf && s[i] != 0x7f {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	b = append(b, s[:i]...)
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\x`...)
			b = append(b, "0123456789abcdef"[s[i]>>4], "0123456789abcdef"[s[i]&15])
		case strconv.IsPrint(r):
			b = append(b, s[i:i+size]...)
		default:
			q := strconv.QuoteRune(r) // '\x1b'
			b = append(b, q[1:len(q)-1]...)
		}
		i += size
	}
	return string(b)
}

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
