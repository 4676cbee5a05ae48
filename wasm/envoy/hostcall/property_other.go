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
