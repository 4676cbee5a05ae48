package engine

// A Table is one parsed access-control file (hosts.allow or hosts.deny): its
// logical lines in order, exactly as libwrap reads them.
type Table struct {
	// Name is the table's name as libwrap would print it in "matched:" and
	// warning lines ("hosts.allow", "/etc/hosts.deny").
	Name string `json:"name"`
	// Profile is the build whose reading rules were applied.
	Profile Profile `json:"profile"`
	// Lines are the logical lines, comments and blank lines included.
	Lines []*Line `json:"lines"`
	// Diagnostics are the problems found while reading (also reported by
	// libwrap at run time when the scan reaches the line).
	Diagnostics Diagnostics `json:"diagnostics,omitempty"`

	// OpenError, when not empty, is the strerror text of a table that
	// exists but cannot be read ("Permission denied"): libwrap warns
	// "cannot open NAME: TEXT" and (Debian) counts the table as an error.
	OpenError string `json:"openError,omitempty"`
	// Missing marks a table that does not exist: it reads as empty,
	// silently.
	Missing bool `json:"missing,omitempty"`
	// TooLarge marks a table larger than [MaxTableSize]: none of it was
	// read (see [TooLargeTable]).
	TooLarge bool `json:"tooLarge,omitempty"`

	lines *lineIndex // during Parse only
	src   string     // during Parse only: the source, which lines' texts share
	index *tableIndex
}

// LineKind classifies a logical line.
type LineKind int

const (
	LineRule         LineKind = iota // daemon_list : client_list [ : options ]
	LineComment                      // first byte is '#'
	LineBlank                        // only space, tab, CR and LF
	LineNoSeparator                  // no ':' outside brackets: warned and skipped
	LineUnterminated                 // no newline, or longer than MaxLineLength
)

var lineKindNames = [...]string{"rule", "comment", "blank", "no-separator", "unterminated"}

func (k LineKind) String() string { return lineKindNames[k] }

// MarshalText encodes a LineKind as its name.
func (k LineKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// A Line is one logical line of a table.
type Line struct {
	Kind LineKind `json:"kind"`
	// Num is libwrap's line number: the number of the last physical line
	// of a continued line (for an unterminated line, the number of
	// newlines read before it).
	Num int `json:"line"`
	// Span covers every byte the line consumed, its newline included;
	// TextSpan covers its text only (the newline excluded).
	Span     Span `json:"span"`
	TextSpan Span `json:"textSpan"`
	// Text is the logical text after continuations were joined, without
	// its newline.
	Text string `json:"text"`

	Daemons *List `json:"daemons,omitempty"`
	Clients *List `json:"clients,omitempty"`
	// Third is the third field (everything after the second separator,
	// newline included), or nil when the line has none.
	Third *Field `json:"third,omitempty"`
	// Options are the option fields of Third (options builds).
	Options []*OptionField `json:"options,omitempty"`

	Overlong bool `json:"overlong,omitempty"`
	NUL      bool `json:"nul,omitempty"`

	index int    // position in Table.Lines
	conts []cont // the physical lines joined to the first, in order
}

// A cont is a physical line joined to the one before it, after a
// backslash-newline or (afterNUL) a NUL byte: Text[at:end] came from span.
type cont struct {
	at, end  int
	span     Span
	afterNUL bool
}

// A Field is a piece of text with its position.
type Field struct {
	Text string `json:"text"`
	Span Span   `json:"span"`

	pcts []Span // the source of each %-sequence of Text (see percentSpans)
}

// A List is a daemon or client list: tokens separated by blanks and commas,
// with EXCEPT operators kept in place, as libwrap walks them.
type List struct {
	Span   Span     `json:"span"`
	Tokens []*Token `json:"tokens"`
}

// A Token is one word of a list: a pattern or the EXCEPT operator.
type Token struct {
	Text   string `json:"text"`
	Span   Span   `json:"span"`
	Except bool   `json:"except,omitempty"`
	// Depth counts the EXCEPT operators before the token.
	Depth int `json:"depth"`

	pat *pattern
}

// An OptionField is one colon-separated field of the options part of a rule.
type OptionField struct {
	// Raw is the field's text after "\:" unescaping, before trimming.
	Raw string `json:"raw"`
	// Name and Value are the keyword and the value (nil when absent), as
	// libwrap splits them.
	Name  string  `json:"name"`
	Value *string `json:"value"`
	Span  Span    `json:"span"`
	// EndsInColon is set on the field after which libwrap warns
	// `rule ends in ":"`.
	EndsInColon bool `json:"endsInColon,omitempty"`

	pcts []Span // the source of each %-sequence of Value (see percentSpans)
}
