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

// BenchmarkDecideDistinct: clients never seen before, IPv4 and IPv6 (the
// interval caches answer all but the first of each interval; cache off,
// the engine decides each).
func BenchmarkDecideDistinct(b *testing.B) {
	srv := netip.MustParseAddrPort("10.255.0.1:22")
	for _, c := range []struct {
		name   string
		conf   []byte
		client func(i int) netip.AddrPort
	}{
		{"v4", benchConfig(), func(i int) netip.AddrPort {
			return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i % 128), byte(i >> 7), byte(i >> 15)}), 40000)
		}},
		{"v6", benchConfig6(), func(i int) netip.AddrPort {
			return netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 7: byte(i % 128), 8: byte(i >> 24), 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)}), 40000)
		}},
	} {
		for _, cache := range []string{"on", "off"} {
			conf := c.conf
			if cache == "off" {
				conf = append(conf[:len(conf)-1:len(conf)-1], `,"decisionCache":0}`...)
			}
			f, err := New(conf)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(c.name+"/cache-"+cache, func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					f.Decide(c.client(i), srv)
				}
			})
		}
	}
}

// benchConfig6 is benchConfig over IPv6 networks: line K grants
// 2001:db8:0:K::/64.
func benchConfig6() []byte {
	var allow strings.Builder
	for i := 1; i <= 99; i++ {
		fmt.Fprintf(&allow, "envoy sshd-%d: [2001:db8:0:%x::]/64 .example-%d.org\n", i, i, i)
	}
	conf, _ := json.Marshal(map[string]any{"allow": allow.String(), "deny": "ALL: ALL\n"})
	return conf
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
