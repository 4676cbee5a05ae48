// Command bench measures decisions/s of the built tcpwrap proxy-wasm
// filter (wasm/envoy) on a 100-line table, beside pass-through filters
// that only read the same properties:
//
//   - the network filter, connections/s, in wazero under e2e/envoy's test
//     host, beside e2e/envoy/passthrough;
//   - the HTTP filter, requests/s, in wazero under the SDK's proxytest
//     (its .wasm runner), beside e2e/envoy/passthroughhttp.
//
// Each figure is the best of -runs runs of -n, by wall-clock time and by
// the CPU time of the (locked) thread running the module, which other jobs
// on a shared machine disturb less. Run from the module root:
//
//	go run ./e2e/envoy/bench [-n 100000] [-runs 3]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/tcpwrap/tcpwrap/e2e/envoy"
)

var (
	n    = flag.Int("n", 100_000, "connections or requests per run")
	runs = flag.Int("runs", 3, "runs per filter (the best is printed)")
)

// Two client workloads: four clients over and over (each decision after
// the first comes from the filter's decision cache), and n distinct
// clients (none repeats within a run, so the engine decides every
// connection). The distinct ones spread over the table: 10.K.x.y is
// granted by line K for K <= 99, others fall through to hosts.deny.
var (
	repeat   = []string{"10.1.2.3:40000", "10.50.1.1:40001", "203.0.113.9:40002", "192.0.2.1:40003"}
	distinct = func() []string {
		out := make([]string, *n)
		for i := range out {
			out[i] = fmt.Sprintf("10.%d.%d.%d:%d", i%128, i>>7&255, i>>15&255, 40000+i%1000)
		}
		return out
	}
)

func main() {
	flag.Parse()
	runtime.LockOSThread()
	dir, err := os.MkdirTemp("", "tcpwrap-envoy-bench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// 99 allow rules that match none of the clients but two, then a deny.
	var allow strings.Builder
	for i := 1; i <= 99; i++ {
		fmt.Fprintf(&allow, "envoy sshd-%d: 10.%d.0.0/255.255.0.0 .example-%d.org\n", i, i, i)
	}
	table := map[string]any{"allow": allow.String(), "deny": "ALL: ALL\n"}
	conf, _ := json.Marshal(table)
	table["filter"] = "http"
	httpConf, _ := json.Marshal(table)

	build := func(pkg string) []byte {
		wasm, err := envoy.Build(pkg, dir)
		if err != nil {
			log.Fatal(err)
		}
		return wasm
	}
	clients := distinct()
	pass, tcpwrap := build("./e2e/envoy/passthrough"), build("./wasm/envoy")
	for _, w := range []struct {
		name string
		srcs []string
	}{{"4 repeating clients", repeat}, {fmt.Sprint(*n, " distinct clients"), clients}} {
		fmt.Printf("network filter, %s:\n", w.name)
		var base rates
		for _, c := range []struct {
			name string
			wasm []byte
		}{{"pass-through", pass}, {"tcpwrap (100-line table)", tcpwrap}} {
			r, mem := network(c.wasm, conf, w.srcs)
			fmt.Printf("  %-26s %s connections/s (module %d bytes, linear memory %d bytes)\n", c.name, r.format(&base), len(c.wasm), mem)
		}
	}
	passHTTP := build("./e2e/envoy/passthroughhttp")
	log.SetOutput(io.Discard) // proxytest prints every plugin log line
	for _, w := range []struct {
		name string
		srcs []string
	}{{"4 repeating clients", repeat}, {fmt.Sprint(*n, " distinct clients"), clients}} {
		fmt.Printf("HTTP filter under proxytest, %s:\n", w.name)
		var base rates
		for _, c := range []struct {
			name string
			wasm []byte
		}{{"pass-through", passHTTP}, {"tcpwrap (100-line table)", tcpwrap}} {
			r := httpRate(c.wasm, httpConf, w.srcs)
			fmt.Printf("  %-26s %s requests/s\n", c.name, r.format(&base))
		}
	}
}

// rates are the best rates of a filter by wall-clock and by thread CPU
// time.
type rates struct{ wall, cpu float64 }

// format prints r, and r as a share of base (which it sets when unset).
func (r rates) format(base *rates) string {
	if base.wall == 0 {
		*base = r
		return fmt.Sprintf("%8.0f wall %8.0f cpu       ", r.wall, r.cpu)
	}
	return fmt.Sprintf("%8.0f wall %8.0f cpu (%3.0f%%)", r.wall, r.cpu, 100*r.cpu/base.cpu)
}

func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// best runs f -runs times and keeps the best rates.
func best(f func()) rates {
	var r rates
	for i := 0; i < *runs; i++ {
		start, cpu := time.Now(), threadCPU()
		f()
		wall, c := time.Since(start), threadCPU()-cpu
		r.wall = max(r.wall, float64(*n)/wall.Seconds())
		r.cpu = max(r.cpu, float64(*n)/c.Seconds())
	}
	return r
}

func network(wasm, conf []byte, srcs []string) (rates, uint32) {
	v, err := envoy.New(wasm)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	v.KeepLog = false
	if ok, err := v.Configure(conf); err != nil || !ok {
		log.Fatalf("configure: %v %v", ok, err)
	}
	for i := 0; i < 10_000; i++ { // warm-up
		v.Connect(srcs[i%len(srcs)], "10.255.0.1:22")
	}
	rate := best(func() {
		for i := 0; i < *n; i++ {
			if _, _, err := v.Connect(srcs[i%len(srcs)], "10.255.0.1:22"); err != nil {
				log.Fatal(err)
			}
		}
	})
	return rate, v.MemoryBytes()
}

func httpRate(wasm, conf []byte, srcs []string) rates {
	vm, err := proxytest.NewWasmVMContext(wasm)
	if err != nil {
		log.Fatal(err)
	}
	defer vm.Close()
	opt := proxytest.NewEmulatorOption().WithVMContext(vm).WithPluginConfiguration(conf).
		WithProperty([]string{"destination", "address"}, []byte("10.255.0.1:443"))
	host, reset := proxytest.NewHostEmulator(opt)
	defer reset()
	if host.StartVM() != types.OnVMStartStatusOK || host.StartPlugin() != types.OnPluginStartStatusOK {
		log.Fatal("HTTP filter did not start")
	}
	headers := [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "example.org"}}
	srcb := make([][]byte, len(srcs))
	for i, s := range srcs {
		srcb[i] = []byte(s)
	}
	one := func(i int) {
		_ = host.SetProperty([]string{"source", "address"}, srcb[i%len(srcb)])
		id := host.InitializeHttpContext()
		host.CallOnRequestHeaders(id, headers, true)
		host.CompleteHttpContext(id)
	}
	for i := 0; i < 10_000; i++ {
		one(i)
	}
	return best(func() {
		for i := 0; i < *n; i++ {
			one(i)
		}
	})
}
