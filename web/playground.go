package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tcpwrap/tcpwrap/static"
	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// playgroundData is what the playground page starts from: a document
// (the default example, or a share), and the server's decisions for its
// requests (shown without script).
type playgroundData struct {
	Title   string
	ShareID string
	Doc     *Document
	Results []requestView
	// Raw, when set, is Doc again as JSON for the page's script: its texts
	// hold carriage returns, which the HTML parser turns into newlines in
	// the textareas (see rawDoc).
	Raw *Document
	// Assets is whether this build has the front end (static/dist, made
	// by `make assets`); without it the page says so and shows the
	// server's decisions.
	Assets bool
}

// haveAssets reports whether the binary embeds the built front end.
func haveAssets() bool {
	for _, name := range []string{"dist/app.js", "dist/worker.js", "dist/tcpwrap.wasm"} {
		if _, err := static.FS.Open(name); err != nil {
			return false
		}
	}
	return true
}

// An Example is one entry of the playground's examples menu: a real
// setup, as a share document.
type Example struct {
	ID    string    `json:"id"`
	Title string    `json:"title"`
	About string    `json:"about"`
	Doc   *Document `json:"doc"`
}

// playgroundExamples are the examples menu; the first is what a fresh
// visit shows. Each request carries the verdict it gets as its
// expectation (the playground's expect column); web/examples_test.go
// pins each example's verdicts and that every expectation is met.
var playgroundExamples = []Example{
	{
		ID: "webmaster-telnet", Title: "Only the webmaster may telnet",
		About: "hosts.deny refuses telnet to everyone; hosts.allow lets one workstation in. Other daemons are not covered by either file, so they are allowed.",
		Doc: &Document{
			Allow:   strPtr("# Only the webmaster's workstation may telnet in.\nin.telnetd: webmaster.example.com\n"),
			Deny:    strPtr("in.telnetd: ALL\n"),
			Hosts:   strPtr("192.0.2.10 webmaster.example.com\n192.0.2.20 intern.example.com\n"),
			Profile: "debian",
			Requests: []wire.Request{
				{Daemon: "in.telnetd", Client: "192.0.2.10", Expect: &wire.Expect{Access: "granted", Rule: "hosts.allow:2"}},
				{Daemon: "in.telnetd", Client: "192.0.2.20", Expect: &wire.Expect{Access: "denied", Rule: "hosts.deny:1"}},
				{Daemon: "sshd", Client: "192.0.2.20", Expect: &wire.Expect{Access: "granted", Rule: "none"}}},
		},
	},
	{
		ID: "deny-all", Title: "Deny by default",
		About: "The \"mostly closed\" setup: hosts.deny says ALL: ALL, and hosts.allow names everything that is allowed.",
		Doc: &Document{
			Allow:   strPtr("# Everything not listed here is refused by hosts.deny.\nsshd: 10.0.0.0/255.255.255.0\nALL: LOCAL\n"),
			Deny:    strPtr("ALL: ALL\n"),
			Hosts:   strPtr("127.0.0.1 localhost\n10.0.0.1 build.example.com\n198.51.100.7 mail.example.net\n"),
			Profile: "debian",
			Requests: []wire.Request{
				{Daemon: "sshd", Client: "10.0.0.1", Expect: &wire.Expect{Access: "granted", Rule: "hosts.allow:2"}},
				{Daemon: "sshd", Client: "198.51.100.7", Expect: &wire.Expect{Access: "denied", Rule: "hosts.deny:1"}},
				{Daemon: "in.ftpd", Client: "localhost", Expect: &wire.Expect{Access: "granted", Rule: "hosts.allow:3"}}},
		},
	},
	{
		ID: "all-except", Title: "A domain, except one host",
		About: "EXCEPT excludes the terminal server from the rest of its domain.",
		Doc: &Document{
			Allow:   strPtr("ALL: .example.com EXCEPT terminal.example.com\n"),
			Deny:    strPtr("ALL: ALL\n"),
			Hosts:   strPtr("10.1.0.5 desk.example.com\n10.1.0.9 terminal.example.com\n203.0.113.4 outside.example.org\n"),
			Profile: "debian",
			Requests: []wire.Request{
				{Daemon: "sshd", Client: "10.1.0.5", Expect: &wire.Expect{Access: "granted", Rule: "hosts.allow:1"}},
				{Daemon: "sshd", Client: "10.1.0.9", Expect: &wire.Expect{Access: "denied", Rule: "hosts.deny:1"}},
				{Daemon: "sshd", Client: "203.0.113.4", Expect: &wire.Expect{Access: "denied", Rule: "hosts.deny:1"}}},
		},
	},
	{
		ID: "paranoid", Title: "A PARANOID guard",
		About: "The first rule refuses any client whose reverse name does not resolve back to its address. Try the DNS what-if on a request.",
		Doc: &Document{
			Allow:   strPtr("# Refuse clients whose DNS does not add up, then let the rest in.\nALL: PARANOID: DENY\nsshd: ALL\n"),
			Deny:    strPtr("ALL: ALL\n"),
			Hosts:   strPtr("10.0.0.1 good.example.com\n"),
			Profile: "debian",
			Requests: []wire.Request{
				{Daemon: "sshd", Client: "10.0.0.1", Expect: &wire.Expect{Access: "granted", Rule: "hosts.allow:3"}},
				{Daemon: "sshd", Client: "10.0.0.7", Expect: &wire.Expect{Access: "granted", Rule: "hosts.allow:3"}},
				{Daemon: "sshd", Client: "paranoid", Expect: &wire.Expect{Access: "denied", Rule: "hosts.allow:2"}}},
		},
	},
	{
		ID: "dante-sockd", Title: "Dante's sockd with a spawn logger",
		About: "Dante consults the files under the daemon name sockd and honours only spawn. The command is shown expanded; it never runs here.",
		Doc: &Document{
			Allow:   strPtr("sockd: 10.0.0.0/8: spawn (/usr/bin/logger -t sockd \"allowed %a for %d\") &\n"),
			Deny:    strPtr("sockd: ALL: spawn (/usr/bin/logger -t sockd \"refused %c\") &\n"),
			Hosts:   strPtr("10.2.0.3 laptop.example.com\n"),
			Profile: "debian",
			Requests: []wire.Request{
				{Daemon: "sockd", Client: "10.2.0.3", Expect: &wire.Expect{Access: "granted", Rule: "hosts.allow:1"}},
				{Daemon: "sockd", Client: "192.0.2.99", Expect: &wire.Expect{Access: "denied", Rule: "hosts.deny:1"}}},
		},
	},
	{
		ID: "freebsd", Title: "FreeBSD: one file, allow and deny",
		About: "FreeBSD keeps every rule in hosts.allow and ends each with allow or deny; there is no hosts.deny.",
		Doc: &Document{
			Allow: strPtr("# FreeBSD style: the first matching rule decides, with its allow or deny option.\n" +
				"ALL : localhost 127.0.0.1 : allow\n" +
				"sshd : .example.com : allow\n" +
				"sshd : ALL : deny\n" +
				"ALL : ALL : allow\n"),
			Hosts:   strPtr("10.3.0.2 dev.example.com\n"),
			Profile: "freebsd",
			Requests: []wire.Request{
				{Daemon: "sshd", Client: "10.3.0.2", Expect: &wire.Expect{Access: "granted", Rule: "hosts.allow:3"}},
				{Daemon: "sshd", Client: "192.0.2.50", Expect: &wire.Expect{Access: "denied", Rule: "hosts.allow:4"}},
				{Daemon: "ftpd", Client: "192.0.2.50", Expect: &wire.Expect{Access: "granted", Rule: "hosts.allow:5"}}},
		},
	},
}

// defaultExample is what a fresh visit shows.
var defaultExample = playgroundExamples[0]

// playground is GET /: the playground on the default example.
func (s *server) playground(w http.ResponseWriter, r *http.Request) {
	d := *defaultExample.Doc
	if err := d.normalize(); err != nil {
		s.serverError(w, r, err)
		return
	}
	views, err := s.evaluate(r.Context(), &d)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, playgroundPage(playgroundData{Title: "tcpwrap playground", Doc: &d, Results: views, Assets: s.assets}))
}

// form is GET /form: the form that asks the server, for browsers
// without script.
func (s *server) form(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, indexPage(exampleForm, "", nil))
}

// embedDemo is GET /embed: the embeddable widget on a demo page.
func (s *server) embedDemo(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, embedPage(playgroundExamples))
}

// serviceWorker is GET /sw.js: the playground's service worker, served
// from the root so that its scope is the whole site.
func (s *server) serviceWorker(w http.ResponseWriter, r *http.Request) {
	if _, err := static.FS.Open("dist/sw.js"); err != nil {
		httpError(w, r, http.StatusNotFound, "no service worker in this build (make assets)")
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/dist/sw.js"
	s.static.ServeHTTP(w, r2)
}

func profileTitle(p string) string {
	switch p {
	case "debian":
		return "Debian 7.6.q"
	case "upstream":
		return "upstream 7.6"
	case "freebsd":
		return "FreeBSD"
	}
	return p
}

// rawDoc is d when one of its texts holds a carriage return, else nil:
// such a text cannot travel in a textarea's content (HTML reads CR LF
// and CR as LF), so the page takes it from a JSON copy.
func rawDoc(d *Document) *Document {
	has := func(s *string) bool { return s != nil && strings.Contains(*s, "\r") }
	if has(d.Allow) || has(d.Deny) || has(d.Hosts) || has(d.Netgroup) {
		return d
	}
	for _, c := range d.Files {
		if strings.Contains(c, "\r") {
			return d
		}
	}
	return nil
}

func hasText(s *string) bool { return s != nil && *s != "" }

func strPtr(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// dnsMode is the DNS what-if radio a document starts with.
func dnsMode(d *Document) string {
	if d.DNS == nil {
		return "table"
	}
	return d.DNS.Mode
}

// dnsName is the name of d's DNS what-if, "" when it has none.
func dnsName(d *Document) string {
	if d.DNS == nil {
		return ""
	}
	return d.DNS.Name
}

// placeholder is an editor's placeholder: absent files say so.
func placeholder(s *string) string {
	if s == nil {
		return "(no such file: type to create it)"
	}
	return "(empty file)"
}

// port is a request's port for a data attribute: "" for none.
func port(p uint16) string {
	if p == 0 {
		return ""
	}
	return strconv.Itoa(int(p))
}

func selected(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// filesText writes d's pattern files as the files pane shows them: each
// after a "-- /path --" line, in d's file order.
func filesText(d *Document) string {
	var b strings.Builder
	for _, f := range d.orderedFiles() {
		writeSection(&b, f.Path, f.Content)
	}
	return b.String()
}

// writeSection writes one txtar-style section: a "-- name --" line, then
// text, ending in a newline.
func writeSection(b *strings.Builder, name, text string) {
	b.WriteString("-- " + name + " --\n" + text)
	if text != "" && !strings.HasSuffix(text, "\n") {
		b.WriteString("\n")
	}
}

// embedSnippet is the copy-paste example on the embed demo page.
const embedSnippet = `<script src="https://tcpwrap.example/static/dist/embed.js" defer></script>

<tcpwrap-example editable>
-- hosts.allow --
sshd: 10.0.0.0/24 EXCEPT 10.0.0.9
-- hosts.deny --
ALL: ALL
-- requests --
sshd 10.0.0.1
denied sshd 10.0.0.9 by hosts.deny:1
</tcpwrap-example>`

// exampleTxtar writes d as the content of a <tcpwrap-example> element:
// its texts, then its requests as the form's lines, a request with an
// expected verdict as a line of tcpwrap test ("denied sshd 10.0.0.9 by
// hosts.deny:1"), which the widget checks.
func exampleTxtar(d *Document) string {
	var b strings.Builder
	b.WriteString("\n")
	section := func(name string, t *string) {
		if t != nil {
			writeSection(&b, name, *t)
		}
	}
	section("hosts.allow", d.Allow)
	section("hosts.deny", d.Deny)
	section("hosts", d.Hosts)
	section("netgroup", d.Netgroup)
	for _, f := range sortedFiles(d.Files) {
		writeSection(&b, f.Path, f.Content)
	}
	var reqs strings.Builder
	for _, r := range d.Requests {
		reqs.WriteString(requestLine(r) + "\n")
	}
	section("requests", strPtr(reqs.String()))
	return b.String()
}

// expectText is the expect field of r's row: its expected verdict as a
// tcpwrap test line ends ("denied", "denied by hosts.deny:1"), "" for
// none.
func expectText(r wire.Request) string {
	if r.Expect == nil {
		return ""
	}
	return r.Expect.String()
}

// expectHint is the expect field's title (app.ts's expectHint).
const expectHint = `The verdict this request must get: granted, denied or delegated, optionally "by hosts.allow:N", "by hosts.deny:N" or "by none" (as in tcpwrap test). Empty: any.`
