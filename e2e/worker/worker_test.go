// Package worker tests cmd/worker, tcpwrap's server as a Cloudflare
// Worker, end to end under wrangler dev --local (workerd and a local D1 on
// this machine; nothing leaves it): the share API on a fresh D1, across a
// restart of wrangler with the same persisted state. It needs Node and
// the npm packages of package.json (wrangler); without them the test is
// skipped, unless CI=true, where it fails.
package worker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// root is the module's root, from this package's directory.
const root = "../.."

func need(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: not skipping)", what)
	}
	t.Skip(what)
}

func goTool(t *testing.T) string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}

// build runs make worker (the one recipe for the worker): the front end,
// the JS glue, build/app.wasm without the front end (-tags
// externalassets), and build/assets/ for wrangler's asset store.
func build(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command("make", "-C", filepath.Join(dir, "..", ".."), "worker", "GO="+goTool(t))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make worker: %v\n%s", err, out)
	}
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

type wrangler struct {
	cmd  *exec.Cmd
	log  *syncBuffer
	base string
}

// syncBuffer is wrangler's output, written by the process's copiers and
// read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs wrangler dev --local in its own process group and waits
// until it says it is ready and, with probe, until the worker answers
// /healthz (without probe no request reaches the worker: the first one
// is the test's).
func start(t *testing.T, bin, dir, persist string, probe bool) *wrangler {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(bin, "dev", "--local", "--ip", "127.0.0.1", "--port", fmt.Sprint(port),
		"--persist-to", persist, "--show-interactive-dev-session=false")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "WRANGLER_SEND_METRICS=false", "CLOUDFLARE_CF_FETCH_ENABLED=false", "CI=true",
		"NO_COLOR=1")
	log := new(syncBuffer)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &wrangler{cmd: cmd, log: log, base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	t.Cleanup(w.stop)
	for time.Since(t0) < 90*time.Second {
		if !probe {
			if strings.Contains(log.String(), "Ready on") {
				t.Logf("wrangler dev ready in %v", time.Since(t0).Round(time.Millisecond))
				return w
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		resp, err := http.Get(w.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				t.Logf("wrangler dev ready in %v (first request included)", time.Since(t0).Round(time.Millisecond))
				return w
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.stop()
	t.Fatalf("wrangler dev was not ready in 90 s:\n%s", log.String())
	return nil
}

// stop ends wrangler's whole process group (wrangler, esbuild, workerd).
func (w *wrangler) stop() {
	if w.cmd.ProcessState != nil {
		return
	}
	pgid := w.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { w.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
	syscall.Kill(-pgid, syscall.SIGKILL) // leftovers of the group, if any
}

type client struct {
	t     *testing.T
	base  string
	n     int
	total time.Duration
}

func (c *client) do(method, path, ctype, auth, body string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	t0 := time.Now()
	// A bounded wait: a wedged wrangler fails the test instead of
	// hanging it until go test's own timeout.
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	c.n++
	c.total += time.Since(t0)
	return resp.StatusCode, string(b)
}

type created struct {
	ID    string `json:"id"`
	URL   string `json:"url"`
	Token string `json:"token"`
}

const doc = `{"allow":"sshd: 10.0.0.0/24 EXCEPT 10.0.0.9\n","deny":"ALL: ALL\n","hosts":"10.0.0.1 a.example.com\n","requests":[{"daemon":"sshd","client":"10.0.0.1"}]}`

func TestWorkerShares(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	bin, err := filepath.Abs(filepath.Join(root, "node_modules", ".bin", "wrangler"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		need(t, "wrangler is not installed (npm install, package.json)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		need(t, "node is not on PATH")
	}
	dir, err := filepath.Abs(filepath.Join(root, "cmd", "worker"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	build(t, dir)
	t.Logf("worker built in %v", time.Since(t0).Round(time.Millisecond))
	persist := t.TempDir()

	w := start(t, bin, dir, persist, false)
	c := &client{t: t, base: w.base}
	const js = "application/json"

	// Concurrent first requests on a fresh D1 each find the schema missing
	// and migrate it: all of them must succeed.
	errs := make(chan string, 4)
	for i := range 4 {
		go func() {
			req, _ := http.NewRequest("POST", w.base+"/api/shares", strings.NewReader(fmt.Sprintf(`{"allow":"in.ftpd: 10.0.0.%d\n"}`, i)))
			req.Header.Set("Content-Type", "application/json")
			// A bounded wait: a wedged wrangler fails the test instead of
			// hanging it until go test's own timeout.
			resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 201 {
				errs <- fmt.Sprintf("%d %s", resp.StatusCode, b)
				return
			}
			errs <- ""
		}()
	}
	for range 4 {
		if e := <-errs; e != "" {
			t.Errorf("concurrent create on a fresh D1: %s", e)
		}
	}

	// Create: 201 with an ID and a token; the same content again: 200, the
	// same ID, no token.
	code, body := c.do("POST", "/api/shares", js, "", doc)
	if code != 201 {
		t.Fatalf("create: %d %s\n%s", code, body, w.log)
	}
	var first created
	if err := json.Unmarshal([]byte(body), &first); err != nil || len(first.ID) != 32 || first.Token == "" {
		t.Fatalf("create: %s (%v)", body, err)
	}
	if want := w.base + "/s/" + first.ID; first.URL != want {
		t.Errorf("url %q, want %q", first.URL, want)
	}
	code, body = c.do("POST", "/api/shares", js, "", doc)
	var again created
	json.Unmarshal([]byte(body), &again)
	if code != 200 || again.ID != first.ID || again.Token != "" {
		t.Errorf("create again: %d %s; want 200, id %s, no token", code, body, first.ID)
	}
	// A second share to delete later.
	code, body = c.do("POST", "/api/shares", js, "", `{"allow":"ALL: ALL\n"}`)
	var second created
	if err := json.Unmarshal([]byte(body), &second); code != 201 || err != nil {
		t.Fatalf("create second: %d %s", code, body)
	}

	read := func(id string) map[string]any {
		t.Helper()
		code, body := c.do("GET", "/api/shares/"+id, "", "", "")
		if code != 200 {
			t.Fatalf("read %s: %d %s", id, code, body)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := read(first.ID)
	if m["allow"] != "sshd: 10.0.0.0/24 EXCEPT 10.0.0.9\n" || m["deny"] != "ALL: ALL\n" || m["profile"] != "debian" || m["netgroup"] != nil {
		t.Errorf("read: %v", m)
	}
	if code, body := c.do("GET", "/s/"+first.ID, "", "", ""); code != 200 || !strings.Contains(body, "EXCEPT 10.0.0.9") {
		t.Errorf("GET /s/ID: %d", code)
	}

	// Expected verdicts are part of a share: stored, read back, and in the
	// ID (the same requests without them are another share); a malformed
	// one is refused.
	withExpect := `{"allow":"sshd: 10.0.0.1\n","deny":"ALL: ALL\n","requests":[{"daemon":"sshd","client":"10.0.0.9","expect":{"access":"denied","rule":"hosts.deny:1"}}]}`
	code, body = c.do("POST", "/api/shares", js, "", withExpect)
	var exp created
	if err := json.Unmarshal([]byte(body), &exp); code != 201 || err != nil {
		t.Fatalf("create with an expectation: %d %s", code, body)
	}
	if code, body := c.do("GET", "/api/shares/"+exp.ID, "", "", ""); code != 200 || !strings.Contains(body, `"expect":{"access":"denied","rule":"hosts.deny:1"}`) {
		t.Errorf("read with an expectation: %d %s", code, body)
	}
	code, body = c.do("POST", "/api/shares", js, "", strings.Replace(withExpect, `,"expect":{"access":"denied","rule":"hosts.deny:1"}`, "", 1))
	var noExp created
	if json.Unmarshal([]byte(body), &noExp); code != 201 || noExp.ID == exp.ID {
		t.Errorf("the same share without its expectation: %d %s (with it: %s)", code, body, exp.ID)
	}
	if code, body := c.do("POST", "/api/shares", js, "", strings.Replace(withExpect, "hosts.deny:1", "deny:1", 1)); code != 400 || !strings.Contains(body, "expect: rule") {
		t.Errorf("a malformed expectation: %d %s", code, body)
	}
	if code, body := c.do("POST", "/api/evaluate", js, "", withExpect); code != 200 || !strings.Contains(body, `"expect":{"met":true,"got":[{"access":"denied","rule":"hosts.deny:1"}]}`) {
		t.Errorf("evaluate with an expectation: %d %s", code, body)
	}
	// The diff of two versions, as natively (wire.Diff): the worker's
	// answer is the engine's, compiled to wasm.
	diffIn := `{"allow":"sshd: 10.0.0.0/16\n","deny":"ALL: ALL\n","old":{"allow":"sshd: 10.0.0.0/8\n","deny":"ALL: ALL\n"}}`
	var in wire.Input
	if err := json.Unmarshal([]byte(diffIn), &in); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(wire.Diff(in))
	if code, body := c.do("POST", "/api/diff", js, "", diffIn); code != 200 || strings.TrimSpace(body) != string(want) {
		t.Errorf("diff: %d %s, want %s", code, body, want)
	}

	// Bad inputs: 4xx.
	for _, tc := range []struct {
		method, path, ctype, auth, body string
		want                            int
	}{
		{"POST", "/api/shares", js, "", `{"allow":`, 400},
		{"POST", "/api/shares", js, "", `{"nope":1}`, 400},
		{"POST", "/api/shares", js, "", `{"profile":"solaris"}`, 400},
		{"POST", "/api/shares", "text/plain", "", doc, 415},
		{"POST", "/api/shares", js, "", `{"allow":"` + strings.Repeat("x", 70<<10) + `"}`, 413},
		{"GET", "/api/shares/NOT-AN-ID", "", "", "", 400},
		{"GET", "/api/shares/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", "", "", 404},
		{"DELETE", "/api/shares/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", "Bearer x", "", 404},
	} {
		if code, body := c.do(tc.method, tc.path, tc.ctype, tc.auth, tc.body); code != tc.want {
			t.Errorf("%s %s %.40q: %d %s; want %d", tc.method, tc.path, tc.body, code, body, tc.want)
		}
	}
	// Static files and the form come from the worker itself.
	// The playground's front end comes from the asset store, and the page
	// loads it.
	for _, p := range []string{"/static/dist/app.js", "/static/dist/tcpwrap.wasm", "/sw.js"} {
		if code, body := c.do("GET", p, "", "", ""); code != 200 || len(body) == 0 {
			t.Errorf("GET %s: %d", p, code)
		}
	}
	if code, body := c.do("GET", "/", "", "", ""); code != 200 || !strings.Contains(string(body), `src="/static/dist/app.js"`) {
		t.Errorf("GET /: %d, the page does not load the front end", code)
	}
	if code, body := c.do("GET", "/static/style.css", "", "", ""); code != 200 || len(body) == 0 {
		t.Errorf("GET /static/style.css: %d", code)
	}
	if code, _ := c.do("GET", "/", "", "", ""); code != 200 {
		t.Errorf("GET /: %d", code)
	}

	// Restart wrangler on the same persisted D1: the shares are there.
	w.stop()
	t1 := time.Now()
	w = start(t, bin, dir, persist, true)
	t.Logf("restart: %v", time.Since(t1).Round(time.Millisecond))
	c.base = w.base
	if m := read(first.ID); m["deny"] != "ALL: ALL\n" {
		t.Errorf("read after restart: %v", m)
	}
	read(second.ID)

	// DELETE: 401 without a token, 403 with a wrong one, 204 with the
	// owner's; then 404; the next creator of the content owns it.
	p := "/api/shares/" + second.ID
	if code, body := c.do("DELETE", p, "", "", ""); code != 401 {
		t.Errorf("delete without token: %d %s", code, body)
	}
	if code, body := c.do("DELETE", p, "", "Bearer "+first.Token, ""); code != 403 {
		t.Errorf("delete with a wrong token: %d %s", code, body)
	}
	if code, body := c.do("DELETE", p, "", "Bearer "+second.Token, ""); code != 204 {
		t.Errorf("delete: %d %s", code, body)
	}
	if code, _ := c.do("GET", p, "", "", ""); code != 404 {
		t.Errorf("read after delete: %d", code)
	}
	if code, _ := c.do("DELETE", p, "", "Bearer "+second.Token, ""); code != 404 {
		t.Errorf("delete again: %d", code)
	}
	code, body = c.do("POST", "/api/shares", js, "", `{"allow":"ALL: ALL\n"}`)
	var third created
	json.Unmarshal([]byte(body), &third)
	if code != 201 || third.ID != second.ID || third.Token == "" || third.Token == second.Token {
		t.Errorf("create after delete: %d %s", code, body)
	}
	read(first.ID)
	t.Logf("%d requests, %v each on average (a fresh Go instance per request)", c.n, (c.total / time.Duration(c.n)).Round(time.Millisecond))
}
