package engine

import (
	"fmt"
	"net/netip"
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
