package engine

// This file reads a table the way libwrap's xgets does: one logical line at
// a time into a 2,048-byte buffer, joining backslash-newline continuations,
// stopping a physical line at a NUL byte, and counting newlines for the line
// numbers libwrap reports (spec §2.2).

// bufLen is libwrap's line buffer size (BUFLEN): a logical line holds at most
// bufLen-2 characters plus its newline.
const bufLen = 2048

// MaxLineLength is the longest logical line libwrap accepts, in bytes,
// counted after continuations are removed and without the newline.
const MaxLineLength = bufLen - 2

// segment maps a run of bytes of a logical line back to the source.
type segment struct {
	buf, src, n int
	afterNUL    bool // the physical line before this one was cut by a NUL byte
}

// logicalLine is one line as xgets returns it.
type logicalLine struct {
	text       []byte    // logical text, with its final newline when terminated
	segs       []segment // where text came from
	start, end int       // source byte range consumed
	line       int       // newlines read so far (libwrap's line number)
	terminated bool      // text ends in a newline
	overlong   bool      // stopped because the buffer was full
	nul        bool      // a NUL byte cut a physical line
}

// srcOffset maps an offset into l.text to an offset into the source.
func (l *logicalLine) srcOffset(i int) int {
	for _, s := range l.segs {
		if i < s.buf+s.n {
			return s.src + (i - s.buf)
		}
	}
	if len(l.segs) == 0 {
		return l.start
	}
	last := l.segs[len(l.segs)-1]
	return last.src + last.n + (i - (last.buf + last.n))
}

// lineReader yields logical lines of src.
type lineReader struct {
	src []byte
	pos int
	lfs int
}

// next returns the next logical line, or ok=false at the end of the input.
func (r *lineReader) next() (l logicalLine, ok bool) {
	l.start = r.pos
	budget := bufLen // like fgets's size argument: room left, including the NUL
	afterNUL := false
	for {
		if budget <= 1 || r.pos >= len(r.src) {
			// Debian and upstream's fgets stop here when the buffer is
			// full; FreeBSD's would be asked for zero bytes forever (spec
			// §2.2, item 5).
			if budget <= 1 {
				l.overlong = true
			}
			break
		}
		// fgets: up to budget-1 bytes, or through the first newline.
		end := r.pos
		for end < len(r.src) && end-r.pos < budget-1 {
			c := r.src[end]
			end++
			if c == '\n' {
				break
			}
		}
		chunk := r.src[r.pos:end]
		start := r.pos
		r.pos = end
		got := len(chunk)
		cut := false
		for i, c := range chunk {
			if c == 0 {
				got = i
				l.nul, cut = true, true
				break
			}
		}
		if got >= 1 && chunk[got-1] == '\n' {
			r.lfs++
			if got >= 2 && chunk[got-2] == '\\' {
				got -= 2
			} else {
				l.add(chunk[:got], start, afterNUL)
				l.terminated = true
				break
			}
		}
		l.add(chunk[:got], start, afterNUL)
		afterNUL = cut
		budget -= got
	}
	l.end = r.pos
	l.line = r.lfs
	if !l.terminated && len(l.text) == 0 && !l.overlong {
		// fgets found nothing more (or only NUL-led fragments): end of input.
		return l, false
	}
	return l, true
}

func (l *logicalLine) add(b []byte, src int, afterNUL bool) {
	if len(b) == 0 {
		return
	}
	l.segs = append(l.segs, segment{buf: len(l.text), src: src, n: len(b), afterNUL: afterNUL})
	if len(l.text) == 0 {
		// Most logical lines are one physical line: share the source
		// (capacity cut, so that a continuation copies).
		l.text = b[:len(b):len(b)]
		return
	}
	l.text = append(l.text, b...)
}

// skipRestOfLine discards input up to and including the next newline; the
// engine's stand-in for FreeBSD's reader, which would hang on an over-long
// line (upstream's reads the rest as the next line: Profile.brokenFgets).
func (r *lineReader) skipRestOfLine() {
	for r.pos < len(r.src) {
		c := r.src[r.pos]
		r.pos++
		if c == '\n' {
			r.lfs++
			return
		}
	}
}
