package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

var update = flag.Bool("update", false, "rewrite the golden HTML files in testdata")

// evaluate decides d's requests for a page, to the end.
func evaluate(d *Document) []requestView { return requestViews(d, wire.Evaluate(d.input())) }

const formCT = "application/x-www-form-urlencoded"

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

// TestForm: GET /form is the page that works without script.
func TestForm(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	res := do(t, h, "GET", "/form", "", "")
	if res.code != 200 || res.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /form = %d %q", res.code, res.header.Get("Content-Type"))
	}
	for _, want := range []string{
		`<label for="allow">`, `<textarea id="allow" name="allow"`,
		`<label for="deny">`, `<label for="hosts">`, `<label for="requests">`, `<label for="profile">`,
		`<select id="profile" name="profile">`, `<option value="debian" selected>`,
		`<form method="post" action="/">`, `formaction="/share"`,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("GET /form lacks %q", want)
		}
	}
	if strings.Contains(res.body, "<script") || strings.Contains(res.body, " style=") || strings.Contains(res.body, " on") && strings.Contains(res.body, "onclick") {
		t.Errorf("GET /form has a script, inline style or handler")
	}
}

func TestIndexPost(t *testing.T) {
	h, st := newTestServer(t, Config{})
	body := form("allow", "sshd: 10.0.0.0/24 EXCEPT 10.0.0.9\r\nin.ftpd: ALL : spawn rm -rf /tmp/x%d",
		"deny", "ALL: ALL", "hosts", "10.0.0.1 good.example.com",
		"requests", "sshd 10.0.0.1\r\n# comment\r\n\r\nsshd@10.1.0.1 alice@10.0.0.9\r\nin.ftpd 192.0.2.1", "profile", "debian")
	res := do(t, h, "POST", "/", formCT, body)
	if res.code != 200 {
		t.Fatalf("POST / = %d %s", res.code, res.body)
	}
	for _, want := range []string{
		`<strong class="granted">granted</strong>`, `<strong class="denied">denied</strong>`,
		`<code>sshd@10.1.0.1 alice@10.0.0.9</code>`, `hosts.deny:1`,
		`commands that would run (tcpwrap never runs one)`, `rm -rf /tmp/xin.ftpd`,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("POST / lacks %q", want)
		}
	}
	if _, err := os.Stat("/tmp/xin.ftpd"); err == nil {
		t.Errorf("a command ran")
	}
	if n := countShares(t, st); n != 0 {
		t.Errorf("POST / stored %d shares", n)
	}
}

// TestEscaping puts markup in every field: it comes back escaped.
func TestEscaping(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	x := `<script>alert(1)</script>"'&`
	body := form("allow", "sshd: "+x, "deny", x, "hosts", x, "requests", "sshd "+x, "profile", "debian")
	for _, target := range []string{"/", "/share"} {
		res := do(t, h, "POST", target, formCT, body)
		page := res.body
		if target == "/share" {
			if res.code != 303 {
				t.Fatalf("POST /share = %d %s", res.code, res.body)
			}
			page = do(t, h, "GET", res.header.Get("Location"), "", "").body
		}
		if strings.Contains(page, "<script>alert") {
			t.Errorf("%s: unescaped markup in %s", target, page)
		}
		if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the escaped text is missing", target)
		}
	}
	// The API keeps it as data.
	code, c := create(t, h, mustJSON(t, Document{Allow: ptr(x), Requests: []wire.Request{{Daemon: x, Client: x}}}))
	if code != 201 {
		t.Fatal(code)
	}
	page := do(t, h, "GET", "/s/"+c.ID, "", "").body
	if strings.Contains(page, "<script>alert") || !strings.Contains(page, "&lt;script&gt;alert(1)") {
		t.Errorf("/s/ID: unescaped markup, or the text is missing")
	}
}

func TestIndexPostBadInput(t *testing.T) {
	h, st := newTestServer(t, Config{})
	big := form("allow", strings.Repeat("#", MaxShareSize), "profile", "debian")
	for _, target := range []string{"/", "/share"} {
		cases := []struct {
			name, ct, body string
			code           int
			msg            string
		}{
			{"json", jsonCT, `{}`, 415, "application/x-www-form-urlencoded"},
			{"no content type", "", "allow=x", 415, "application/x-www-form-urlencoded"},
			{"too large", formCT, big, 413, "larger than 65536"},
			{"bad request line", formCT, form("requests", "sshd", "profile", "debian"), 400, "requests line 1: want DAEMON[@SERVER] [USER@]CLIENT"},
			{"three fields", formCT, form("requests", "\nsshd a b", "profile", "debian"), 400, "requests line 2"},
			{"bad profile", formCT, form("profile", "<b>aix</b>"), 400, "&lt;b&gt;aix"},
			{"malformed form", formCT, "a=%zz", 400, "malformed form"},
		}
		for _, c := range cases {
			res := do(t, h, "POST", target, c.ct, c.body)
			if res.code != c.code || !strings.Contains(res.body, c.msg) {
				t.Errorf("POST %s %s = %d, want %d with %q:\n%.300s", target, c.name, res.code, c.code, c.msg, res.body)
			}
		}
	}
	if n := countShares(t, st); n != 0 {
		t.Errorf("%d shares stored by bad forms", n)
	}
}

func TestSharePost(t *testing.T) {
	h, st := newTestServer(t, Config{})
	body := form("allow", "sshd: 10.0.0.1", "deny", "ALL: ALL", "hosts", "", "requests", "sshd 10.0.0.1\nsshd 10.0.0.2", "profile", "upstream")
	res := do(t, h, "POST", "/share", formCT, body)
	loc := res.header.Get("Location")
	if res.code != 303 || !strings.HasPrefix(loc, "/s/") || !validID(strings.TrimPrefix(loc, "/s/")) {
		t.Fatalf("POST /share = %d, Location %q", res.code, loc)
	}
	// The same form again: the same share.
	if res2 := do(t, h, "POST", "/share", formCT, body); res2.header.Get("Location") != loc {
		t.Errorf("second POST /share → %q, want %q", res2.header.Get("Location"), loc)
	}
	page := do(t, h, "GET", loc, "", "")
	if page.code != 200 {
		t.Fatalf("GET %s = %d", loc, page.code)
	}
	for _, want := range []string{"\nsshd: 10.0.0.1\n</textarea>", `<option value="upstream" selected>`, `class="granted"`, `class="denied"`,
		`value="10.0.0.2"`, `data-kind="netgroup" data-absent`, `placeholder="(no such file: type to create it)"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("share page lacks %q", want)
		}
	}
	doc := do(t, h, "GET", "/api"+strings.Replace(loc, "/s/", "/shares/", 1), "", "")
	want := `{"allow":"sshd: 10.0.0.1\n","deny":"ALL: ALL\n","hosts":"","netgroup":null,"files":{},"profile":"upstream","requests":[{"daemon":"sshd","client":"10.0.0.1"},{"daemon":"sshd","client":"10.0.0.2"}]}`
	if strings.TrimSpace(doc.body) != want {
		t.Errorf("document = %s\nwant %s", doc.body, want)
	}
	if n := countShares(t, st); n != 1 {
		t.Errorf("%d shares, want 1", n)
	}
}

func TestParseRequests(t *testing.T) {
	got, err := parseRequests("sshd 10.0.0.1\n  # x\n\nin.ftpd@10.1.0.1 bob@host.example\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []wire.Request{{Daemon: "sshd", Client: "10.0.0.1"}, {Daemon: "in.ftpd", Server: "10.1.0.1", User: "bob", Client: "host.example"}}
	if mustJSON(t, got) != mustJSON(t, want) {
		t.Errorf("parseRequests = %s, want %s", mustJSON(t, got), mustJSON(t, want))
	}
}

// TestGolden renders the pages and compares them with
// testdata/*.html; go test ./web -update rewrites them.
func TestGolden(t *testing.T) {
	d := &Document{
		Allow:    ptr("sshd: 10.0.0.0/24 EXCEPT 10.0.0.9\nin.ftpd: .example.com : spawn logger \"%d from %c\" : severity auth.info\n"),
		Deny:     ptr("ALL: ALL\n"),
		Hosts:    ptr("10.0.0.1 good.example.com\n192.0.2.7 ftp.example.com\n"),
		Files:    map[string]string{"/etc/empty": ""},
		Profile:  "debian",
		Requests: []wire.Request{{Daemon: "sshd", Client: "10.0.0.1"}, {Daemon: "in.ftpd", Client: "192.0.2.7", ClientPort: 40000}, {Daemon: "sshd", Client: "nohost.example"}},
	}
	if err := d.normalize(); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func() (string, error){
		"index.html": func() (string, error) { return renderString(indexPage(exampleForm, "", nil)) },
		"index-results.html": func() (string, error) {
			return renderString(indexPage(exampleForm, "", evaluate(d)))
		},
		"share.html": func() (string, error) {
			return renderString(playgroundPage(playgroundData{Title: "tcpwrap share " + d.ID(), ShareID: d.ID(), Doc: d, Results: evaluate(d), Assets: true}))
		},
		"embed.html": func() (string, error) { return renderString(embedPage(playgroundExamples)) },
	}
	for name, render := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := render()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				actual := filepath.Join(t.TempDir(), name)
				os.WriteFile(actual, []byte(got), 0o644)
				t.Errorf("%s differs from the rendered page (written to %s); go test ./web -update rewrites it", path, actual)
			}
		})
	}
}

// renderString renders c.
func renderString(c templ.Component) (string, error) {
	var buf bytes.Buffer
	err := c.Render(context.Background(), &buf)
	return buf.String(), err
}

// TestPlaygroundWithoutAssets: a server built without `make assets`
// says so, loads no script, and shows the server's own decisions.
func TestPlaygroundWithoutAssets(t *testing.T) {
	d := *defaultExample.Doc
	if err := d.normalize(); err != nil {
		t.Fatal(err)
	}
	for _, assets := range []bool{false, true} {
		page, err := renderString(playgroundPage(playgroundData{Title: "t", Doc: &d, Results: evaluate(&d), Assets: assets}))
		if err != nil {
			t.Fatal(err)
		}
		script := strings.Contains(page, `src="/static/dist/app.js"`)
		notice := strings.Contains(page, "built without the playground")
		shown := strings.Contains(page, `<strong class="granted">granted</strong>`) && !strings.Contains(page, "<noscript>")
		if script != assets || notice == assets || shown == assets {
			t.Errorf("assets=%v: script %v, notice %v, results outside noscript %v", assets, script, notice, shown)
		}
	}
}

// TestErrorPages: a bad share link opened in a browser gets an HTML page
// with a title and a way back, with the status it always had; the API
// keeps its JSON errors.
func TestErrorPages(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	for _, c := range []struct {
		path string
		code int
		want string
	}{
		{"/s/" + strings.Repeat("a", IDLen), http.StatusNotFound, "share not found"},
		{"/s/xyz", http.StatusBadRequest, "malformed share id"},
		{"/s/" + strings.Repeat("a", IDLen) + "/", http.StatusNotFound, "There is no page at"},
		{"/nowhere", http.StatusNotFound, "There is no page at"},
	} {
		res := do(t, h, "GET", c.path, "", "")
		if res.code != c.code || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(res.body, "<title>tcpwrap: "+strconv.Itoa(c.code)) || !strings.Contains(res.body, c.want) ||
			!strings.Contains(res.body, `<a href="/">Open the playground</a>`) {
			t.Errorf("GET %s: %d %q\n%s", c.path, res.code, res.header.Get("Content-Type"), res.body)
		}
	}
	if res := do(t, h, "GET", "/api/shares/xyz", "", ""); res.code != http.StatusBadRequest || res.header.Get("Content-Type") != "application/json" {
		t.Errorf("API: %d %q %s", res.code, res.header.Get("Content-Type"), res.body)
	}
	if res := do(t, h, "GET", "/share", "", ""); res.code != http.StatusMethodNotAllowed {
		t.Errorf("GET /share (POST only): %d, want 405", res.code)
	}
}

// TestPageGzip: pages are gzipped for a client that accepts it.
func TestPageGzip(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	plain := do(t, h, "GET", "/", "", "")
	gz := do(t, h, "GET", "/", "", "", "Accept-Encoding", "gzip")
	if gz.header.Get("Content-Encoding") != "gzip" || gz.header.Get("Vary") != "Accept-Encoding" || len(gz.body) >= len(plain.body)/2 {
		t.Fatalf("GET / with gzip: %v, %d bytes (plain %d)", gz.header, len(gz.body), len(plain.body))
	}
	zr, err := gzip.NewReader(strings.NewReader(gz.body))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil || string(b) != plain.body {
		t.Errorf("gunzipped page differs from the plain one (%v)", err)
	}
}

// TestShareKeepsExactText: a share whose texts hold carriage returns
// sends them exactly (#doc-data), since a textarea turns CR LF into LF;
// ports, which have no field, ride on the request rows.
func TestShareKeepsExactText(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	doc := `{"allow":"sshd: 10.0.0.1 \\\r\n  10.0.0.2\r\n","deny":"ALL: ALL\n","requests":[{"daemon":"sshd","client":"10.0.0.2","clientPort":2222,"serverPort":22}]}`
	res := do(t, h, "POST", "/api/shares", "application/json", doc)
	var created struct{ ID string }
	if err := json.Unmarshal([]byte(res.body), &created); err != nil || created.ID == "" {
		t.Fatalf("create: %d %s", res.code, res.body)
	}
	page := do(t, h, "GET", "/s/"+created.ID, "", "").body
	if !strings.Contains(page, `<script id="doc-data" type="application/json">`) || !strings.Contains(page, `10.0.0.1 \\\r\n  10.0.0.2\r\n`) {
		t.Errorf("no exact copy of the texts in the page")
	}
	if !strings.Contains(page, `data-client-port="2222" data-server-port="22"`) {
		t.Errorf("ports not on the request row")
	}
	if strings.Contains(do(t, h, "GET", "/", "", "").body, `id="doc-data"`) {
		t.Errorf("#doc-data without carriage returns")
	}
}

// TestShareKeepsWhatIfAndFileOrder: a share keeps the DNS what-if and the
// order of the pattern files, in the stored document and on its page (the
// radio checked, the name filled in, the files pane in that order), and
// sharing what the page shows again gives the same ID.
func TestShareKeepsWhatIfAndFileOrder(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	doc := `{"allow":"sshd: /etc/b /etc/a\n","deny":"ALL: ALL\n","files":{"/etc/b":"10.0.0.2\n","/etc/a":"10.0.0.1\n"},"fileOrder":["/etc/b","/etc/a"],` +
		`"dns":{"mode":"lying","name":"liar.example"},"requests":[{"daemon":"sshd","client":"10.0.0.1"}]}`
	res := do(t, h, "POST", "/api/shares", jsonCT, doc)
	var created struct{ ID string }
	if err := json.Unmarshal([]byte(res.body), &created); err != nil || created.ID == "" {
		t.Fatalf("create: %d %s", res.code, res.body)
	}
	stored := do(t, h, "GET", "/api/shares/"+created.ID, "", "").body
	for _, want := range []string{`"dns":{"mode":"lying","name":"liar.example"}`, `"fileOrder":["/etc/b","/etc/a"]`} {
		if !strings.Contains(stored, want) {
			t.Errorf("stored document %s lacks %s", stored, want)
		}
	}
	page := do(t, h, "GET", "/s/"+created.ID, "", "").body
	for _, want := range []string{
		`<input type="radio" name="dns" value="lying" checked>`,
		`<input type="radio" name="dns" value="table">`,
		`value="liar.example"`,
		"-- /etc/b --\n10.0.0.2\n-- /etc/a --\n10.0.0.1\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the share's page lacks %q", want)
		}
	}
	// The page's document, as the playground sends it back unedited.
	var again Document
	if err := json.Unmarshal([]byte(stored), &again); err != nil {
		t.Fatal(err)
	}
	res = do(t, h, "POST", "/api/shares", jsonCT, mustJSON(t, &again))
	if !strings.Contains(res.body, created.ID) {
		t.Errorf("sharing the share again: %d %s, want ID %s", res.code, res.body, created.ID)
	}
	// A share without them starts "as the table says", files in path order.
	res = do(t, h, "POST", "/api/shares", jsonCT, `{"files":{"/etc/b":"","/etc/a":""}}`)
	if err := json.Unmarshal([]byte(res.body), &created); err != nil {
		t.Fatal(err)
	}
	page = do(t, h, "GET", "/s/"+created.ID, "", "").body
	if !strings.Contains(page, `<input type="radio" name="dns" value="table" checked>`) || !strings.Contains(page, "-- /etc/a --\n-- /etc/b --\n") {
		t.Errorf("a share without a what-if or an order: not the table's DNS, or not in path order")
	}
}

// TestFormExpectations: the form's requests may carry expected verdicts,
// as tcpwrap test lines; the results say which were met, and a share
// keeps them (its page renders them before any script).
func TestFormExpectations(t *testing.T) {
	h, _ := newTestServer(t, Config{})
	reqs := "granted sshd 10.0.0.1 by hosts.allow:1\r\ndenied sshd 10.0.0.9\r\ngranted sshd two.example.com\r\n" +
		"denied sshd nohost.example\r\nsshd 10.0.0.2\r\ndenied hosts_ctl sshd \"\" 10.0.0.9 by hosts.deny:1"
	body := form("allow", "sshd: 10.0.0.0/24 EXCEPT 10.0.0.9", "deny", "ALL: ALL",
		"hosts", "10.0.0.1 two.example.com\n10.0.0.9 two.example.com", "requests", reqs, "profile", "debian")
	res := do(t, h, "POST", "/", formCT, body)
	if res.code != 200 {
		t.Fatalf("POST / = %d %s", res.code, res.body)
	}
	for _, want := range []string{
		`3 of 5 expectations met; not met: requests 3, 4.`,
		`✓ met:</strong> expected <code>granted by hosts.allow:1</code>`,
		`✓ met:</strong> expected <code>denied</code>`,
		`✗ not met:</strong> expected <code>granted</code>, got granted by hosts.allow:1 for 10.0.0.1; denied by hosts.deny:1 for 10.0.0.9`,
		`✗ not met:</strong> expected <code>denied</code>, got no verdict (an error)`,
		`✓ met:</strong> expected <code>denied by hosts.deny:1</code>`,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("POST / lacks %q", want)
		}
	}
	if strings.Count(res.body, `class="expect"`) != 5 {
		t.Errorf("POST / shows %d expectations, want 5", strings.Count(res.body, `class="expect"`))
	}
	// A bad rule is the form's error, with its line.
	bad := do(t, h, "POST", "/", formCT, form("allow", "", "deny", "", "requests", "sshd 10.0.0.1\ndenied sshd 10.0.0.9 by deny:1"))
	if bad.code != 400 || !strings.Contains(bad.body, `requests line 2: expect: rule &#34;deny:1&#34;`) {
		t.Errorf("bad rule: %d %s", bad.code, bad.body)
	}
	// Shared, the expectations are in the document and on its page.
	res = do(t, h, "POST", "/share", formCT, body)
	loc := res.header.Get("Location")
	if res.code != 303 {
		t.Fatalf("POST /share = %d %s", res.code, res.body)
	}
	doc := do(t, h, "GET", "/api"+strings.Replace(loc, "/s/", "/shares/", 1), "", "")
	for _, want := range []string{`{"daemon":"sshd","client":"10.0.0.1","expect":{"access":"granted","rule":"hosts.allow:1"}}`,
		`{"daemon":"sshd","client":"10.0.0.2"}`, `"expect":{"access":"denied","rule":"hosts.deny:1"}}`} {
		if !strings.Contains(doc.body, want) {
			t.Errorf("share document lacks %s:\n%s", want, doc.body)
		}
	}
	page := do(t, h, "GET", loc, "", "")
	if !strings.Contains(page.body, `3 of 5 expectations met; not met: requests 3, 4.`) {
		t.Errorf("share page lacks the summary")
	}
}

// TestExpectSummary: the results' count of expectations met, in words.
func TestExpectSummary(t *testing.T) {
	met := wire.RequestResult{Expect: &wire.ExpectResult{Met: true}}
	unmet := wire.RequestResult{Expect: &wire.ExpectResult{}}
	e := &wire.Expect{Access: "denied"}
	for _, c := range []struct {
		views []requestView
		want  string
	}{
		{nil, ""},
		{[]requestView{{}}, ""},
		{[]requestView{{Expect: e, Result: met}}, "The expectation is met."},
		{[]requestView{{Expect: e, Result: unmet}}, "0 of 1 expectation met; not met: request 1."},
		{[]requestView{{Expect: e, Result: met}, {}, {Expect: e, Result: met}}, "All 2 expectations met."},
		{[]requestView{{Expect: e, Result: unmet}, {}, {Expect: e, Result: met}, {Expect: e, Result: unmet}}, "1 of 3 expectations met; not met: requests 1, 4."},
		// A request whose expectation was never judged (an invalid one
		// is a request error) is not met.
		{[]requestView{{Expect: e}}, "0 of 1 expectation met; not met: request 1."},
	} {
		if got := expectSummary(c.views); got != c.want {
			t.Errorf("%d views: %q, want %q", len(c.views), got, c.want)
		}
	}
}
