// Package web is tcpwrap's HTTP server: the JSON API (evaluate, shares),
// the server-rendered pages (a form, and a page per share) and the
// embedded static files. Pages are templ components; decisions come from
// the engine through wasm/wire, so the API answers exactly what the
// WebAssembly module answers. No command from a rule ever runs: the
// engine reports commands and never executes one.
package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// Limits of the server.
const (
	// MaxShareSize is the largest share body (the JSON document of
	// POST /api/shares, or the form of POST / and POST /share): 64 KiB.
	MaxShareSize = 64 << 10
	// MaxEvaluateSize is the largest POST /api/evaluate body: the wasm
	// module's own input limit, 1 MiB.
	MaxEvaluateSize = wire.MaxInputSize
	// MaxDeleteSize is the largest body a DELETE may carry (none is
	// needed).
	MaxDeleteSize = 1 << 10

	// DefaultRate and DefaultBurst are the default per-IP token bucket:
	// 20 requests a second, 40 at once.
	DefaultRate  = 20
	DefaultBurst = 40

	// DefaultHandlerTimeout bounds one handler's work; past it the
	// client gets 503.
	DefaultHandlerTimeout = 10 * time.Second

	// The http.Server timeouts of NewHTTPServer.
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 60 * time.Second
)

// ContentSecurityPolicy is sent with every response. No page has inline
// script, style or event handlers.
// WebAssembly needs 'wasm-unsafe-eval' (compiling a module, nothing
// else); the Web Worker and the service worker are same-origin scripts.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Config is what the server needs. The zero value of a limit field
// means its default; a negative Rate turns the rate limit off.
type Config struct {
	// Store keeps the shares; required.
	Store *Store
	// BaseURL is the server's public address ("https://example.org"),
	// used in the "url" of a created share; "" means the request's own
	// scheme and Host.
	BaseURL string
	// Rate and Burst are the per-IP token bucket.
	Rate  float64
	Burst int
	// HandlerTimeout bounds one request's handler: past it,
	// http.TimeoutHandler answers 503 whatever the handler is doing.
	HandlerTimeout time.Duration
	// WorkTimeout ends the context of every request's handler, which
	// should be before HandlerTimeout: evaluations and checks stop there
	// (the engine looks at the context as it works) and their handler
	// answers 503 with the reason itself. Zero means nine tenths of
	// HandlerTimeout.
	WorkTimeout time.Duration
	// Log receives server errors; nil discards them.
	Log *slog.Logger
	// Now is the clock of the rate limiter; nil is time.Now.
	Now func() time.Time
	// ExternalAssets says that the playground's front end
	// (/static/dist/ and /sw.js) is served in front of this handler by
	// the platform (Cloudflare's asset store for the Worker), not from
	// the binary: pages load it even though static.FS lacks it.
	ExternalAssets bool
}

type server struct {
	cfg     Config
	log     *slog.Logger
	limiter *limiter
	slots   chan struct{} // evaluations running
	static  *staticFiles
	assets  bool // the front end is built in (static/dist)
}

// NewServer returns the server's handler: every route is registered
// here.
func NewServer(cfg Config) http.Handler {
	_, h := newServer(cfg)
	return h
}

// newServer is NewServer, with the server behind the handler.
func newServer(cfg Config) (*server, http.Handler) {
	if cfg.Store == nil {
		panic("web.NewServer: no Store")
	}
	if cfg.Rate == 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.Burst == 0 {
		cfg.Burst = DefaultBurst
	}
	if cfg.HandlerTimeout == 0 {
		cfg.HandlerTimeout = DefaultHandlerTimeout
	}
	if cfg.WorkTimeout == 0 {
		cfg.WorkTimeout = cfg.HandlerTimeout - cfg.HandlerTimeout/10
	}
	s := &server{cfg: cfg, log: cfg.Log, slots: make(chan struct{}, 2*runtime.NumCPU()), static: newStaticFiles(), assets: cfg.ExternalAssets || haveAssets()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Rate > 0 {
		s.limiter = newLimiter(cfg.Rate, cfg.Burst, cfg.Now)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.playground)
	mux.HandleFunc("GET /form", s.form)
	mux.HandleFunc("GET /embed", s.embedDemo)
	mux.HandleFunc("GET /sw.js", s.serviceWorker)
	mux.HandleFunc("POST /{$}", s.indexPost)
	mux.HandleFunc("POST /share", s.sharePost)
	mux.HandleFunc("GET /s/{id}", s.sharePage)
	mux.HandleFunc("POST /api/evaluate", s.apiEvaluate)
	mux.HandleFunc("POST /api/check", s.apiCheck)
	mux.HandleFunc("POST /api/format", s.apiFormat)
	mux.HandleFunc("POST /api/diff", s.apiDiff)
	mux.HandleFunc("POST /api/shares", s.apiCreate)
	mux.HandleFunc("GET /api/shares/{id}", s.apiGet)
	mux.HandleFunc("DELETE /api/shares/{id}", s.apiDelete)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /static/", http.StripPrefix("/static", s.static))

	var h http.Handler = pageNotFound(mux)
	h = workDeadline(h, cfg.WorkTimeout)
	h = http.TimeoutHandler(h, cfg.HandlerTimeout, "request timed out\n")
	h = s.rateLimit(h)
	h = cleanPath(h)
	h = securityHeaders(h)
	return s, h
}

// workDeadline ends the context of every request to h after d. What
// looks at the context stops there: the engine's evaluations and checks
// (which otherwise run to the end, http.TimeoutHandler's 503 or not), the
// wait for an evaluation slot, the store; and the handler answers 503
// itself, before http.TimeoutHandler gives up on it.
func workDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// pageNotFound answers a GET of a path mux has no page for (a share
// link with a trailing slash, a mistyped address) with an HTML 404 page
// instead of the mux's plain text; the API's paths, and paths another
// method would match (405), are left to mux.
func pageNotFound(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !isAPI(r) {
			if _, pat := mux.Handler(r); pat == "" && !otherMethod(mux, r) {
				httpError(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+".")
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// otherMethod reports whether mux has a pattern for r's path with
// another method.
func otherMethod(mux *http.ServeMux, r *http.Request) bool {
	for _, m := range []string{http.MethodPost, http.MethodDelete} {
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, pat := mux.Handler(r2); pat != "" {
			return true
		}
	}
	return false
}

// NewHTTPServer is an http.Server for h with the server's timeouts.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    16 << 10,
	}
}

// securityHeaders sets the headers every response carries.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", ContentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

// cleanPath refuses, with 400, a path the mux would otherwise clean and
// redirect or decode into something else: dot segments, empty segments,
// and escaped slashes or backslashes.
func cleanPath(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		raw := strings.ToLower(r.URL.RawPath)
		bad := !strings.HasPrefix(p, "/") || strings.Contains(p, "//") || strings.Contains(p, "\\") ||
			strings.Contains(raw, "%2f") || strings.Contains(raw, "%5c")
		for seg := range strings.SplitSeq(p, "/") {
			if seg == "." || seg == ".." {
				bad = true
			}
		}
		if bad {
			httpError(w, r, http.StatusBadRequest, "bad path")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// rateLimit answers 429 to a client past its token bucket.
func (s *server) rateLimit(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		if !s.limiter.allow(host) {
			w.Header().Set("Retry-After", "1")
			httpError(w, r, http.StatusTooManyRequests, "too many requests")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, "ok\n")
}

// isAPI reports whether r is a JSON API request (errors are JSON).
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// httpError answers an error: {"error": msg} on the API, text elsewhere.
func httpError(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if isAPI(r) {
		writeJSON(w, code, errorBody{Error: msg})
		return
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		// A page someone opened (a share link, a mistyped address): an
		// HTML page with a way back, with the same status.
		var buf bytes.Buffer
		if errorPage(code, msg).Render(r.Context(), &buf) == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(code)
			w.Write(buf.Bytes())
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	io.WriteString(w, msg+"\n")
}

type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// readBody reads r's body up to limit bytes. Its error is the status to
// answer and a message.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, int, string) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			drain(r)
			return nil, http.StatusRequestEntityTooLarge, "request body larger than " + strconv.FormatInt(mbe.Limit, 10) + " bytes"
		}
		return nil, http.StatusBadRequest, "cannot read request body"
	}
	return body, 0, ""
}

// drain reads what is left of an over-limit body, up to MaxDrain bytes,
// before the error answer: the native server closes such a connection
// itself, but behind workerd (the Worker under wrangler) an unread body
// wedged the next request on the same connection.
func drain(r *http.Request) {
	io.CopyN(io.Discard, r.Body, MaxDrain)
}

// MaxDrain is the most of an over-limit body read and dropped.
const MaxDrain = 4 << 20

// mediaType is r's Content-Type without parameters, lower case.
func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// serverError logs err and answers 500, or 503 for work the request's
// context ended (past WorkTimeout, or a client gone): with the engine's
// error when it stopped an evaluation or a check, which has no answer.
func (s *server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, wire.ErrCanceled) {
		s.log.Info("evaluation stopped", "path", r.URL.Path, "err", err)
		httpError(w, r, http.StatusServiceUnavailable, err.Error())
		return
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		s.log.Info("request abandoned", "path", r.URL.Path, "err", err)
		httpError(w, r, http.StatusServiceUnavailable, "request abandoned")
		return
	}
	s.log.Error("server error", "method", r.Method, "path", r.URL.Path, "err", err)
	httpError(w, r, http.StatusInternalServerError, "internal error")
}
