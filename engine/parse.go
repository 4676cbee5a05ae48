package engine

import (
	"errors"
	"strconv"
	"strings"
)

// MaxTableSize is the largest table the engine reads, in bytes (16 MiB).
// libwrap itself has no limit; the engine keeps memory bounded for
// hostile input. A larger table is not read at all: a table cut at the
// limit would end in a line without its newline, which libwrap (Debian)
// takes for a broken table, so a cut would change decisions silently.
const MaxTableSize = 16 << 20

// ErrTableTooLarge says why a table over [MaxTableSize] is not read. The
// commands print it after the table's name ("hosts.allow: table larger
// than ...") and decide nothing; [Parse] makes it the table's only
// diagnostic.
var ErrTableTooLarge = errors.New("table larger than 16 MiB (" + strconv.Itoa(MaxTableSize) + " bytes): not read")

// Parse reads one access-control table named name (the name libwrap would
// print, such as "hosts.allow" or "/etc/hosts.deny") under profile p. It
// never fails: problems are reported in the table's Diagnostics and give
// the decisions libwrap would make.
//
// Parse reads the way libwrap does (spec §2): logical lines of at most
// [MaxLineLength] bytes joined by backslash-newline, comments only in
// column 1 (anywhere, for [FreeBSD]), fields split at the first two colons
// outside brackets, list tokens split at blanks and commas.
//
// A src longer than [MaxTableSize] gives [TooLargeTable]: no line of it
// is read.
func Parse(name string, src []byte, p Profile) *Table {
	if len(src) > MaxTableSize {
		return TooLargeTable(name, p)
	}
	t := &Table{Name: name, Profile: p}
	t.lines = newLineIndex(src)
	t.src = string(src)
	r := &lineReader{src: src}
	for {
		ll, ok := r.next()
		if !ok {
			break
		}
		ln := t.parseLine(&ll)
		ln.index = len(t.Lines)
		t.Lines = append(t.Lines, ln)
		if ln.Kind == LineUnterminated {
			if p.tableErrors() {
				break // Debian: "all the subsequent rules will be ignored"
			}
			if ll.overlong && !p.brokenFgets() {
				r.skipRestOfLine()
			}
		}
	}
	t.index = buildIndex(t)
	t.lines = nil // its lookup hint is not safe to share once parsing is done
	t.src = ""
	return t
}

// MissingTable returns the table for a file that does not exist.
func MissingTable(name string, p Profile) *Table {
	t := Parse(name, nil, p)
	t.Missing = true
	return t
}

// UnreadableTable returns the table for a file that exists but cannot be
// opened; errText is the system's message ("Permission denied").
func UnreadableTable(name, errText string, p Profile) *Table {
	t := Parse(name, nil, p)
	t.OpenError = errText
	return t
}

// TooLargeTable returns the table for a file larger than [MaxTableSize]:
// no line is read, its one diagnostic is [ErrTableTooLarge] (code
// table-too-large), and every decision that reaches it is a denial with
// [Decision.Error] set, since libwrap, which reads the whole file, might
// decide either way.
func TooLargeTable(name string, p Profile) *Table {
	t := Parse(name, nil, p)
	t.TooLarge = true
	t.Diagnostics.add(Diagnostic{File: name, Severity: SeverityError, Code: "table-too-large", Msg: ErrTableTooLarge.Error()})
	return t
}

func (t *Table) span(ll *logicalLine, from, to int) Span {
	if to < from {
		to = from
	}
	end := ll.srcOffset(to)
	if to > from {
		end = ll.srcOffset(to-1) + 1
	}
	return t.lines.span(ll.srcOffset(from), end)
}

func (t *Table) parseLine(ll *logicalLine) *Line {
	text := ll.text
	ln := &Line{Num: ll.line, NUL: ll.nul}
	ln.Span = t.lines.span(ll.start, ll.end)
	ln.TextSpan = ln.Span
	if ll.terminated {
		ln.TextSpan = t.lines.span(ll.start, ll.end-1)
	}
	body := text
	if ll.terminated {
		body = text[:len(text)-1]
	}
	if end := ll.start + len(body); end <= len(t.src) && string(body) == t.src[ll.start:end] {
		// A line read as written (no continuation, no NUL): its text
		// shares the source's one copy.
		ln.Text = t.src[ll.start:end]
	} else {
		ln.Text = string(body)
	}
	for _, s := range ll.segs {
		if s.buf > 0 && s.buf < len(ln.Text) && t.lines.pos(s.src).Col == 1 {
			end := min(s.buf+s.n, len(ln.Text))
			ln.conts = append(ln.conts, cont{at: s.buf, end: end, span: t.lines.span(s.src, s.src+end-s.buf), afterNUL: s.afterNUL})
		}
	}
	if ll.nul {
		t.Diagnostics.add(Diagnostic{File: t.Name, Span: ln.Span, Severity: SeverityWarning, Code: "nul-byte",
			Msg: "NUL byte: libwrap drops the rest of the physical line and joins the next one"})
	}
	if !ll.terminated {
		ln.Kind = LineUnterminated
		ln.Overlong = ll.overlong
		msg := "missing newline at end of file: libwrap ignores this line"
		code := "missing-newline"
		if ll.overlong {
			msg = "line longer than 2046 bytes: libwrap ignores it"
			code = "line-too-long"
		}
		if t.Profile.tableErrors() {
			msg += " and every line after it"
			if strings.HasSuffix(t.Name, "deny") {
				msg += ", and denies every request not matched before it"
			}
		}
		t.Diagnostics.add(Diagnostic{File: t.Name, Span: ln.Span, Severity: SeverityError, Code: code, Msg: msg})
		return ln
	}
	if t.Profile.hashComments() {
		if i := hashCut(text); i >= 0 {
			text = text[:i]
		}
	}
	if len(text) > 0 && text[0] == '#' {
		ln.Kind = LineComment
		return ln
	}
	blank := true
	for _, c := range text {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			blank = false
			break
		}
	}
	if blank {
		ln.Kind = LineBlank
		return ln
	}
	brackets := t.Profile.ipv6()
	c1 := splitAt(text, 0, ':', brackets)
	if c1 < 0 {
		ln.Kind = LineNoSeparator
		t.Diagnostics.add(Diagnostic{File: t.Name, Span: t.span(ll, 0, len(text)), Severity: SeverityWarning,
			Code: "missing-separator", Msg: `missing ":" separator: the line is skipped`})
		return ln
	}
	ln.Kind = LineRule
	c2 := splitAt(text, c1+1, ':', brackets)
	clientEnd := len(text)
	if c2 >= 0 {
		clientEnd = c2
	} else if text[clientEnd-1] == '\n' {
		clientEnd-- // the newline ends the list; it is no part of its span
	}
	ln.Daemons = t.parseList(ll, text, ln.Text, 0, c1, false)
	ln.Clients = t.parseList(ll, text, ln.Text, c1+1, clientEnd, true)
	if c2 >= 0 {
		third := text[c2+1:]
		ln.Third = &Field{Text: string(third), Span: t.span(ll, c2+1, len(text))}
		if t.Profile.options() {
			ln.Options = t.parseOptions(ll, text, c2+1)
		} else {
			ln.Third.pcts = t.percentSpans(ll, ln.Third.Text, func(k int) int { return c2 + 1 + k })
		}
	}
	return ln
}

// hashCut returns the index of the first '#' of s not preceded by a
// backslash, where FreeBSD cuts a line, or -1.
func hashCut[T string | []byte](s T) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && (i == 0 || s[i-1] != '\\') {
			return i
		}
	}
	return -1
}

// splitAt returns the index of the first delimiter at or after from that is
// not inside square brackets (when brackets is set), or -1. Like libwrap it
// keeps a plain counter: a stray '[' or ']' hides every later delimiter.
func splitAt[T string | []byte](s T, from int, delim byte, brackets bool) int {
	depth := 0
	for i := from; i < len(s); i++ {
		c := s[i]
		switch {
		case brackets && c == '[':
			depth++
		case brackets && c == ']':
			depth--
		case c == delim && depth == 0:
			return i
		}
	}
	return -1
}

func isListSep(c byte) bool { return c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\n' }

func (t *Table) parseList(ll *logicalLine, text []byte, lineText string, from, to int, client bool) *List {
	n := 0
	for i := from; i < to; {
		for i < to && isListSep(text[i]) {
			i++
		}
		if i < to {
			n++
		}
		for i < to && !isListSep(text[i]) {
			i++
		}
	}
	var l *List
	var toks []Token
	switch n {
	case 0:
		return &List{Span: t.span(ll, from, to)}
	case 1:
		// The most common list (a blocklist's both): one allocation.
		box := &struct {
			List
			tok [1]Token
			ptr [1]*Token
		}{}
		l, toks, box.Tokens = &box.List, box.tok[:], box.ptr[:]
	default:
		// One allocation for the tokens; their texts share the line's text.
		l, toks = &List{Tokens: make([]*Token, n)}, make([]Token, n)
	}
	l.Span = t.span(ll, from, to)
	depth, k := 0, 0
	for i := from; i < to; {
		if isListSep(text[i]) {
			i++
			continue
		}
		j := i
		for j < to && !isListSep(text[j]) {
			j++
		}
		tok := &toks[k]
		if j <= len(lineText) {
			tok.Text = lineText[i:j]
		} else {
			tok.Text = string(text[i:j])
		}
		tok.Span, tok.Depth = t.span(ll, i, j), depth
		if asciiEqualFold(tok.Text, "EXCEPT") {
			tok.Except = true
			depth++
		} else if client {
			tok.pat = compileClient(tok.Text, t.Profile)
		} else {
			tok.pat = compileDaemon(tok.Text, t.Profile)
		}
		l.Tokens[k] = tok
		k++
		i = j
	}
	return l
}

// parseOptions splits the third field into option fields the way libwrap's
// get_field does: at every colon (brackets do not protect it), with "\:"
// standing for a literal colon.
func (t *Table) parseOptions(ll *logicalLine, text []byte, from int) []*OptionField {
	var out []*OptionField
	i := from
	for i < len(text) {
		start := i
		var raw []byte
		ends := false
		for i < len(text) {
			c := text[i]
			if c == ':' {
				i++
				if i == len(text) {
					ends = true
				}
				break
			}
			if c == '\\' && i+1 < len(text) && text[i+1] == ':' {
				i++
				c = ':'
			}
			raw = append(raw, c)
			i++
		}
		f := &OptionField{Raw: string(raw), EndsInColon: ends}
		f.Name, f.Value = splitOption(f.Raw)
		if f.Value != nil && strings.IndexByte(*f.Value, '%') >= 0 {
			f.pcts = t.valuePercents(ll, text, start, f.Raw, *f.Value)
		}
		// Span: the field's text, trimmed like libwrap trims it.
		end := i
		if end > start && text[end-1] == ':' {
			end--
		}
		a, b := start, end
		for a < b && isCSpace(text[a]) {
			a++
		}
		for b > a && isCSpace(text[b-1]) {
			b--
		}
		if a == b {
			// An empty field: point at the colon that opened it.
			a, b = start-1, start
		}
		f.Span = t.span(ll, a, b)
		out = append(out, f)
	}
	return out
}

// valuePercents returns the source spans of the %-sequences of value, the
// value of the option field whose text (before "\:" unescaping) starts
// at text[start] and reads raw once unescaped.
func (t *Table) valuePercents(ll *logicalLine, text []byte, start int, raw, value string) []Span {
	// at[k] is where raw[k] is in text: a "\:" is two bytes of text for
	// one of raw (the unescaping of parseOptions).
	at := make([]int, len(raw)+1)
	j := start
	for k := 0; k < len(raw); k++ {
		at[k] = j
		if text[j] == '\\' && j+1 < len(text) && text[j+1] == ':' {
			j += 2
		} else {
			j++
		}
	}
	at[len(raw)] = j
	// splitOption's value runs to the end of chop(raw).
	end := len(raw)
	for end > 0 && isCSpace(raw[end-1]) {
		end--
	}
	off := end - len(value)
	return t.percentSpans(ll, value, func(k int) int { return at[off+k] })
}

// percentSpans returns the source span of each %-sequence of s, in the
// order percentCodes reads them: the '%' and the character after it (the
// whole of a multi-byte UTF-8 character, so that an editor can mark it).
// at maps an index of s, up to len(s), to an index of ll's text.
func (t *Table) percentSpans(ll *logicalLine, s string, at func(k int) int) []Span {
	var out []Span
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		j := i + 2
		if s[i+1] >= 0xC0 {
			for j < len(s) && j-i < 5 && s[j]&0xC0 == 0x80 {
				j++
			}
		}
		out = append(out, t.span(ll, at(i), at(j)))
		i++
	}
	return out
}

// isCSpace is C's isspace in the C locale.
func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// chop strips C white space from both ends (libwrap's chop_string).
func chop(s string) string {
	a, b := 0, len(s)
	for a < b && isCSpace(s[a]) {
		a++
	}
	for b > a && isCSpace(s[b-1]) {
		b--
	}
	return s[a:b]
}

// splitOption splits an option field into keyword and value as libwrap's
// process_options does: the keyword ends at a blank or '='; one '=' with
// blanks around it may separate it from the value; an empty value is none.
func splitOption(raw string) (name string, value *string) {
	s := chop(raw)
	k := 0
	for k < len(s) && !strings.ContainsRune(" \t\r\n=", rune(s[k])) {
		k++
	}
	name = s[:k]
	v := s[k:]
	if len(v) > 0 {
		if v[0] != '=' {
			v = v[1:]
			v = strings.TrimLeft(v, " \t\r\n")
		}
		if len(v) > 0 && v[0] == '=' {
			v = v[1:]
			v = strings.TrimLeft(v, " \t\r\n")
		}
	}
	if v == "" {
		return name, nil
	}
	return name, &v
}

// asciiEqualFold is strcasecmp(a, b) == 0 in the C locale: ASCII letters
// only fold.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if toUpper(a[i]) != toUpper(b[i]) {
			return false
		}
	}
	return true
}

func toUpper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func toLowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
