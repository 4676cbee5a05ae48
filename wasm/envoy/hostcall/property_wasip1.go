package hostcall

import "unsafe"

//go:wasmimport env proxy_get_property
func proxyGetProperty(path *byte, pathSize int32, value unsafe.Pointer, valueSize *int32) uint32

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
