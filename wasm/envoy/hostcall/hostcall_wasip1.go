package hostcall

import (
	"unsafe"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
)

//go:wasmimport env proxy_get_property
func proxyGetProperty(path *byte, pathSize int32, value unsafe.Pointer, valueSize *int32) uint32

//go:wasmimport env proxy_set_property
func proxySetProperty(path *byte, pathSize int32, value *byte, valueSize int32) uint32

//go:wasmimport env proxy_log
func proxyLog(level int32, message *byte, size int32) uint32

//go:wasmimport env proxy_increment_metric
func proxyIncrementMetric(id uint32, offset int64) uint32

// logLevelInfo is proxy-wasm's info log level.
const logLevelInfo = 2

// propertyOut is where the host writes the address and size of a
// property's value. It must not be on the goroutine's stack: the host
// calls the module back (proxy_on_memory_allocate) before it writes, and
// that call may move the stack. A module runs one callback at a time.
var propertyOut struct {
	data *byte
	size int32
}

// Property reads the property at p, or nil when the host has none (or
// an empty one). The bytes are the host's copy for this call, made
// through proxy_on_memory_allocate, which nothing else writes to.
func Property(p Path) []byte {
	if len(p.raw) == 0 {
		return nil
	}
	o := &propertyOut
	o.data, o.size = nil, 0
	if proxyGetProperty(&p.raw[0], int32(len(p.raw)), unsafe.Pointer(&o.data), &o.size) != 0 || o.data == nil {
		return nil
	}
	return unsafe.Slice(o.data, o.size)
}

// SetProperty sets the property at p to value; an empty value or path
// sets nothing. The host copies value during the call (one that keeps it
// instead, as proxytest does, reads the right bytes as long as value is
// not written to afterwards).
func SetProperty(p Path, value []byte) {
	if len(p.raw) > 0 && len(value) > 0 {
		proxySetProperty(&p.raw[0], int32(len(p.raw)), &value[0], int32(len(value)))
	}
}

// LogInfo logs line at info level. A proxy-wasm host reads the message
// during the call (Envoy formats it into its log there), so line may be
// reused afterwards. proxytest's .wasm runner instead keeps a view of the
// module's memory, so under it a reused line holds only until it is
// rewritten; a fresh copy would not fare much better there, for the
// module's collector frees and reuses it.
func LogInfo(line []byte) {
	if len(line) > 0 {
		proxyLog(logLevelInfo, &line[0], int32(len(line)))
	}
}

// Increment adds 1 to the counter metric id (as proxy_define_metric gave
// it). A host's error (only for an id it never gave) is ignored.
func Increment(id proxywasm.MetricCounter) { proxyIncrementMetric(uint32(id), 1) }
