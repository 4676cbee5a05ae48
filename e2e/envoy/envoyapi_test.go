package envoy

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	bootstrap "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/stream/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	wasmhttp "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	wasmnet "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/wasm/v3"
	wasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	"github.com/tetratelabs/wazero"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"sigs.k8s.io/yaml"

	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/wasm/envoy/filter"
)

// TestDocsEnvoyConfig reads the Envoy configurations in README.md and
// checks what can be checked without an Envoy: that each is Envoy's v3
// API (every field name, type and "@type" known to go-control-plane, and
// its validation rules met, inside every typed_config too), and that the
// plugin configuration each carries is one the filter accepts, for the
// kind of filter it is loaded as; and that every access log field the
// README shows for the deciding rule names the filter state key Envoy
// stores it under.
func TestDocsEnvoyConfig(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := yamlBlocks(string(readme))
	var plugins []string // the filter kinds whose configuration was checked
	for _, b := range blocks {
		var m proto.Message
		var js []byte
		switch {
		case strings.HasPrefix(b, "static_resources:"):
			m, js = &bootstrap.Bootstrap{}, toJSON(t, b)
		case strings.HasPrefix(b, "http_filters:"):
			// A fragment of an http_connection_manager: completed with
			// the two fields it requires.
			m, js = &hcm.HttpConnectionManager{}, toJSON(t, "stat_prefix: web\nroute_config: {virtual_hosts: [{name: all, domains: ['*'], routes: [{match: {prefix: /}, route: {cluster: web}}]}]}\n"+b)
		default:
			continue
		}
		if err := protojson.Unmarshal(js, m); err != nil {
			t.Fatalf("README.md's Envoy configuration is not Envoy's v3 API: %v\n%s", err, b)
		}
		walk(t, m.ProtoReflect(), func(m proto.Message) {
			if v, ok := m.(interface{ ValidateAll() error }); ok {
				if err := v.ValidateAll(); err != nil {
					t.Errorf("%T in README.md's Envoy configuration: %v", m, err)
				}
			}
			var kind string
			var pc *wasmv3.PluginConfig
			switch w := m.(type) {
			case *wasmnet.Wasm:
				kind, pc = "network", w.GetConfig()
			case *wasmhttp.Wasm:
				kind, pc = "http", w.GetConfig()
			default:
				return
			}
			plugins = append(plugins, kind)
			if f := pc.GetVmConfig().GetCode().GetLocal().GetFilename(); !strings.HasSuffix(f, "tcpwrap-envoy.wasm") {
				t.Errorf("%s filter: the module is %q, want the file make envoy builds", kind, f)
			}
			var conf wrapperspb.StringValue
			if err := pc.GetConfiguration().UnmarshalTo(&conf); err != nil {
				t.Fatalf("%s filter: configuration: %v", kind, err)
			}
			f, err := filter.New([]byte(conf.Value))
			if err != nil {
				t.Fatalf("%s filter: the filter refuses the configuration: %v\n%s", kind, err, conf.Value)
			}
			if f.Config.Filter != kind {
				t.Errorf("%s filter: configured as a %s filter", kind, f.Config.Filter)
			}
			// The tables as tcpdchk (and more) sees them.
			prof, _ := engine.ParseProfile(f.Config.Profile)
			for _, d := range engine.Check(engine.Parse("hosts.allow", []byte(f.Config.Allow), prof), engine.Parse("hosts.deny", []byte(f.Config.Deny), prof), engine.CheckOptions{}) {
				if d.Severity <= engine.SeverityWarning {
					t.Errorf("%s filter: %v", kind, d)
				}
			}
		})
	}
	if strings.Join(plugins, ",") != "network,http" {
		t.Errorf("checked the plugin configurations of %q, want the network and the HTTP example", plugins)
	}

	// Envoy keeps a property a module sets as filter state "wasm." and
	// the path: every access log field in the README must read that key.
	want := "%FILTER_STATE(wasm." + filter.StateKey + ":PLAIN)%"
	fields := regexp.MustCompile(`%FILTER_STATE\([^)]*\)[^%\s]*%?`).FindAllString(string(readme), -1)
	if len(fields) == 0 {
		t.Error("README.md shows no FILTER_STATE field for the deciding rule")
	}
	for _, f := range fields {
		if f != want {
			t.Errorf("README.md reads the deciding rule as %s, want %s", f, want)
		}
	}
	if !strings.Contains(strings.Join(blocks, "\n"), want) {
		t.Errorf("no access log format in README.md's Envoy configurations reads %s", want)
	}
}

// yamlBlocks are the bodies of README's ```yaml fences, dedented.
func yamlBlocks(md string) []string {
	var out []string
	for _, part := range strings.Split(md, "```yaml\n")[1:] {
		body, _, _ := strings.Cut(part, "```")
		out = append(out, dedent(body))
	}
	return out
}

// dedent removes the indentation every non-blank line of s shares.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if n := len(l) - len(strings.TrimLeft(l, " ")); indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		}
	}
	return strings.Join(lines, "\n")
}

func toJSON(t *testing.T, y string) []byte {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		t.Fatalf("README.md's Envoy configuration is not YAML: %v\n%s", err, y)
	}
	return bytes.TrimSpace(js)
}

// walk calls visit with m and every message inside it, the contents of
// each google.protobuf.Any included (which fails the test when its type
// is unknown).
func walk(t *testing.T, m protoreflect.Message, visit func(proto.Message)) {
	if a, ok := m.Interface().(*anypb.Any); ok {
		inner, err := a.UnmarshalNew()
		if err != nil {
			t.Errorf("typed_config %s: %v", a.GetTypeUrl(), err)
			return
		}
		m = inner.ProtoReflect()
	}
	visit(m.Interface())
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len(); i++ {
				walk(t, v.List().Get(i).Message(), visit)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, e protoreflect.Value) bool {
				walk(t, e.Message(), visit)
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			walk(t, v.Message(), visit)
		}
		return true
	})
}

// What Envoy gives a module (proxy-wasm-cpp-host, from the release that
// added the WASI calls a standard Go module makes, which Envoy 1.33
// ships): its host functions for ABI 0.2.0 and its WASI functions. A
// module importing anything else fails to load in Envoy ("missing
// import"), which no emulator here would show.
var (
	envoyHostFunctions = strings.Fields(`log get_status set_property get_property send_local_response
		get_shared_data set_shared_data register_shared_queue resolve_shared_queue dequeue_shared_queue
		enqueue_shared_queue get_header_map_value add_header_map_value replace_header_map_value
		remove_header_map_value get_header_map_pairs set_header_map_pairs get_header_map_size
		get_buffer_status get_buffer_bytes set_buffer_bytes http_call grpc_call grpc_stream grpc_close
		grpc_cancel grpc_send set_tick_period_milliseconds get_current_time_nanoseconds define_metric
		increment_metric record_metric get_metric set_effective_context done call_foreign_function
		continue_stream close_stream`)
	envoyWASI = strings.Fields(`fd_write fd_read fd_seek fd_close fd_fdstat_get fd_fdstat_set_flags
		environ_get environ_sizes_get args_get args_sizes_get clock_time_get random_get sched_yield
		poll_oneoff proc_exit path_open fd_prestat_get fd_prestat_dir_name`)
)

// TestModuleLoadsInEnvoy checks the built module's imports and exports
// against what Envoy provides and looks for.
func TestModuleLoadsInEnvoy(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	m, err := r.CompileModule(ctx, module(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.ImportedFunctions() {
		mod, name, _ := f.Import()
		switch {
		case mod == "env" && strings.HasPrefix(name, "proxy_") && slices.Contains(envoyHostFunctions, strings.TrimPrefix(name, "proxy_")):
		case mod == "wasi_snapshot_preview1" && slices.Contains(envoyWASI, name):
		default:
			t.Errorf("the module imports %s.%s, which Envoy does not provide", mod, name)
		}
	}
	exports := m.ExportedFunctions()
	for _, name := range []string{"_initialize", "proxy_abi_version_0_2_0", "proxy_on_memory_allocate", "proxy_on_vm_start",
		"proxy_on_configure", "proxy_on_context_create", "proxy_on_new_connection", "proxy_on_request_headers", "proxy_on_log", "proxy_on_delete"} {
		if _, ok := exports[name]; !ok {
			t.Errorf("the module does not export %s", name)
		}
	}
}
