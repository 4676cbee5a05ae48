package filter

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// benchConfig is e2e/envoy/bench's 100-line table.
func benchConfig() []byte {
	var allow strings.Builder
	for i := 1; i <= 99; i++ {
		fmt.Fprintf(&allow, "envoy sshd-%d: 10.%d.0.0/255.255.0.0 .example-%d.org\n", i, i, i)
	}
	conf, _ := json.Marshal(map[string]any{"allow": allow.String(), "deny": "ALL: ALL\n"})
	return conf
}

func BenchmarkDecide(b *testing.B) {
	f, err := New(benchConfig())
	if err != nil {
		b.Fatal(err)
	}
	srcs := []netip.AddrPort{netip.MustParseAddrPort("10.1.2.3:40000"), netip.MustParseAddrPort("10.50.1.1:40001"),
		netip.MustParseAddrPort("203.0.113.9:40002"), netip.MustParseAddrPort("192.0.2.1:40003")}
	srv := netip.MustParseAddrPort("10.255.0.1:22")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f.Decide(srcs[i%len(srcs)], srv)
	}
}

// BenchmarkParseAddr compares the filter's address reader with netip's on
// the form Envoy gives (run it under wasm too: GOOS=wasip1 with wazero).
func BenchmarkParseAddr(b *testing.B) {
	const s = "203.0.113.9:40002"
	b.Run("ParseAddr", func(b *testing.B) {
		for b.Loop() {
			if _, err := ParseAddr(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("netip", func(b *testing.B) {
		for b.Loop() {
			if _, err := netip.ParseAddrPort(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
