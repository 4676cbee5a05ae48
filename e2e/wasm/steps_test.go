package wasmtest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/wasm/host"
	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// A step is one operation of a step program, run by the same rules on
// wazero (runWazero), under node:wasi (wasidriver.mjs) and, for the
// evaluate kinds, against the GOOS=js module (jsdriver.mjs). Every step
// answers one string.
type step struct {
	Op     string  `json:"op"`
	Data   []byte  `json:"data,omitempty"` // base64 in JSON
	Handle *uint32 `json:"handle,omitempty"`
	Ptr    uint32  `json:"ptr,omitempty"`
	Len    uint32  `json:"len,omitempty"`
	Daemon string  `json:"daemon,omitempty"`
	Addr   uint32  `json:"addr,omitempty"`
	Port   uint32  `json:"port,omitempty"`
	Times  int     `json:"times,omitempty"`
	Value  any     `json:"value,omitempty"`
	Cycle  bool    `json:"cycle,omitempty"`
	Bigint bool    `json:"bigint,omitempty"`
}

// modules are the two modules and the JS loader, built once by TestMain.
var modules struct {
	dir     string // tcpwrap.wasm, wasm_exec.js, load.mjs (the js module)
	reactor string // the wasip1 reactor
	node    string // "" when node is not installed
	err     error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tcpwrap-wasm-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	modules.dir = dir
	modules.reactor = filepath.Join(dir, "tcpwrap-wasip1.wasm")
	modules.err = build(dir)
	modules.node, _ = exec.LookPath("node")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// build builds both modules into dir the way the Makefile's wasm target
// does.
func build(dir string) error {
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = "/usr/local/go/bin/go"
	}
	// wasm_exec.js must come from the toolchain that builds the module.
	out, err := exec.Command(gobin, "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %v", err)
	}
	goroot := strings.TrimSpace(string(out))
	cmds := [][]string{
		{"env", "GOOS=js", "GOARCH=wasm", gobin, "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, "tcpwrap.wasm"), "../../wasm/js"},
		{"env", "GOOS=wasip1", "GOARCH=wasm", gobin, "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, "tcpwrap-wasip1.wasm"), "../../wasm/wasip1"},
		{"cp", filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"), "../../wasm/js/load.mjs", dir},
	}
	for _, c := range cmds {
		out, err := exec.Command(c[0], c[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	return nil
}

func needModules(t *testing.T) {
	t.Helper()
	if modules.err != nil {
		t.Fatal(modules.err)
	}
}

func needNode(t *testing.T) {
	t.Helper()
	needModules(t)
	if modules.node == "" {
		t.Skip("node is not installed (make install-deps)")
	}
}

// runNode runs a driver on a step program and returns its answers.
func runNode(t *testing.T, driver, module string, steps []step) []string {
	t.Helper()
	needNode(t)
	file := filepath.Join(t.TempDir(), "steps.jsonl")
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, s := range steps {
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(modules.node, "--no-warnings", "--max-old-space-size=2048", driver, module, file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", driver, err, stderr.String())
	}
	return decodeAnswers(t, out, len(steps))
}

func decodeAnswers(t *testing.T, out []byte, n int) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("got %d answers for %d steps", len(lines), n)
	}
	answers := make([]string, n)
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &answers[i]); err != nil {
			t.Fatalf("answer %d: %v: %s", i, err, l)
		}
	}
	return answers
}

// loadReactor loads the reactor with wazero.
func loadReactor(t testing.TB, cacheDir string) *host.Module {
	t.Helper()
	if modules.err != nil {
		t.Fatal(modules.err)
	}
	wasm, err := os.ReadFile(modules.reactor)
	if err != nil {
		t.Fatal(err)
	}
	m, err := host.Load(context.Background(), wasm, cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	return m
}

// runWazero runs a step program on a reactor loaded with wazero, by the
// rules of wasidriver.mjs.
func runWazero(t *testing.T, m *host.Module, steps []step) []string {
	t.Helper()
	ctx := context.Background()
	var handle uint32
	answers := make([]string, len(steps))
	for i, s := range steps {
		h := handle
		if s.Handle != nil {
			h = *s.Handle
		}
		var r string
		switch s.Op {
		case "abi":
			res, err := m.Call(ctx, "abi_version")
			must(t, err)
			r = strconv.FormatUint(res[0], 10)
		case "compile":
			hd, err := m.Compile(ctx, s.Data)
			if err != nil {
				if _, ok := err.(*host.ReplyError); !ok {
					t.Fatalf("step %d: %v", i, err)
				}
				r = string(wire.ErrorJSON(err.Error()))
			} else {
				handle = uint32(hd)
				r = fmt.Sprintf(`{"handle":%d}`, hd)
			}
		case "evaluate":
			out, err := m.Evaluate(ctx, host.Handle(h), s.Data)
			must(t, err)
			r = string(out)
		case "release":
			must(t, m.Release(ctx, host.Handle(h)))
			r = "ok"
		case "rawCompile":
			res, err := m.Call(ctx, "compile", uint64(s.Ptr), uint64(s.Len))
			must(t, err)
			out, err := m.Reply(ctx, res[0])
			must(t, err)
			r = string(out)
		case "rawDecide":
			res, err := m.Call(ctx, "decide", uint64(h), 0, 0, uint64(s.Ptr), uint64(s.Len))
			must(t, err)
			r = strconv.FormatUint(uint64(uint32(res[0])), 10)
		case "decide":
			var a [4]byte
			binary.BigEndian.PutUint32(a[:], s.Addr)
			var code uint32
			for range max(s.Times, 1) {
				var err error
				code, err = m.Decide(ctx, host.Handle(h), s.Daemon, netip.AddrFrom4(a), uint16(s.Port))
				if err != nil && code != wire.DecideError {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			r = strconv.FormatUint(uint64(code), 10)
		case "pages":
			r = strconv.FormatUint(uint64(m.MemoryPages()), 10)
		case "check", "format", "diff":
			call := map[string]func(context.Context, []byte) ([]byte, error){"check": m.Check, "format": m.Format, "diff": m.Diff}[s.Op]
			out, err := call(ctx, s.Data)
			must(t, err)
			r = string(out)
		default:
			t.Fatalf("step %d: unknown op %q", i, s.Op)
		}
		answers[i] = r
	}
	return answers
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func u32(v uint32) *uint32 { return &v }
