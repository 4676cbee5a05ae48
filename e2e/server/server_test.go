// Package server tests the real tcpwrap binary's server: it builds
// cmd/tcpwrap, starts "tcpwrap serve" on a free loopback port with a
// temporary database, kills it with SIGKILL under load, restarts it and
// checks that every acknowledged (201) share is still there.
package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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

// buildBinary builds cmd/tcpwrap into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	bin := filepath.Join(t.TempDir(), "tcpwrap")
	cmd := exec.Command(goBin, "build", "-o", bin, "./cmd/tcpwrap")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// A proc is a running "tcpwrap serve".
type proc struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT
	done chan error
	mu   sync.Mutex
	log  bytes.Buffer
}

var listening = regexp.MustCompile(`listening on (http://127\.0\.0\.1:[0-9]+)`)

// start runs the binary on a free loopback port (port 0; the server
// prints the one it got) with the database db.
func start(t *testing.T, bin, db string, extra ...string) *proc {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, extra...)
	p := &proc{cmd: exec.Command(bin, args...), done: make(chan error, 1)}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
		p.done <- p.cmd.Wait()
	}()
	select {
	case p.base = <-addr:
	case <-time.After(30 * time.Second):
		t.Fatalf("the server did not start:\n%s", p.logText())
	}
	return p
}

func (p *proc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		t.Fatalf("the server did not exit:\n%s", p.logText())
	}
	p.done <- nil // for the cleanup
	return p.cmd.ProcessState.ExitCode()
}

var client = &http.Client{Timeout: 10 * time.Second}

func document(worker, n int) string {
	// The server answers the document in this form (its field order).
	return fmt.Sprintf(`{"allow":"# worker %d share %d\nsshd: 10.0.0.0/24 EXCEPT 10.0.0.9\n","deny":"ALL: ALL\n",`+
		`"hosts":"10.0.0.1 good.example.com\n","netgroup":null,"files":{},"profile":"debian",`+
		`"requests":[{"daemon":"sshd","client":"10.0.0.1"}]}`, worker, n)
}

type ack struct{ id, body string }

// load creates shares from workers goroutines until stop closes or
// each made max attempts, and returns the acknowledged (201) ones.
func load(base string, workers, max int, stop <-chan struct{}, progress chan<- struct{}) (acks []ack, failed int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for n := range max {
				select {
				case <-stop:
					return
				default:
				}
				body := document(w, n)
				res, err := client.Post(base+"/api/shares", "application/json", strings.NewReader(body))
				if err != nil {
					mu.Lock()
					failed++ // not acknowledged
					mu.Unlock()
					continue
				}
				data, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != http.StatusCreated {
					continue
				}
				var c struct{ ID, Token string }
				if json.Unmarshal(data, &c) != nil || c.ID == "" {
					continue
				}
				mu.Lock()
				acks = append(acks, ack{c.ID, body})
				mu.Unlock()
				select {
				case progress <- struct{}{}:
				default:
				}
			}
		})
	}
	wg.Wait()
	return acks, failed
}

// checkAll reads every acknowledged share back.
func checkAll(t *testing.T, base string, acks []ack) {
	t.Helper()
	for _, a := range acks {
		res, err := client.Get(base + "/api/shares/" + a.id)
		if err != nil {
			t.Fatalf("GET %s: %v", a.id, err)
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || strings.TrimSpace(string(data)) != a.body {
			t.Fatalf("acknowledged share %s: GET = %d %s\nwant %s", a.id, res.StatusCode, data, a.body)
		}
	}
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	res, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(data)
}

// TestKillUnderLoad: SIGKILL while shares are being created; every 201
// must survive the restart.
func TestKillUnderLoad(t *testing.T) {
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "tcpwrap.db")
	p := start(t, bin, db, "--rate", "0")

	if code, hdr, body := get(t, p.base+"/healthz"); code != 200 || body != "ok\n" || hdr.Get("Content-Security-Policy") == "" {
		t.Fatalf("GET /healthz = %d %q", code, body)
	}
	stop := make(chan struct{})
	progress := make(chan struct{}, 1)
	result := make(chan []ack, 1)
	failed := make(chan int, 1)
	go func() {
		acks, f := load(p.base, 8, 5000, stop, progress)
		result <- acks
		failed <- f
	}()
	// Kill once at least 200 shares were acknowledged, or after 10 s.
	deadline := time.After(10 * time.Second)
	for n := 0; n < 200; {
		select {
		case <-progress:
			n++
		case <-deadline:
			n = 200
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.wait(t)
	close(stop)
	acks := <-result
	if len(acks) == 0 {
		t.Fatalf("no share was acknowledged:\n%s", p.logText())
	}
	t.Logf("%d shares acknowledged before SIGKILL; %d requests failed (in flight at the kill, or refused after it)", len(acks), <-failed)

	p2 := start(t, bin, db, "--rate", "0")
	checkAll(t, p2.base, acks)
	// The database still takes writes.
	res, err := client.Post(p2.base+"/api/shares", "application/json", strings.NewReader(document(99, 0)))
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create after restart: %v %v", res, err)
	}
	res.Body.Close()
}

// TestGracefulShutdown: SIGTERM under load; the server finishes the
// requests in flight, exits 0, and every 201 is there after a restart.
func TestGracefulShutdown(t *testing.T) {
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "tcpwrap.db")
	p := start(t, bin, db, "--rate", "0")
	stop := make(chan struct{})
	progress := make(chan struct{}, 1)
	result := make(chan []ack, 1)
	go func() {
		acks, _ := load(p.base, 4, 5000, stop, progress)
		result <- acks
	}()
	deadline := time.After(10 * time.Second)
	for n := 0; n < 50; {
		select {
		case <-progress:
			n++
		case <-deadline:
			n = 50
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit status %d after SIGTERM:\n%s", code, p.logText())
	}
	close(stop)
	acks := <-result
	if !strings.Contains(p.logText(), "tcpwrap serve: stopped") {
		t.Errorf("no clean stop in the log:\n%s", p.logText())
	}
	t.Logf("%d shares acknowledged before SIGTERM", len(acks))
	p2 := start(t, bin, db, "--rate", "0")
	checkAll(t, p2.base, acks)
}

// TestRateLimitAndPages checks the default rate limit and the pages on
// the real binary.
func TestRateLimitAndPages(t *testing.T) {
	bin := buildBinary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "tcpwrap.db"), "--rate", "1", "--burst", "5")
	if code, hdr, body := get(t, p.base+"/"); code != 200 || !strings.Contains(body, `<label for="allow">`) || hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("GET / = %d", code)
	}
	codes := map[int]int{}
	for range 10 {
		code, _, _ := get(t, p.base+"/healthz")
		codes[code]++
	}
	if codes[429] == 0 {
		t.Errorf("no 429 in 10 requests with --burst 5: %v", codes)
	}
	p.cmd.Process.Signal(os.Interrupt)
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d after SIGINT", code)
	}
}
