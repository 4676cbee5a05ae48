package engine

// Pos is a position in a source text: a byte offset and the 1-based line
// and column (in bytes) it falls on. The zero Pos is "no position".
type Pos struct {
	Offset int `json:"offset"`
	Line   int `json:"line"`
	Col    int `json:"col"`
}

// IsValid reports whether p is a real position.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Span is a half-open range [Start, End) of a source text.
type Span struct {
	Start Pos `json:"start"`
	End   Pos `json:"end"`
}

// lineIndex maps byte offsets of one source to line and column numbers.
type lineIndex struct {
	starts []int // byte offset at which each physical line starts
	size   int
	last   int // the line found last: parsing asks in order
}

func newLineIndex(src []byte) *lineIndex {
	li := &lineIndex{starts: []int{0}, size: len(src)}
	for i, c := range src {
		if c == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

// pos returns the position of byte offset off (clamped to the source).
func (li *lineIndex) pos(off int) Pos {
	if off < 0 {
		off = 0
	}
	if off > li.size {
		off = li.size
	}
	if l := li.last; li.starts[l] <= off && (l+1 == len(li.starts) || off < li.starts[l+1]) {
		return Pos{Offset: off, Line: l + 1, Col: off - li.starts[l] + 1}
	}
	lo, hi := 0, len(li.starts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if li.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	li.last = lo
	return Pos{Offset: off, Line: lo + 1, Col: off - li.starts[lo] + 1}
}

func (li *lineIndex) span(start, end int) Span {
	return Span{Start: li.pos(start), End: li.pos(end)}
}

func (p Pos) String() string {
	if !p.IsValid() {
		return "-"
	}
	return sprintf("%d:%d", p.Line, p.Col)
}
