// Package proxyvm runs a proxy-wasm module (a built .wasm) as the
// types.VMContext of the SDK's proxytest host emulator, network filters
// included.
//
// proxytest's own runner (proxytest.NewWasmVMContext) drives HTTP
// contexts only: its NewTcpContext returns nil. A VM here answers every
// stream callback by calling the module's export, and the module's host
// calls by calling the SDK's public functions, which natively go to
// proxytest's emulator: properties, plugin configuration, logs and
// metrics are the emulator's, and tests read them there as usual.
//
// Two things proxytest does not do are done here: proxy_close_stream is
// recorded per context ([VM.Closed]; the emulator only logs that it is
// not implemented), and the module's proxy_on_delete follows its
// proxy_on_log (the emulator's context deletion has no hook a VMContext
// can see, and without it the module would keep every context it ever
// created).
package proxyvm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// proxy-wasm status codes.
const (
	statusOK            = 0
	statusNotFound      = 1
	statusBadArgument   = 2
	statusEmpty         = 7
	statusCasMismatch   = 8
	statusInternal      = 10
	statusUnimplemented = 12
)

// A Kind is the kind of stream a VM's plugin handles. Envoy knows it from
// the filter chain the plugin is configured in; the emulator asks the
// plugin for an HTTP context first for every stream, so the VM must know.
type Kind int

const (
	Network Kind = iota // envoy.filters.network.wasm
	HTTP                // envoy.filters.http.wasm
)

// A VM is one instantiated module. Like a proxy-wasm VM, it is not safe
// for concurrent use.
type VM struct {
	kind       Kind
	ctx        context.Context
	r          wazero.Runtime
	mod        api.Module
	exports    map[string]api.Function
	stack      [8]uint64
	alloc      api.Function // proxy_on_memory_allocate
	allocStack [1]uint64
	closed     map[uint32]bool
	kinds      map[uint32]uint32 // metric ID -> metric type
	current    uint32            // the context of the callback running
}

var _ types.VMContext = (*VM)(nil)

// New compiles and instantiates wasm (a wasip1 reactor: _initialize
// runs) for streams of the given kind.
func New(wasm []byte, kind Kind) (*VM, error) {
	ctx := context.Background()
	v := &VM{kind: kind, ctx: ctx, r: wazero.NewRuntime(ctx), exports: map[string]api.Function{},
		closed: map[uint32]bool{}, kinds: map[uint32]uint32{}}
	var err error
	if v.mod, err = Instantiate(ctx, v.r, wasm, v.hostcall, nil); err != nil {
		v.r.Close(ctx)
		return nil, err
	}
	return v, nil
}

// A Hostcall answers one host function the module imports from "env":
// it reads its arguments from s and returns a proxy-wasm status.
type Hostcall func(m api.Module, s []uint64) uint32

// Instantiate compiles wasm into r and instantiates it as a wasip1
// reactor (_initialize runs), with WASI and with each host function it
// imports from "env" answered by hostcall(name); a nil answer makes the
// function return "unimplemented". fs, when not nil, is the files the
// module may read (Envoy gives none).
func Instantiate(ctx context.Context, r wazero.Runtime, wasm []byte, hostcall func(name string) Hostcall, fs wazero.FSConfig) (api.Module, error) {
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	compiled, err := r.CompileModule(ctx, wasm)
	if err != nil {
		return nil, err
	}
	b := r.NewHostModuleBuilder("env")
	for _, imp := range compiled.ImportedFunctions() {
		mod, name, _ := imp.Import()
		if mod != "env" {
			continue
		}
		h := hostcall(name)
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, m api.Module, s []uint64) {
			st := uint64(statusUnimplemented)
			if h != nil {
				st = uint64(h(m, s))
			}
			if len(s) > 0 {
				s[0] = st
			}
		}), imp.ParamTypes(), imp.ResultTypes()).Export(name)
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return nil, err
	}
	mc := wazero.NewModuleConfig().WithStartFunctions("_initialize").WithStdout(os.Stderr).WithStderr(os.Stderr)
	if fs != nil {
		mc = mc.WithFSConfig(fs)
	}
	return r.InstantiateModule(ctx, compiled, mc)
}

// Close releases the runtime.
func (v *VM) Close() error { return v.r.Close(v.ctx) }

// MemoryBytes is the size of the module's linear memory.
func (v *VM) MemoryBytes() uint32 { return v.mod.Memory().Size() }

// Closed reports whether the module closed the stream of contextID (it
// called proxy_close_stream during one of that stream's callbacks). It is
// forgotten when the stream is done.
func (v *VM) Closed(contextID uint32) bool { return v.closed[contextID] }

// call calls the module's export name with args and returns its first
// result (0 when it has none, or when the module does not export name).
// A trap panics: it is a failed test, as in proxytest's own runner.
func (v *VM) call(name string, args ...uint64) uint64 {
	f, ok := v.exports[name]
	if !ok {
		f = v.mod.ExportedFunction(name)
		v.exports[name] = f
	}
	if f == nil {
		return 0
	}
	s := v.stack[:]
	copy(s, args)
	if err := f.CallWithStack(v.ctx, s); err != nil {
		panic(fmt.Sprintf("proxyvm: %s: %v", name, err))
	}
	if len(f.Definition().ResultTypes()) == 0 {
		return 0
	}
	return s[0]
}

func wasmBool(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// OnVMStart implements types.VMContext.
func (v *VM) OnVMStart(vmConfigurationSize int) types.OnVMStartStatus {
	return v.call("proxy_on_vm_start", 0, uint64(vmConfigurationSize)) == 1
}

// NewPluginContext implements types.VMContext.
func (v *VM) NewPluginContext(contextID uint32) types.PluginContext {
	v.call("proxy_on_context_create", uint64(contextID), 0)
	return &plugin{v: v, id: contextID}
}

type plugin struct {
	v  *VM
	id uint32
}

func (p *plugin) OnPluginStart(size int) types.OnPluginStartStatus {
	p.v.current = p.id
	return p.v.call("proxy_on_configure", uint64(p.id), uint64(size)) == 1
}

func (p *plugin) OnPluginDone() bool {
	p.v.current = p.id
	return p.v.call("proxy_on_done", uint64(p.id)) == 1
}

func (p *plugin) OnQueueReady(queueID uint32) {
	p.v.current = p.id
	p.v.call("proxy_on_queue_ready", uint64(p.id), uint64(queueID))
}

func (p *plugin) OnTick() {
	p.v.current = p.id
	p.v.call("proxy_on_tick", uint64(p.id))
}

func (p *plugin) NewTcpContext(contextID uint32) types.TcpContext {
	if p.v.kind != Network {
		return nil
	}
	p.v.current = contextID
	p.v.call("proxy_on_context_create", uint64(contextID), uint64(p.id))
	return &stream{v: p.v, id: contextID}
}

func (p *plugin) NewHttpContext(contextID uint32) types.HttpContext {
	if p.v.kind != HTTP {
		return nil
	}
	p.v.current = contextID
	p.v.call("proxy_on_context_create", uint64(contextID), uint64(p.id))
	return &stream{v: p.v, id: contextID}
}

// stream is a network or an HTTP stream context.
type stream struct {
	v  *VM
	id uint32
}

func (s *stream) action(name string, args ...uint64) types.Action {
	s.v.current = s.id
	var a [3]uint64
	a[0] = uint64(s.id)
	n := copy(a[1:], args)
	return types.Action(s.v.call(name, a[:1+n]...))
}

// done ends the stream: proxy_on_log, then proxy_on_delete, as Envoy
// calls them.
func (s *stream) done() {
	s.v.current = s.id
	s.v.call("proxy_on_log", uint64(s.id))
	s.v.call("proxy_on_delete", uint64(s.id))
	delete(s.v.closed, s.id)
}

func (s *stream) OnNewConnection() types.Action { return s.action("proxy_on_new_connection") }

func (s *stream) OnDownstreamData(size int, eos bool) types.Action {
	return s.action("proxy_on_downstream_data", uint64(size), wasmBool(eos))
}

func (s *stream) OnDownstreamClose(peer types.PeerType) {
	s.action("proxy_on_downstream_connection_close", uint64(peer))
}

func (s *stream) OnUpstreamData(size int, eos bool) types.Action {
	return s.action("proxy_on_upstream_data", uint64(size), wasmBool(eos))
}

func (s *stream) OnUpstreamClose(peer types.PeerType) {
	s.action("proxy_on_upstream_connection_close", uint64(peer))
}

func (s *stream) OnStreamDone() { s.done() }

func (s *stream) OnHttpRequestHeaders(n int, eos bool) types.Action {
	return s.action("proxy_on_request_headers", uint64(n), wasmBool(eos))
}

func (s *stream) OnHttpRequestBody(size int, eos bool) types.Action {
	return s.action("proxy_on_request_body", uint64(size), wasmBool(eos))
}

func (s *stream) OnHttpRequestTrailers(n int) types.Action {
	return s.action("proxy_on_request_trailers", uint64(n))
}

func (s *stream) OnHttpResponseHeaders(n int, eos bool) types.Action {
	return s.action("proxy_on_response_headers", uint64(n), wasmBool(eos))
}

func (s *stream) OnHttpResponseBody(size int, eos bool) types.Action {
	return s.action("proxy_on_response_body", uint64(size), wasmBool(eos))
}

func (s *stream) OnHttpResponseTrailers(n int) types.Action {
	return s.action("proxy_on_response_trailers", uint64(n))
}

func (s *stream) OnHttpStreamDone() { s.done() }

// view is n bytes of guest memory at ptr, not copied.
func view(m api.Module, ptr, n uint64) []byte {
	b, ok := m.Memory().Read(uint32(ptr), uint32(n))
	if !ok {
		panic("proxyvm: out of range guest memory")
	}
	return b
}

// read copies n bytes of guest memory at ptr (the SDK's emulator may keep
// what it is given).
func read(m api.Module, ptr, n uint64) []byte { return append([]byte(nil), view(m, ptr, n)...) }

// readString is read as a string (one copy).
func readString(m api.Module, ptr, n uint64) string { return string(view(m, ptr, n)) }

// give copies data into memory the module allocates
// (proxy_on_memory_allocate) and writes its address and size at ptrPtr and
// sizePtr.
func (v *VM) give(m api.Module, data []byte, err error, ptrPtr, sizePtr uint64) uint32 {
	if err != nil {
		return status(err)
	}
	if len(data) == 0 {
		return statusNotFound
	}
	// The export is looked up once: wazero makes a new function, stack
	// and all, on every ExportedFunction, which cost more than the rest
	// of a host call and so inflated every filter's fixed cost. (The
	// callback that called this host function is a different export,
	// so reusing one api.Function here never re-enters it.)
	if v.alloc == nil {
		v.alloc = m.ExportedFunction("proxy_on_memory_allocate")
	}
	s := v.allocStack[:]
	s[0] = uint64(len(data))
	if cerr := v.alloc.CallWithStack(v.ctx, s); cerr != nil {
		panic(fmt.Sprintf("proxyvm: proxy_on_memory_allocate: %v", cerr))
	}
	ptr := uint32(s[0])
	mem := m.Memory()
	if !mem.Write(ptr, data) || !mem.WriteUint32Le(uint32(ptrPtr), ptr) ||
		!mem.WriteUint32Le(uint32(sizePtr), uint32(len(data))) {
		panic("proxyvm: out of range guest memory")
	}
	return statusOK
}

// status is the proxy-wasm status an SDK error stands for.
func status(err error) uint32 {
	switch {
	case err == nil:
		return statusOK
	case errors.Is(err, types.ErrorStatusNotFound):
		return statusNotFound
	case errors.Is(err, types.ErrorStatusBadArgument):
		return statusBadArgument
	case errors.Is(err, types.ErrorStatusEmpty):
		return statusEmpty
	case errors.Is(err, types.ErrorStatusCasMismatch):
		return statusCasMismatch
	}
	return statusInternal
}

// headerPairs decodes a proxy-wasm header map: a pair count, the sizes of
// each key and value, then each key and value followed by a NUL.
func headerPairs(b []byte) ([][2]string, bool) {
	if len(b) < 4 {
		return nil, len(b) == 0
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n > len(b)/8 {
		return nil, false
	}
	sizes, data := b[4:], b[4+8*n:]
	out := make([][2]string, 0, n)
	for i := 0; i < n; i++ {
		k, v := int(binary.LittleEndian.Uint32(sizes[8*i:])), int(binary.LittleEndian.Uint32(sizes[8*i+4:]))
		if k+v+2 > len(data) {
			return nil, false
		}
		out = append(out, [2]string{string(data[:k]), string(data[k+1 : k+1+v])})
		data = data[k+v+2:]
	}
	return out, true
}

// hostcall is the module's import name, in terms of the SDK's public
// functions (nil: unimplemented).
func (v *VM) hostcall(name string) Hostcall {
	switch name {
	case "proxy_log":
		return func(m api.Module, s []uint64) uint32 {
			msg := readString(m, s[1], s[2])
			switch uint32(s[0]) {
			case 0:
				proxywasm.LogTrace(msg)
			case 1:
				proxywasm.LogDebug(msg)
			case 2:
				proxywasm.LogInfo(msg)
			case 3:
				proxywasm.LogWarn(msg)
			case 4:
				proxywasm.LogError(msg)
			default:
				proxywasm.LogCritical(msg)
			}
			return statusOK
		}
	case "proxy_get_property":
		return func(m api.Module, s []uint64) uint32 {
			b, err := proxywasm.GetProperty(strings.Split(readString(m, s[0], s[1]), "\x00"))
			return v.give(m, b, err, s[2], s[3])
		}
	case "proxy_set_property":
		return func(m api.Module, s []uint64) uint32 {
			path := strings.Split(readString(m, s[0], s[1]), "\x00")
			return status(proxywasm.SetProperty(path, read(m, s[2], s[3])))
		}
	case "proxy_get_buffer_bytes":
		return func(m api.Module, s []uint64) uint32 {
			var b []byte
			var err error
			start, max := int(uint32(s[1])), int(uint32(s[2]))
			switch uint32(s[0]) {
			case 0:
				b, err = proxywasm.GetHttpRequestBody(start, max)
			case 2:
				b, err = proxywasm.GetDownstreamData(start, max)
			case 3:
				b, err = proxywasm.GetUpstreamData(start, max)
			case 6:
				b, err = proxywasm.GetVMConfiguration()
			case 7:
				b, err = proxywasm.GetPluginConfiguration()
			default:
				return statusUnimplemented
			}
			return v.give(m, b, err, s[3], s[4])
		}
	case "proxy_get_header_map_value":
		return func(m api.Module, s []uint64) uint32 {
			key := readString(m, s[1], s[2])
			var h string
			var err error
			switch uint32(s[0]) {
			case 0:
				h, err = proxywasm.GetHttpRequestHeader(key)
			case 2:
				h, err = proxywasm.GetHttpResponseHeader(key)
			default:
				return statusNotFound
			}
			return v.give(m, []byte(h), err, s[3], s[4])
		}
	case "proxy_send_local_response":
		return func(m api.Module, s []uint64) uint32 {
			headers, ok := headerPairs(view(m, s[5], s[6]))
			if !ok {
				return statusBadArgument
			}
			return status(proxywasm.SendHttpResponse(uint32(s[0]), headers, read(m, s[3], s[4]), int32(s[7])))
		}
	case "proxy_close_stream":
		return func(m api.Module, s []uint64) uint32 {
			switch uint32(s[0]) {
			case 2: // downstream
				v.closed[v.current] = true
				return status(proxywasm.CloseDownstream())
			case 3: // upstream
				v.closed[v.current] = true
				return status(proxywasm.CloseUpstream())
			}
			return statusUnimplemented
		}
	case "proxy_set_effective_context":
		return func(m api.Module, s []uint64) uint32 {
			v.current = uint32(s[0])
			return status(proxywasm.SetEffectiveContext(uint32(s[0])))
		}
	case "proxy_define_metric":
		return func(m api.Module, s []uint64) uint32 {
			name := readString(m, s[1], s[2])
			var id uint32
			switch uint32(s[0]) {
			case 0:
				id = uint32(proxywasm.DefineCounterMetric(name))
			case 1:
				id = uint32(proxywasm.DefineGaugeMetric(name))
			default:
				return statusUnimplemented
			}
			v.kinds[id] = uint32(s[0])
			if !m.Memory().WriteUint32Le(uint32(s[3]), id) {
				return statusBadArgument
			}
			return statusOK
		}
	case "proxy_increment_metric":
		return func(m api.Module, s []uint64) uint32 {
			id := uint32(s[0])
			kind, ok := v.kinds[id]
			switch {
			case !ok:
				return statusNotFound
			case kind == 0:
				proxywasm.MetricCounter(id).Increment(s[1])
			default:
				proxywasm.MetricGauge(id).Add(int64(s[1]))
			}
			return statusOK
		}
	}
	return nil
}
