package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// newCancelServer is a server on a fresh database with cfg's timeouts,
// and the server itself, whose evaluation slots the tests watch.
func newCancelServer(t *testing.T, cfg Config) (*server, http.Handler) {
	t.Helper()
	st, err := OpenStore(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg.Store, cfg.Rate = st, -1
	return newServer(cfg)
}

// hourLong is an evaluate input within MaxWork whose evaluation would
// take about an hour: every decision reads a million pattern-file words
// (/etc/a names /etc/b 100 times, which names /etc/c 100 times, which
// has 100 words: 300 words for MaxWork), and each of its 331 requests
// is 100 decisions, one per address of the client's name.
func hourLong(t *testing.T) string {
	in := wire.Input{Policy: wire.Policy{
		Allow: ptr("sshd: /etc/a\n"),
		Deny:  ptr("ALL: ALL\n"),
		Files: map[string]string{
			"/etc/a": strings.Repeat("/etc/b ", 100),
			"/etc/b": strings.Repeat("/etc/c ", 100),
			"/etc/c": strings.Repeat("192.0.2.1 ", 100),
		},
	}}
	var hosts strings.Builder
	for i := range 100 {
		fmt.Fprintf(&hosts, "10.1.0.%d many.example\n", i+1)
	}
	in.Hosts = hosts.String()
	for range MaxWork / (2 + 300) {
		in.Requests = append(in.Requests, wire.Request{Daemon: "sshd", Client: "many.example"})
	}
	if err := checkWork(in.Allow, in.Deny, in.Files, len(in.Requests)); err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, in)
}

// idle waits until no evaluation holds a slot of s, by taking them all:
// the event that the work has stopped. The work it waits for would take
// an hour; past a minute it fails t.
func idle(t *testing.T, s *server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range cap(s.slots) {
		release, err := s.acquire(ctx)
		if err != nil {
			t.Fatal("an evaluation still holds its slot a minute after the 503")
		}
		defer release()
	}
}

// TestWorkTimeout: an evaluation that would take an hour stops at the
// server's WorkTimeout, in the middle of its decisions, and its handler
// answers 503 with the engine's error; by then the evaluation has given
// its slot back. HandlerTimeout, far off, never answers (when the work does
// not stop, it answers after a minute, and the test fails).
func TestWorkTimeout(t *testing.T) {
	s, h := newCancelServer(t, Config{HandlerTimeout: time.Minute, WorkTimeout: 100 * time.Millisecond})
	res := do(t, h, "POST", "/api/evaluate", jsonCT, hourLong(t))
	if want := `{"error":"evaluation canceled: context deadline exceeded"}` + "\n"; res.code != 503 || res.body != want {
		t.Errorf("= %d %.300s, want 503 %s", res.code, res.body, want)
	}
	if n := len(s.slots); n != 0 {
		t.Errorf("%d evaluations hold a slot after the answer", n)
	}
}

// TestWorkStopsWithRequest is QA's case: the handler's context ends
// (http.TimeoutHandler's deadline, or the client gone) while the
// evaluation runs; the client gets 503 at once from TimeoutHandler, and
// the evaluation, which goes on in the handler's goroutine, must stop
// too instead of running for its hour.
func TestWorkStopsWithRequest(t *testing.T) {
	s, h := newCancelServer(t, Config{HandlerTimeout: 10 * time.Minute, WorkTimeout: 10 * time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := httptest.NewRequestWithContext(ctx, "POST", "/api/evaluate", strings.NewReader(hourLong(t)))
	r.Header.Set("Content-Type", jsonCT)
	w := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(w, r)
	}()
	// Cancel once the evaluation has taken its slot, and runs.
	for wait := time.Now().Add(time.Minute); len(s.slots) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(wait) {
			t.Fatal("the evaluation never started")
		}
	}
	cancel()
	<-done
	if w.Code != 503 {
		t.Errorf("= %d %.300s, want 503", w.Code, w.Body)
	}
	idle(t, s)
}

// TestWorkTimeoutCheckAndPage: a check, a diff and a page's evaluation past the
// deadline (here before they even start) answer 503 with the engine's
// error too, as JSON and as a page.
func TestWorkTimeoutCheckAndPage(t *testing.T) {
	s, h := newCancelServer(t, Config{HandlerTimeout: 10 * time.Minute, WorkTimeout: time.Nanosecond})
	var deny strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&deny, "ALL: host-%d.example.org 10.%d.%d.1\n", i, i/250, i%250)
	}
	in := mustJSON(t, wire.Input{Policy: wire.Policy{Deny: ptr(deny.String())}})
	res := do(t, h, "POST", "/api/check", jsonCT, in)
	if want := `{"error":"evaluation canceled: context deadline exceeded"}` + "\n"; res.code != 503 || res.body != want {
		t.Errorf("check = %d %.300s, want 503 %s", res.code, res.body, want)
	}
	in = mustJSON(t, wire.Input{Policy: wire.Policy{Deny: ptr(deny.String())}, Old: &wire.Tables{}})
	res = do(t, h, "POST", "/api/diff", jsonCT, in)
	if want := `{"error":"evaluation canceled: context deadline exceeded"}` + "\n"; res.code != 503 || res.body != want {
		t.Errorf("diff = %d %.300s, want 503 %s", res.code, res.body, want)
	}
	f := url.Values{"allow": {"sshd: 10.0.0.1\n"}, "deny": {"ALL: ALL\n"}, "requests": {"sshd 10.0.0.1\n"}, "profile": {"debian"}}
	res = do(t, h, "POST", "/", formCT, f.Encode())
	if res.code != 503 || !strings.Contains(res.body, "evaluation canceled: context deadline exceeded") {
		t.Errorf("POST / = %d %.300s, want 503 with the engine's error", res.code, res.body)
	}
	idle(t, s)
}
