package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// The *_templ.go files are templ's output, generated from the
// repository's root (make generate) so that the file names in their
// errors are web/*.templ; make check fails when they are stale.

// profiles are the choices of the form's profile select.
var profiles = []string{"debian", "upstream", "freebsd"}

// formData is the form of the index page.
type formData struct {
	Allow, Deny, Hosts, Requests, Profile string
}

// requestView is one request of a result list: its operands as typed,
// and its answer.
type requestView struct {
	Label string
	// Expect is the request's expected verdict, nil for none.
	Expect *wire.Expect
	Result wire.RequestResult
}

// expectMet reports whether rv's request got its expected verdict.
func expectMet(rv requestView) bool { return rv.Result.Expect != nil && rv.Result.Expect.Met }

// expectGot says what rv's request got instead of its expected verdict:
// each prediction's verdict and rule (with its client address when there
// are several), or that it gave none.
func expectGot(rv requestView) string {
	var got []wire.Expect
	if rv.Result.Expect != nil {
		got = rv.Result.Expect.Got
	}
	if len(got) == 0 {
		return "no verdict (an error)"
	}
	parts := make([]string, len(got))
	for i, g := range got {
		parts[i] = g.String()
		if len(got) > 1 && i < len(rv.Result.Predictions) {
			parts[i] += " for " + rv.Result.Predictions[i].Request.Address
		}
	}
	return strings.Join(parts, "; ")
}

// expectSummary counts the expectations of views met: "2 of 3
// expectations met; not met: request 2."; "" when no request has one.
func expectSummary(views []requestView) string {
	n, met := 0, 0
	var unmet []string
	for i, rv := range views {
		if rv.Expect == nil {
			continue
		}
		n++
		if expectMet(rv) {
			met++
		} else {
			unmet = append(unmet, strconv.Itoa(i+1))
		}
	}
	switch {
	case n == 0:
		return ""
	case met == n && n == 1:
		return "The expectation is met."
	case met == n:
		return "All " + strconv.Itoa(n) + " expectations met."
	}
	noun := "request"
	if len(unmet) > 1 {
		noun = "requests"
	}
	return strconv.Itoa(met) + " of " + plural(n, "expectation", "expectations") + " met; not met: " + noun + " " + strings.Join(unmet, ", ") + "."
}

// exampleForm is what an empty form shows.
var exampleForm = formData{
	Allow:    "sshd: 10.0.0.0/24 EXCEPT 10.0.0.9\n",
	Deny:     "ALL: ALL\n",
	Hosts:    "10.0.0.1 good.example.com\n",
	Requests: "sshd 10.0.0.1\nsshd 10.0.0.9\n",
	Profile:  "debian",
}

// indexPost is POST /: the form evaluated, the page rendered with its
// results. No script needed.
func (s *server) indexPost(w http.ResponseWriter, r *http.Request) {
	f, d, ok := s.formDocument(w, r)
	if !ok {
		return
	}
	views, err := s.evaluate(r.Context(), d)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, indexPage(f, "", views))
}

// formDocument reads the form of POST / and POST /share; when it cannot,
// it has answered (the form again with the error, or a bare error when
// the form itself was unreadable) and ok is false.
func (s *server) formDocument(w http.ResponseWriter, r *http.Request) (formData, *Document, bool) {
	f, d, code, msg := s.readForm(w, r)
	if code == 0 {
		return f, d, true
	}
	if d == nil && code != http.StatusBadRequest {
		httpError(w, r, code, msg)
	} else {
		s.render(w, r, code, indexPage(f, msg, nil))
	}
	return f, nil, false
}

// sharePost is POST /share: the form stored as a share, then a redirect
// (303) to its page. The owner token is not shown: a share made from the
// form cannot be deleted (use the JSON API for that).
func (s *server) sharePost(w http.ResponseWriter, r *http.Request) {
	_, d, ok := s.formDocument(w, r)
	if !ok {
		return
	}
	id, _, _, err := s.cfg.Store.Create(r.Context(), d)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/s/"+id, http.StatusSeeOther)
}

// readForm reads the index form into a normalized document. On failure
// code is the status and msg says why; d is nil when the form itself
// could not be read.
func (s *server) readForm(w http.ResponseWriter, r *http.Request) (f formData, d *Document, code int, msg string) {
	if mediaType(r) != "application/x-www-form-urlencoded" {
		return f, nil, http.StatusUnsupportedMediaType, "Content-Type must be application/x-www-form-urlencoded"
	}
	orig := r.Body
	r.Body = http.MaxBytesReader(w, orig, MaxShareSize)
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			r.Body = orig
			drain(r)
			return f, nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("form larger than %d bytes", MaxShareSize)
		}
		return f, nil, http.StatusBadRequest, "malformed form"
	}
	field := func(name string) string {
		return strings.ReplaceAll(r.PostForm.Get(name), "\r\n", "\n")
	}
	f = formData{Allow: field("allow"), Deny: field("deny"), Hosts: field("hosts"),
		Requests: field("requests"), Profile: field("profile")}
	// A textarea rarely ends with a newline; libwrap would read its last
	// line as unterminated (an error). The form adds the newline.
	text := func(s string) *string {
		if s != "" && !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		return &s
	}
	d = &Document{Allow: text(f.Allow), Deny: text(f.Deny), Hosts: text(f.Hosts), Profile: f.Profile}
	reqs, err := parseRequests(f.Requests)
	if err != nil {
		return f, d, http.StatusBadRequest, err.Error()
	}
	d.Requests = reqs
	if err := d.normalize(); err != nil {
		return f, d, normalizeStatus(err), err.Error()
	}
	return f, d, 0, ""
}

// parseRequests reads the form's requests: one "DAEMON[@SERVER]
// [USER@]CLIENT" a line, or "hosts_ctl DAEMON NAME ADDR [USER]" for a
// hosts_ctl request (the operands of tcpwrap match --ctl; a field ""
// is the empty string), either one after an expected verdict as a line
// of tcpwrap test states it: "denied sshd 10.0.0.9 by hosts.deny:1"; a
// connection's ports follow it as --client-port N and --server-port N
// (as requestLine writes them); blank lines and lines starting with #
// are skipped, and a word starting with # ends a line.
func parseRequests(text string) ([]wire.Request, error) {
	var reqs []wire.Request
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		// A word starting with # starts a comment, as in tcpwrap test.
		if k := slices.IndexFunc(f, func(w string) bool { return w[0] == '#' }); k >= 0 {
			f = f[:k]
		}
		req, err := parseRequestLine(f)
		if err != nil {
			return nil, fmt.Errorf("requests line %d: %v, got %q", i+1, err, line)
		}
		reqs = append(reqs, req)
	}
	return reqs, nil
}

// parseRequestLine reads the words of one line of the form's requests.
// A line of more than two words whose first is a verdict is an
// expectation: VERDICT REQUEST [by RULE] (two words are always a
// connection's operands, a daemon called "denied" included).
func parseRequestLine(f []string) (req wire.Request, err error) {
	if len(f) > 2 && wire.IsVerdict(f[0]) {
		e := &wire.Expect{Access: f[0]}
		f = f[1:]
		if k := len(f) - 2; k >= 0 && f[k] == "by" {
			e.Rule = f[k+1]
			f = f[:k]
		}
		if err := e.Check(); err != nil {
			return req, err
		}
		req.Expect = e
	}
	// --client-port N, --server-port N at the end: a connection's ports.
	var ports []string
	for len(f) >= 2 && (f[len(f)-2] == "--client-port" || f[len(f)-2] == "--server-port") {
		flag, num := f[len(f)-2], f[len(f)-1]
		n, err := strconv.ParseUint(num, 10, 16)
		if err != nil {
			return req, fmt.Errorf("want a port number (0 to 65535) after %s", flag)
		}
		p := &req.ClientPort
		if flag == "--server-port" {
			p = &req.ServerPort
		}
		if slices.Contains(ports, flag) {
			return req, fmt.Errorf("%s given twice", flag)
		}
		*p = uint16(n)
		ports = append(ports, flag)
		f = f[:len(f)-2]
	}
	if len(f) == 0 {
		return req, fmt.Errorf("want a request before %s", ports[len(ports)-1])
	}
	// hosts_ctl first is a hosts_ctl request when more words follow it
	// than a connection's one client, or after a verdict (as tcpwrap test
	// reads it); "hosts_ctl 10.0.0.1" alone is a daemon of that name.
	if f[0] == ctlWord && (len(f) > 2 || req.Expect != nil) {
		if len(f) < 4 || len(f) > 5 {
			return req, fmt.Errorf("want %s DAEMON NAME ADDR [USER]", ctlWord)
		}
		if len(ports) > 0 {
			return req, fmt.Errorf("a %s request has no ports", ctlWord)
		}
		req.Ctl = wire.CtlWords(f[1:])
		return req, nil
	}
	if len(f) != 2 {
		return req, fmt.Errorf("want DAEMON[@SERVER] [USER@]CLIENT or %s DAEMON NAME ADDR [USER], either perhaps as VERDICT REQUEST [by RULE]", ctlWord)
	}
	req.Daemon, req.Server, _ = strings.Cut(f[0], "@")
	if user, client, ok := strings.Cut(f[1], "@"); ok {
		req.User, req.Client = user, client
	} else {
		req.Client = f[1]
	}
	return req, nil
}

// sharePage is GET /s/{id}: the share and its decisions, rendered on the
// server.
func (s *server) sharePage(w http.ResponseWriter, r *http.Request) {
	id, doc, ok := s.getShare(w, r)
	if !ok {
		return
	}
	var d Document
	if err := json.Unmarshal(doc, &d); err != nil {
		s.serverError(w, r, fmt.Errorf("share %s: %w", id, err))
		return
	}
	views, err := s.evaluate(r.Context(), &d)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, playgroundPage(playgroundData{Title: "tcpwrap share " + id, ShareID: id, Doc: &d, Raw: rawDoc(&d), Results: views, Assets: s.assets}))
}

// evaluate decides d's requests for a page, in one of the server's
// evaluation slots, until ctx ends (then its error is wire.ErrCanceled's).
func (s *server) evaluate(ctx context.Context, d *Document) ([]requestView, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	out, err := wire.EvaluateContext(ctx, d.input())
	if err != nil {
		return nil, err
	}
	return requestViews(d, out), nil
}

// requestViews are d's requests with their answers in out.
func requestViews(d *Document, out wire.Output) []requestView {
	views := make([]requestView, len(d.Requests))
	for i, req := range d.Requests {
		views[i].Label, views[i].Expect = requestLabel(req), req.Expect
		switch {
		case out.Error != "":
			views[i].Result.Error = out.Error
		case i < len(out.Results):
			views[i].Result = out.Results[i]
		}
	}
	return views
}

// ctlWord starts a hosts_ctl request's line in the form and in an
// example's requests: "hosts_ctl DAEMON NAME ADDR [USER]".
const ctlWord = "hosts_ctl"

// requestLine writes req as a line of the form's requests, which
// parseRequests reads back: its label, after and before its expected
// verdict if it has one ("denied sshd 10.0.0.9 by hosts.deny:1").
func requestLine(req wire.Request) string {
	e := req.Expect
	if e == nil {
		return requestLabel(req)
	}
	line := e.Access + " " + requestLabel(req)
	if e.Rule != "" {
		line += " by " + e.Rule
	}
	return line
}

// requestLabel writes req as the operands of tcpwrap match, or a
// hosts_ctl request as "hosts_ctl DAEMON NAME ADDR [USER]" with "" for
// an empty string (the form's line without an expectation, which
// parseRequests reads back).
func requestLabel(req wire.Request) string {
	if c := req.Ctl; c != nil {
		q := func(s string) string {
			if s == "" {
				return `""`
			}
			return s
		}
		label := ctlWord + " " + q(c.Daemon) + " " + q(c.Name) + " " + q(c.Addr)
		if c.User != "" {
			label += " " + c.User
		}
		return label
	}
	var b strings.Builder
	b.WriteString(req.Daemon)
	if req.Server != "" {
		b.WriteString("@" + req.Server)
	}
	b.WriteString(" ")
	if req.User != "" {
		b.WriteString(req.User + "@")
	}
	b.WriteString(req.Client)
	if req.ClientPort != 0 {
		b.WriteString(" --client-port " + strconv.Itoa(int(req.ClientPort)))
	}
	if req.ServerPort != 0 {
		b.WriteString(" --server-port " + strconv.Itoa(int(req.ServerPort)))
	}
	return b.String()
}

// render renders c in full, then answers it with code, gzipped for a
// client that accepts gzip (the playground page is 17 KB, 4 KB gzipped).
func (s *server) render(w http.ResponseWriter, r *http.Request, code int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Accept-Encoding")
	body := buf.Bytes()
	if acceptsGzip(r) {
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.DefaultCompression)
		zw.Write(body)
		zw.Close()
		h.Set("Content-Encoding", "gzip")
		body = z.Bytes()
	}
	w.WriteHeader(code)
	w.Write(body)
}

type namedFile struct{ Path, Content string }

func sortedFiles(files map[string]string) []namedFile {
	out := make([]namedFile, 0, len(files))
	for p, c := range files {
		out = append(out, namedFile{p, c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func optionValue(v *string) string {
	if v == nil {
		return ""
	}
	return " " + *v
}

func indent(depth int) string { return strings.Repeat("  ", depth) }

func ruleOutcome(st wire.Step) string {
	switch {
	case st.Match:
		return "=> the rule matches"
	case !st.DaemonMatch:
		return "=> the daemon list does not match"
	default:
		return "=> the client list does not match"
	}
}
