// Package playground tests the web playground end to end in a real
// browser: it builds the front end (go run ./web/internal/bundle, which
// writes static/dist/, embedded by the server), builds cmd/tcpwrap, starts
// "tcpwrap serve" on a free loopback port with a temporary SQLite
// database and no rate limit, and runs run.mjs under Node: playwright-core
// driving Debian's chromium (/usr/bin/chromium; no browser is ever
// downloaded). run.mjs prints PASS or FAIL for each step, the figures
// (cold load, keystroke latency, a 5 MB paste refused and a 5 MB text
// set at once, printed, never asserted against a time) and the screenshots it wrote to e2e/out/playground/; it exits 1
// when a step fails, and so does this test.
//
// Without chromium, node or npm's playwright-core (package.json) the test
// is skipped, unless CI=true, where it fails. CHROMIUM overrides the
// browser's path.
package playground

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// root is the module's root, from this package's directory.
const root = "../.."

// runTimeout bounds run.mjs as a whole (about 5 minutes on a 2-core
// machine, more when it is busy).
const runTimeout = 12 * time.Minute

func need(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: not skipping)", what)
	}
	t.Skip(what)
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}

func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// run runs a command in the module's root and fails the test with its
// output if it fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	t0 := time.Now()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	t.Logf("%s %s: %v", filepath.Base(name), strings.Join(args, " "), time.Since(t0).Round(time.Millisecond))
}

// logBuffer keeps the server's output for the failure report.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
	l.b.WriteByte('\n')
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var listening = regexp.MustCompile(`listening on (http://127\.0\.0\.1:[0-9]+)`)

// serve starts "tcpwrap serve" on a free loopback port and returns its
// base URL and its log.
func serve(t *testing.T, bin, db string) (string, *logBuffer) {
	t.Helper()
	// --rate 0: the limit off (the browser makes many requests at once:
	// module, scripts, shares from several contexts).
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--rate", "0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	log := new(logBuffer)
	done := make(chan struct{})
	addr := make(chan string, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			log.add(line)
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		cmd.Wait()
	})
	select {
	case base := <-addr:
		waitHealthy(t, base, log)
		return base, log
	case <-done:
		t.Fatalf("tcpwrap serve exited:\n%s", log)
	case <-time.After(30 * time.Second):
		t.Fatalf("tcpwrap serve did not start in 30 s:\n%s", log)
	}
	return "", nil
}

// waitHealthy waits until the server accepts connections.
func waitHealthy(t *testing.T, base string, log *logBuffer) {
	t.Helper()
	host := strings.TrimPrefix(base, "http://")
	for t0 := time.Now(); time.Since(t0) < 10*time.Second; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", host); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("%s does not accept connections:\n%s", base, log)
}

func TestPlayground(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		need(t, "node is not on PATH (make install-deps)")
	}
	if _, err := os.Stat(filepath.Join(absRoot, "node_modules", "playwright-core", "package.json")); err != nil {
		need(t, "node_modules/playwright-core is not installed (npm install, package.json; make install-deps)")
	}
	browser := chromiumPath()
	if _, err := os.Stat(browser); err != nil {
		need(t, browser+" is missing (apt-get install chromium; make install-deps)")
	}

	// The front end: static/dist/, embedded by the server binary, so it
	// comes first.
	gobin := goTool()
	run(t, absRoot, nil, gobin, "run", "./web/internal/bundle")
	for _, f := range []string{"tcpwrap.wasm", "app.js", "worker.js", "embed.js", "sw.js"} {
		if _, err := os.Stat(filepath.Join(absRoot, "static", "dist", f)); err != nil {
			t.Errorf("go run ./web/internal/bundle did not write static/dist/%s", f)
		}
	}
	bin := filepath.Join(t.TempDir(), "tcpwrap")
	run(t, absRoot, nil, gobin, "build", "-o", bin, "./cmd/tcpwrap")

	base, serverLog := serve(t, bin, filepath.Join(t.TempDir(), "tcpwrap.db"))
	t.Logf("server: %s", base)

	out := filepath.Join(absRoot, "e2e", "out", "playground")
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("e2e", "playground", "run.mjs"))
	cmd.Dir = absRoot
	cmd.Env = append(os.Environ(), "BASE_URL="+base, "OUT_DIR="+out, "CHROMIUM="+browser, "NO_COLOR=1", "TCPWRAP_BIN="+bin)
	// Its own process group: on a timeout the browser goes too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	var failed []string
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			// The Debian wrapper script's harmless complaint.
			if strings.Contains(line, "/usr/bin/chromium: ") && strings.Contains(line, "unexpected operator") {
				continue
			}
			t.Log(line)
			if strings.HasPrefix(line, "FAIL ") {
				failed = append(failed, line)
			}
		}
		io.Copy(io.Discard, pr)
	}()
	err = cmd.Wait()
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // leftovers of the group, if any
	<-scanned
	pr.Close()
	t.Logf("run.mjs: %v", time.Since(t0).Round(time.Millisecond))
	if ctx.Err() != nil {
		t.Fatalf("run.mjs did not finish in %v\nserver log:\n%s", runTimeout, serverLog)
	}
	if err != nil {
		t.Fatalf("run.mjs: %v; failed steps:\n%s\nserver log:\n%s", err, strings.Join(failed, "\n"), serverLog)
	}
	if len(failed) > 0 {
		t.Fatalf("run.mjs exited 0 but printed failures:\n%s", strings.Join(failed, "\n"))
	}
}
