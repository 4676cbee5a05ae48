// Command bench measures tcpwrap's WebAssembly modules: sizes (raw, gzip,
// brotli when the brotli command is installed), instantiation time under
// wazero (cold, and with a warm compilation cache), and decisions per
// second through wazero on a 100-line table, by the compact decide path
// and by JSON evaluate.
//
//	go run ./e2e/wasm/bench [-n 1000000] [-json 20000]    (make bench-wasm)
//
// It builds both modules with the go command that runs it.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tcpwrap/tcpwrap/wasm/host"
	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

func main() {
	n := flag.Int("n", 1000000, "decisions through the compact path")
	nJSON := flag.Int("json", 20000, "requests through JSON evaluate without traces (a tenth of it with traces)")
	flag.Parse()
	if err := run(*n, *nJSON); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(n, nJSON int) error {
	dir, err := os.MkdirTemp("", "tcpwrap-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = "/usr/local/go/bin/go"
	}
	mods := []struct{ name, goos, pkg string }{
		{"tcpwrap.wasm (js)", "js", "./wasm/js"},
		{"tcpwrap-wasip1.wasm (reactor)", "wasip1", "./wasm/wasip1"},
	}
	var reactor []byte
	fmt.Printf("%-32s %12s %12s %12s\n", "module", "raw", "gzip -9", "brotli -q 11")
	for _, m := range mods {
		out := filepath.Join(dir, filepath.Base(m.pkg)+".wasm")
		args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", out}
		if m.goos == "wasip1" {
			args = append(args, "-buildmode=c-shared")
		}
		cmd := exec.Command(gobin, append(args, m.pkg)...)
		cmd.Env = append(os.Environ(), "GOOS="+m.goos, "GOARCH=wasm")
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", m.pkg, err, b)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			return err
		}
		fmt.Printf("%-32s %12s %12s %12s\n", m.name, num(len(b)), num(gzipSize(b)), brotliSize(out))
		if m.goos == "wasip1" {
			reactor = b
		}
	}

	ctx := context.Background()
	cache := filepath.Join(dir, "cache")
	t0 := time.Now()
	m, err := host.Load(ctx, reactor, "")
	if err != nil {
		return err
	}
	cold := time.Since(t0)
	m.Close(ctx)
	m, err = host.Load(ctx, reactor, cache) // fills the cache
	if err != nil {
		return err
	}
	m.Close(ctx)
	t0 = time.Now()
	m, err = host.Load(ctx, reactor, cache)
	if err != nil {
		return err
	}
	warm := time.Since(t0)
	defer m.Close(ctx)
	fmt.Printf("\nwazero instantiate: cold %v, with the compilation cache %v\n", cold.Round(time.Millisecond), warm.Round(time.Millisecond))

	allow, deny := table100()
	policy, _ := json.Marshal(wire.Policy{Allow: &allow, Deny: &deny})
	h, err := m.Compile(ctx, policy)
	if err != nil {
		return err
	}
	daemons := []string{"svc1", "svc20", "other5", "sshd"}
	decide := func(from, to int) error {
		for i := from; i < to; i++ {
			a := netip.AddrFrom4([4]byte{10, byte(i % 60), byte(i >> 8), byte(i)})
			if _, err := m.Decide(ctx, h, daemons[(i>>10)%len(daemons)], a, uint16(i)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := decide(0, 1000); err != nil {
		return err
	}
	pages1k := m.MemoryPages()
	t0 = time.Now()
	if err := decide(1000, n); err != nil {
		return err
	}
	el := time.Since(t0)
	fmt.Printf("compact decide, 100-line table: %s decisions/s (%d decisions in %v; memory %d pages after 1,000, %d after %d)\n",
		num(int(float64(n-1000)/el.Seconds())), n-1000, el.Round(time.Millisecond), pages1k, m.MemoryPages(), n)

	for _, c := range []struct {
		batch   int
		noTrace bool
	}{{1, false}, {100, false}, {1, true}, {100, true}} {
		batch := c.batch
		reqs := make([]wire.Request, batch)
		total := nJSON
		if !c.noTrace {
			total /= 10 // about 54 KB of JSON a request
		}
		calls := total / batch
		lastLen := 0
		t0 = time.Now()
		for k := range calls {
			for j := range reqs {
				i := k*batch + j
				reqs[j] = wire.Request{Daemon: daemons[i%len(daemons)], Client: fmt.Sprintf("10.%d.%d.%d", i%60, byte(i>>8), byte(i))}
			}
			body, _ := json.Marshal(wire.Requests{Requests: reqs, NoTrace: c.noTrace})
			out, err := m.Evaluate(ctx, h, body)
			if err != nil {
				return err
			}
			lastLen = len(out)
			if !bytes.HasPrefix(out, []byte(`{"results":[{"predictions"`)) {
				return fmt.Errorf("evaluate: %.200s", out)
			}
		}
		el := time.Since(t0)
		what := "full traces"
		if c.noTrace {
			what = "noTrace"
		}
		fmt.Printf("JSON evaluate (%s), %3d requests a call: %s requests/s (%s bytes of JSON a request)\n",
			what, batch, num(int(float64(calls*batch)/el.Seconds())), num(lastLen/batch))
	}
	return nil
}

// table100 is a 100-line policy: 50 allow rules, 50 deny rules.
func table100() (allow, deny string) {
	var a, d strings.Builder
	for i := range 50 {
		fmt.Fprintf(&a, "svc%d: 10.%d.0.0/255.255.0.0 EXCEPT 10.%d.9.9\n", i, i, i)
	}
	for i := range 49 {
		fmt.Fprintf(&d, "svc%d, other%d: 192.168.%d. EXCEPT 192.168.%d.1\n", i, i, i, i)
	}
	d.WriteString("ALL: ALL\n")
	return a.String(), d.String()
}

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Len()
}

// brotliSize runs the brotli command when it is installed.
func brotliSize(path string) string {
	if _, err := exec.LookPath("brotli"); err != nil {
		return "n/a"
	}
	out, err := exec.Command("brotli", "-c", "-q", "11", path).Output()
	if err != nil {
		return "n/a"
	}
	return num(len(out))
}

// num prints n with thousands separators.
func num(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
