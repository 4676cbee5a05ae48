package wire

// This file is wire's own JSON codec: the input types decoded and the
// output types encoded by hand, without encoding/json, reflect or fmt, so
// that the WebAssembly modules stay small. It answers byte for byte what
// encoding/json (v1) answers for these types, decoded through a Decoder
// with DisallowUnknownFields and encoded with SetEscapeHTML(false): the
// same output, the same decoded values (case-insensitive keys, later
// duplicates winning, slice elements reused, invalid UTF-8 as U+FFFD) and
// the same error messages (syntax errors before type errors, then the
// first type error or unknown field in document order). json_test.go
// compares the two on fixed cases and by fuzzing.

import (
	"errors"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxNestingDepth is encoding/json's limit on nested arrays and objects.
const maxNestingDepth = 10000

var errUnexpectedEOF = errors.New("unexpected EOF")

// syntaxCheck validates the one JSON value at the start of data the way
// encoding/json's Decoder reads it, and returns the offset just past it.
// data starts with optional white space and then '{'.
func syntaxCheck(data []byte) (int, error) {
	s := scanner{data: data}
	s.space()
	if s.off == len(s.data) {
		return 0, errors.New("EOF")
	}
	if err := s.value(0); err != nil {
		return 0, err
	}
	return s.off, nil
}

type scanner struct {
	data []byte
	off  int
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (s *scanner) space() {
	for s.off < len(s.data) && isSpace(s.data[s.off]) {
		s.off++
	}
}

// next returns the next byte after white space, or an error at the end.
func (s *scanner) next() (byte, error) {
	s.space()
	if s.off == len(s.data) {
		return 0, errUnexpectedEOF
	}
	return s.data[s.off], nil
}

// syntaxError is encoding/json's SyntaxError message for the byte c.
func syntaxError(c byte, context string) error {
	var q string
	switch c {
	case '\'':
		q = `'\''`
	case '"':
		q = `'"'`
	default:
		t := strconv.Quote(string(rune(c)))
		q = "'" + t[1:len(t)-1] + "'"
	}
	return errors.New("invalid character " + q + " " + context)
}

// value checks one value at s.off (white space skipped), depth being the
// number of arrays and objects it is in.
func (s *scanner) value(depth int) error {
	c, err := s.next()
	if err != nil {
		return err
	}
	switch {
	case c == '{':
		if depth+1 > maxNestingDepth {
			return syntaxError(c, "exceeded max depth")
		}
		s.off++
		if c, err = s.next(); err != nil {
			return err
		}
		if c == '}' {
			s.off++
			return nil
		}
		for {
			if c != '"' {
				return syntaxError(c, "looking for beginning of object key string")
			}
			if err := s.str(); err != nil {
				return err
			}
			if c, err = s.next(); err != nil {
				return err
			}
			if c != ':' {
				return syntaxError(c, "after object key")
			}
			s.off++
			if err := s.value(depth + 1); err != nil {
				return err
			}
			if c, err = s.next(); err != nil {
				return err
			}
			s.off++
			switch c {
			case '}':
				return nil
			case ',':
			default:
				return syntaxError(c, "after object key:value pair")
			}
			if c, err = s.next(); err != nil {
				return err
			}
		}
	case c == '[':
		if depth+1 > maxNestingDepth {
			return syntaxError(c, "exceeded max depth")
		}
		s.off++
		if c, err = s.next(); err != nil {
			return err
		}
		if c == ']' {
			s.off++
			return nil
		}
		for {
			if err := s.value(depth + 1); err != nil {
				return err
			}
			if c, err = s.next(); err != nil {
				return err
			}
			s.off++
			switch c {
			case ']':
				return nil
			case ',':
			default:
				return syntaxError(c, "after array element")
			}
		}
	case c == '"':
		return s.str()
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	case c == 't':
		return s.word("true")
	case c == 'f':
		return s.word("false")
	case c == 'n':
		return s.word("null")
	}
	return syntaxError(c, "looking for beginning of value")
}

// byteAt returns the byte at s.off, or an error at the end.
func (s *scanner) byteAt() (byte, error) {
	if s.off == len(s.data) {
		return 0, errUnexpectedEOF
	}
	return s.data[s.off], nil
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// str checks a string literal starting at s.off.
func (s *scanner) str() error {
	s.off++ // "
	for {
		c, err := s.byteAt()
		if err != nil {
			return err
		}
		s.off++
		switch {
		case c == '"':
			return nil
		case c == '\\':
			if c, err = s.byteAt(); err != nil {
				return err
			}
			s.off++
			switch c {
			case 'b', 'f', 'n', 'r', 't', '\\', '/', '"':
			case 'u':
				for range 4 {
					if c, err = s.byteAt(); err != nil {
						return err
					}
					if !isHex(c) {
						return syntaxError(c, "in \\u hexadecimal character escape")
					}
					s.off++
				}
			default:
				return syntaxError(c, "in string escape code")
			}
		case c < 0x20:
			return syntaxError(c, "in string literal")
		}
	}
}

// number checks a number starting at s.off. The byte after it is the
// caller's.
func (s *scanner) number() error {
	if s.data[s.off] == '-' {
		s.off++
		c, err := s.byteAt()
		if err != nil {
			return err
		}
		if !isDigit(c) {
			return syntaxError(c, "in numeric literal")
		}
	}
	if s.data[s.off] == '0' {
		s.off++
	} else {
		for s.off < len(s.data) && isDigit(s.data[s.off]) {
			s.off++
		}
	}
	if s.off < len(s.data) && s.data[s.off] == '.' {
		s.off++
		c, err := s.byteAt()
		if err != nil {
			return err
		}
		if !isDigit(c) {
			return syntaxError(c, "after decimal point in numeric literal")
		}
		for s.off < len(s.data) && isDigit(s.data[s.off]) {
			s.off++
		}
	}
	if s.off < len(s.data) && (s.data[s.off] == 'e' || s.data[s.off] == 'E') {
		s.off++
		c, err := s.byteAt()
		if err != nil {
			return err
		}
		if c == '+' || c == '-' {
			s.off++
			if c, err = s.byteAt(); err != nil {
				return err
			}
		}
		if !isDigit(c) {
			return syntaxError(c, "in exponent of numeric literal")
		}
		for s.off < len(s.data) && isDigit(s.data[s.off]) {
			s.off++
		}
	}
	return nil
}

// word checks the literal w (true, false, null) at s.off.
func (s *scanner) word(w string) error {
	s.off++
	for i := 1; i < len(w); i++ {
		c, err := s.byteAt()
		if err != nil {
			return err
		}
		if c != w[i] {
			return syntaxError(c, "in literal "+w+" (expecting '"+w[i:i+1]+"')")
		}
		s.off++
	}
	return nil
}

// A decoder fills wire's input types from JSON that syntaxCheck
// accepted. err is the first type error or unknown field.
type decoder struct {
	data []byte
	off  int
	err  error
	// The error context of encoding/json: the struct whose field is being
	// decoded and the path of JSON names (and embedded struct names) to
	// it.
	ctxStruct string
	ctxStack  []string
}

func (d *decoder) space() {
	for d.off < len(d.data) && isSpace(d.data[d.off]) {
		d.off++
	}
}

// peek returns the first byte of the next value.
func (d *decoder) peek() byte {
	d.space()
	return d.data[d.off]
}

// literal returns the next literal (string with its quotes, number, true,
// false, null) and moves past it.
func (d *decoder) literal() []byte {
	d.space()
	start := d.off
	if d.data[d.off] == '"' {
		d.off++
		for d.data[d.off] != '"' {
			if d.data[d.off] == '\\' {
				d.off++
			}
			d.off++
		}
		d.off++
		return d.data[start:d.off]
	}
	for d.off < len(d.data) {
		switch c := d.data[d.off]; {
		case c == ',' || c == '}' || c == ']' || c == ':' || isSpace(c):
			return d.data[start:d.off]
		}
		d.off++
	}
	return d.data[start:d.off]
}

// skip moves past the next value.
func (d *decoder) skip() {
	switch d.peek() {
	case '{', '[':
		depth := 0
		for {
			switch d.data[d.off] {
			case '{', '[':
				depth++
				d.off++
			case '}', ']':
				depth--
				d.off++
				if depth == 0 {
					return
				}
			case '"':
				d.literal()
			default:
				d.off++
			}
		}
	default:
		d.literal()
	}
}

// typeError records encoding/json's UnmarshalTypeError for a JSON value
// (what: "string", "number 70000", ...) that does not fit the Go type typ.
func (d *decoder) typeError(what, typ string) {
	if d.err != nil {
		return
	}
	if d.ctxStruct != "" || len(d.ctxStack) > 0 {
		field := ""
		for i, s := range d.ctxStack {
			if i > 0 {
				field += "."
			}
			field += s
		}
		d.err = errors.New("json: cannot unmarshal " + what + " into Go struct field " + d.ctxStruct + "." + field + " of type " + typ)
		return
	}
	d.err = errors.New("json: cannot unmarshal " + what + " into Go value of type " + typ)
}

// mismatch records the type error of the next value, which is not of the
// Go type typ, and moves past it. null fits every type: it changes
// nothing here.
func (d *decoder) mismatch(typ string) {
	switch c := d.peek(); c {
	case '{':
		d.typeError("object", typ)
		d.skip()
		return
	case '[':
		d.typeError("array", typ)
		d.skip()
		return
	case '"':
		d.typeError("string", typ)
	case 't', 'f':
		d.typeError("bool", typ)
	case 'n':
	default:
		d.typeError("number", typ)
	}
	d.literal()
}

// isNull reports whether the next value is null, and moves past it if so.
func (d *decoder) isNull() bool {
	if d.peek() == 'n' {
		d.literal()
		return true
	}
	return false
}

func (d *decoder) str(p *string) {
	if d.peek() != '"' {
		d.mismatch("string")
		return
	}
	*p = unquote(d.literal())
}

func (d *decoder) strPtr(p **string) {
	if d.isNull() {
		*p = nil
		return
	}
	if *p == nil {
		*p = new(string)
	}
	d.str(*p)
}

func (d *decoder) integer(p *int) {
	if c := d.peek(); c != '-' && !isDigit(c) {
		d.mismatch("int")
		return
	}
	item := string(d.literal())
	n, err := strconv.ParseInt(item, 10, strconv.IntSize)
	if err != nil {
		d.typeError("number "+item, "int")
		return
	}
	*p = int(n)
}

func (d *decoder) port(p *uint16) {
	if c := d.peek(); c != '-' && !isDigit(c) {
		d.mismatch("uint16")
		return
	}
	item := string(d.literal())
	n, err := strconv.ParseUint(item, 10, 64)
	if err != nil || n > 0xFFFF {
		d.typeError("number "+item, "uint16")
		return
	}
	*p = uint16(n)
}

func (d *decoder) boolean(p *bool) {
	if c := d.peek(); c != 't' && c != 'f' {
		d.mismatch("bool")
		return
	}
	*p = d.literal()[0] == 't'
}

// object decodes an object into the struct called structName whose JSON
// fields are names (embedded[i] is the name of the embedded struct that
// holds field i, or ""): field(i) decodes the value of field i.
func (d *decoder) object(structName, typ string, names, embedded []string, field func(int)) {
	if d.isNull() {
		return
	}
	if d.peek() != '{' {
		d.mismatch(typ)
		return
	}
	d.off++
	origStruct, origLen := d.ctxStruct, len(d.ctxStack)
	for {
		if d.peek() == '}' {
			d.off++
			return
		}
		key := unquote(d.literal())
		d.space()
		d.off++ // :
		i := fieldIndex(key, names)
		if i < 0 {
			if d.err == nil {
				d.err = errors.New("json: unknown field " + strconv.Quote(key))
			}
			d.skip()
		} else {
			if embedded != nil && embedded[i] != "" {
				d.ctxStack = append(d.ctxStack, embedded[i])
			}
			d.ctxStruct = structName
			d.ctxStack = append(d.ctxStack, names[i])
			field(i)
			d.ctxStruct, d.ctxStack = origStruct, d.ctxStack[:origLen]
		}
		if d.peek() == ',' {
			d.off++
		}
	}
}

// fieldIndex finds the field for key as encoding/json does: the exact
// name, else the first name equal under case folding; -1 for none.
func fieldIndex(key string, names []string) int {
	for i, n := range names {
		if n == key {
			return i
		}
	}
	folded := foldName(key)
	for i, n := range names {
		if foldName(n) == folded {
			return i
		}
	}
	return -1
}

// foldName is encoding/json's: ASCII letters upper case, every other
// rune the smallest of its fold set.
func foldName(s string) string {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			c := byte(r)
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			continue
		}
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		out = utf8.AppendRune(out, r)
	}
	return string(out)
}

var (
	inputFields    = []string{"version", "allow", "deny", "hosts", "netgroup", "files", "profile", "allowName", "denyName", "requests", "noTrace", "dns", "traceFold", "traceLines", "old"}
	inputEmbedded  = []string{"Policy", "Policy", "Policy", "Policy", "Policy", "Policy", "Policy", "Policy", "Policy", "", "", "", "", "", ""}
	tablesFields   = []string{"allow", "deny"}
	rangeFields    = []string{"file", "first", "last"}
	dnsFields      = []string{"mode", "name"}
	requestsFields = []string{"requests", "noTrace"}
	requestFields  = []string{"daemon", "server", "client", "user", "clientPort", "serverPort", "ctl", "expect"}
	expectFields   = []string{"access", "rule"}
	ctlFields      = []string{"daemon", "name", "addr", "user"}
)

func (d *decoder) input(in *Input) {
	d.object("Input", "wire.Input", inputFields, inputEmbedded, func(i int) {
		p := &in.Policy
		switch i {
		case 0:
			d.integer(&p.Version)
		case 1:
			d.strPtr(&p.Allow)
		case 2:
			d.strPtr(&p.Deny)
		case 3:
			d.str(&p.Hosts)
		case 4:
			d.strPtr(&p.Netgroup)
		case 5:
			d.files(&p.Files)
		case 6:
			d.str(&p.Profile)
		case 7:
			d.str(&p.AllowName)
		case 8:
			d.str(&p.DenyName)
		case 9:
			d.requests(&in.Requests)
		case 10:
			d.boolean(&in.NoTrace)
		case 11:
			d.dns(&in.DNS)
		case 12:
			d.integer(&in.TraceFold)
		case 13:
			d.lineRange(&in.TraceLines)
		case 14:
			d.tables(&in.Old)
		}
	})
}

// tables decodes a *Tables as encoding/json fills a pointer.
func (d *decoder) tables(p **Tables) {
	if d.isNull() {
		*p = nil
		return
	}
	if *p == nil {
		*p = new(Tables)
	}
	t := *p
	d.object("Tables", "wire.Tables", tablesFields, nil, func(i int) {
		switch i {
		case 0:
			d.strPtr(&t.Allow)
		case 1:
			d.strPtr(&t.Deny)
		}
	})
}

// lineRange decodes a *LineRange as encoding/json fills a pointer.
func (d *decoder) lineRange(p **LineRange) {
	if d.isNull() {
		*p = nil
		return
	}
	if *p == nil {
		*p = new(LineRange)
	}
	v := *p
	d.object("LineRange", "wire.LineRange", rangeFields, nil, func(i int) {
		switch i {
		case 0:
			d.str(&v.File)
		case 1:
			d.integer(&v.First)
		case 2:
			d.integer(&v.Last)
		}
	})
}

// dns decodes a *DNS: null is nil, anything else is decoded into a new
// (or the existing) DNS, as encoding/json fills a pointer.
func (d *decoder) dns(p **DNS) {
	if d.isNull() {
		*p = nil
		return
	}
	if *p == nil {
		*p = new(DNS)
	}
	v := *p
	d.object("DNS", "wire.DNS", dnsFields, nil, func(i int) {
		if i == 0 {
			d.str(&v.Mode)
		} else {
			d.str(&v.Name)
		}
	})
}

func (d *decoder) requestsObject(in *Requests) {
	d.object("Requests", "wire.Requests", requestsFields, nil, func(i int) {
		if i == 0 {
			d.requests(&in.Requests)
		} else {
			d.boolean(&in.NoTrace)
		}
	})
}

func (d *decoder) files(p *map[string]string) {
	const typ = "map[string]string"
	if d.isNull() {
		*p = nil
		return
	}
	if d.peek() != '{' {
		d.mismatch(typ)
		return
	}
	d.off++
	if *p == nil {
		*p = map[string]string{}
	}
	for {
		if d.peek() == '}' {
			d.off++
			return
		}
		key := unquote(d.literal())
		d.space()
		d.off++ // :
		var v string
		d.str(&v)
		(*p)[key] = v
		if d.peek() == ',' {
			d.off++
		}
	}
}

// requests decodes an array into *p the way encoding/json fills a slice:
// elements within its capacity are decoded into as they are.
func (d *decoder) requests(p *[]Request) {
	const typ = "[]wire.Request"
	if d.isNull() {
		*p = nil
		return
	}
	if d.peek() != '[' {
		d.mismatch(typ)
		return
	}
	d.off++
	s := *p
	i := 0
	for d.peek() != ']' {
		if i < cap(s) {
			s = s[:i+1]
		} else {
			s = append(s, Request{})
		}
		d.request(&s[i])
		i++
		if d.peek() == ',' {
			d.off++
		}
	}
	d.off++
	if i == 0 {
		s = []Request{}
	}
	*p = s[:i]
}

func (d *decoder) request(r *Request) {
	d.object("Request", "wire.Request", requestFields, nil, func(i int) {
		switch i {
		case 0:
			d.str(&r.Daemon)
		case 1:
			d.str(&r.Server)
		case 2:
			d.str(&r.Client)
		case 3:
			d.str(&r.User)
		case 4:
			d.port(&r.ClientPort)
		case 5:
			d.port(&r.ServerPort)
		case 6:
			d.ctl(&r.Ctl)
		case 7:
			d.expect(&r.Expect)
		}
	})
}

// expect decodes an *Expect as encoding/json fills a pointer (see ctl).
func (d *decoder) expect(p **Expect) {
	if d.isNull() {
		*p = nil
		return
	}
	if *p == nil {
		*p = new(Expect)
	}
	v := *p
	d.object("Expect", "wire.Expect", expectFields, nil, func(i int) {
		switch i {
		case 0:
			d.str(&v.Access)
		case 1:
			d.str(&v.Rule)
		}
	})
}

// ctl decodes a *CtlEcho as encoding/json fills a pointer: null is nil,
// anything else is decoded into a new (or the existing) CtlEcho.
func (d *decoder) ctl(p **CtlEcho) {
	if d.isNull() {
		*p = nil
		return
	}
	if *p == nil {
		*p = new(CtlEcho)
	}
	v := *p
	d.object("CtlEcho", "wire.CtlEcho", ctlFields, nil, func(i int) {
		switch i {
		case 0:
			d.str(&v.Daemon)
		case 1:
			d.str(&v.Name)
		case 2:
			d.str(&v.Addr)
		case 3:
			d.str(&v.User)
		}
	})
}

// unquote is encoding/json's unquoteBytes on a string literal that
// syntaxCheck accepted.
func unquote(item []byte) string {
	s := item[1 : len(item)-1]
	b := make([]byte, 0, len(s))
	for r := 0; r < len(s); {
		switch c := s[r]; {
		case c == '\\':
			r++
			switch s[r] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := getu4(s[r-1:])
				r += 5
				if utf16.IsSurrogate(rr) {
					if dec := utf16.DecodeRune(rr, getu4(s[r:])); dec != unicode.ReplacementChar {
						r += 6
						b = utf8.AppendRune(b, dec)
						continue
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
				continue
			default: // " \ /
				b = append(b, s[r])
			}
			r++
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			b = utf8.AppendRune(b, rr)
		}
	}
	return string(b)
}

func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c = c - '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// The encoder: each output type appended as encoding/json marshals it
// (fields in order, omitempty and omitzero as tagged, nil slices and
// pointers as null), strings without HTML escaping.

const hexDigits = "0123456789abcdef"

func appendString(dst []byte, src string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(src); {
		if b := src[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, src[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(src[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, src[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, src[start:]...)
	return append(dst, '"')
}

func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

func appendStrings(b []byte, l []string) []byte {
	if l == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func appendOutput(b []byte, o *Output) []byte {
	b = append(b, '{')
	if o.Error != "" {
		b = append(b, `"error":`...)
		b = appendString(b, o.Error)
	}
	if o.Results != nil {
		if o.Error != "" {
			b = append(b, ',')
		}
		b = append(b, `"results":[`...)
		for i := range o.Results {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendRequestResult(b, &o.Results[i])
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendRequestResult(b []byte, rr *RequestResult) []byte {
	b = append(b, '{')
	if rr.Predictions != nil {
		b = append(b, `"predictions":[`...)
		for i, r := range rr.Predictions {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendResult(b, r)
		}
		b = append(b, ']')
	}
	if rr.Error != "" {
		if rr.Predictions != nil {
			b = append(b, ',')
		}
		b = append(b, `"error":`...)
		b = appendString(b, rr.Error)
	}
	if e := rr.Expect; e != nil {
		if rr.Predictions != nil || rr.Error != "" {
			b = append(b, ',')
		}
		b = append(b, `"expect":{"met":`...)
		b = appendBool(b, e.Met)
		b = append(b, `,"got":`...)
		if e.Got == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i, g := range e.Got {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendExpect(b, &g)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendExpect(b []byte, e *Expect) []byte {
	b = append(b, `{"access":`...)
	b = appendString(b, e.Access)
	if e.Rule != "" {
		b = append(b, `,"rule":`...)
		b = appendString(b, e.Rule)
	}
	return append(b, '}')
}

func appendResult(b []byte, r *Result) []byte {
	if r == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"access":`...)
	b = appendString(b, r.Access)
	b = append(b, `,"reason":`...)
	b = appendString(b, r.Reason)
	b = append(b, `,"matched":`...)
	if m := r.Matched; m == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"file":`...)
		b = appendString(b, m.File)
		b = append(b, `,"line":`...)
		b = strconv.AppendInt(b, int64(m.Line), 10)
		b = append(b, `,"path":`...)
		b = appendString(b, m.Path)
		b = append(b, `,"text":`...)
		b = appendString(b, m.Text)
		b = append(b, '}')
	}
	b = append(b, `,"options":`...)
	if r.Options == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, o := range r.Options {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = appendString(b, o.Name)
			b = append(b, `,"value":`...)
			b = appendStringPtr(b, o.Value)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"commands":`...)
	if r.Commands == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range r.Commands {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"kind":`...)
			b = appendString(b, c.Kind)
			b = append(b, `,"command":`...)
			b = appendString(b, c.Command)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"warnings":`...)
	b = appendStrings(b, r.Warnings)
	if r.Error != "" {
		b = append(b, `,"error":`...)
		b = appendString(b, r.Error)
	}
	b = append(b, `,"daemon":`...)
	b = appendString(b, r.Daemon)
	b = append(b, `,"user":`...)
	b = appendStringPtr(b, r.User)
	b = append(b, `,"client":`...)
	b = appendHost(b, &r.Client)
	b = append(b, `,"server":`...)
	b = appendHost(b, &r.Server)
	if r.Banner != nil {
		b = append(b, `,"banner":`...)
		b = appendString(b, *r.Banner)
	}
	if len(r.Env) > 0 {
		b = append(b, `,"env":[`...)
		for i, e := range r.Env {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = appendString(b, e.Name)
			b = append(b, `,"value":`...)
			b = appendString(b, e.Value)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(r.Effects) > 0 {
		b = append(b, `,"effects":[`...)
		for i, e := range r.Effects {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"kind":`...)
			b = appendString(b, e.Kind)
			b = append(b, `,"value":`...)
			b = appendString(b, e.Value)
			b = append(b, `,"text":`...)
			b = appendString(b, e.Text)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if r.Severity != "" {
		b = append(b, `,"severity":`...)
		b = appendString(b, r.Severity)
	}
	b = append(b, `,"log":`...)
	b = appendStrings(b, r.Log)
	b = append(b, `,"trace":`...)
	if r.Trace == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Trace {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendStep(b, &r.Trace[i])
		}
		b = append(b, ']')
	}
	e := &r.Request
	b = append(b, `,"request":{"daemon":`...)
	b = appendString(b, e.Daemon)
	b = append(b, `,"client":`...)
	b = appendString(b, e.Client)
	b = append(b, `,"clientPort":`...)
	b = strconv.AppendUint(b, uint64(e.ClientPort), 10)
	b = append(b, `,"serverPort":`...)
	b = strconv.AppendUint(b, uint64(e.ServerPort), 10)
	b = append(b, `,"address":`...)
	b = appendString(b, e.Address)
	if e.Line != 0 {
		b = append(b, `,"line":`...)
		b = strconv.AppendInt(b, int64(e.Line), 10)
	}
	if c := e.Ctl; c != nil {
		b = append(b, `,"ctl":{"daemon":`...)
		b = appendString(b, c.Daemon)
		b = append(b, `,"name":`...)
		b = appendString(b, c.Name)
		b = append(b, `,"addr":`...)
		b = appendString(b, c.Addr)
		b = append(b, `,"user":`...)
		b = appendString(b, c.User)
		b = append(b, '}')
	}
	return append(b, "}}"...)
}

func appendHost(b []byte, h *Host) []byte {
	b = append(b, `{"addr":`...)
	b = appendStringPtr(b, h.Addr)
	b = append(b, `,"name":`...)
	b = appendStringPtr(b, h.Name)
	b = append(b, `,"port":`...)
	b = strconv.AppendInt(b, int64(h.Port), 10)
	return append(b, '}')
}

func appendSpan(b []byte, s *Span) []byte {
	b = append(b, `{"start":`...)
	b = appendPos(b, &s.Start)
	b = append(b, `,"end":`...)
	b = appendPos(b, &s.End)
	return append(b, '}')
}

func appendPos(b []byte, p *Pos) []byte {
	b = append(b, `{"line":`...)
	b = strconv.AppendInt(b, int64(p.Line), 10)
	b = append(b, `,"col":`...)
	b = strconv.AppendInt(b, int64(p.Col), 10)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, int64(p.Offset), 10)
	return append(b, '}')
}

func appendStep(b []byte, s *Step) []byte {
	b = append(b, `{"file":`...)
	b = appendString(b, s.File)
	b = append(b, `,"line":`...)
	b = strconv.AppendInt(b, int64(s.Line), 10)
	b = append(b, `,"span":`...)
	b = appendSpan(b, &s.Span)
	b = append(b, `,"kind":`...)
	b = appendString(b, s.Kind)
	b = append(b, `,"text":`...)
	b = appendString(b, s.Text)
	b = append(b, `,"daemons":`...)
	b = appendTokens(b, s.Daemons)
	b = append(b, `,"clients":`...)
	b = appendTokens(b, s.Clients)
	b = append(b, `,"daemonMatch":`...)
	b = appendBool(b, s.DaemonMatch)
	b = append(b, `,"clientMatch":`...)
	b = appendBool(b, s.ClientMatch)
	b = append(b, `,"match":`...)
	b = appendBool(b, s.Match)
	if s.Note != "" {
		b = append(b, `,"note":`...)
		b = appendString(b, s.Note)
	}
	for _, f := range [...]struct {
		name string
		n    int
	}{{`,"endLine":`, s.EndLine}, {`,"count":`, s.Count}, {`,"daemonLines":`, s.DaemonLines}} {
		if f.n != 0 {
			b = append(b, f.name...)
			b = strconv.AppendInt(b, int64(f.n), 10)
		}
	}
	return append(b, '}')
}

func appendTokens(b []byte, ts []Token) []byte {
	if ts == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range ts {
		t := &ts[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"text":`...)
		b = appendString(b, t.Text)
		b = append(b, `,"span":`...)
		b = appendSpan(b, &t.Span)
		b = append(b, `,"state":`...)
		b = appendString(b, t.State)
		b = append(b, `,"depth":`...)
		b = strconv.AppendInt(b, int64(t.Depth), 10)
		if t.Why != "" {
			b = append(b, `,"why":`...)
			b = appendString(b, t.Why)
		}
		if len(t.Lookups) > 0 {
			b = append(b, `,"lookups":`...)
			b = appendStrings(b, t.Lookups)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendCheckOutput(b []byte, o *CheckOutput) []byte {
	b = append(b, '{')
	if o.Error != "" {
		b = append(b, `"error":`...)
		b = appendString(b, o.Error)
		b = append(b, ',')
	}
	b = append(b, `"diagnostics":`...)
	if o.Diagnostics == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range o.Diagnostics {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendDiagnostic(b, &o.Diagnostics[i])
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendDiagnostic(b []byte, d *Diagnostic) []byte {
	b = append(b, `{"file":`...)
	b = appendString(b, d.File)
	for _, f := range [...]struct {
		name string
		v    int
	}{{`,"line":`, d.Line}, {`,"col":`, d.Col}, {`,"endLine":`, d.EndLine}, {`,"endCol":`, d.EndCol}} {
		if f.v != 0 {
			b = append(b, f.name...)
			b = strconv.AppendInt(b, int64(f.v), 10)
		}
	}
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, int64(d.Offset), 10)
	b = append(b, `,"endOffset":`...)
	b = strconv.AppendInt(b, int64(d.EndOffset), 10)
	b = append(b, `,"severity":`...)
	b = appendString(b, d.Severity)
	b = append(b, `,"code":`...)
	b = appendString(b, d.Code)
	b = append(b, `,"message":`...)
	b = appendString(b, d.Message)
	b = append(b, `,"doc":`...)
	b = appendString(b, d.Doc)
	return append(b, '}')
}

func appendFormatOutput(b []byte, o *FormatOutput) []byte {
	b = append(b, '{')
	if o.Error != "" {
		b = append(b, `"error":`...)
		b = appendString(b, o.Error)
		b = append(b, ',')
	}
	b = append(b, `"allow":`...)
	b = appendStringPtr(b, o.Allow)
	b = append(b, `,"deny":`...)
	b = appendStringPtr(b, o.Deny)
	return append(b, '}')
}

func appendDiffOutput(b []byte, o *DiffOutput) []byte {
	b = append(b, '{')
	if o.Error != "" {
		b = append(b, `"error":`...)
		b = appendString(b, o.Error)
		b = append(b, ',')
	}
	b = append(b, `"changes":`...)
	if o.Changes == nil {
		return append(b, "null}"...)
	}
	b = append(b, '[')
	for i := range o.Changes {
		if i > 0 {
			b = append(b, ',')
		}
		c := &o.Changes[i]
		b = append(b, `{"verdict":`...)
		b = appendBool(b, c.Verdict)
		b = append(b, `,"old":`...)
		b = appendDiffOutcome(b, &c.Old)
		b = append(b, `,"new":`...)
		b = appendDiffOutcome(b, &c.New)
		b = append(b, `,"examples":`...)
		if c.Examples == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for j := range c.Examples {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendDiffExample(b, &c.Examples[j])
			}
			b = append(b, ']')
		}
		b = append(b, `,"cases":`...)
		b = strconv.AppendInt(b, int64(c.Cases), 10)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func appendDiffOutcome(b []byte, o *DiffOutcome) []byte {
	b = append(b, `{"access":`...)
	b = appendString(b, o.Access)
	for _, f := range [...]struct{ name, v string }{{`,"rule":`, o.Rule}, {`,"text":`, o.Text}, {`,"error":`, o.Error}, {`,"reason":`, o.Reason}} {
		if f.v != "" {
			b = append(b, f.name...)
			b = appendString(b, f.v)
		}
	}
	return append(b, '}')
}

func appendDiffExample(b []byte, e *DiffExample) []byte {
	b = append(b, `{"daemon":`...)
	b = appendString(b, e.Daemon)
	if e.Server != "" {
		b = append(b, `,"server":`...)
		b = appendString(b, e.Server)
	}
	if e.ServerPort != 0 {
		b = append(b, `,"serverPort":`...)
		b = strconv.AppendUint(b, uint64(e.ServerPort), 10)
	}
	for _, f := range [...]struct{ name, v string }{{`,"client":`, e.Client}, {`,"name":`, e.Name}, {`,"user":`, e.User}} {
		if f.v != "" {
			b = append(b, f.name...)
			b = appendString(b, f.v)
		}
	}
	b = append(b, `,"text":`...)
	b = appendString(b, e.Text)
	return append(b, '}')
}
