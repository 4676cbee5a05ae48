package web

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// newTestServer is a server on a fresh database in t's temporary
// directory, without a rate limit unless cfg sets one.
func newTestServer(t testing.TB, cfg Config) (http.Handler, *Store) {
	t.Helper()
	if cfg.Store == nil {
		st, err := OpenStore(context.Background(), filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		cfg.Store = st
	}
	if cfg.Rate == 0 {
		cfg.Rate = -1
	}
	return NewServer(cfg), cfg.Store
}

type response struct {
	code   int
	header http.Header
	body   string
}

// do sends one request to h; ct is the Content-Type ("" for none).
func do(t *testing.T, h http.Handler, method, target, ct, body string, hdr ...string) response {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return response{w.Code, w.Header(), w.Body.String()}
}

const jsonCT = "application/json"

func ptr(s string) *string { return &s }

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sample is a small share document.
func sample(n int) *Document {
	return &Document{
		Allow:    ptr(fmt.Sprintf("# share %d\nsshd: 10.0.0.0/24 EXCEPT 10.0.0.%d\n", n, n%250+1)),
		Deny:     ptr("ALL: ALL\n"),
		Hosts:    ptr("10.0.0.1 good.example.com\n"),
		Files:    map[string]string{"/etc/trusted": "10.0.0.1\n"},
		Profile:  "debian",
		Requests: []wire.Request{{Daemon: "sshd", Client: "10.0.0.1"}, {Daemon: "sshd", Client: fmt.Sprintf("10.0.0.%d", n%250+1)}},
	}
}

func TestHealthz(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	res := do(t, h, "GET", "/healthz", "", "")
	if res.code != 200 || res.body != "ok\n" {
		t.Fatalf("GET /healthz = %d %q", res.code, res.body)
	}
}

// TestSecurityHeaders checks the headers on every kind of response,
// errors included.
func TestSecurityHeaders(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	cases := []struct{ method, target, ct, body string }{
		{"GET", "/", "", ""},
		{"GET", "/healthz", "", ""},
		{"GET", "/static/style.css", "", ""},
		{"GET", "/nope", "", ""},
		{"PUT", "/api/shares", jsonCT, "{}"},
		{"POST", "/api/evaluate", "text/plain", "{}"},
		{"POST", "/api/evaluate", jsonCT, "{"},
		{"GET", "/api/shares/../x", "", ""},
		{"GET", "/s/" + strings.Repeat("a", IDLen), "", ""},
	}
	for _, c := range cases {
		res := do(t, h, c.method, c.target, c.ct, c.body)
		if got := res.header.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
			t.Errorf("%s %s (%d): CSP %q", c.method, c.target, res.code, got)
		}
		if got := res.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s (%d): X-Content-Type-Options %q", c.method, c.target, res.code, got)
		}
	}
	want := "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	if ContentSecurityPolicy != want {
		t.Errorf("CSP = %q, want %q", ContentSecurityPolicy, want)
	}
}

func TestStatic(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	res := do(t, h, "GET", "/static/style.css", "", "")
	if res.code != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/css") || !strings.Contains(res.body, "body") {
		t.Fatalf("GET /static/style.css = %d %q", res.code, res.header.Get("Content-Type"))
	}
	for _, p := range []string{"/static/", "/static/dist/", "/static/missing.css"} {
		if res := do(t, h, "GET", p, "", ""); res.code != 404 {
			t.Errorf("GET %s = %d, want 404", p, res.code)
		}
	}

	// gzip when accepted, the same bytes once decompressed; an ETag and
	// 304 for it; never gzip for a client that refuses it.
	gz := do(t, h, "GET", "/static/style.css", "", "", "Accept-Encoding", "br, gzip;q=0.8")
	if gz.header.Get("Content-Encoding") != "gzip" || gz.header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip not used: %v", gz.header)
	}
	zr, err := gzip.NewReader(strings.NewReader(gz.body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || string(plain) != res.body {
		t.Errorf("gzipped body differs from the plain one (%v)", err)
	}
	if no := do(t, h, "GET", "/static/style.css", "", "", "Accept-Encoding", "gzip;q=0"); no.header.Get("Content-Encoding") != "" || no.body != res.body {
		t.Errorf("gzip;q=0 got Content-Encoding %q", no.header.Get("Content-Encoding"))
	}
	etag := res.header.Get("ETag")
	if nm := do(t, h, "GET", "/static/style.css", "", "", "If-None-Match", etag); etag == "" || nm.code != 304 || nm.body != "" {
		t.Errorf("If-None-Match %q = %d", etag, nm.code)
	}
	if res.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("static files must be loadable by the embed widget on other sites")
	}
}

func TestEvaluate(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	in := `{"allow":"sshd: 10.0.0.0/24 EXCEPT 10.0.0.9\n","deny":"ALL: ALL\n",
		"hosts":"10.0.0.1 good.example.com\n","netgroup":null,"files":{},"profile":"debian",
		"requests":[{"daemon":"sshd","client":"10.0.0.1"},{"daemon":"sshd","client":"10.0.0.9","clientPort":40000},
		{"daemon":"sshd","client":"nohost.example"}]}`
	res := do(t, h, "POST", "/api/evaluate", jsonCT, in)
	if res.code != 200 || res.header.Get("Content-Type") != jsonCT {
		t.Fatalf("POST /api/evaluate = %d %s", res.code, res.body)
	}
	var out wire.Output
	if err := json.Unmarshal([]byte(res.body), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 3 {
		t.Fatalf("%d results, want 3: %s", len(out.Results), res.body)
	}
	if p := out.Results[0].Predictions; len(p) != 1 || p[0].Access != "granted" || p[0].Matched == nil || p[0].Matched.Line != 1 || len(p[0].Trace) == 0 {
		t.Errorf("result 0 = %s", mustJSON(t, out.Results[0]))
	}
	if p := out.Results[1].Predictions; len(p) != 1 || p[0].Access != "denied" || p[0].Client.Port != 40000 {
		t.Errorf("result 1 = %s", mustJSON(t, out.Results[1]))
	}
	if out.Results[2].Error == "" {
		t.Errorf("result 2 = %s, want an error", mustJSON(t, out.Results[2]))
	}
	// The same answer as the wasm module's.
	var win wire.Input
	if err := json.Unmarshal([]byte(in), &win); err != nil {
		t.Fatal(err)
	}
	if want := mustJSON(t, wire.Evaluate(win)); strings.TrimSpace(res.body) != want {
		t.Errorf("answer differs from wire.Evaluate:\n got %s\nwant %s", res.body, want)
	}
}

func TestEvaluateBadInput(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	big := `{"allow":"` + strings.Repeat("a", MaxEvaluateSize) + `","requests":[]}`
	cases := []struct {
		name, ct, body string
		code           int
		msg            string
	}{
		{"no content type", "", `{"requests":[]}`, 415, "Content-Type must be application/json"},
		{"form content type", "application/x-www-form-urlencoded", `{"requests":[]}`, 415, "application/json"},
		{"malformed", jsonCT, `{"allow":`, 400, "malformed JSON"},
		{"not an object", jsonCT, `[1,2]`, 400, "malformed JSON"},
		{"unknown field", jsonCT, `{"alow":"x"}`, 400, `unknown field \"alow\"`},
		{"trailing data", jsonCT, `{} {}`, 400, "data after the object"},
		{"trailing brace", jsonCT, `{}}`, 400, "data after the object"},
		{"wrong type", jsonCT, `{"requests":[{"daemon":1}]}`, 400, "malformed JSON"},
		{"bad profile", jsonCT, `{"profile":"solaris","requests":[]}`, 400, "solaris"},
		{"relative file", jsonCT, `{"files":{"etc/x":""},"requests":[]}`, 400, "not an absolute path"},
		{"too large", jsonCT, big, 413, "larger than"},
		{"charset is fine", "application/json; charset=utf-8", `{"requests":[]}`, 200, `{`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := do(t, h, "POST", "/api/evaluate", c.ct, c.body)
			if res.code != c.code || !strings.Contains(res.body, c.msg) {
				t.Errorf("= %d %s, want %d with %q", res.code, res.body, c.code, c.msg)
			}
			if res.header.Get("Content-Type") != jsonCT {
				t.Errorf("Content-Type %q", res.header.Get("Content-Type"))
			}
		})
	}
	if res := do(t, h, "GET", "/api/evaluate", "", ""); res.code != 405 {
		t.Errorf("GET /api/evaluate = %d, want 405", res.code)
	}
}

type createdBody struct {
	ID, URL, Token string
}

func create(t *testing.T, h http.Handler, body string) (int, createdBody) {
	t.Helper()
	res := do(t, h, "POST", "/api/shares", jsonCT, body)
	var c createdBody
	if res.code == 200 || res.code == 201 {
		if err := json.Unmarshal([]byte(res.body), &c); err != nil {
			t.Fatalf("%s: %v", res.body, err)
		}
	}
	return res.code, c
}

func TestShares(t *testing.T) {
	h, _ := newTestServer(t, Config{BaseURL: "https://tcpwrap.example/"})
	d := sample(1)
	body := mustJSON(t, d)
	code, c := create(t, h, body)
	if code != 201 || !validID(c.ID) || c.Token == "" || c.URL != "https://tcpwrap.example/s/"+c.ID {
		t.Fatalf("create = %d %+v", code, c)
	}
	// The same content again: the same ID, 200, no token.
	code, c2 := create(t, h, body)
	if code != 200 || c2.ID != c.ID || c2.Token != "" {
		t.Fatalf("second create = %d %+v, want 200 with ID %s and no token", code, c2, c.ID)
	}
	// The profile "" is "debian": the same share.
	d0 := sample(1)
	d0.Profile = ""
	if code, c3 := create(t, h, mustJSON(t, d0)); code != 200 || c3.ID != c.ID {
		t.Errorf("create with profile \"\" = %d %s, want 200 %s", code, c3.ID, c.ID)
	}
	res := do(t, h, "GET", "/api/shares/"+c.ID, "", "")
	if res.code != 200 || res.header.Get("Content-Type") != jsonCT {
		t.Fatalf("GET = %d %s", res.code, res.body)
	}
	if strings.TrimSpace(res.body) != body {
		t.Errorf("GET =\n%s\nwant\n%s", res.body, body)
	}
	// The URL of the page works.
	if res := do(t, h, "GET", "/s/"+c.ID, "", ""); res.code != 200 || !strings.Contains(res.body, "granted") {
		t.Errorf("GET /s/ID = %d", res.code)
	}
	// A minimal document: nulls stay nulls.
	code, cm := create(t, h, `{"requests":[]}`)
	if code != 201 {
		t.Fatalf("create {} = %d", code)
	}
	res = do(t, h, "GET", "/api/shares/"+cm.ID, "", "")
	want := `{"allow":null,"deny":null,"hosts":null,"netgroup":null,"files":{},"profile":"debian","requests":[]}`
	if strings.TrimSpace(res.body) != want {
		t.Errorf("GET minimal = %s, want %s", res.body, want)
	}
}

func TestSharesBadInput(t *testing.T) {
	h, st := newTestServer(t, Config{})
	big := mustJSON(t, Document{Allow: ptr(strings.Repeat("# comment\n", MaxShareSize/10+1))})
	cases := []struct {
		name, ct, body string
		code           int
		msg            string
	}{
		{"no content type", "", `{}`, 415, "application/json"},
		{"text/plain", "text/plain", `{}`, 415, "application/json"},
		{"malformed", jsonCT, `{"allow":"x"`, 400, "malformed JSON"},
		{"empty body", jsonCT, ``, 400, "malformed JSON"},
		{"unknown field", jsonCT, `{"allow":"x","version":1}`, 400, "unknown field"},
		{"trailing data", jsonCT, `{}x`, 400, "data after the object"},
		{"bad profile", jsonCT, `{"profile":"aix"}`, 400, "invalid share"},
		{"relative file", jsonCT, `{"files":{"trusted":"x"}}`, 400, "not an absolute path"},
		{"too large", jsonCT, big, 413, "larger than 65536 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := do(t, h, "POST", "/api/shares", c.ct, c.body)
			if res.code != c.code || !strings.Contains(res.body, c.msg) {
				t.Errorf("= %d %s, want %d with %q", res.code, res.body, c.code, c.msg)
			}
		})
	}
	if n := countShares(t, st); n != 0 {
		t.Errorf("%d shares stored, want 0", n)
	}
	// Just under the limit is fine.
	ok := mustJSON(t, Document{Allow: ptr(strings.Repeat("#", MaxShareSize-100))})
	if code, _ := create(t, h, ok); code != 201 {
		t.Errorf("create of %d bytes = %d, want 201", len(ok), code)
	}

	for _, c := range []struct {
		target string
		code   int
	}{
		{"/api/shares/" + strings.Repeat("a", IDLen), 404},
		{"/api/shares/short", 400},
		{"/api/shares/" + strings.Repeat("A", IDLen), 400},
		{"/api/shares/" + strings.Repeat("1", IDLen), 400},
		{"/api/shares/" + strings.Repeat("a", IDLen+1), 400},
		{"/api/shares/", 404},
		{"/s/" + strings.Repeat("a", IDLen), 404},
		{"/s/nope", 400},
	} {
		if res := do(t, h, "GET", c.target, "", ""); res.code != c.code {
			t.Errorf("GET %s = %d %s, want %d", c.target, res.code, res.body, c.code)
		}
	}
}

func countShares(t *testing.T, st *Store) int {
	t.Helper()
	var n int
	if err := st.read.QueryRow(`SELECT COUNT(*) FROM shares`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDelete(t *testing.T) {
	h, st := newTestServer(t, Config{})
	_, c := create(t, h, mustJSON(t, sample(2)))
	_, other := create(t, h, mustJSON(t, sample(3)))
	target := "/api/shares/" + c.ID
	cases := []struct {
		name, target string
		hdr          []string
		code         int
	}{
		{"no token", target, nil, 401},
		{"empty bearer", target, []string{"Authorization", "Bearer "}, 401},
		{"basic auth", target, []string{"Authorization", "Basic " + c.Token}, 401},
		{"wrong token", target, []string{"Authorization", "Bearer x" + c.Token}, 403},
		{"other share's token", target, []string{"Authorization", "Bearer " + other.Token}, 403},
		{"unknown id", "/api/shares/" + strings.Repeat("b", IDLen), []string{"Authorization", "Bearer " + c.Token}, 404},
		{"malformed id", "/api/shares/xyz", []string{"Authorization", "Bearer " + c.Token}, 400},
		{"path trick", "/api/shares/../shares/" + c.ID, []string{"Authorization", "Bearer " + c.Token}, 400},
	}
	for _, tc := range cases {
		res := do(t, h, "DELETE", tc.target, "", "", tc.hdr...)
		if res.code != tc.code {
			t.Errorf("%s: DELETE = %d %s, want %d", tc.name, res.code, res.body, tc.code)
		}
		if tc.code == 401 && res.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tc.name)
		}
	}
	if n := countShares(t, st); n != 2 {
		t.Fatalf("%d shares after refused deletes, want 2", n)
	}
	if res := do(t, h, "DELETE", target, "", "", "Authorization", "Bearer "+c.Token); res.code != 204 || res.body != "" {
		t.Fatalf("DELETE with the token = %d %q, want 204", res.code, res.body)
	}
	if res := do(t, h, "GET", target, "", ""); res.code != 404 {
		t.Errorf("GET after DELETE = %d, want 404", res.code)
	}
	if res := do(t, h, "DELETE", target, "", "", "Authorization", "Bearer "+c.Token); res.code != 404 {
		t.Errorf("second DELETE = %d, want 404", res.code)
	}
	if res := do(t, h, "GET", "/api/shares/"+other.ID, "", ""); res.code != 200 {
		t.Errorf("the other share: GET = %d, want 200", res.code)
	}
	// The content can be shared again, by a new owner.
	if code, c2 := create(t, h, mustJSON(t, sample(2))); code != 201 || c2.ID != c.ID || c2.Token == c.Token {
		t.Errorf("create after delete = %d %+v", code, c2)
	}
}

// TestPathTricks sends dot segments and escaped slashes: every one is a
// 4xx, and nothing changes.
func TestPathTricks(t *testing.T) {
	h, st := newTestServer(t, Config{})
	_, c := create(t, h, mustJSON(t, sample(4)))
	auth := []string{"Authorization", "Bearer " + c.Token}
	targets := []string{
		"/api/shares/../shares/" + c.ID,
		"/api/shares/./" + c.ID,
		"/api/shares/" + c.ID + "/..",
		"/api/shares/%2e%2e/shares/" + c.ID,
		"/api/shares/x%2F..%2F" + c.ID,
		"/api/shares/x%2f" + c.ID,
		"/api/shares/x%5c" + c.ID,
		"//api/shares/" + c.ID,
		"/api//shares/" + c.ID,
		"/api/shares/" + c.ID + "/",
		"/s/../api/shares/" + c.ID,
		"/static/../web/server.go",
		"/static/%2e%2e/static.go",
		"/api/shares/" + c.ID + "%00",
	}
	for _, target := range targets {
		for _, method := range []string{"GET", "DELETE", "POST"} {
			r := httptest.NewRequest(method, "/", strings.NewReader("{}"))
			u, err := url.Parse(target)
			if err != nil {
				t.Fatalf("%s: %v", target, err)
			}
			r.URL = u
			r.RequestURI = target
			r.Header.Set("Content-Type", jsonCT)
			r.Header.Set(auth[0], auth[1])
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code < 400 || w.Code > 499 {
				t.Errorf("%s %s = %d, want 4xx", method, target, w.Code)
			}
		}
	}
	if n := countShares(t, st); n != 1 {
		t.Fatalf("%d shares after the path tricks, want 1", n)
	}
	if res := do(t, h, "GET", "/api/shares/"+c.ID, "", ""); res.code != 200 {
		t.Errorf("GET = %d after the path tricks", res.code)
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Unix(1e9, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h, _ := newTestServer(t, Config{Rate: 2, Burst: 3, Now: clock})
	get := func(ip string) int {
		r := httptest.NewRequest("GET", "/healthz", nil)
		r.RemoteAddr = ip + ":1234"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code == 429 && (w.Header().Get("Retry-After") == "" || w.Header().Get("Content-Security-Policy") == "") {
			t.Errorf("429 without Retry-After or CSP")
		}
		return w.Code
	}
	for i := range 3 {
		if c := get("192.0.2.1"); c != 200 {
			t.Fatalf("request %d = %d, want 200 (burst 3)", i+1, c)
		}
	}
	if c := get("192.0.2.1"); c != 429 {
		t.Fatalf("request 4 = %d, want 429", c)
	}
	if c := get("192.0.2.2"); c != 200 {
		t.Fatalf("another client = %d, want 200", c)
	}
	mu.Lock()
	now = now.Add(500 * time.Millisecond) // one token at 2/s
	mu.Unlock()
	if c := get("192.0.2.1"); c != 200 {
		t.Fatalf("after 0.5 s = %d, want 200", c)
	}
	if c := get("192.0.2.1"); c != 429 {
		t.Fatalf("then = %d, want 429", c)
	}
	if DefaultRate != 20 || DefaultBurst != 40 {
		t.Errorf("defaults %v/%v", DefaultRate, DefaultBurst)
	}
}

// TestDefaultRateLimit sends 41 requests at once from one address with
// the default limit (burst 40).
func TestDefaultRateLimit(t *testing.T) {
	st, err := OpenStore(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	frozen := time.Unix(1e9, 0)
	h := NewServer(Config{Store: st, Now: func() time.Time { return frozen }})
	codes := map[int]int{}
	for range DefaultBurst + 1 {
		codes[do(t, h, "GET", "/healthz", "", "").code]++
	}
	if codes[200] != DefaultBurst || codes[429] != 1 {
		t.Errorf("codes %v, want %d × 200 and 1 × 429", codes, DefaultBurst)
	}
}

func TestHandlerTimeout(t *testing.T) {
	h, _ := newTestServer(t, Config{HandlerTimeout: time.Nanosecond})
	var in wire.Input
	for range 400 {
		in.Requests = append(in.Requests, wire.Request{Daemon: "sshd", Client: "10.0.0.1"})
	}
	in.Allow = ptr(strings.Repeat("sshd: 10.0.0.2 10.0.0.3\n", 200))
	res := do(t, h, "POST", "/api/evaluate", jsonCT, mustJSON(t, in))
	if res.code != 503 || res.header.Get("Content-Security-Policy") == "" {
		t.Errorf("= %d, want 503 with the security headers", res.code)
	}
	srv := NewHTTPServer("127.0.0.1:0", h)
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Errorf("http.Server timeouts not all set: %+v", srv)
	}
	if srv.WriteTimeout <= DefaultHandlerTimeout {
		t.Errorf("WriteTimeout %v must exceed the handler timeout %v", srv.WriteTimeout, DefaultHandlerTimeout)
	}
}

// TestRestart creates, reads, closes the database, opens it again, and
// reads again.
func TestRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "restart.db")
	ctx := context.Background()
	st, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	h := NewServer(Config{Store: st, Rate: -1})
	body := mustJSON(t, sample(5))
	code, c := create(t, h, body)
	if code != 201 {
		t.Fatalf("create = %d", code)
	}
	if res := do(t, h, "GET", "/api/shares/"+c.ID, "", ""); res.code != 200 {
		t.Fatalf("GET = %d", res.code)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, err := st.SchemaVersion(ctx); err != nil || v != len(migrations) {
		t.Errorf("schema version %d, %v; want %d", v, err, len(migrations))
	}
	h = NewServer(Config{Store: st, Rate: -1})
	res := do(t, h, "GET", "/api/shares/"+c.ID, "", "")
	if res.code != 200 || strings.TrimSpace(res.body) != body {
		t.Fatalf("GET after reopen = %d %s", res.code, res.body)
	}
	// The owner token survives too.
	if res := do(t, h, "DELETE", "/api/shares/"+c.ID, "", "", "Authorization", "Bearer "+c.Token); res.code != 204 {
		t.Errorf("DELETE after reopen = %d", res.code)
	}
}

// TestConcurrentCreates makes 1,000 creates from 50 goroutines, each of
// 500 contents twice: nothing is lost, equal content has one ID and
// one owner, different contents different IDs.
func TestConcurrentCreates(t *testing.T) {
	h, st := newTestServer(t, Config{})
	const workers, perWorker, contents = 50, 20, 500
	type result struct {
		content, code int
		c             createdBody
	}
	results := make(chan result, workers*perWorker)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				n := (w*perWorker + i) % contents
				r := httptest.NewRequest("POST", "/api/shares", strings.NewReader(mustJSON(t, sample(n))))
				r.Header.Set("Content-Type", jsonCT)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				var c createdBody
				json.Unmarshal(rec.Body.Bytes(), &c)
				results <- result{n, rec.Code, c}
			}
		})
	}
	wg.Wait()
	close(results)
	idOf := map[int]string{}
	owners := map[int]int{}
	contentOf := map[string]int{}
	for r := range results {
		switch r.code {
		case 201:
			owners[r.content]++
		case 200:
		default:
			t.Fatalf("content %d: create = %d", r.content, r.code)
		}
		if id, ok := idOf[r.content]; ok && id != r.c.ID {
			t.Errorf("content %d: IDs %s and %s", r.content, id, r.c.ID)
		}
		idOf[r.content] = r.c.ID
		if n, ok := contentOf[r.c.ID]; ok && n != r.content {
			t.Errorf("ID %s for contents %d and %d", r.c.ID, n, r.content)
		}
		contentOf[r.c.ID] = r.content
	}
	if len(idOf) != contents || len(contentOf) != contents {
		t.Errorf("%d contents, %d IDs; want %d", len(idOf), len(contentOf), contents)
	}
	for n := range contents {
		if owners[n] != 1 {
			t.Errorf("content %d: %d creators got 201, want 1", n, owners[n])
		}
	}
	if n := countShares(t, st); n != contents {
		t.Errorf("%d shares stored, want %d", n, contents)
	}
	for n, id := range idOf {
		res := do(t, h, "GET", "/api/shares/"+id, "", "")
		if res.code != 200 || strings.TrimSpace(res.body) != mustJSON(t, sample(n)) {
			t.Fatalf("content %d: GET = %d %s", n, res.code, res.body)
		}
	}
}

// TestWorkLimit sends tables × requests past MaxWork to every entry.
func TestWorkLimit(t *testing.T) {
	h, st := newTestServer(t, Config{})
	table := strings.Repeat("sshd: 10.0.0.2\n", 999) // 999 lines, and a missing hosts.deny's 1
	var reqs []wire.Request
	for range MaxWork/1000 + 1 {
		reqs = append(reqs, wire.Request{Daemon: "sshd", Client: "10.0.0.1"})
	}
	in := mustJSON(t, wire.Input{Policy: wire.Policy{Allow: ptr(table)}, Requests: reqs})
	if res := do(t, h, "POST", "/api/evaluate", jsonCT, in); res.code != 413 || !strings.Contains(res.body, "too much work") {
		t.Errorf("evaluate = %d %.200s, want 413", res.code, res.body)
	}
	small := mustJSON(t, wire.Input{Policy: wire.Policy{Allow: ptr(table)}, Requests: reqs[:10]})
	if res := do(t, h, "POST", "/api/evaluate", jsonCT, small); res.code != 200 {
		t.Errorf("evaluate of 10 requests = %d %.200s, want 200", res.code, res.body)
	}
	d := Document{Allow: ptr(strings.Repeat("a:b\n", 5000)), Requests: make([]wire.Request, 21)}
	if res := do(t, h, "POST", "/api/shares", jsonCT, mustJSON(t, d)); res.code != 413 || !strings.Contains(res.body, "too much work") {
		t.Errorf("share = %d %.200s, want 413", res.code, res.body)
	}
	f := url.Values{"allow": {strings.Repeat("a:b\n", 5000)}, "requests": {strings.Repeat("sshd 10.0.0.1\n", 21)}, "profile": {"debian"}}
	for _, target := range []string{"/", "/share"} {
		if res := do(t, h, "POST", target, "application/x-www-form-urlencoded", f.Encode()); res.code != 413 || !strings.Contains(res.body, "too much work") {
			t.Errorf("POST %s = %d, want 413", target, res.code)
		}
	}
	// Pattern files count by their words: each decision may read them all.
	words := strings.Repeat("10.9.9.9 ", 50_000)
	in = mustJSON(t, wire.Input{Policy: wire.Policy{Allow: ptr("sshd: /etc/bl\n"), Files: map[string]string{"/etc/bl": words}}, Requests: reqs[:2]})
	if res := do(t, h, "POST", "/api/evaluate", jsonCT, in); res.code != 413 || !strings.Contains(res.body, "50000 pattern-file words") {
		t.Errorf("evaluate over a 50,000-word pattern file = %d %.200s, want 413", res.code, res.body)
	}
	if n := countShares(t, st); n != 0 {
		t.Errorf("%d shares stored", n)
	}
}

func TestAcquire(t *testing.T) {
	s := &server{slots: make(chan struct{}, 1)}
	release, err := s.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := s.acquire(ctx); err == nil {
		t.Fatal("acquire of a full server succeeded")
	}
	release()
	if release, err := s.acquire(context.Background()); err != nil {
		t.Fatal(err)
	} else {
		release()
	}
}

func TestCheckFormatDiffAPI(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	in := `{"allow":"sshd,in.ftpd : 10.0.0.1/24\n","deny":"ALL: ALL\n","hosts":""}`
	res := do(t, h, "POST", "/api/check", jsonCT, in)
	var c wire.CheckOutput
	if err := json.Unmarshal([]byte(res.body), &c); res.code != 200 || err != nil {
		t.Fatalf("POST /api/check = %d %s", res.code, res.body)
	}
	if len(c.Diagnostics) == 0 || c.Diagnostics[len(c.Diagnostics)-1].Code != "netmask-host-bits" {
		t.Errorf("check: %s", res.body)
	}
	res = do(t, h, "POST", "/api/format", jsonCT, in)
	var f wire.FormatOutput
	if err := json.Unmarshal([]byte(res.body), &f); res.code != 200 || err != nil || f.Allow == nil || *f.Allow != "sshd, in.ftpd: 10.0.0.1/24\n" {
		t.Fatalf("POST /api/format = %d %s", res.code, res.body)
	}
	// diff: the same tables with the old ones named.
	diffIn := `{"allow":"sshd: 10.0.0.0/16\n","deny":"ALL: ALL\n","old":{"allow":"sshd: 10.0.0.0/8\n","deny":"ALL: ALL\n"}}`
	res = do(t, h, "POST", "/api/diff", jsonCT, diffIn)
	var d wire.DiffOutput
	if err := json.Unmarshal([]byte(res.body), &d); res.code != 200 || err != nil || len(d.Changes) != 2 || !d.Changes[0].Verdict ||
		d.Changes[0].Old.Rule != "hosts.allow:1" || d.Changes[0].New.Rule != "hosts.deny:1" || len(d.Changes[0].Examples) == 0 {
		t.Fatalf("POST /api/diff = %d %s", res.code, res.body)
	}
	if res := do(t, h, "POST", "/api/diff", jsonCT, in); res.code != 400 || !strings.Contains(res.body, `no \"old\" tables`) {
		t.Errorf("POST /api/diff without old tables = %d %s", res.code, res.body)
	}
	for _, path := range []string{"/api/check", "/api/format", "/api/diff"} {
		if res := do(t, h, "POST", path, "text/plain", in); res.code != 415 {
			t.Errorf("%s with text/plain: %d", path, res.code)
		}
		if res := do(t, h, "POST", path, jsonCT, `{"profile":"bsd"}`); res.code != 400 {
			t.Errorf("%s with a bad profile: %d", path, res.code)
		}
		if res := do(t, h, "POST", path, jsonCT, `{`); res.code != 400 {
			t.Errorf("%s with bad JSON: %d", path, res.code)
		}
	}
}
