//go:build !wasip1

package hostcall

import "github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

// Property reads the property at p through the SDK, or nil when the host
// has none.
func Property(p Path) []byte {
	b, err := proxywasm.GetProperty(p.elems)
	if err != nil {
		return nil
	}
	return b
}

// SetProperty sets the property at p to value through the SDK; an empty
// value sets nothing.
func SetProperty(p Path, value []byte) {
	if len(value) > 0 {
		_ = proxywasm.SetProperty(p.elems, value)
	}
}

// LogInfo logs line through the SDK, as a fresh string: proxytest keeps
// the string it is given, and line may be reused.
func LogInfo(line []byte) { proxywasm.LogInfo(string(line)) }

// Increment adds 1 to the counter metric id through the SDK.
func Increment(id proxywasm.MetricCounter) { id.Increment(1) }
