// Command wasip1 is tcpwrap as a WASI reactor (GOOS=wasip1 GOARCH=wasm,
// -buildmode=c-shared): a module without a main loop whose exports a host
// calls, from any language with a WebAssembly runtime (wazero, Node's
// node:wasi, wasmtime).
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o tcpwrap-wasip1.wasm ./wasm/wasip1
//
// # ABI, version 1
//
// The host instantiates the module with the wasi_snapshot_preview1
// imports and calls the export _initialize once, before anything else.
// All integers are unsigned; a "reply" is an i64 packing a buffer as
// ptr<<32 | len: a JSON object the host reads from the exported memory
// and then gives back with free(ptr). A reply of 0 means the module could
// not even allocate one.
//
//	abi_version() u32                     1
//	alloc(size u32) u32                   a buffer of size bytes (at most MaxAlloc); 0 on failure
//	free(ptr u32)                         gives a buffer back; unknown pointers are ignored
//	compile(ptr, len u32) u64             reply {"handle": N} or {"error": "..."}
//	evaluate(handle, ptr, len u32) u64    reply wire.Output: {"results": [...]} or {"error": "..."}
//	release(handle u32)                   forgets a compiled policy; unknown handles are ignored
//	decide(handle, addr, port, ptr, len u32) u32   compact decision, see below
//
// compile reads a JSON wire.Policy (wire.Input; its requests, if any, are
// ignored); evaluate reads {"requests": [...]} as in wire.Input and
// answers with full predictions. Every (ptr, len) argument must lie in
// one buffer returned by alloc and not yet freed: ptr its start, len at
// most its size. Anything else is answered with an error reply, never a
// trap, and so is every Go panic: the instance keeps answering.
//
// decide is the hot path: a connection from the IPv4 address addr (as a
// number: 10.0.0.1 is 0x0A000001) and client port port (at most 65535)
// to the daemon whose name is the (ptr, len) buffer, decided without a
// trace. It returns wire's compact code:
//
//	bits 0-1  access: 0 granted, 1 denied, 2 delegated
//	bit  2    the deciding table: 0 hosts.allow, 1 hosts.deny (with a line)
//	bit  3    libwrap would not have decided at all (a table error: denied)
//	bits 8-31 the deciding rule's line number, 0 when no rule decided
//
// or 0xFFFFFFFF for an invalid call (unknown handle, bad buffer, port out
// of range, internal error). The host may keep one daemon buffer and
// rewrite it between calls.
//
// The module is not reentrant: a host must not call it from two threads
// at once.
package main

import (
	"errors"
	"net/netip"
	"runtime"
	"strconv"
	"unsafe"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// ABIVersion is what abi_version returns.
const ABIVersion = 1

// MaxAlloc is the largest buffer alloc gives: room for an input a little
// over wire.MaxInputSize, so that the module itself reports it.
const MaxAlloc = 16 << 20

// MaxHandles is how many compiled policies may be alive at once.
const MaxHandles = 1024

var (
	// buffers holds every buffer given to the host, by address, so that
	// the garbage collector keeps it until free.
	buffers = map[uint32][]byte{}
	// policies are the compiled policies, by handle.
	policies   = map[uint32]*compiled{}
	nextHandle uint32
)

type compiled struct {
	c *wire.Compiled
	// daemon is the last daemon name decide saw, to avoid converting the
	// same bytes again.
	daemon string
}

func main() {}

//go:wasmexport abi_version
func abiVersion() uint32 { return ABIVersion }

//go:wasmexport alloc
func alloc(size uint32) (ptr uint32) {
	defer func() {
		if recover() != nil {
			ptr = 0
		}
	}()
	if size > MaxAlloc {
		return 0
	}
	return keep(make([]byte, size))
}

// keep registers b as a buffer of the host's and returns its address.
func keep(b []byte) uint32 {
	if cap(b) == 0 {
		b = make([]byte, 0, 1) // every buffer needs an address of its own
	}
	ptr := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	buffers[ptr] = b
	return ptr
}

//go:wasmexport free
func free(ptr uint32) {
	delete(buffers, ptr)
}

// input returns the bytes of the host's (ptr, n) argument.
func input(ptr, n uint32) ([]byte, error) {
	b, ok := buffers[ptr]
	switch {
	case !ok:
		return nil, errors.New("pointer " + hex(ptr) + " is not a buffer from alloc")
	case uint64(n) > uint64(len(b)):
		return nil, errors.New("length " + strconv.FormatUint(uint64(n), 10) + " is beyond the buffer at " + hex(ptr) +
			" (" + strconv.Itoa(len(b)) + " bytes)")
	}
	return b[:n], nil
}

// hex is fmt's %#x.
func hex(n uint32) string { return "0x" + strconv.FormatUint(uint64(n), 16) }

// reply hands data to the host as a packed buffer.
func reply(data []byte) uint64 {
	ptr := keep(data)
	return uint64(ptr)<<32 | uint64(len(data))
}

func errorReply(msg string) uint64 { return reply(wire.ErrorJSON(msg)) }

// guard turns a panic into an error reply.
func guard(out *uint64) {
	if v := recover(); v != nil {
		*out = errorReply(panicText(v))
	}
}

//go:wasmexport compile
func compile(ptr, n uint32) (out uint64) {
	defer guard(&out)
	data, err := input(ptr, n)
	if err != nil {
		return errorReply(err.Error())
	}
	if len(policies) >= MaxHandles {
		return errorReply(strconv.Itoa(MaxHandles) + " policies are alive: release one first")
	}
	c, err := wire.CompileJSON(data)
	if err != nil {
		return errorReply(err.Error())
	}
	for {
		nextHandle++
		if _, used := policies[nextHandle]; nextHandle != 0 && !used {
			break
		}
	}
	policies[nextHandle] = &compiled{c: c}
	defer yield()
	return reply([]byte(`{"handle":` + strconv.FormatUint(uint64(nextHandle), 10) + "}"))
}

//go:wasmexport evaluate
func evaluate(handle, ptr, n uint32) (out uint64) {
	defer guard(&out)
	p, ok := policies[handle]
	if !ok {
		return errorReply("unknown handle " + strconv.FormatUint(uint64(handle), 10))
	}
	data, err := input(ptr, n)
	if err != nil {
		return errorReply(err.Error())
	}
	out = reply(p.c.EvaluateJSON(data))
	yield()
	return out
}

// check(ptr, len u32) u64: a JSON policy in (as compile takes it), a JSON
// wire.CheckOutput out: the tables' diagnostics. Added in ABI version 1
// after the first exports; it needs no handle.
//
//go:wasmexport check
func check(ptr, n uint32) (out uint64) {
	defer guard(&out)
	data, err := input(ptr, n)
	if err != nil {
		return errorReply(err.Error())
	}
	out = reply(wire.CheckJSON(data))
	yield()
	return out
}

// format(ptr, len u32) u64: a JSON policy in, a JSON wire.FormatOutput
// out: the tables in the canonical layout.
//
//go:wasmexport format
func format(ptr, n uint32) (out uint64) {
	defer guard(&out)
	data, err := input(ptr, n)
	if err != nil {
		return errorReply(err.Error())
	}
	out = reply(wire.FormatJSON(data))
	yield()
	return out
}

// diff(ptr, len u32) u64: a JSON policy with "old" tables in, a JSON
// wire.DiffOutput out: the requests the old tables decide otherwise.
//
//go:wasmexport diff
func diff(ptr, n uint32) (out uint64) {
	defer guard(&out)
	data, err := input(ptr, n)
	if err != nil {
		return errorReply(err.Error())
	}
	out = reply(wire.DiffJSON(data))
	yield()
	return out
}

//go:wasmexport release
func release(handle uint32) {
	delete(policies, handle)
}

//go:wasmexport decide
func decide(handle, addr, port, ptr, n uint32) (code uint32) {
	defer func() {
		if recover() != nil {
			code = wire.DecideError
		}
	}()
	p, ok := policies[handle]
	if !ok || port > 0xFFFF {
		return wire.DecideError
	}
	daemon, err := input(ptr, n)
	if err != nil {
		return wire.DecideError
	}
	if string(daemon) != p.daemon {
		p.daemon = string(daemon)
	}
	a := netip.AddrFrom4([4]byte{byte(addr >> 24), byte(addr >> 16), byte(addr >> 8), byte(addr)})
	code = p.c.Decide(p.daemon, netip.AddrPortFrom(a, uint16(port)))
	if decides++; decides%collectEvery == 0 || decides < collectEvery && decides&(decides-1) == 0 && decides >= 64 {
		// Collect explicitly: a decision leaves ~150 bytes of garbage, and
		// left to itself the collector first runs after megabytes of it,
		// growing linear memory (which never shrinks) on the way. The
		// collections at calls 64, 128, ... 1,024 bring the heap to its
		// working size early; then every collectEvery calls keeps it there.
		runtime.GC()
	} else if decides%yieldEvery == 0 {
		yield()
	}
	return code
}

// collectEvery is how often (in decide calls) the reactor collects.
const collectEvery = 2048

// decides counts decide calls, to yield every yieldEvery of them.
var decides uint32

const yieldEvery = 256

// yield lets the runtime's own goroutines run before an export returns.
// A wasmexport call never schedules other goroutines unless it blocks,
// and nothing runs between calls: without this, a garbage collection
// started during one call can wait for its background mark worker
// forever, and the heap then grows without bound (seen under wazero
// after ~1,200 JSON evaluations: the GC count stopped, memory grew by
// ~190 KB a call).
func yield() { runtime.Gosched() }

// panicText is "internal error: " and the panic value as fmt's %v prints
// an error or a string (the module leaves fmt out to stay small).
func panicText(v any) string {
	switch v := v.(type) {
	case error:
		return "internal error: " + v.Error()
	case string:
		return "internal error: " + v
	}
	return "internal error: panic with a value that is not an error or a string"
}
