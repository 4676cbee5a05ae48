// Command bench measures decisions/s of the built tcpwrap proxy-wasm
// filter (wasm/envoy) on a 100-line table, beside four pass-through
// filters that let every stream through: one that does nothing at all;
// two that only read the same properties as tcpwrap, through the SDK as a
// filter written the obvious way does (e2e/envoy/passthrough,
// passthroughhttp) and the way tcpwrap's filter reads them, without
// allocating (e2e/envoy/passthroughlean); and one that reads them so and
// then makes the four host calls with which tcpwrap records a decision
// (passthroughlean, "record"), so that what is left between it and
// tcpwrap is the decision itself. The figures:
//
//   - the network filter, connections/s, in wazero under e2e/envoy's test
//     host, and as the VM of the SDK's proxytest host emulator (through
//     e2e/envoy/proxyvm);
//   - the HTTP filter, requests/s, in wazero under the SDK's proxytest,
//     through its own .wasm runner and through e2e/envoy/proxyvm.
//
// tcpwrap's figure is followed by its share of each pass-through's, in
// the order printed.
//
// Each figure is the best of -runs runs of -n, by wall-clock time and by
// the CPU time of the (locked) thread running the module, which other jobs
// on a shared machine disturb less. Run from the module root:
//
//	go run ./e2e/envoy/bench [-n 100000] [-runs 3] [-deny 20000]
//
// -deny adds a blocklist to hosts.deny: the module's live heap, and so the
// cost of its garbage collections, grows with the tables.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/tcpwrap/tcpwrap/e2e/envoy"
	"github.com/tcpwrap/tcpwrap/e2e/envoy/proxyvm"
)

var (
	n    = flag.Int("n", 100_000, "connections or requests per run")
	runs = flag.Int("runs", 3, "runs per filter (the best is printed)")
	only = flag.String("only", "", "comma-separated setups to run, of network, network-proxytest, HTTP, HTTP-proxyvm (default all)")
	prof = flag.String("cpuprofile", "", "write a CPU profile of the timed runs to this file")
	deny = flag.Int("deny", 0, "hosts.deny lines naming addresses no client has, before its ALL: ALL (a blocklist; the module's live heap grows with it)")
)

// fail reports the bench's own errors: the standard logger is silenced,
// for proxytest prints every plugin log line through it.
var fail = log.New(os.Stderr, "bench: ", 0)

// warm is the number of connections or requests before the timed runs.
const warm = 10_000

// Three client workloads: four clients over and over (each decision after
// the first comes from the filter's cache), distinct clients
// (none repeats, warm-up and runs included: the filter's interval cache
// answers each from an earlier client of the same /16), and the same
// distinct clients with decisionCache 0, so that the engine decides every
// connection. The distinct ones spread over the table: 10.K.x.y is
// granted by line K for K <= 99, others fall through to hosts.deny.
var (
	repeat   = []string{"10.1.2.3:40000", "10.50.1.1:40001", "203.0.113.9:40002", "192.0.2.1:40003"}
	distinct = func() []string {
		out := make([]string, warm+*runs**n)
		for i := range out {
			out[i] = fmt.Sprintf("10.%d.%d.%d:%d", i%128, i>>7&255, i>>15&255, 40000+i%1000)
		}
		return out
	}
)

func main() {
	flag.Parse()
	kinds := []string{"network", "network-proxytest", "HTTP", "HTTP-proxyvm"}
	if *only != "" {
		want := strings.Split(*only, ",")
		for _, k := range want {
			if !slices.Contains(kinds, k) {
				fail.Fatalf("-only: no setup %q (want some of %s)", k, strings.Join(kinds, ","))
			}
		}
		kinds = want
	}
	runtime.LockOSThread()
	// The hosts (e2e/envoy's and proxytest) allocate on every call, and
	// how often their collector runs depends on how much else is live
	// (the distinct workload's clients): figures moved by a third from
	// one block to the next. So the host's collector is off during a
	// timed run and runs between runs; what is measured is the modules'
	// work and the host calls they make.
	debug.SetGCPercent(-1)
	dir, err := os.MkdirTemp("", "tcpwrap-envoy-bench")
	if err != nil {
		fail.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// 99 allow rules that match none of the clients but two, then a deny.
	var allow strings.Builder
	for i := 1; i <= 99; i++ {
		fmt.Fprintf(&allow, "envoy sshd-%d: 10.%d.0.0/255.255.0.0 .example-%d.org\n", i, i, i)
	}
	denyTable := envoy.Blocklist(*deny) + "ALL: ALL\n"
	// config is the plugin configuration for a filter kind, with the
	// decision caches on or off.
	config := func(filter string, cacheOff bool) []byte {
		c := map[string]any{"allow": allow.String(), "deny": denyTable, "filter": filter}
		if cacheOff {
			c["decisionCache"] = 0
		}
		b, _ := json.Marshal(c)
		return b
	}
	// leanConfig is passthroughlean's configuration for a filter kind and
	// what it does on each stream.
	leanConfig := func(filter, mode string) []byte {
		b, _ := json.Marshal(map[string]string{"filter": filter, "passthrough": mode})
		return b
	}

	build := func(pkg string) []byte {
		wasm, err := envoy.Build(pkg, dir)
		if err != nil {
			fail.Fatal(err)
		}
		return wasm
	}
	clients := distinct()
	pass, passHTTP, tcpwrap := build("./e2e/envoy/passthrough"), build("./e2e/envoy/passthroughhttp"), build("./wasm/envoy")
	passLean := build("./e2e/envoy/passthroughlean")
	checkLean(passLean, leanConfig)
	log.SetOutput(io.Discard) // proxytest prints every plugin log line
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			fail.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	label := "tcpwrap (100-line table)"
	if *deny > 0 {
		label = fmt.Sprintf("tcpwrap (%d lines)", 100+*deny)
	}
	for _, kind := range kinds {
		for _, w := range []struct {
			name     string
			srcs     []string
			cacheOff bool
		}{
			{"4 repeating clients", repeat, false},
			{"distinct clients", clients, false},
			{"distinct clients, decisionCache 0", clients, true},
		} {
			// load loads one filter for this setup; filter and sdk are
			// tcpwrap's kind of filter and the SDK pass-through for it.
			var load func(wasm, conf []byte) runner
			filter, sdk, unit := "network", pass, "connections/s"
			switch kind {
			case "network":
				fmt.Printf("network filter in e2e/envoy's host, %s:\n", w.name)
				load = func(wasm, conf []byte) runner { return network(wasm, conf, w.srcs) }
			case "network-proxytest":
				fmt.Printf("network filter under proxytest (e2e/envoy/proxyvm), %s:\n", w.name)
				load = func(wasm, conf []byte) runner { return proxytestNetwork(wasm, conf, w.srcs) }
			case "HTTP":
				fmt.Printf("HTTP filter under proxytest (its wasm runner), %s:\n", w.name)
				load = func(wasm, conf []byte) runner { return httpRunner(wasm, conf, w.srcs, nil) }
			case "HTTP-proxyvm":
				fmt.Printf("HTTP filter under proxytest (e2e/envoy/proxyvm), %s:\n", w.name)
				load = func(wasm, conf []byte) runner { return httpRunner(wasm, conf, w.srcs, proxyVM) }
			}
			if strings.HasPrefix(kind, "HTTP") {
				filter, sdk, unit = "http", passHTTP, "requests/s"
			}
			conf := config(filter, w.cacheOff)
			// The filters, in the order printed: the four baselines, then
			// tcpwrap.
			rs := []runner{load(passLean, leanConfig(filter, "none")), load(sdk, conf),
				load(passLean, leanConfig(filter, "read")), load(passLean, leanConfig(filter, "record")),
				load(tcpwrap, conf)}
			r := compare(rs...)
			for i, name := range []string{"pass-through (no reads)", "pass-through (SDK reads)", "pass-through (lean reads)", "lean reads + 4 host calls"} {
				fmt.Printf("  %-27s %s %s%s\n", name, r[i].format(), unit, rs[i].info())
			}
			fmt.Printf("  %-27s %s %s%s\n", label, r[4].format(r[:4]...), unit, rs[4].info())
		}
	}
}

// checkLean makes sure that each of passthroughlean's ways does what its
// row says, on one connection in e2e/envoy's host: "record" logs one line,
// counts twice and sets filter state, the others do none of that.
func checkLean(wasm []byte, config func(filter, mode string) []byte) {
	for _, mode := range []string{"none", "read", "record"} {
		v, err := envoy.New(wasm)
		if err != nil {
			fail.Fatal(err)
		}
		if ok, err := v.Configure(config("network", mode)); err != nil || !ok {
			fail.Fatalf("passthroughlean %s: configure: %v %v", mode, ok, err)
		}
		before := len(v.Logs)
		if action, closed, err := v.Connect("10.1.2.3:40000", "10.255.0.1:22"); err != nil || action != 0 || closed {
			fail.Fatalf("passthroughlean %s: action %d, closed %v, %v", mode, action, closed, err)
		}
		logs := len(v.Logs) - before
		granted, _ := v.Counter("passthrough.granted")
		rule, _ := v.Counter("passthrough.rule.hosts_allow_3")
		state := string(v.FilterState("wasm.tcpwrap.rule"))
		recorded := logs == 1 && granted == 1 && rule == 1 && state == "hosts.allow:3"
		if quiet := logs == 0 && granted == 0 && rule == 0 && state == ""; mode == "record" && !recorded || mode != "record" && !quiet {
			fail.Fatalf("passthroughlean %s: %d log lines, counters %d and %d, filter state %q", mode, logs, granted, rule, state)
		}
		v.Close()
	}
}

// rates are the best rates of a filter by wall-clock and by thread CPU
// time.
type rates struct{ wall, cpu float64 }

// format prints r, and r's cpu figure as a share of each of bases.
func (r rates) format(bases ...rates) string {
	s := fmt.Sprintf("%8.0f wall %8.0f cpu", r.wall, r.cpu)
	for i, b := range bases {
		sep := " ("
		if i > 0 {
			sep = ", "
		}
		s += fmt.Sprintf("%s%3.0f%%", sep, 100*r.cpu/b.cpu)
	}
	if len(bases) > 0 {
		return s + ")"
	}
	return s + "            "
}

func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		fail.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// A runner is one filter loaded and ready: run(count) drives count
// connections or requests through it; prepare and done (when set) run
// untimed before and after each timed run; info describes it.
type runner struct {
	prepare, done func()
	run           func(count int)
	close         func()
	info          func() string
}

// compare warms the runners, then times them -runs times each, in turn
// so that drift on the machine touches all alike, and keeps each one's
// best rates.
func compare(rs ...runner) []rates {
	out := make([]rates, len(rs))
	for _, x := range rs {
		defer x.close()
		x.prepare()
		x.run(warm)
		x.done()
	}
	for i := 0; i < *runs; i++ {
		for k, x := range rs {
			out[k] = out[k].keep(timed(x))
		}
	}
	return out
}

func timed(x runner) rates {
	x.prepare()
	defer x.done()
	runtime.GC()
	start, cpu := time.Now(), threadCPU()
	x.run(*n)
	wall, c := time.Since(start), threadCPU()-cpu
	return rates{float64(*n) / wall.Seconds(), float64(*n) / c.Seconds()}
}

func (r rates) keep(o rates) rates { return rates{max(r.wall, o.wall), max(r.cpu, o.cpu)} }

func nop() {}

// network loads the network filter in e2e/envoy's host. Clients come from
// srcs in turn, never restarting when srcs is long enough.
func network(wasm, conf []byte, srcs []string) runner {
	v, err := envoy.New(wasm)
	if err != nil {
		fail.Fatal(err)
	}
	v.KeepLog = false
	if ok, err := v.Configure(conf); err != nil || !ok {
		fail.Fatalf("configure: %v %v", ok, err)
	}
	k := 0
	return runner{prepare: nop, done: nop, close: v.Close,
		run: func(count int) {
			for i := 0; i < count; i++ {
				if _, _, err := v.Connect(srcs[k%len(srcs)], "10.255.0.1:22"); err != nil {
					fail.Fatal(err)
				}
				k++
			}
		},
		info: func() string {
			return fmt.Sprintf(" (module %d bytes, linear memory %d bytes)", len(wasm), v.MemoryBytes())
		},
	}
}

// proxytestNetwork loads the network filter as the VM of proxytest's host
// emulator (through e2e/envoy/proxyvm: proxytest's own runner has no
// network contexts).
func proxytestNetwork(wasm, conf []byte, srcs []string) runner {
	vm, err := proxyvm.New(wasm, proxyvm.Network)
	if err != nil {
		fail.Fatal(err)
	}
	return emulated(vm, conf, "10.255.0.1:22", srcs, func(host proxytest.HostEmulator) {
		id, _ := host.InitializeConnection()
		host.CompleteConnection(id)
	})
}

// proxyVM loads an HTTP filter with e2e/envoy/proxyvm.
func proxyVM(wasm []byte) (proxytest.WasmVMContext, error) { return proxyvm.New(wasm, proxyvm.HTTP) }

// httpRunner loads the HTTP filter under proxytest, through load
// (nil: proxytest's own .wasm runner).
func httpRunner(wasm, conf []byte, srcs []string, load func([]byte) (proxytest.WasmVMContext, error)) runner {
	if load == nil {
		load = proxytest.NewWasmVMContext
	}
	vm, err := load(wasm)
	if err != nil {
		fail.Fatal(err)
	}
	headers := [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "example.org"}}
	return emulated(vm, conf, "10.255.0.1:443", srcs, func(host proxytest.HostEmulator) {
		id := host.InitializeHttpContext()
		host.CallOnRequestHeaders(id, headers, true)
		host.CompleteHttpContext(id)
	})
}

// emulated runs vm as the VM of proxytest's host emulator, one stream
// (connection or request) from each of srcs in turn, with a fresh emulator
// for each run: proxytest keeps every log line the plugin writes, which
// would otherwise slow each run more than the last (and it allows one
// emulator at a time, so each run releases its own).
func emulated(vm proxytest.WasmVMContext, conf []byte, dst string, srcs []string, stream func(proxytest.HostEmulator)) runner {
	opt := proxytest.NewEmulatorOption().WithVMContext(vm).WithPluginConfiguration(conf).
		WithProperty([]string{"destination", "address"}, []byte(dst))
	srcb := make([][]byte, len(srcs))
	for i, s := range srcs {
		srcb[i] = []byte(s)
	}
	var host proxytest.HostEmulator
	reset := nop
	k := 0
	return runner{
		prepare: func() {
			host, reset = proxytest.NewHostEmulator(opt)
			if host.StartVM() != types.OnVMStartStatusOK || host.StartPlugin() != types.OnPluginStartStatusOK {
				fail.Fatal("the filter did not start")
			}
		},
		done: func() { reset() },
		run: func(count int) {
			for i := 0; i < count; i++ {
				_ = host.SetProperty([]string{"source", "address"}, srcb[k%len(srcb)])
				stream(host)
				k++
			}
		},
		close: func() { vm.Close() },
		info: func() string {
			if v, ok := vm.(*proxyvm.VM); ok {
				return fmt.Sprintf(" (linear memory %d bytes)", v.MemoryBytes())
			}
			return ""
		},
	}
}
