// Command bench measures decisions/s of the built tcpwrap proxy-wasm
// network filter (wasm/envoy) in wazero under e2e/envoy's test host, on a
// 100-line table, beside a pass-through filter (e2e/envoy/passthrough)
// that only reads the same properties. Run from the module root:
//
//	go run ./e2e/envoy/bench [-n 200000]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/tcpwrap/tcpwrap/e2e/envoy"
)

func main() {
	n := flag.Int("n", 200_000, "connections per run")
	flag.Parse()
	dir, err := os.MkdirTemp("", "tcpwrap-envoy-bench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// 99 allow rules that match none of the clients but one, then a deny.
	var allow strings.Builder
	for i := 1; i <= 99; i++ {
		fmt.Fprintf(&allow, "envoy sshd-%d: 10.%d.0.0/255.255.0.0 .example-%d.org\n", i, i, i)
	}
	conf, _ := json.Marshal(map[string]any{"allow": allow.String(), "deny": "ALL: ALL\n"})
	srcs := []string{"10.1.2.3:40000", "10.50.1.1:40001", "203.0.113.9:40002", "192.0.2.1:40003"}

	for _, c := range []struct{ name, pkg string }{
		{"pass-through filter", "./e2e/envoy/passthrough"},
		{"tcpwrap filter (100-line table)", "./wasm/envoy"},
	} {
		wasm, err := envoy.Build(c.pkg, dir)
		if err != nil {
			log.Fatal(err)
		}
		v, err := envoy.New(wasm)
		if err != nil {
			log.Fatal(err)
		}
		v.KeepLog = false
		if ok, err := v.Configure(conf); err != nil || !ok {
			log.Fatalf("%s: configure: %v %v", c.name, ok, err)
		}
		for i := 0; i < 10_000; i++ { // warm-up
			v.Connect(srcs[i%len(srcs)], "10.255.0.1:22")
		}
		start := time.Now()
		for i := 0; i < *n; i++ {
			if _, _, err := v.Connect(srcs[i%len(srcs)], "10.255.0.1:22"); err != nil {
				log.Fatal(err)
			}
		}
		el := time.Since(start)
		fmt.Printf("%-34s %8.0f connections/s (%d in %v, module %d bytes, linear memory %d bytes)\n",
			c.name, float64(*n)/el.Seconds(), *n, el.Round(time.Millisecond), len(wasm), v.MemoryBytes())
		v.Close()
	}
}
