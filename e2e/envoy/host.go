// Package envoy runs the built tcpwrap proxy-wasm filter (wasm/envoy
// compiled with GOOS=wasip1 -buildmode=c-shared) in wazero, under the
// SDK's proxytest host emulator and under a small host of its own.
//
// Under proxytest, the HTTP filter runs through proxytest's own wasm
// runner (http_test.go), and the network filter, which that runner cannot
// drive (its NewTcpContext returns nil), through package proxyvm
// (proxytest_test.go). This package's host implements the part of the
// proxy-wasm ABI 0.2.x both filters use — plugin configuration,
// properties, logs, counters, close_stream, request headers and local
// responses — and answers the rest "unimplemented". It is a test host,
// not Envoy; it runs the module for a million connections and requests
// to watch its memory, and serves bench-envoy.
package envoy

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/tcpwrap/tcpwrap/e2e/envoy/proxyvm"
)

// Build compiles package pkg (a directory) for wasip1 as a reactor into
// dir and returns the module's bytes.
func Build(pkg, dir string) ([]byte, error) {
	out := filepath.Join(dir, "filter.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return os.ReadFile(out)
}

// Log is one proxy_log call.
type Log struct {
	Level int
	Msg   string
}

// VM is one instantiated module with one plugin context (id 1).
type VM struct {
	ctx        context.Context
	r          wazero.Runtime
	mod        api.Module
	config     []byte
	props      map[string][]byte
	state      map[string][]byte // filter state the plugin set
	Logs       []Log
	KeepLog    bool // keep logs (default true); off for long runs
	metrics    []string
	values     []uint64
	byName     map[string]uint32
	closed     map[uint32]bool
	headers    map[string]string // the current request's headers
	status     map[uint32]uint32 // local responses sent, by context
	active     uint32
	nextID     uint32
	fn         map[string]api.Function
	alloc      api.Function // proxy_on_memory_allocate
	allocStack [1]uint64
}

const pluginID = 1

// New instantiates wasm (calling _initialize) and starts the VM. Like
// Envoy, it gives the module no files.
func New(wasm []byte) (*VM, error) { return NewWithFiles(wasm, "") }

// NewWithFiles is New with directory root readable by the module as "/"
// (none when root is ""), as a WASI host with file access would.
func NewWithFiles(wasm []byte, root string) (*VM, error) {
	ctx := context.Background()
	v := &VM{ctx: ctx, r: wazero.NewRuntime(ctx), props: map[string][]byte{}, state: map[string][]byte{}, KeepLog: true,
		byName: map[string]uint32{}, closed: map[uint32]bool{}, status: map[uint32]uint32{}, nextID: pluginID + 1, fn: map[string]api.Function{}}
	var err error
	var fs wazero.FSConfig
	if root != "" {
		fs = wazero.NewFSConfig().WithReadOnlyDirMount(root, "/")
	}
	if v.mod, err = proxyvm.Instantiate(ctx, v.r, wasm, v.handler, fs); err != nil {
		v.r.Close(ctx)
		return nil, err
	}
	if _, err := v.call("proxy_on_context_create", pluginID, 0); err != nil {
		return nil, err
	}
	if r, err := v.call("proxy_on_vm_start", pluginID, 0); err != nil || r[0] != 1 {
		return nil, fmt.Errorf("proxy_on_vm_start: %v %v", r, err)
	}
	return v, nil
}

// Close releases the runtime.
func (v *VM) Close() { v.r.Close(v.ctx) }

// MemoryBytes is the module's linear memory size.
func (v *VM) MemoryBytes() uint32 { return v.mod.Memory().Size() }

func (v *VM) call(name string, args ...uint64) ([]uint64, error) {
	f, ok := v.fn[name]
	if !ok {
		f = v.mod.ExportedFunction(name)
		if f == nil {
			return nil, fmt.Errorf("module does not export %s", name)
		}
		v.fn[name] = f
	}
	return f.Call(v.ctx, args...)
}

// Configure runs proxy_on_configure with conf as the plugin configuration
// and reports whether the plugin accepted it.
func (v *VM) Configure(conf []byte) (bool, error) {
	v.config = conf
	r, err := v.call("proxy_on_configure", pluginID, uint64(len(conf)))
	if err != nil {
		return false, err
	}
	return r[0] == 1, nil
}

// SetProperty sets a host property (path elements as Envoy names them).
func (v *VM) SetProperty(path []string, value []byte) {
	v.props[strings.Join(path, "\x00")] = value
}

// FilterState reads what the plugin set as filter state key, in Envoy's
// terms: a property path "p" the plugin set is key "wasm.p".
func (v *VM) FilterState(key string) []byte { return v.state[key] }

// Connect runs one downstream connection from src to dst through the
// filter — context create, on_new_connection, on_log, on_delete — and
// returns the action and whether the plugin closed the downstream.
func (v *VM) Connect(src, dst string) (action uint32, closed bool, err error) {
	v.SetProperty([]string{"source", "address"}, []byte(src))
	v.SetProperty([]string{"destination", "address"}, []byte(dst))
	id := v.nextID
	v.nextID++
	v.active = id
	defer func() { v.active = 0 }()
	if _, err := v.call("proxy_on_context_create", uint64(id), pluginID); err != nil {
		return 0, false, err
	}
	r, err := v.call("proxy_on_new_connection", uint64(id))
	if err != nil {
		return 0, false, err
	}
	if _, err := v.call("proxy_on_log", uint64(id)); err != nil {
		return 0, false, err
	}
	if _, err := v.call("proxy_on_delete", uint64(id)); err != nil {
		return 0, false, err
	}
	closed = v.closed[id]
	delete(v.closed, id)
	return uint32(r[0]), closed, nil
}

// Request runs one HTTP request from src to dst with headers (lower-case
// names) through the filter — context create, on_request_headers, on_log,
// on_delete — and returns the action and the status of the local response
// the plugin sent (0: none).
func (v *VM) Request(src, dst string, headers map[string]string) (action, status uint32, err error) {
	v.SetProperty([]string{"source", "address"}, []byte(src))
	v.SetProperty([]string{"destination", "address"}, []byte(dst))
	v.headers = headers
	id := v.nextID
	v.nextID++
	v.active = id
	defer func() { v.active = 0 }()
	if _, err := v.call("proxy_on_context_create", uint64(id), pluginID); err != nil {
		return 0, 0, err
	}
	r, err := v.call("proxy_on_request_headers", uint64(id), uint64(len(headers)), 1)
	if err != nil {
		return 0, 0, err
	}
	if _, err := v.call("proxy_on_log", uint64(id)); err != nil {
		return 0, 0, err
	}
	if _, err := v.call("proxy_on_delete", uint64(id)); err != nil {
		return 0, 0, err
	}
	status = v.status[id]
	delete(v.status, id)
	return uint32(r[0]), status, nil
}

// Counter is the value of the counter called name, and whether the plugin
// defined it.
func (v *VM) Counter(name string) (uint64, bool) {
	id, ok := v.byName[name]
	if !ok {
		return 0, false
	}
	return v.values[id], true
}

// Counters returns every counter by name.
func (v *VM) Counters() map[string]uint64 {
	m := map[string]uint64{}
	for n, id := range v.byName {
		m[n] = v.values[id]
	}
	return m
}

func read(m api.Module, ptr, n uint64) []byte {
	b, ok := m.Memory().Read(uint32(ptr), uint32(n))
	if !ok {
		panic("out of range guest memory")
	}
	return b
}

// give copies data into guest memory (proxy_on_memory_allocate) and
// writes its pointer and size at ptrPtr and sizePtr.
func (v *VM) give(m api.Module, data []byte, ptrPtr, sizePtr uint64) uint32 {
	if len(data) == 0 {
		return 1 // NotFound
	}
	// Looked up once: ExportedFunction makes a new function, stack and
	// all, each time, which would weigh on every filter's fixed cost.
	if v.alloc == nil {
		v.alloc = m.ExportedFunction("proxy_on_memory_allocate")
	}
	s := v.allocStack[:]
	s[0] = uint64(len(data))
	if err := v.alloc.CallWithStack(v.ctx, s); err != nil {
		panic(err)
	}
	m.Memory().Write(uint32(s[0]), data)
	m.Memory().WriteUint32Le(uint32(ptrPtr), uint32(s[0]))
	m.Memory().WriteUint32Le(uint32(sizePtr), uint32(len(data)))
	return 0
}

func (v *VM) handler(name string) proxyvm.Hostcall {
	switch name {
	case "proxy_log":
		return func(m api.Module, s []uint64) uint32 {
			if v.KeepLog {
				v.Logs = append(v.Logs, Log{int(uint32(s[0])), string(read(m, s[1], s[2]))})
			}
			return 0
		}
	case "proxy_get_buffer_bytes":
		return func(m api.Module, s []uint64) uint32 {
			if uint32(s[0]) != 7 { // PluginConfiguration
				return 1
			}
			return v.give(m, v.config, s[3], s[4])
		}
	case "proxy_get_property":
		return func(m api.Module, s []uint64) uint32 {
			p, ok := v.props[string(read(m, s[0], s[1]))]
			if !ok {
				return 1
			}
			return v.give(m, p, s[2], s[3])
		}
	case "proxy_set_property":
		// As Envoy does: the value becomes filter state under "wasm."
		// and the path as passed (NUL bytes and all).
		return func(m api.Module, s []uint64) uint32 {
			v.state["wasm."+string(read(m, s[0], s[1]))] = append([]byte(nil), read(m, s[2], s[3])...)
			return 0
		}
	case "proxy_define_metric":
		return func(m api.Module, s []uint64) uint32 {
			n := string(read(m, s[1], s[2]))
			id, ok := v.byName[n]
			if !ok {
				id = uint32(len(v.values))
				v.values = append(v.values, 0)
				v.metrics = append(v.metrics, n)
				v.byName[n] = id
			}
			m.Memory().WriteUint32Le(uint32(s[3]), id)
			return 0
		}
	case "proxy_increment_metric":
		return func(m api.Module, s []uint64) uint32 {
			if int(uint32(s[0])) >= len(v.values) {
				return 1
			}
			v.values[uint32(s[0])] += s[1]
			return 0
		}
	case "proxy_get_metric":
		return func(m api.Module, s []uint64) uint32 {
			if int(uint32(s[0])) >= len(v.values) {
				return 1
			}
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], v.values[uint32(s[0])])
			m.Memory().Write(uint32(s[1]), b[:])
			return 0
		}
	case "proxy_close_stream":
		return func(m api.Module, s []uint64) uint32 {
			if v.active != 0 {
				v.closed[v.active] = true
			}
			return 0
		}
	case "proxy_get_header_map_value":
		return func(m api.Module, s []uint64) uint32 {
			if uint32(s[0]) != 0 { // HttpRequestHeaders
				return 1
			}
			h, ok := v.headers[string(read(m, s[1], s[2]))]
			if !ok {
				return 1
			}
			return v.give(m, []byte(h), s[3], s[4])
		}
	case "proxy_send_local_response":
		return func(m api.Module, s []uint64) uint32 {
			if v.active != 0 {
				v.status[v.active] = uint32(s[0])
			}
			return 0
		}
	case "proxy_set_effective_context":
		return func(m api.Module, s []uint64) uint32 {
			v.active = uint32(s[0])
			return 0
		}
	}
	return nil
}
