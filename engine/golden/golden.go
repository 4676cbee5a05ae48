// Package golden reads the engine's golden cases: txtar archives under
// engine/testdata whose sections are the tables, extra files, the
// resolver tables, the requests and the expected output. The engine's own
// tests, the differential test against libwrap and the WebAssembly tests
// all read the corpus through it.
//
// A section named NAME.quoted holds one Go string literal: the way to
// write a text txtar cannot hold (no final newline, CR, NUL).
package golden

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Archive is a parsed txtar archive.
type Archive struct {
	Comment string
	Files   []File
}

// File is one section of an archive, as written.
type File struct {
	Name string
	Data string
}

// Parse reads a txtar archive.
func Parse(b []byte) *Archive {
	a := &Archive{}
	var cur *File
	var buf strings.Builder
	flush := func() {
		if cur == nil {
			a.Comment = buf.String()
		} else {
			cur.Data = buf.String()
			a.Files = append(a.Files, *cur)
		}
		buf.Reset()
	}
	for _, l := range strings.SplitAfter(string(b), "\n") {
		t := strings.TrimSuffix(l, "\n")
		if strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) >= 6 {
			flush()
			cur = &File{Name: strings.TrimSpace(t[3 : len(t)-3])}
			continue
		}
		buf.WriteString(l)
	}
	flush()
	return a
}

// Format writes the archive back.
func (a *Archive) Format() []byte {
	var b bytes.Buffer
	b.WriteString(a.Comment)
	for _, f := range a.Files {
		fmt.Fprintf(&b, "-- %s --\n", f.Name)
		b.WriteString(f.Data)
		if f.Data != "" && !strings.HasSuffix(f.Data, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// Get returns the content of section name, decoding name.quoted.
func (a *Archive) Get(name string) (string, bool, error) {
	for _, f := range a.Files {
		switch f.Name {
		case name:
			return f.Data, true, nil
		case name + ".quoted":
			s, err := strconv.Unquote(strings.TrimSpace(f.Data))
			if err != nil {
				return "", true, fmt.Errorf("section %s: %v", f.Name, err)
			}
			return s, true, nil
		}
	}
	return "", false, nil
}

// Sections returns every section by its decoded name (without .quoted).
func (a *Archive) Sections() (map[string]string, error) {
	out := map[string]string{}
	for _, f := range a.Files {
		name := strings.TrimSuffix(f.Name, ".quoted")
		s, _, err := a.Get(name)
		if err != nil {
			return nil, err
		}
		out[name] = s
	}
	return out, nil
}

// SplitArgs splits a request line into words separated by spaces; a word
// that starts with '"' is a Go string literal.
func SplitArgs(line string) ([]string, error) {
	var out []string
	for line = strings.TrimSpace(line); line != ""; line = strings.TrimSpace(line) {
		if line[0] == '"' {
			q, err := strconv.QuotedPrefix(line)
			if err != nil {
				return nil, fmt.Errorf("bad quoted argument in %q", line)
			}
			s, _ := strconv.Unquote(q)
			out = append(out, s)
			line = line[len(q):]
			continue
		}
		w, rest, _ := strings.Cut(line, " ")
		out = append(out, w)
		line = rest
	}
	return out, nil
}
