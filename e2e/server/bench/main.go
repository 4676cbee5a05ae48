// Command bench measures the native server on loopback: share creates per
// second, share reads per second, /api/evaluate decisions per second, and
// the p50/p99 latency of each, with C concurrent clients for a fixed time.
//
//	go run ./e2e/server/bench [-seconds 3] [-clients 16]
//
// It builds cmd/tcpwrap, starts `tcpwrap serve` on a free 127.0.0.1 port
// with a temporary database and the rate limit off, and stops it at the
// end. Only loopback is used; every loop is bounded in time. It prints
// figures and asserts nothing about them.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	seconds := flag.Float64("seconds", 3, "how long each load runs")
	clients := flag.Int("clients", 16, "concurrent clients")
	flag.Parse()
	if err := run(time.Duration(*seconds*float64(time.Second)), *clients); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(d time.Duration, clients int) error {
	dir, err := os.MkdirTemp("", "tcpwrap-serverbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "tcpwrap")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/tcpwrap").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	srv := exec.Command(bin, "serve", "--addr", addr, "--db", filepath.Join(dir, "bench.db"), "--rate", "0")
	srv.Stderr = io.Discard
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		srv.Process.Signal(os.Interrupt)
		srv.Wait()
	}()
	base := "http://" + addr
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 10 * time.Second}
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if r, err := hc.Get(base + "/healthz"); err == nil {
			r.Body.Close()
			break
		}
		if time.Since(start) > 10*time.Second {
			return fmt.Errorf("server did not start")
		}
	}

	// Creates: every request a new document.
	var mu sync.Mutex
	var ids []string
	n := 0
	creates := load(d, clients, func(worker, i int) error {
		doc := fmt.Sprintf(`{"allow":"sshd: 10.%d.%d.0/24\n","deny":"ALL: ALL\n","requests":[]}`, worker, i)
		body, err := post(hc, base+"/api/shares", doc, http.StatusCreated)
		if err != nil {
			return err
		}
		var c struct{ ID string }
		if err := json.Unmarshal(body, &c); err != nil {
			return err
		}
		mu.Lock()
		ids = append(ids, c.ID)
		n++
		mu.Unlock()
		return nil
	})
	if len(ids) == 0 {
		return fmt.Errorf("no share created")
	}
	// Reads: the shares just created, round robin.
	reads := load(d, clients, func(worker, i int) error {
		id := ids[(worker*7919+i)%len(ids)]
		r, err := hc.Get(base + "/api/shares/" + id)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusOK {
			return fmt.Errorf("GET share: %s", r.Status)
		}
		return nil
	})
	// Evaluate: a 100-line table, 100 requests a call, no traces.
	var table strings.Builder
	for i := 0; i < 99; i++ {
		fmt.Fprintf(&table, "sshd: 10.%d.%d.0/24 EXCEPT 10.%d.%d.9\n", i/250, i%250, i/250, i%250)
	}
	table.WriteString("ALL: .example.com\n")
	tj, _ := json.Marshal(table.String())
	var reqs []string
	for i := 0; i < 100; i++ {
		reqs = append(reqs, fmt.Sprintf(`{"daemon":"sshd","client":"10.0.%d.%d"}`, i%250, i))
	}
	evalBody := fmt.Sprintf(`{"allow":%s,"deny":"ALL: ALL\n","noTrace":true,"requests":[%s]}`, tj, strings.Join(reqs, ","))
	evals := load(d, clients, func(int, int) error {
		_, err := post(hc, base+"/api/evaluate", evalBody, http.StatusOK)
		return err
	})
	fmt.Printf("native server on loopback, %d clients, %v each (%d shares created)\n", clients, d, n)
	fmt.Printf("%-32s %12s %10s %10s %8s\n", "operation", "per second", "p50", "p99", "errors")
	// p50/p99 are per HTTP request; an evaluate call carries 100 requests.
	report("POST /api/shares (create)", creates, 1)
	report("GET /api/shares/{id} (read)", reads, 1)
	report("POST /api/evaluate, decisions", evals, 100)
	return nil
}

type result struct {
	lat    []time.Duration
	errors int
	took   time.Duration
	first  error
}

// load runs f from c workers until d has passed.
func load(d time.Duration, c int, f func(worker, i int) error) result {
	var mu sync.Mutex
	var res result
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var lat []time.Duration
			errs := 0
			var first error
			for i := 0; time.Since(start) < d; i++ {
				t := time.Now()
				if err := f(w, i); err != nil {
					errs++
					if first == nil {
						first = err
					}
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errors += errs
			if res.first == nil {
				res.first = first
			}
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	res.took = time.Since(start)
	return res
}

func report(name string, r result, perCall int) {
	sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
	q := func(p float64) time.Duration {
		if len(r.lat) == 0 {
			return 0
		}
		return r.lat[int(p*float64(len(r.lat)-1))].Round(10 * time.Microsecond)
	}
	rate := float64(len(r.lat)*perCall) / r.took.Seconds()
	fmt.Printf("%-32s %12.0f %10v %10v %8d\n", name, rate, q(0.50), q(0.99), r.errors)
	if r.first != nil {
		fmt.Printf("  first error: %v\n", r.first)
	}
}

func post(hc *http.Client, url, body string, want int) ([]byte, error) {
	r, err := hc.Post(url, "application/json", bytes.NewReader([]byte(body)))
	if err != nil {
		return nil, err
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if r.StatusCode != want {
		return nil, fmt.Errorf("POST %s: %s %s", url, r.Status, b)
	}
	return b, nil
}
