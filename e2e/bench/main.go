// Command bench compares the engine's speed with libwrap's own loop on the
// same tables and prints the figures: for each table (10 / 1,000 / 100,000
// lines of exact IPs, net/masks and prefixes, .domain, mixed; the only
// matching line last), libwrap's decisions per second (hosts_access() in a
// C loop, sealed from the network), the engine's (Policy.Decide in
// process), and `tcpwrap match --batch --summary` end to end.
//
//	go run ./e2e/bench [-seconds 2] [-sizes 10,1000,100000]
//
// It needs cc and libwrap0-dev (make install-deps); it prints figures and
// asserts nothing about time.
package main

import (
	"bufio"
	_ "embed"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

//go:embed loop.c
var loopSource []byte

func main() {
	seconds := flag.Float64("seconds", 2, "how long to measure each figure")
	sizes := flag.String("sizes", "10,1000,100000", "table sizes")
	flag.Parse()
	if err := run(*seconds, *sizes); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(seconds float64, sizes string) error {
	dir, err := os.MkdirTemp("", "tcpwrap-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "loop.c")
	if err := os.WriteFile(src, loopSource, 0o644); err != nil {
		return err
	}
	loop := filepath.Join(dir, "loop")
	if out, err := exec.Command("cc", "-O2", "-o", loop, src, "-lwrap").CombinedOutput(); err != nil {
		return fmt.Errorf("building loop.c: %v\n%s", err, out)
	}
	tcpwrap := filepath.Join(dir, "tcpwrap")
	if out, err := exec.Command("go", "build", "-o", tcpwrap, "./cmd/tcpwrap").CombinedOutput(); err != nil {
		return fmt.Errorf("building tcpwrap: %v\n%s", err, out)
	}
	fmt.Printf("%-8s %7s %14s %14s %8s %14s %8s %10s\n", "table", "lines", "libwrap dec/s", "engine dec/s", "ratio", "batch dec/s", "ratio", "compile")
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(s)
		if err != nil {
			return err
		}
		for _, kind := range tablegen.Kinds {
			text, hosts, client := tablegen.Sized(kind, n)
			deny := filepath.Join(dir, "hosts.deny")
			if err := os.WriteFile(deny, []byte(text), 0o644); err != nil {
				return err
			}
			hostsFile := filepath.Join(dir, "hosts")
			if err := os.WriteFile(hostsFile, []byte(hosts), 0o644); err != nil {
				return err
			}
			lw, err := libwrapRate(loop, dir, hostsFile, client, seconds)
			if err != nil {
				return err
			}
			start := time.Now()
			t := engine.Parse("hosts.deny", []byte(text), engine.Debian)
			compile := time.Since(start)
			p := &engine.Policy{Deny: t, Resolver: engine.NewHostsResolver("hosts", []byte(hosts))}
			eng := engineRate(p, client, seconds)
			batch, err := batchRate(tcpwrap, dir, hostsFile, client, seconds)
			if err != nil {
				return err
			}
			fmt.Printf("%-8s %7d %14.0f %14.0f %7.0fx %14.0f %7.0fx %10s\n", kind, n, lw, eng, eng/lw, batch, batch/lw, compile.Round(time.Microsecond))
		}
	}
	return nil
}

// libwrapRate runs loop.c with no network and the hosts table through
// nss_wrapper, as the differential harness does.
func libwrapRate(loop, dir, hosts string, client netip.Addr, seconds float64) (float64, error) {
	secs := seconds
	if secs < 0.5 {
		secs = 0.5
	}
	cmd := exec.Command("unshare", "--net", loop, filepath.Join(dir, "hosts.allow"), filepath.Join(dir, "hosts.deny"),
		"sshd", client.String(), strconv.FormatFloat(secs, 'f', 2, 64))
	cmd.Env = append(os.Environ(), "LD_PRELOAD=libnss_wrapper.so", "NSS_WRAPPER_HOSTS="+hosts)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("loop: %v\n%s", err, out)
	}
	var n int64
	var s float64
	var v int
	if _, err := fmt.Sscanf(string(out), "decisions %d seconds %f verdict %d", &n, &s, &v); err != nil {
		return 0, fmt.Errorf("loop output %q: %v", out, err)
	}
	if v != 0 {
		return 0, fmt.Errorf("libwrap granted; the table's last line should deny")
	}
	return float64(n) / s, nil
}

func engineRate(p *engine.Policy, client netip.Addr, seconds float64) float64 {
	req := engine.Request{Daemon: "sshd", Client: engine.Endpoint{Socket: netip.AddrPortFrom(client, 40000)},
		Server: engine.Endpoint{Socket: netip.MustParseAddrPort("127.0.0.1:22")}}
	start := time.Now()
	n := 0
	for time.Since(start).Seconds() < seconds {
		for i := 0; i < 256; i++ {
			p.Decide(req)
		}
		n += 256
	}
	return float64(n) / time.Since(start).Seconds()
}

// batchRate times `tcpwrap match --batch - --summary` on a request file
// sized to take about the requested time, including start-up and parsing.
func batchRate(tcpwrap, dir, hosts string, client netip.Addr, seconds float64) (float64, error) {
	n := 200000
	f := filepath.Join(dir, "requests")
	w, err := os.Create(f)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(w)
	for i := 0; i < n; i++ {
		fmt.Fprintf(bw, "sshd@127.0.0.1 %s\n", client)
	}
	bw.Flush()
	w.Close()
	start := time.Now()
	out, err := exec.Command(tcpwrap, "match", "-d", dir, "--hosts", hosts, "--batch", f, "--summary").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("tcpwrap match --batch: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), fmt.Sprintf(`"denied":%d`, n)) && !strings.Contains(string(out), fmt.Sprintf(`"denied": %d`, n)) {
		return 0, fmt.Errorf("unexpected summary: %s", out)
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
