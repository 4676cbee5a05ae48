package hostcall

import (
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func TestNewPath(t *testing.T) {
	p := NewPath("source", "address")
	if string(p.raw) != "source\x00address" || len(p.Elems()) != 2 || p.Elems()[1] != "address" {
		t.Errorf("NewPath: raw %q, elems %q", p.raw, p.Elems())
	}
}

// TestProperty reads through the SDK natively; e2e/envoy runs the
// wasip1 version inside the built filter, whose every decision needs it.
func TestProperty(t *testing.T) {
	opt := proxytest.NewEmulatorOption().WithVMContext(&types.DefaultVMContext{}).
		WithProperty([]string{"source", "address"}, []byte("10.0.0.1:5555"))
	_, reset := proxytest.NewHostEmulator(opt)
	defer reset()
	if got := Property(NewPath("source", "address")); string(got) != "10.0.0.1:5555" {
		t.Errorf("source.address = %q", got)
	}
	if got := Property(NewPath("destination", "address")); got != nil {
		t.Errorf("missing property = %q, want nil", got)
	}
}
