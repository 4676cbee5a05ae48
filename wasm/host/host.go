// Package host runs tcpwrap's WASI reactor (wasm/wasip1) inside a Go
// program with wazero: no cgo, no other process. It is the reference
// host for the ABI in wasm/wasip1/ABI.md.
//
//	m, err := host.Load(ctx, wasmBytes, cacheDir) // cacheDir "" = no compilation cache
//	defer m.Close(ctx)
//	h, err := m.Compile(ctx, []byte(`{"deny": "ALL: ALL\n"}`))
//	out, err := m.Evaluate(ctx, h, []byte(`{"requests": [{"daemon": "sshd", "client": "10.0.0.1"}]}`))
//	code, err := m.Decide(ctx, h, "sshd", netip.MustParseAddr("10.0.0.1"), 22)
//
// A Module is one module instance, reused by every call; a mutex
// serialises the calls, since an instance is not reentrant. Errors about
// the caller's input come back as data in the JSON replies; Go errors are
// failures of the runtime (a trap, a closed module).
package host

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// ABIVersion is the reactor ABI this package speaks.
const ABIVersion = 1

// A Module is an instantiated reactor.
type Module struct {
	mu      sync.Mutex
	runtime wazero.Runtime
	cache   wazero.CompilationCache
	mod     api.Module
	mem     api.Memory

	alloc, free, compile, evaluate, release, decide api.Function
	check, format, diff                             api.Function // nil in modules older than these exports

	// daemon is a buffer inside the module holding the last daemon name
	// given to Decide, and its capacity.
	daemonPtr, daemonCap uint32
	daemon               string
	// stack is Decide's parameter and result stack, reused.
	stack [5]uint64
}

// Load compiles and instantiates the reactor wasm. With a non-empty
// cacheDir, wazero keeps its compiled code there, so a second Load (in
// this or another process) skips most of the compilation. The module's
// standard error (where the Go runtime explains a fatal error before the
// trap that ends the instance) goes to this process's standard error.
func Load(ctx context.Context, wasm []byte, cacheDir string) (*Module, error) {
	cfg := wazero.NewRuntimeConfig()
	var cache wazero.CompilationCache
	if cacheDir != "" {
		var err error
		if cache, err = wazero.NewCompilationCacheWithDir(cacheDir); err != nil {
			return nil, fmt.Errorf("compilation cache: %w", err)
		}
		cfg = cfg.WithCompilationCache(cache)
	}
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	m := &Module{runtime: r, cache: cache}
	fail := func(err error) (*Module, error) {
		r.Close(ctx)
		if cache != nil {
			cache.Close(ctx)
		}
		return nil, err
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		return fail(err)
	}
	compiled, err := r.CompileModule(ctx, wasm)
	if err != nil {
		return fail(fmt.Errorf("compiling the module: %w", err))
	}
	mod, err := r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName("tcpwrap").WithStartFunctions("_initialize").WithStderr(os.Stderr))
	if err != nil {
		return fail(fmt.Errorf("instantiating the module: %w", err))
	}
	m.mod, m.mem = mod, mod.ExportedMemory("memory")
	fns := map[string]*api.Function{"alloc": &m.alloc, "free": &m.free, "compile": &m.compile,
		"evaluate": &m.evaluate, "release": &m.release, "decide": &m.decide}
	for name, f := range fns {
		if *f = mod.ExportedFunction(name); *f == nil {
			return fail(fmt.Errorf("the module exports no %s: not a tcpwrap reactor", name))
		}
	}
	m.check, m.format = mod.ExportedFunction("check"), mod.ExportedFunction("format")
	m.diff = mod.ExportedFunction("diff")
	v := mod.ExportedFunction("abi_version")
	if v == nil {
		return fail(errors.New("the module exports no abi_version: not a tcpwrap reactor"))
	}
	res, err := v.Call(ctx)
	if err != nil {
		return fail(err)
	}
	if uint32(res[0]) != ABIVersion {
		return fail(fmt.Errorf("the module speaks ABI version %d, this host %d", uint32(res[0]), ABIVersion))
	}
	if m.mem == nil {
		return fail(errors.New("the module exports no memory: not a tcpwrap reactor"))
	}
	return m, nil
}

// Close frees the instance, the runtime and the cache handle.
func (m *Module) Close(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	err := m.runtime.Close(ctx)
	if m.cache != nil {
		m.cache.Close(ctx)
	}
	return err
}

// MemoryPages is the size of the module's linear memory in 64 KiB pages.
func (m *Module) MemoryPages() uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mem.Size() / 65536
}

// A Handle names a compiled policy inside the module.
type Handle uint32

// Compile compiles a JSON wire.Policy. A policy the module rejects is an
// error of type *ReplyError carrying its message.
func (m *Module) Compile(ctx context.Context, policyJSON []byte) (Handle, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out, err := m.callWithBuffer(ctx, m.compile, policyJSON)
	if err != nil {
		return 0, err
	}
	var r struct {
		Handle uint32 `json:"handle"`
		Error  string `json:"error"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return 0, fmt.Errorf("compile reply: %w", err)
	}
	if r.Error != "" {
		return 0, &ReplyError{r.Error}
	}
	return Handle(r.Handle), nil
}

// Check returns the module's JSON diagnostics (a wire.CheckOutput) for a
// JSON policy, as is: input errors are in it, not in err.
func (m *Module) Check(ctx context.Context, policyJSON []byte) ([]byte, error) {
	return m.callExport(ctx, m.check, "check", policyJSON)
}

// Format returns the module's JSON wire.FormatOutput for a JSON policy.
func (m *Module) Format(ctx context.Context, policyJSON []byte) ([]byte, error) {
	return m.callExport(ctx, m.format, "format", policyJSON)
}

// Diff returns the module's JSON wire.DiffOutput for a JSON policy with
// "old" tables.
func (m *Module) Diff(ctx context.Context, inputJSON []byte) ([]byte, error) {
	return m.callExport(ctx, m.diff, "diff", inputJSON)
}

func (m *Module) callExport(ctx context.Context, f api.Function, name string, data []byte) ([]byte, error) {
	if f == nil {
		return nil, fmt.Errorf("the module exports no %s", name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.callWithBuffer(ctx, f, data)
}

// A ReplyError is an error the module answered with.
type ReplyError struct{ Msg string }

func (e *ReplyError) Error() string { return e.Msg }

// Evaluate decides the JSON requests ({"requests": [...]}) under h and
// returns the module's JSON reply, a wire.Output, as is: input errors are
// in it, not in err.
func (m *Module) Evaluate(ctx context.Context, h Handle, requestsJSON []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.callWithBuffer(ctx, m.evaluate, requestsJSON, uint64(h))
}

// Call calls one export with raw parameters and returns its results: for
// tests of the ABI itself (bad pointers, unknown handles).
func (m *Module) Call(ctx context.Context, name string, params ...uint64) ([]uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.mod.ExportedFunction(name)
	if f == nil {
		return nil, fmt.Errorf("no export %s", name)
	}
	return f.Call(ctx, params...)
}

// Reply reads and frees a packed reply returned by Call.
func (m *Module) Reply(ctx context.Context, packed uint64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.takeReply(ctx, packed)
}

// Release forgets h inside the module.
func (m *Module) Release(ctx context.Context, h Handle) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, err := m.release.Call(ctx, uint64(h))
	return err
}

// Decide decides a connection from addr (IPv4) port to daemon under h,
// without a trace, and returns the compact code (see wire.DecideError
// and the bit layout in package wire).
func (m *Module) Decide(ctx context.Context, h Handle, daemon string, addr netip.Addr, port uint16) (uint32, error) {
	if !addr.Is4() {
		return 0, fmt.Errorf("decide takes an IPv4 address, not %s", addr)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if daemon != m.daemon || m.daemonPtr == 0 {
		if err := m.setDaemon(ctx, daemon); err != nil {
			return 0, err
		}
	}
	a := addr.As4()
	m.stack = [5]uint64{uint64(h), uint64(binary.BigEndian.Uint32(a[:])), uint64(port), uint64(m.daemonPtr), uint64(len(daemon))}
	if err := m.decide.CallWithStack(ctx, m.stack[:]); err != nil {
		return 0, err
	}
	code := uint32(m.stack[0])
	if code == wire.DecideError {
		return code, errors.New("decide: invalid call (unknown handle or internal error)")
	}
	return code, nil
}

// setDaemon writes the daemon name into the module's daemon buffer,
// growing it when needed.
func (m *Module) setDaemon(ctx context.Context, daemon string) error {
	if uint32(len(daemon)) > m.daemonCap || m.daemonPtr == 0 {
		if m.daemonPtr != 0 {
			m.free.Call(ctx, uint64(m.daemonPtr))
			m.daemonPtr, m.daemonCap = 0, 0
		}
		size := max(uint32(len(daemon)), 64)
		res, err := m.alloc.Call(ctx, uint64(size))
		if err != nil {
			return err
		}
		if res[0] == 0 {
			return errors.New("alloc failed")
		}
		m.daemonPtr, m.daemonCap = uint32(res[0]), size
	}
	if !m.mem.Write(m.daemonPtr, []byte(daemon)) {
		return errors.New("daemon buffer outside the module's memory")
	}
	m.daemon = daemon
	return nil
}

// callWithBuffer copies data into a fresh module buffer, calls f with
// extra params then the buffer, and returns the reply's bytes.
func (m *Module) callWithBuffer(ctx context.Context, f api.Function, data []byte, params ...uint64) ([]byte, error) {
	res, err := m.alloc.Call(ctx, uint64(len(data)))
	if err != nil {
		return nil, err
	}
	ptr := uint32(res[0])
	if ptr == 0 {
		return nil, fmt.Errorf("alloc of %d bytes failed", len(data))
	}
	defer m.free.Call(ctx, uint64(ptr))
	if !m.mem.Write(ptr, data) {
		return nil, errors.New("buffer outside the module's memory")
	}
	res, err = f.Call(ctx, append(params, uint64(ptr), uint64(len(data)))...)
	if err != nil {
		return nil, err
	}
	return m.takeReply(ctx, res[0])
}

// takeReply copies a packed reply out of the module and frees it.
func (m *Module) takeReply(ctx context.Context, packed uint64) ([]byte, error) {
	if packed == 0 {
		return nil, errors.New("the module could not allocate its reply")
	}
	ptr, n := uint32(packed>>32), uint32(packed)
	b, ok := m.mem.Read(ptr, n)
	if !ok {
		return nil, fmt.Errorf("reply (%#x, %d) outside the module's memory", ptr, n)
	}
	out := append([]byte(nil), b...)
	if _, err := m.free.Call(ctx, uint64(ptr)); err != nil {
		return nil, err
	}
	return out, nil
}
