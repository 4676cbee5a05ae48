package wasmtest

import (
	"context"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/wasm/host"
)

// fakeReactor is a hand-assembled module with every export of the ABI,
// each a function returning version as an i32: what a reactor of another
// ABI version looks like to host.Load.
func fakeReactor(version byte) []byte {
	b := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}
	b = append(b, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f) // type 0: () -> i32
	b = append(b, 0x03, 0x02, 0x01, 0x00)                   // function 0 has type 0
	names := []string{"abi_version", "alloc", "free", "compile", "evaluate", "release", "decide"}
	var exp []byte
	exp = append(exp, byte(len(names)))
	for _, n := range names {
		exp = append(exp, byte(len(n)))
		exp = append(exp, n...)
		exp = append(exp, 0x00, 0x00) // a function, index 0
	}
	b = append(b, 0x07, byte(len(exp)))
	b = append(b, exp...)
	b = append(b, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, version, 0x0b) // i32.const version; end
	return b
}

// TestLoadUnknownABI: host.Load refuses a module of another ABI version,
// one without memory, and bytes that are not a module.
func TestLoadUnknownABI(t *testing.T) {
	ctx := context.Background()
	_, err := host.Load(ctx, fakeReactor(2), "")
	if err == nil || !strings.Contains(err.Error(), "ABI version 2") {
		t.Errorf("ABI version 2: got %v", err)
	}
	// Version 1, but no memory: not a reactor either.
	if _, err := host.Load(ctx, fakeReactor(1), ""); err == nil || !strings.Contains(err.Error(), "no memory") {
		t.Errorf("no memory: got %v", err)
	}
	if _, err := host.Load(ctx, []byte("not wasm"), ""); err == nil {
		t.Error("garbage loaded")
	}
}
