// Package hostcall reads proxy-wasm properties without allocating: the
// SDK's GetProperty serialises the path anew on every call and its result
// slots escape to the heap, which with the host's copy of the value makes
// over three small allocations a read, about 200 ns each in a Go wasm
// module (measured in the filter: 6.5 a connection for its two reads,
// against 2 here). Here the path is serialised once ([NewPath]) and the
// result slots are static, so the host's copy is the only allocation. Natively (under proxytest) Property goes through the
// SDK.
//
// It is shared by the tcpwrap filter (wasm/envoy) and bench-envoy's lean
// pass-through (e2e/envoy/passthroughlean), so that the two read alike.
package hostcall

import "strings"

// A Path is a property's path, with the same serialised as proxy-wasm
// passes it (its elements joined by NUL bytes).
type Path struct {
	elems []string
	raw   []byte
}

// NewPath makes the path of elems, such as "source", "address".
func NewPath(elems ...string) Path {
	return Path{elems, []byte(strings.Join(elems, "\x00"))}
}

// Elems are the path's elements, as the SDK takes them.
func (p Path) Elems() []string { return p.elems }
