package hostcall

import (
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func TestNewPath(t *testing.T) {
	p := NewPath("source", "address")
	if string(p.raw) != "source\x00address" || len(p.Elems()) != 2 || p.Elems()[1] != "address" {
		t.Errorf("NewPath: raw %q, elems %q", p.raw, p.Elems())
	}
}

// TestNative goes through the SDK, natively; e2e/envoy runs the wasip1
// versions inside the built filter, whose every decision makes all four
// calls.
func TestNative(t *testing.T) {
	opt := proxytest.NewEmulatorOption().WithVMContext(&types.DefaultVMContext{}).
		WithProperty([]string{"source", "address"}, []byte("10.0.0.1:5555"))
	host, reset := proxytest.NewHostEmulator(opt)
	defer reset()
	if got := Property(NewPath("source", "address")); string(got) != "10.0.0.1:5555" {
		t.Errorf("source.address = %q", got)
	}
	if got := Property(NewPath("destination", "address")); got != nil {
		t.Errorf("missing property = %q, want nil", got)
	}
	state := NewPath("tcpwrap.rule")
	SetProperty(state, []byte("hosts.allow:1"))
	SetProperty(state, nil) // sets nothing
	if got, err := host.GetProperty(state.Elems()); string(got) != "hosts.allow:1" {
		t.Errorf("tcpwrap.rule = %q (%v)", got, err)
	}
	line := []byte("first")
	LogInfo(line)
	copy(line, "reuse")
	if l := host.GetInfoLogs(); len(l) != 1 || l[0] != "first" {
		t.Errorf("info logs %q, want [first]", l)
	}
	c := proxywasm.DefineCounterMetric("tcpwrap.test")
	Increment(c)
	Increment(c)
	if n, err := host.GetCounterMetric("tcpwrap.test"); n != 2 || err != nil {
		t.Errorf("counter = %d (%v), want 2", n, err)
	}
}
