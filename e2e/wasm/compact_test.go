package wasmtest

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// table100 is a 100-line policy: 50 allow rules, 50 deny rules, with
// address, network and EXCEPT patterns, and a final deny-all.
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

// TestDecideAgrees compares the compact path inside the reactor with
// wire's Decide run natively, and with the full evaluation's verdict.
func TestDecideAgrees(t *testing.T) {
	allow, deny := table100()
	policy := wire.Policy{Allow: &allow, Deny: &deny}
	native, err := wire.Compile(policy)
	if err != nil {
		t.Fatal(err)
	}
	m := loadReactor(t, "")
	ctx := context.Background()
	h, err := m.Compile(ctx, mustJSON(t, policy))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, daemon := range []string{"svc0", "svc7", "svc49", "other3", "sshd", "/usr/sbin/svc1"} {
		for _, a := range []string{"10.0.0.1", "10.7.9.9", "10.7.1.1", "192.168.3.1", "192.168.3.2", "10.49.0.0", "8.8.8.8", "10.1.2.3"} {
			addr := netip.MustParseAddr(a)
			got, err := m.Decide(ctx, h, daemon, addr, 1234)
			if err != nil {
				t.Fatal(err)
			}
			want := native.Decide(daemon, netip.AddrPortFrom(addr, 1234))
			if got != want {
				t.Errorf("decide %s %s: module %#x, native %#x", daemon, a, got, want)
			}
			full := native.Engine().Evaluate(reqFor(daemon, addr))
			if wire.Code(native.Engine(), full) != want {
				t.Errorf("decide %s %s: compact %#x, full evaluation %#x", daemon, a, want, wire.Code(native.Engine(), full))
			}
			n++
		}
	}
	t.Logf("%d compact decisions agree with native Decide and Evaluate", n)
}

// TestMemoryStable makes 1,000,000 decisions through the compact path
// under wazero and prints the module's memory after 1,000, 100,000 and
// 1,000,000 of them. Memory after 1,000,000 must equal memory after
// 100,000: no decision leaks. (It is not yet what it was after 1,000:
// each decision leaves about 140 bytes of garbage inside the engine, and
// Go's collector first runs after about 4 MiB of it, so the heap grows
// once, during the first ~30,000 decisions, to its steady size.)
func TestMemoryStable(t *testing.T) {
	if testing.Short() {
		t.Skip("long: 1,000,000 decisions")
	}
	allow, deny := table100()
	m := loadReactor(t, "")
	ctx := context.Background()
	h, err := m.Compile(ctx, mustJSON(t, wire.Policy{Allow: &allow, Deny: &deny}))
	if err != nil {
		t.Fatal(err)
	}
	daemons := []string{"svc1", "svc20", "other5", "sshd"}
	decide := func(from, to int) {
		for i := from; i < to; i++ {
			a := netip.AddrFrom4([4]byte{10, byte(i % 60), byte(i >> 8), byte(i)})
			if _, err := m.Decide(ctx, h, daemons[(i>>10)%len(daemons)], a, uint16(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	start := m.MemoryPages()
	decide(0, 1000)
	after1k := m.MemoryPages()
	decide(1000, 100000)
	after100k := m.MemoryPages()
	t0 := time.Now()
	decide(100000, 1000000)
	el := time.Since(t0)
	after1m := m.MemoryPages()
	t.Logf("wazero memory pages (64 KiB): at start %d, after 1,000 decisions %d, after 100,000 %d, after 1,000,000 %d (%.1f MiB); %.0f decisions/s",
		start, after1k, after100k, after1m, float64(after1m)/16, 900000/el.Seconds())
	if after1m != after1k || after100k != after1k {
		t.Errorf("memory changed from %d pages after 1,000 decisions to %d after 100,000 and %d after 1,000,000", after1k, after100k, after1m)
	}
}

// TestMemoryStableNodeWASI is TestMemoryStable under node:wasi.
func TestMemoryStableNodeWASI(t *testing.T) {
	if testing.Short() {
		t.Skip("long: 1,000,000 decisions")
	}
	allow, deny := table100()
	steps := []step{
		{Op: "compile", Data: mustJSON(t, wire.Policy{Allow: &allow, Deny: &deny})},
		{Op: "decide", Daemon: "svc1", Addr: 0x0A010203, Port: 22, Times: 1000},
		{Op: "pages"},
		{Op: "decide", Daemon: "svc1", Addr: 0x0A010203, Port: 22, Times: 99000},
		{Op: "pages"},
		{Op: "decide", Daemon: "svc1", Addr: 0x0A010203, Port: 22, Times: 900000},
		{Op: "pages"},
	}
	got := runNode(t, "wasidriver.mjs", modules.reactor, steps)
	t.Logf("node:wasi memory pages: after 1,000 decisions %s, after 100,000 %s, after 1,000,000 %s", got[2], got[4], got[6])
	if got[2] != got[6] || got[4] != got[6] {
		t.Errorf("memory changed from %s pages after 1,000 decisions to %s after 100,000 and %s after 1,000,000", got[2], got[4], got[6])
	}
	if want := fmt.Sprint(mustCode(t, allow, deny)); got[5] != want {
		t.Errorf("decide: got %s, want %s", got[5], want)
	}
}

func mustCode(t *testing.T, allow, deny string) uint32 {
	c, err := wire.Compile(wire.Policy{Allow: &allow, Deny: &deny})
	if err != nil {
		t.Fatal(err)
	}
	return c.Decide("svc1", netip.MustParseAddrPort("10.1.2.3:22"))
}

func reqFor(daemon string, addr netip.Addr) engine.Request {
	r := engine.Request{Daemon: daemon}
	r.Client.Socket = netip.AddrPortFrom(addr, 1234)
	return r
}

// TestHostConcurrent shares one host.Module between goroutines: its
// mutex serialises the calls, and every answer is still native's.
func TestHostConcurrent(t *testing.T) {
	allow, deny := table100()
	policy := wire.Policy{Allow: &allow, Deny: &deny}
	native, err := wire.Compile(policy)
	if err != nil {
		t.Fatal(err)
	}
	m := loadReactor(t, "")
	ctx := context.Background()
	h, err := m.Compile(ctx, mustJSON(t, policy))
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		i    int
		code uint32
	}
	const workers, per = 4, 2000
	results := make(chan []answer, workers)
	for w := range workers {
		go func() {
			var got []answer
			for i := w * per; i < (w+1)*per; i++ {
				a := netip.AddrFrom4([4]byte{10, byte(i % 60), byte(i >> 8), byte(i)})
				code, err := m.Decide(ctx, h, fmt.Sprintf("svc%d", i%55), a, 1234)
				if err != nil {
					t.Error(err)
				}
				got = append(got, answer{i, code})
				if i%500 == 0 {
					out, err := m.Evaluate(ctx, h, []byte(`{"requests":[{"daemon":"svc1","client":"10.1.0.1"}],"noTrace":true}`))
					if err != nil || !strings.Contains(string(out), `"access":"granted"`) {
						t.Errorf("evaluate: %v %.200s", err, out)
					}
				}
			}
			results <- got
		}()
	}
	for range workers {
		for _, a := range <-results {
			addr := netip.AddrFrom4([4]byte{10, byte(a.i % 60), byte(a.i >> 8), byte(a.i)})
			if want := native.Decide(fmt.Sprintf("svc%d", a.i%55), netip.AddrPortFrom(addr, 1234)); a.code != want {
				t.Errorf("decision %d: %#x, want %#x", a.i, a.code, want)
			}
		}
	}
}

// TestEvaluateMemoryStable makes 12,000 JSON evaluations with full traces
// (about 54 KB of JSON each) under wazero: after the first 3,000, memory
// may grow by at most maxSettle pages. It guards the reactor's yield:
// without it, the Go collector stalled after about 1,200 calls and the
// module grew by about 3 pages a call (27,000 pages over the 9,000 calls
// measured here) until it ran out of memory. The heap settles at its
// working size in steps of a few pages, where the collector's pacing
// puts them, which moves as the engine changes: measured, 144 pages from
// 3,000 calls on in earlier builds, then 140 at 3,000 and 144 from
// 6,000 to 12,000, then 141 throughout; since wire's requests carry
// hosts_ctl's strings, 133 up to 6,000 calls and 144 from 9,000 on (flat
// to 48,000: one step of 11 pages). So the test allows a step or two,
// not a trend: 12 pages, where the stalled collector grew 27,000.
func TestEvaluateMemoryStable(t *testing.T) {
	allow, deny := table100()
	m := loadReactor(t, "")
	ctx := context.Background()
	h, err := m.Compile(ctx, mustJSON(t, wire.Policy{Allow: &allow, Deny: &deny}))
	if err != nil {
		t.Fatal(err)
	}
	evaluate := func(from, to int) {
		for i := from; i < to; i++ {
			body := fmt.Sprintf(`{"requests":[{"daemon":"svc1","client":"10.%d.%d.%d"}]}`, i%60, byte(i>>8), byte(i))
			out, err := m.Evaluate(ctx, h, []byte(body))
			if err != nil || !strings.HasPrefix(string(out), `{"results":[{"predictions"`) {
				t.Fatalf("call %d: %v %.200s", i, err, out)
			}
		}
	}
	const maxSettle = 12 // 768 KiB
	evaluate(0, 3000)
	p3k := m.MemoryPages()
	pages := []uint32{p3k}
	for n := 6000; n <= 12000; n += 3000 {
		evaluate(n-3000, n)
		pages = append(pages, m.MemoryPages())
	}
	t.Logf("wazero memory pages after 3,000, 6,000, 9,000 and 12,000 JSON evaluations: %v", pages)
	if last := pages[len(pages)-1]; last > p3k+maxSettle {
		t.Errorf("memory grew from %d to %d pages over 9,000 calls (at most %d allowed)", p3k, last, maxSettle)
	}
}
