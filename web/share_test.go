package web

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// TestID_Distinct checks documents that a careless encoding would
// confuse: every one must have its own ID.
func TestID_Distinct(t *testing.T) {
	docs := map[string]Document{
		"empty":                   {},
		"allow empty":             {Allow: ptr("")},
		"deny empty":              {Deny: ptr("")},
		"hosts empty":             {Hosts: ptr("")},
		"netgroup empty":          {Netgroup: ptr("")},
		"allow a":                 {Allow: ptr("a")},
		"deny a":                  {Deny: ptr("a")},
		"allow a deny empty":      {Allow: ptr("a"), Deny: ptr("")},
		"allow empty deny a":      {Allow: ptr(""), Deny: ptr("a")},
		"allow ab":                {Allow: ptr("ab")},
		"allow a deny b":          {Allow: ptr("a"), Deny: ptr("b")},
		"upstream":                {Profile: "upstream"},
		"freebsd":                 {Profile: "freebsd"},
		"file empty":              {Files: map[string]string{"/a": ""}},
		"file a=b":                {Files: map[string]string{"/a": "b"}},
		"file ab empty":           {Files: map[string]string{"/ab": ""}},
		"files a, b":              {Files: map[string]string{"/a": "", "/b": ""}},
		"file a=/b":               {Files: map[string]string{"/a": "/b"}},
		"one request":             {Requests: []wire.Request{{Daemon: "a", Client: "b"}}},
		"daemon ab":               {Requests: []wire.Request{{Daemon: "ab"}}},
		"server ab":               {Requests: []wire.Request{{Server: "ab"}}},
		"daemon a server b":       {Requests: []wire.Request{{Daemon: "a", Server: "b"}}},
		"client b":                {Requests: []wire.Request{{Daemon: "a", User: "b"}}},
		"user b":                  {Requests: []wire.Request{{Daemon: "a", Client: "", User: "b"}, {}}},
		"client port":             {Requests: []wire.Request{{ClientPort: 1}}},
		"server port":             {Requests: []wire.Request{{ServerPort: 1}}},
		"two empty requests":      {Requests: []wire.Request{{}, {}}},
		"one empty request":       {Requests: []wire.Request{{}}},
		"allow with a NUL":        {Allow: ptr("a\x00")},
		"allow with a length":     {Allow: ptr("\x01a")},
		"hosts a":                 {Hosts: ptr("a")},
		"netgroup a":              {Netgroup: ptr("a")},
		"hosts a and netgroup ''": {Hosts: ptr("a"), Netgroup: ptr("")},
		"dns missing":             {DNS: &wire.DNS{Mode: "missing"}},
		"dns lying":               {DNS: &wire.DNS{Mode: "lying"}},
		"dns consistent":          {DNS: &wire.DNS{Mode: "consistent"}},
		"dns lying name a":        {DNS: &wire.DNS{Mode: "lying", Name: "a"}},
		"files b, a":              {Files: map[string]string{"/a": "", "/b": ""}, FileOrder: []string{"/b", "/a"}},
		"files b, a and dns":      {Files: map[string]string{"/a": "", "/b": ""}, FileOrder: []string{"/b", "/a"}, DNS: &wire.DNS{Mode: "missing"}},
		"ctl empty":               {Requests: []wire.Request{{Ctl: &wire.CtlEcho{}}}},
		"ctl empty, empty":        {Requests: []wire.Request{{Ctl: &wire.CtlEcho{}}, {}}},
		"empty, ctl empty":        {Requests: []wire.Request{{}, {Ctl: &wire.CtlEcho{}}}},
		"ctl daemon a":            {Requests: []wire.Request{{Ctl: &wire.CtlEcho{Daemon: "a"}}}},
		"ctl name a":              {Requests: []wire.Request{{Ctl: &wire.CtlEcho{Name: "a"}}}},
		"ctl addr a":              {Requests: []wire.Request{{Ctl: &wire.CtlEcho{Addr: "a"}}}},
		"ctl user a":              {Requests: []wire.Request{{Ctl: &wire.CtlEcho{User: "a"}}}},
		"ctl name ab":             {Requests: []wire.Request{{Ctl: &wire.CtlEcho{Name: "ab"}}}},
		"ctl name a addr b":       {Requests: []wire.Request{{Ctl: &wire.CtlEcho{Name: "a", Addr: "b"}}}},
		"ctl daemon a, client a":  {Requests: []wire.Request{{Daemon: "a", Ctl: &wire.CtlEcho{Daemon: "a"}}}},
		"ctl and dns":             {Requests: []wire.Request{{Ctl: &wire.CtlEcho{}}}, DNS: &wire.DNS{Mode: "missing"}},
		"expect denied":           {Requests: []wire.Request{{Expect: &wire.Expect{Access: "denied"}}}},
		"expect granted":          {Requests: []wire.Request{{Expect: &wire.Expect{Access: "granted"}}}},
		"expect denied by none":   {Requests: []wire.Request{{Expect: &wire.Expect{Access: "denied", Rule: "none"}}}},
		"expect, empty":           {Requests: []wire.Request{{Expect: &wire.Expect{Access: "denied"}}, {}}},
		"empty, expect":           {Requests: []wire.Request{{}, {Expect: &wire.Expect{Access: "denied"}}}},
		"ctl empty, expect":       {Requests: []wire.Request{{Ctl: &wire.CtlEcho{}, Expect: &wire.Expect{Access: "denied"}}}},
	}
	seen := map[string]string{}
	for name, d := range docs {
		if err := d.normalize(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		id := d.ID()
		if !validID(id) || len(id) < 20 {
			t.Errorf("%s: ID %q is not valid", name, id)
		}
		if other, ok := seen[id]; ok {
			t.Errorf("%s and %s have the same ID %s", name, other, id)
		}
		seen[id] = name
	}
}

// TestID_Stable pins the encoding: a change of the canonical encoding
// changes every ID and must come with a new shareEncodingVersion.
func TestID_Stable(t *testing.T) {
	d := sample(7)
	if err := d.normalize(); err != nil {
		t.Fatal(err)
	}
	got := d.ID()
	const want = "oitp42nlnja3zv654rbwju4m77vkdqra"
	if got != want {
		t.Errorf("ID = %s, want %s", got, want)
	}
	// Equal content, equal ID: map order and a "" profile do not matter.
	d2 := sample(7)
	d2.Profile = ""
	d2.Files = map[string]string{"/etc/trusted": "10.0.0.1\n"}
	if err := d2.normalize(); err != nil {
		t.Fatal(err)
	}
	if d2.ID() != got {
		t.Errorf("equal content, IDs %s and %s", d2.ID(), got)
	}
	if IDLen < 20 {
		t.Errorf("IDLen %d < 20", IDLen)
	}
}

// TestID_StableCtlExpect pins the encoding of the per-request parts
// added later (a hosts_ctl request's strings, an expectation): shares
// holding them keep their IDs.
func TestID_StableCtlExpect(t *testing.T) {
	d := sample(7)
	d.Requests = append(d.Requests, wire.Request{Ctl: &wire.CtlEcho{Daemon: "sendmail", Name: "mail.example.com", Addr: "10.0.0.1"}},
		wire.Request{Daemon: "sshd", Client: "10.0.0.9", Expect: &wire.Expect{Access: "denied", Rule: "hosts.deny:1"}})
	if err := d.normalize(); err != nil {
		t.Fatal(err)
	}
	if got, want := d.ID(), "nu6fvuxowqo342b7ltwmw547r4v7i624"; got != want {
		t.Errorf("ID = %s, want %s", got, want)
	}
}

// oldShare is a share document as the server stored it before DNS and
// FileOrder existed (files posted out of path order, stored in it), and
// oldShareID its ID then: both recorded with that server's code.
const (
	oldShare   = `{"allow":"sshd: /etc/b /etc/a\n","deny":"ALL: ALL\n","hosts":"10.0.0.1 good.example.com\n","netgroup":null,"files":{"/etc/a":"10.0.0.1\n","/etc/b":"10.0.0.2\n"},"profile":"debian","requests":[{"daemon":"sshd","client":"10.0.0.1","clientPort":2222}]}`
	oldShareID = "kgtovi44kubu3twdq2ptoiqbmqb6wrwj"
)

// TestID_Compatible: the fields added after the first shares (DNS,
// FileOrder) change neither the stored JSON nor the ID of a document
// that does not set them, nor of one that sets them to their defaults
// (the table's DNS, path order); set, each gives a new ID.
func TestID_Compatible(t *testing.T) {
	load := func(edit func(*Document)) *Document {
		t.Helper()
		d, err := decodeDocument([]byte(oldShare))
		if err != nil {
			t.Fatal(err)
		}
		edit(d)
		if err := d.normalize(); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := load(func(*Document) {})
	if d.ID() != oldShareID {
		t.Errorf("an old share's ID is now %s, was %s", d.ID(), oldShareID)
	}
	if b, _ := json.Marshal(d); string(b) != oldShare {
		t.Errorf("an old share is stored as\n%s\nwas\n%s", b, oldShare)
	}
	for name, edit := range map[string]func(*Document){
		"dns table":       func(d *Document) { d.DNS = &wire.DNS{Mode: "table", Name: "x.example"} },
		"dns mode \"\"":   func(d *Document) { d.DNS = &wire.DNS{} },
		"path order":      func(d *Document) { d.FileOrder = []string{"/etc/a", "/etc/b"} },
		"both by default": func(d *Document) { d.FileOrder, d.DNS = []string{"/etc/a", "/etc/b"}, &wire.DNS{Mode: "table"} },
	} {
		if d := load(edit); d.ID() != oldShareID || d.DNS != nil || d.FileOrder != nil {
			t.Errorf("%s: ID %s (want %s), DNS %v, FileOrder %q: want the old share", name, d.ID(), oldShareID, d.DNS, d.FileOrder)
		}
	}
	ids := map[string]string{oldShareID: "old"}
	for name, edit := range map[string]func(*Document){
		"dns missing":     func(d *Document) { d.DNS = &wire.DNS{Mode: "missing"} },
		"dns lying":       func(d *Document) { d.DNS = &wire.DNS{Mode: "lying", Name: "x.example"} },
		"file order b, a": func(d *Document) { d.FileOrder = []string{"/etc/b", "/etc/a"} },
		"both":            func(d *Document) { d.FileOrder, d.DNS = []string{"/etc/b", "/etc/a"}, &wire.DNS{Mode: "missing"} },
		"a ctl request": func(d *Document) {
			d.Requests = append(d.Requests, wire.Request{Ctl: &wire.CtlEcho{Daemon: "sshd", Addr: "10.0.0.1"}})
		},
		"the same as a connection": func(d *Document) {
			d.Requests = append(d.Requests, wire.Request{Daemon: "sshd", Client: "10.0.0.1"})
		},
		"an expectation": func(d *Document) { d.Requests[0].Expect = &wire.Expect{Access: "granted"} },
		"an expectation by rule": func(d *Document) {
			d.Requests[0].Expect = &wire.Expect{Access: "granted", Rule: "hosts.allow:1"}
		},
	} {
		id := load(edit).ID()
		if other, ok := ids[id]; ok {
			t.Errorf("%s has the ID of %s: %s", name, other, id)
		}
		ids[id] = name
	}
}

// TestNormalize_NewFields refuses a what-if the engine does not know, a
// file order that does not list each file once and an expectation that
// names no verdict or no rule.
func TestNormalize_NewFields(t *testing.T) {
	files := map[string]string{"/etc/a": "", "/etc/b": ""}
	for name, d := range map[string]Document{
		"dns mode":          {DNS: &wire.DNS{Mode: "liar"}},
		"dns name":          {DNS: &wire.DNS{Mode: "lying", Name: "a b"}},
		"order missing one": {Files: files, FileOrder: []string{"/etc/b"}},
		"order twice":       {Files: files, FileOrder: []string{"/etc/b", "/etc/b"}},
		"order unknown":     {Files: files, FileOrder: []string{"/etc/b", "/etc/a", "/etc/c"}},
		"order empty":       {Files: files, FileOrder: []string{}},
		"expect no access":  {Requests: []wire.Request{{Expect: &wire.Expect{}}}},
		"expect allowed":    {Requests: []wire.Request{{Expect: &wire.Expect{Access: "allowed"}}}},
		"expect rule":       {Requests: []wire.Request{{}, {Expect: &wire.Expect{Access: "denied", Rule: "hosts.deny"}}}},
	} {
		if err := d.normalize(); err == nil {
			t.Errorf("%s: normalize accepted %+v", name, d)
		}
	}
}

func TestStore_Migrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	st, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := st.read.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var timeout int
	if err := st.read.QueryRow(`PRAGMA busy_timeout`).Scan(&timeout); err != nil || timeout <= 0 {
		t.Errorf("busy_timeout = %d, %v", timeout, err)
	}
	var n int
	if err := st.read.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(migrations) {
		t.Errorf("%d applied migrations, %v; want %d", n, err, len(migrations))
	}
	// A database from a newer program is refused.
	if _, err := st.write.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 'x')`, len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := OpenStore(ctx, path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("open of a newer schema: %v", err)
	}
}

func TestStore_TokenHashed(t *testing.T) {
	ctx := context.Background()
	st, err := OpenStore(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := sample(8)
	d.normalize()
	id, token, created, err := st.Create(ctx, d)
	if err != nil || !created || len(token) < 32 {
		t.Fatalf("Create = %s %q %v %v", id, token, created, err)
	}
	var stored []byte
	if err := st.read.QueryRow(`SELECT token_hash FROM shares WHERE id = ?`, id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), token) || len(stored) != 32 {
		t.Errorf("token stored as %x", stored)
	}
}

func TestLimiter_Sweep(t *testing.T) {
	now := time.Unix(1e9, 0)
	l := newLimiter(1, 2, func() time.Time { return now })
	for i := range 10 {
		l.allow(fmt.Sprint(i))
	}
	now = now.Add(time.Hour)
	l.allow("new")
	if len(l.buckets) != 1 {
		t.Errorf("%d buckets after a sweep, want 1", len(l.buckets))
	}
}
