package web

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// A Document is the content of a share: the tables, the lookup texts and
// the requests, in the JSON of the evaluate input (wasm/wire) without its
// version. Absent (null) and empty texts are different documents: a
// missing hosts.allow is not an empty one.
type Document struct {
	Allow    *string           `json:"allow"`
	Deny     *string           `json:"deny"`
	Hosts    *string           `json:"hosts"`
	Netgroup *string           `json:"netgroup"`
	Files    map[string]string `json:"files"`
	Profile  string            `json:"profile"`
	Requests []wire.Request    `json:"requests"`

	// The fields below came after the first shares. Each is left out of
	// the JSON when unset, and so of the ID's encoding (see canonical): a
	// document without them is stored, and named, as it always was.

	// DNS is the playground's DNS what-if for the request it explains;
	// nil is "as the table says".
	DNS *wire.DNS `json:"dns,omitempty"`
	// FileOrder is the order in which the pattern-files pane lists
	// Files, each path once, when it is not path order; nil is path
	// order (normalize makes a sorted order nil).
	FileOrder []string `json:"fileOrder,omitempty"`
}

// shareEncodingVersion is the first field of the canonical encoding. A
// change of the encoding must change it, so that no two encodings of
// different documents can ever be equal.
const shareEncodingVersion = 1

// idBytes is how much of the SHA-256 an ID keeps: 20 bytes, 160 bits,
// 32 base32 characters.
const idBytes = 20

// IDLen is the length of a share ID.
const IDLen = (idBytes*8 + 4) / 5

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// normalize checks d and brings it to its canonical form: the profile
// "" is "debian", a null file list is empty, and so is a null request
// list; a DNS what-if of mode "table" (or "") is none, and a file order
// that is path order is none. It returns an error for what the engine
// would refuse (an unknown profile, a relative file path, a what-if it
// does not know, a request's expectation that names no verdict or no
// rule) and for a file
// order that does not list each file once.
func (d *Document) normalize() error {
	if d.Profile == "" {
		d.Profile = "debian"
	}
	if d.Files == nil {
		d.Files = map[string]string{}
	}
	if d.Requests == nil {
		d.Requests = []wire.Request{}
	}
	for i, r := range d.Requests {
		if r.Expect != nil {
			if err := r.Expect.Check(); err != nil {
				return fmt.Errorf("request %d: %w", i+1, err)
			}
		}
	}
	if d.DNS != nil && (d.DNS.Mode == "" || d.DNS.Mode == "table") {
		d.DNS = nil
	}
	if d.DNS != nil {
		if err := d.DNS.Check(); err != nil {
			return err
		}
	}
	if err := d.normalizeFileOrder(); err != nil {
		return err
	}
	if _, err := wire.Compile(d.policy()); err != nil {
		return err
	}
	if len(d.Requests) > wire.MaxRequests {
		return fmt.Errorf("%d requests: at most %d", len(d.Requests), wire.MaxRequests)
	}
	return checkWork(d.Allow, d.Deny, d.Files, len(d.Requests))
}

// normalizeFileOrder checks that d.FileOrder lists each of d.Files once,
// and makes it nil when it is path order.
func (d *Document) normalizeFileOrder() error {
	if d.FileOrder == nil {
		return nil
	}
	seen := make(map[string]bool, len(d.FileOrder))
	for _, p := range d.FileOrder {
		if _, ok := d.Files[p]; !ok || seen[p] {
			return fmt.Errorf("fileOrder: %q is not a pattern file, or is listed twice", p)
		}
		seen[p] = true
	}
	if len(seen) != len(d.Files) {
		return fmt.Errorf("fileOrder lists %d of the %d pattern files", len(seen), len(d.Files))
	}
	if sort.StringsAreSorted(d.FileOrder) {
		d.FileOrder = nil
	}
	return nil
}

// orderedFiles returns d's pattern files in the order the playground
// lists them: d.FileOrder, else path order.
func (d *Document) orderedFiles() []namedFile {
	if d.FileOrder == nil || len(d.FileOrder) != len(d.Files) {
		return sortedFiles(d.Files)
	}
	out := make([]namedFile, 0, len(d.FileOrder))
	for _, p := range d.FileOrder {
		out = append(out, namedFile{p, d.Files[p]})
	}
	return out
}

// policy is the wasm/wire policy of d.
func (d *Document) policy() wire.Policy {
	p := wire.Policy{Allow: d.Allow, Deny: d.Deny, Netgroup: d.Netgroup, Files: d.Files, Profile: d.Profile}
	if d.Hosts != nil {
		p.Hosts = *d.Hosts
	}
	return p
}

// input is the wasm/wire evaluate input of d.
func (d *Document) input() wire.Input {
	return wire.Input{Policy: d.policy(), Requests: d.Requests}
}

// canonical is the versioned, length-prefixed encoding of a normalized
// d that its ID hashes. Every field is present in a fixed order; every
// string is its length (uvarint) then its bytes; an optional text is a
// presence byte (0 absent, 1 present) then the string; files are a count
// then path and content pairs sorted by path; requests are a count then
// six fields each. No two different documents encode the same.
//
// Fields added since (DNS, FileOrder, the requests' hosts_ctl strings,
// their expectations) follow, each only when set (ctl, expect: when a
// request has one), as a tag
// string then its own encoding, in that fixed order. A document
// without them encodes exactly as before, so every share made before
// they existed keeps its ID; and as the part before is self-delimiting
// (a reader knows where it ends), a document with one of them never
// encodes like one without.
func (d *Document) canonical() []byte {
	b := make([]byte, 0, 256)
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	opt := func(s *string) {
		if s == nil {
			b = append(b, 0)
			return
		}
		b = append(b, 1)
		str(*s)
	}
	num := func(n uint64) { b = binary.AppendUvarint(b, n) }
	str("tcpwrap share")
	num(shareEncodingVersion)
	str(d.Profile)
	opt(d.Allow)
	opt(d.Deny)
	opt(d.Hosts)
	opt(d.Netgroup)
	paths := make([]string, 0, len(d.Files))
	for p := range d.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	num(uint64(len(paths)))
	for _, p := range paths {
		str(p)
		str(d.Files[p])
	}
	num(uint64(len(d.Requests)))
	for _, r := range d.Requests {
		str(r.Daemon)
		str(r.Server)
		str(r.Client)
		str(r.User)
		num(uint64(r.ClientPort))
		num(uint64(r.ServerPort))
	}
	if d.DNS != nil {
		str("dns")
		str(d.DNS.Mode)
		str(d.DNS.Name)
	}
	if d.FileOrder != nil {
		str("fileOrder")
		num(uint64(len(d.FileOrder)))
		for _, p := range d.FileOrder {
			str(p)
		}
	}
	// A part of some requests only, each behind its tag when one request
	// has it: for each request in order, a presence byte, then the
	// part's strings.
	perRequest := func(tag string, part func(wire.Request) []string) {
		if !slices.ContainsFunc(d.Requests, func(r wire.Request) bool { return part(r) != nil }) {
			return
		}
		str(tag)
		for _, r := range d.Requests {
			f := part(r)
			if f == nil {
				b = append(b, 0)
				continue
			}
			b = append(b, 1)
			for _, s := range f {
				str(s)
			}
		}
	}
	perRequest("ctl", func(r wire.Request) []string {
		if r.Ctl == nil {
			return nil
		}
		return []string{r.Ctl.Daemon, r.Ctl.Name, r.Ctl.Addr, r.Ctl.User}
	})
	perRequest("expect", func(r wire.Request) []string {
		if r.Expect == nil {
			return nil
		}
		return []string{r.Expect.Access, r.Expect.Rule}
	})
	return b
}

// ID is the share ID of a normalized d: the first 20 bytes of the
// SHA-256 of its canonical encoding, in lower-case unpadded base32.
func (d *Document) ID() string {
	sum := sha256.Sum256(d.canonical())
	return idEncoding.EncodeToString(sum[:idBytes])
}

// validID reports whether id has the form of a share ID.
func validID(id string) bool {
	if len(id) != IDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// decodeDocument reads one JSON document strictly: unknown fields and
// data after the object are errors.
func decodeDocument(data []byte) (*Document, error) {
	var d Document
	if err := decodeStrict(data, &d); err != nil {
		return nil, err
	}
	return &d, nil
}
