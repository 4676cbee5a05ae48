package engine

import (
	"bytes"
	"strings"
)

// Format returns src in tcpwrap's canonical layout for profile p:
//
//	daemon, daemon EXCEPT daemon: client, client: option: option
//
// List tokens are joined by ", ", EXCEPT is written in capitals with a
// space on each side, fields are separated by ": ", option fields are
// trimmed (a colon inside one is written "\:"), blank lines become empty
// and trailing blanks go.
//
// Format never changes a decision, a line number or a log line: every line
// that a canonical form could change in libwrap's reading — comments, lines
// without a separator, continued, unterminated or over-long lines, lines
// with a NUL or a CR, a rule whose first token starts with '#', FreeBSD
// lines with a '#' or a backslash, upstream's shell commands, a line whose
// canonical form would end in a backslash (which would join the next line
// to it) — is kept as it is. The physical line structure never changes.
func Format(src []byte, p Profile) []byte {
	t := Parse("", src, p)
	var out bytes.Buffer
	pos := 0
	for _, ln := range t.Lines {
		start, end := ln.Span.Start.Offset, ln.Span.End.Offset
		out.Write(src[pos:start]) // nothing, unless Parse skipped bytes
		raw := src[start:end]
		out.Write(formatLine(ln, raw, p))
		pos = end
	}
	out.Write(src[pos:])
	return out.Bytes()
}

// formatLine returns the canonical form of one logical line, or raw.
func formatLine(ln *Line, raw []byte, p Profile) []byte {
	if ln.Kind == LineBlank && !bytes.Contains(raw, []byte("\\\n")) && bytes.HasSuffix(raw, []byte("\n")) &&
		!bytes.ContainsAny(raw, "\r\x00") {
		return []byte("\n")
	}
	if ln.Kind != LineRule || ln.NUL || ln.Overlong || !bytes.HasSuffix(raw, []byte("\n")) ||
		bytes.Count(raw, []byte("\n")) != 1 || bytes.ContainsAny(raw, "\r\x00") {
		return raw
	}
	if p.hashComments() && bytes.ContainsAny(raw, "#\\") {
		return raw
	}
	s, ok := canonicalRule(ln, p)
	if !ok {
		return raw // the separator would become an escaped colon
	}
	if len(s) > MaxLineLength || strings.HasPrefix(s, "#") || s == "" || strings.HasSuffix(s, "\\") {
		// A backslash now last would join the next line to this one.
		return raw
	}
	return []byte(s + "\n")
}

// canonicalRule returns rule ln in the canonical layout (see Format),
// without its newline. ok is false when the layout would change the rule:
// an option field other than the last ends in a backslash, which would
// escape the separator after it.
func canonicalRule(ln *Line, p Profile) (s string, ok bool) {
	ok = true
	var b strings.Builder
	writeList(&b, ln.Daemons)
	b.WriteString(": ")
	writeList(&b, ln.Clients)
	if ln.Third != nil {
		if !p.options() {
			// Upstream runs the third field as a shell command, as it is.
			b.WriteString(":")
			b.WriteString(strings.TrimSuffix(ln.Third.Text, "\n"))
		} else {
			for i, f := range ln.Options {
				field := chop(f.Raw)
				if i+1 < len(ln.Options) && strings.HasSuffix(field, "\\") {
					ok = false
				}
				b.WriteString(": ")
				b.WriteString(strings.ReplaceAll(field, ":", "\\:"))
			}
		}
	}
	s = b.String()
	if ln.Third == nil || p.options() {
		// Not after a shell command: its trailing blanks are its own.
		s = strings.TrimRight(s, " \t")
	}
	return s, ok
}

func writeList(b *strings.Builder, l *List) {
	for i, tok := range l.Tokens {
		switch {
		case tok.Except:
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("EXCEPT")
		case i == 0:
		case l.Tokens[i-1].Except:
			b.WriteByte(' ')
		default:
			b.WriteString(", ")
		}
		if !tok.Except {
			b.WriteString(tok.Text)
		}
	}
}
