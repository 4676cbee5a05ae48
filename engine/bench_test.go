package engine

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// BenchmarkCompile measures parsing and indexing a table.
func BenchmarkCompile(b *testing.B) {
	for _, n := range []int{10, 1000, 100000} {
		for _, kind := range tablegen.Kinds {
			src, _, _ := tablegen.Sized(kind, n)
			b.Run(fmt.Sprintf("%s/%d", kind, n), func(b *testing.B) {
				b.SetBytes(int64(len(src)))
				b.ReportAllocs()
				for b.Loop() {
					Parse("hosts.deny", []byte(src), Debian)
				}
			})
		}
	}
}

// BenchmarkDecide measures one decision against a table whose only
// matching line is the last, through the index (Decide) and through the
// full traced scan (Evaluate).
func BenchmarkDecide(b *testing.B) {
	for _, n := range []int{10, 1000, 100000} {
		for _, kind := range tablegen.Kinds {
			src, hosts, client := tablegen.Sized(kind, n)
			p := &Policy{Deny: Parse("hosts.deny", []byte(src), Debian), Resolver: NewHostsResolver("hosts", []byte(hosts))}
			req := Request{Daemon: "sshd", Client: Endpoint{Socket: netip.AddrPortFrom(client, 40000)}}
			if d := p.Decide(req); d.Access != Denied || d.Matched == nil || d.Matched.Line != n {
				b.Fatalf("%s/%d: got %s %v, want denied by the last line", kind, n, d.Access, d.Matched)
			}
			b.Run(fmt.Sprintf("%s/%d", kind, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					p.Decide(req)
				}
			})
			if n <= 1000 {
				b.Run(fmt.Sprintf("trace/%s/%d", kind, n), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						p.Evaluate(req)
					}
				})
			}
		}
	}
}

// BenchmarkDecideContext is BenchmarkDecide through DecideContext and
// EvaluateContext, with a context that can be canceled and never is.
func BenchmarkDecideContext(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, n := range []int{10, 1000, 100000} {
		for _, kind := range tablegen.Kinds {
			src, hosts, client := tablegen.Sized(kind, n)
			p := &Policy{Deny: Parse("hosts.deny", []byte(src), Debian), Resolver: NewHostsResolver("hosts", []byte(hosts))}
			req := Request{Daemon: "sshd", Client: Endpoint{Socket: netip.AddrPortFrom(client, 40000)}}
			b.Run(fmt.Sprintf("%s/%d", kind, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					p.DecideContext(ctx, req)
				}
			})
			if n <= 1000 {
				b.Run(fmt.Sprintf("trace/%s/%d", kind, n), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						p.EvaluateContext(ctx, req)
					}
				})
			}
		}
	}
}

// BenchmarkDecider measures the fixed cost of a decision and a few short
// walks through a reused, quiet Decider: the path of the Envoy filter,
// whose daemon is fixed and whose clients are IPv4 socket addresses with
// their text preset. Run it under wasm too (make bench-engine-wasm): the
// fixed cost is what wasm magnifies most.
func BenchmarkDecider(b *testing.B) {
	for _, c := range deciderCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.z.Decide(c.req)
			}
		})
	}
}

// BenchmarkDeciderContext is BenchmarkDecider through DecideContext, with
// a context that can be canceled and never is (a server's): the cost of
// looking at it. BenchmarkDecideContext does the same for
// BenchmarkDecide's indexed decisions.
func BenchmarkDeciderContext(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, c := range deciderCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.z.DecideContext(ctx, c.req)
			}
		})
	}
}

type deciderCase struct {
	name string
	z    *Decider
	req  Request
}

// deciderCases are the decisions of BenchmarkDecider, each with its
// quiet Decider.
func deciderCases(b *testing.B) []deciderCase {
	var envoy100, others strings.Builder
	for i := 1; i <= 99; i++ {
		fmt.Fprintf(&envoy100, "envoy sshd-%d: 10.%d.0.0/255.255.0.0 .example-%d.org\n", i, i, i)
		fmt.Fprintf(&others, "sshd-%d: .example-%d.org\n", i, i)
	}
	others.WriteString("envoy: 10.0.0.0/255.0.0.0\n")
	var cases []deciderCase
	for _, c := range []struct {
		name, allow, deny, client string
		line                      int // the deciding line, 0: none
	}{
		{"empty", "", "", "10.1.2.3", 0},
		{"deny-all", "", "ALL: ALL\n", "10.1.2.3", 1},
		{"netmask", "envoy: 10.1.0.0/255.255.0.0\n", "ALL: ALL\n", "10.1.2.3", 1},
		{"suffix", "envoy: .example.org\n", "ALL: ALL\n", "10.1.2.3", 1},
		{"100/first", envoy100.String(), "ALL: ALL\n", "10.1.2.3", 1},
		{"100/50th", envoy100.String(), "ALL: ALL\n", "10.50.1.1", 50},
		{"100/none", envoy100.String(), "ALL: ALL\n", "203.0.113.9", 1},
		// 99 rules for other daemons with host names (no index helps)
		// before the one for this daemon.
		{"100/others", others.String(), "ALL: ALL\n", "10.50.1.1", 100},
	} {
		p := &Policy{Allow: Parse("hosts.allow", []byte(c.allow), Debian), Deny: Parse("hosts.deny", []byte(c.deny), Debian)}
		a := netip.MustParseAddr(c.client)
		req := Request{Daemon: "envoy", Client: Endpoint{Socket: netip.AddrPortFrom(a, 40000), Addr: c.client},
			Server: Endpoint{Socket: netip.MustParseAddrPort("10.255.0.1:22")}}
		z := p.NewDecider()
		z.Quiet = true
		if d := z.Decide(req); c.line == 0 && d.Matched != nil || c.line != 0 && (d.Matched == nil || d.Matched.Line != c.line) {
			b.Fatalf("%s: matched %v, want line %d", c.name, d.Matched, c.line)
		}
		cases = append(cases, deciderCase{c.name, z, req})
	}
	return cases
}

// BenchmarkReach measures the analysis of rules no request reaches on
// blocklists. The "analysed" metric is 1 when Reach ran to the end and 0
// when it gave up over its limits.
func BenchmarkReach(b *testing.B) {
	for _, n := range []int{1000, 10_000, 50_000} {
		for _, kind := range tablegen.Kinds {
			src, _, _ := tablegen.Sized(kind, n)
			p := &Policy{Deny: Parse("hosts.deny", []byte(src), Debian)}
			b.Run(fmt.Sprintf("%s/%d", kind, n), func(b *testing.B) {
				b.ReportAllocs()
				ok := false
				for b.Loop() {
					_, ok = Reach(p)
				}
				analysed := 0.0
				if ok {
					analysed = 1
				}
				b.ReportMetric(analysed, "analysed")
			})
		}
	}
}

// BenchmarkDiff measures comparing a blocklist with itself plus one line
// in front (an address for the address kinds, a domain for the others):
// "compared" is 1 where Diff answered within MaxDiffWork. The mixed kind
// is a product of its addresses and its domains.
func BenchmarkDiff(b *testing.B) {
	for _, n := range []int{1000, 10_000, 50_000} {
		for _, kind := range tablegen.Kinds {
			src, _, _ := tablegen.Sized(kind, n)
			added := "sshd: 192.0.2.9\n"
			if kind == tablegen.KindDomain {
				added = "sshd: .added.example\n"
			}
			old := &Policy{Deny: Parse("hosts.deny", []byte(src), Debian)}
			new := &Policy{Deny: Parse("hosts.deny", []byte(added+src), Debian)}
			b.Run(fmt.Sprintf("%s/%d", kind, n), func(b *testing.B) {
				b.ReportAllocs()
				var err error
				for b.Loop() {
					_, err = Diff(old, new)
				}
				compared := 0.0
				if err == nil {
					compared = 1
				}
				b.ReportMetric(compared, "compared")
			})
		}
	}
}

// BenchmarkReachFile measures the same analysis on blocklists kept in a
// pattern file that two rules name (the analysis reads it for the
// representatives and for the client side's patterns).
func BenchmarkReachFile(b *testing.B) {
	for _, n := range []int{1000, 10_000, 50_000} {
		for _, kind := range tablegen.Kinds {
			src, _, _ := tablegen.Sized(kind, n)
			var words strings.Builder
			for _, line := range strings.Split(strings.TrimSpace(src), "\n") {
				words.WriteString(strings.TrimPrefix(line, "sshd: ") + "\n")
			}
			p := &Policy{Deny: Parse("hosts.deny", []byte("sshd: /deny.list\nin.ftpd: /deny.list\n"), Debian),
				Files: MapFiles{"/deny.list": words.String()}}
			b.Run(fmt.Sprintf("%s/%d", kind, n), func(b *testing.B) {
				b.ReportAllocs()
				ok := false
				for b.Loop() {
					_, ok = Reach(p)
				}
				analysed := 0.0
				if ok {
					analysed = 1
				}
				b.ReportMetric(analysed, "analysed")
			})
		}
	}
}

// BenchmarkReachContext is BenchmarkReach through ReachContext, with a
// context that can be canceled and never is (Check's on a server).
func BenchmarkReachContext(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, n := range []int{1000, 10_000, 50_000} {
		for _, kind := range tablegen.Kinds {
			src, _, _ := tablegen.Sized(kind, n)
			p := &Policy{Deny: Parse("hosts.deny", []byte(src), Debian)}
			b.Run(fmt.Sprintf("%s/%d", kind, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := ReachContext(ctx, p); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkTableMemory measures what a table costs in memory, per line:
// "held-B/line" is the heap a parsed table keeps (after a collection),
// "checkheld-B/line" what the table and Check's diagnostics keep, and
// B/op Check's allocations. The shortest rules ("a:b") are the most
// lines a 16 MiB table can have (4,194,304); the blocklists are tablegen's.
func BenchmarkTableMemory(b *testing.B) {
	const n = 100_000
	srcs := []struct{ name, src string }{{"shortest", strings.Repeat("a:b\n", n)}}
	for _, kind := range tablegen.Kinds {
		src, _, _ := tablegen.Sized(kind, n)
		srcs = append(srcs, struct{ name, src string }{kind, src})
	}
	for _, s := range srcs {
		b.Run(s.name, func(b *testing.B) {
			var t *Table
			held := heldBy(func() { t = Parse("hosts.allow", []byte(s.src), Debian) })
			if len(t.Lines) != n {
				b.Fatalf("%d lines, want %d", len(t.Lines), n)
			}
			var d Diagnostics
			checkHeld := heldBy(func() { d = Check(t, nil, CheckOptions{}) })
			b.ReportAllocs()
			for b.Loop() {
				Check(t, nil, CheckOptions{})
			}
			// After the loop: its start deletes the metrics reported before.
			b.ReportMetric(float64(held)/n, "held-B/line")
			b.ReportMetric(float64(held+checkHeld)/n, "checkheld-B/line")
			b.ReportMetric(float64(len(d))/n, "diags/line")
		})
	}
}

// heldBy returns the heap that f leaves in use after a collection.
func heldBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}
