package main

import (
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

const testConf = `{"allow": "envoy: 10.0.0.0/8\nenvoy: 192.0.2.7 : spawn (echo %a) &\n", "deny": "ALL: ALL\n"}`

// start runs the plugin natively under proxytest with conf.
func start(t *testing.T, conf string) (proxytest.HostEmulator, types.OnPluginStartStatus) {
	t.Helper()
	return startVM(t, &vmContext{}, conf)
}

// hookVM makes plugin contexts that call hook at the start of every
// callback (pluginContext.testHook).
type hookVM struct {
	types.DefaultVMContext
	hook func()
}

func (v *hookVM) NewPluginContext(uint32) types.PluginContext {
	return &pluginContext{testHook: v.hook}
}

func startVM(t *testing.T, vm types.VMContext, conf string) (proxytest.HostEmulator, types.OnPluginStartStatus) {
	t.Helper()
	opt := proxytest.NewEmulatorOption().WithVMContext(vm).WithPluginConfiguration([]byte(conf)).
		WithProperty([]string{"destination", "address"}, []byte("10.1.1.1:443"))
	host, reset := proxytest.NewHostEmulator(opt)
	t.Cleanup(reset)
	if host.StartVM() != types.OnVMStartStatusOK {
		t.Fatal("StartVM failed")
	}
	return host, host.StartPlugin()
}

func connect(t *testing.T, host proxytest.HostEmulator, src string) types.Action {
	t.Helper()
	if err := host.SetProperty([]string{"source", "address"}, []byte(src)); err != nil {
		t.Fatal(err)
	}
	id, action := host.InitializeConnection()
	host.CompleteConnection(id)
	return action
}

func counter(t *testing.T, host proxytest.HostEmulator, name string) uint64 {
	t.Helper()
	v, err := host.GetCounterMetric(name)
	if err != nil {
		t.Fatalf("counter %s: %v", name, err)
	}
	return v
}

func TestNativeAllowDeny(t *testing.T) {
	host, st := start(t, testConf)
	if st != types.OnPluginStartStatusOK {
		t.Fatalf("start: %v %v", st, host.GetCriticalLogs())
	}
	if a := connect(t, host, "10.2.3.4:5555"); a != types.ActionContinue {
		t.Errorf("allowed client: action %v", a)
	}
	if rule, _ := host.GetProperty(FilterStateRule); string(rule) != "hosts.allow:1" {
		t.Errorf("filter state = %q", rule)
	}
	if a := connect(t, host, "203.0.113.9:5555"); a != types.ActionPause {
		t.Errorf("denied client: action %v", a)
	}
	if rule, _ := host.GetProperty(FilterStateRule); string(rule) != "hosts.deny:1" {
		t.Errorf("filter state = %q", rule)
	}
	if a := connect(t, host, "192.0.2.7:1"); a != types.ActionContinue {
		t.Errorf("spawn client: action %v", a)
	}
	if counter(t, host, "tcpwrap.granted") != 2 || counter(t, host, "tcpwrap.denied") != 1 {
		t.Errorf("outcome counters wrong")
	}
	if counter(t, host, "tcpwrap.rule.hosts_allow.1") != 1 || counter(t, host, "tcpwrap.rule.hosts_deny.1") != 1 || counter(t, host, "tcpwrap.rule.hosts_allow.2") != 1 {
		t.Errorf("rule counters wrong")
	}
	logs := strings.Join(host.GetInfoLogs(), "\n")
	for _, want := range []string{
		"tcpwrap: envoy 10.2.3.4:5555 -> 10.1.1.1:443: granted by hosts.allow:1",
		"tcpwrap: envoy 203.0.113.9:5555 -> 10.1.1.1:443: denied by hosts.deny:1",
		"tcpwrap: spawn not run: (echo 192.0.2.7) &",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

// TestNativeDestinationChanges: on a listener bound to a wildcard address
// destination.address is whichever local address the client reached, so
// one rule's log line (whose end is kept per rule) must follow it, as must
// the decision (the rule names a server address).
func TestNativeDestinationChanges(t *testing.T) {
	host, st := start(t, `{"allow": "envoy: 10.0.0.0/8\n", "deny": "envoy@10.1.1.2: ALL\n"}`)
	if st != types.OnPluginStartStatusOK {
		t.Fatal(host.GetCriticalLogs())
	}
	for _, c := range []struct{ src, dst, line string }{
		{"10.2.3.4:1", "10.1.1.1:443", "10.2.3.4:1 -> 10.1.1.1:443: granted by hosts.allow:1"},
		{"10.2.3.4:2", "10.1.1.2:443", "10.2.3.4:2 -> 10.1.1.2:443: granted by hosts.allow:1"},
		{"203.0.113.9:3", "10.1.1.2:443", "203.0.113.9:3 -> 10.1.1.2:443: denied by hosts.deny:1"},
		{"203.0.113.9:4", "10.1.1.1:443", "203.0.113.9:4 -> 10.1.1.1:443: granted by default allow"},
		{"10.2.3.4:5", "10.1.1.1:443", "10.2.3.4:5 -> 10.1.1.1:443: granted by hosts.allow:1"},
		{"203.0.113.9:6", "10.1.1.2:443", "203.0.113.9:6 -> 10.1.1.2:443: denied by hosts.deny:1"},
	} {
		if err := host.SetProperty([]string{"destination", "address"}, []byte(c.dst)); err != nil {
			t.Fatal(err)
		}
		connect(t, host, c.src)
		logs := host.GetInfoLogs()
		if got, want := logs[len(logs)-1], "tcpwrap: envoy "+c.line; got != want {
			t.Errorf("%s -> %s: logged %q, want %q", c.src, c.dst, got, want)
		}
	}
}

func TestNativeDefaultAndShadow(t *testing.T) {
	host, st := start(t, `{"deny": "envoy: 203.0.113.0/255.255.255.0\n", "shadow": true}`)
	if st != types.OnPluginStartStatusOK {
		t.Fatal(host.GetCriticalLogs())
	}
	if a := connect(t, host, "203.0.113.9:5555"); a != types.ActionContinue {
		t.Errorf("shadow mode closed a connection: %v", a)
	}
	if a := connect(t, host, "10.0.0.1:5555"); a != types.ActionContinue {
		t.Errorf("default allow: %v", a)
	}
	if counter(t, host, "tcpwrap.denied") != 1 || counter(t, host, "tcpwrap.rule.default") != 1 {
		t.Error("counters wrong")
	}
	logs := strings.Join(host.GetInfoLogs(), "\n")
	if !strings.Contains(logs, "denied by hosts.deny:1 (shadow)") || !strings.Contains(logs, "granted by default allow") {
		t.Errorf("logs:\n%s", logs)
	}
}

func TestNativeBadConfig(t *testing.T) {
	for _, conf := range []string{`{"allow": 3}`, `{"profile": "solaris"}`, `{"alow": ""}`, `not json`, ``} {
		t.Run("", func(t *testing.T) {
			host, st := start(t, conf)
			if st != types.OnPluginStartStatusFailed {
				t.Errorf("%q accepted", conf)
			}
			if l := host.GetCriticalLogs(); len(l) == 0 || !strings.Contains(l[0], "configuration rejected") {
				t.Errorf("%q: logs %v", conf, l)
			}
		})
	}
}

// TestGCPacer: the pacer's metrics exist as uint64 samples in this
// toolchain (the module is built by the same one; a missing name would
// make Value.Uint64 panic inside the filter), and the next collection
// waits for as many bytes as the live heap, gcMinGrowth at least.
func TestGCPacer(t *testing.T) {
	kinds := map[string]metrics.ValueKind{}
	for _, d := range metrics.All() {
		kinds[d.Name] = d.Kind
	}
	for _, name := range []string{gcAllocs, gcLive} {
		if k, ok := kinds[name]; !ok || k != metrics.KindUint64 {
			t.Errorf("runtime/metrics %s: present %v, kind %v; want a uint64", name, ok, k)
		}
	}
	for _, c := range []struct{ allocs, live, want uint64 }{
		{0, 0, gcMinGrowth},
		{100 << 20, 1 << 20, 100<<20 + gcMinGrowth},
		{100 << 20, 60 << 20, 160 << 20},
	} {
		if got := nextGC(c.allocs, c.live); got != c.want {
			t.Errorf("nextGC(%d, %d) = %d, want %d", c.allocs, c.live, got, c.want)
		}
	}

	// Natively the runtime collects on its own as well; what is checked
	// is that tick collects once the threshold is passed and not before.
	var g gcPacer
	for range gcCheckEvery {
		g.tick()
	}
	if g.next == 0 {
		t.Fatal("no collection at the first check")
	}
	before := g.next
	keep := make([][]byte, 0, 64)
	for range gcCheckEvery {
		g.tick()
	}
	if g.next != before {
		t.Errorf("collected with next %d, %d bytes short", before, before-allocated())
	}
	for allocated() < before {
		keep = append(keep[:0], make([]byte, 1<<16))
	}
	for range gcCheckEvery {
		g.tick()
	}
	if g.next <= before {
		t.Errorf("no collection past next %d (allocated %d)", before, allocated())
	}
	runtime.KeepAlive(keep)
}

func allocated() uint64 {
	s := []metrics.Sample{{Name: gcAllocs}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestNativePanicRecovered: a panic in a callback is recovered (natively
// a panic would fail the test; in wasm it would trap the module): a
// stream is denied, or let through in shadow mode, with a critical log,
// tcpwrap.internal_errors and "error: internal" in filter state, and the
// next stream is decided as usual; a panic while configuring fails the
// start.
func TestNativePanicRecovered(t *testing.T) {
	armed := false
	vm := &hookVM{hook: func() {
		if armed {
			panic("boom")
		}
	}}
	connection := func(host proxytest.HostEmulator) (types.Action, string) {
		a := connect(t, host, "10.2.3.4:5555")
		rule, _ := host.GetProperty(FilterStateRule)
		return a, string(rule)
	}
	for _, c := range []struct {
		name, conf string
		stream     func(proxytest.HostEmulator) (types.Action, string)
		denied     types.Action
	}{
		{"network", testConf, connection, types.ActionPause},
		{"network shadow", testConf[:len(testConf)-1] + `, "shadow": true}`, connection, types.ActionContinue},
		{"http", httpConf, func(host proxytest.HostEmulator) (types.Action, string) {
			a, resp, rule := request(t, host, "10.2.3.4:5555")
			if armed != (resp != nil && resp.StatusCode == 403) {
				t.Errorf("armed %v: local response %+v", armed, resp)
			}
			return a, rule
		}, types.ActionPause},
	} {
		t.Run(c.name, func(t *testing.T) {
			armed = false
			host, st := startVM(t, vm, c.conf)
			if st != types.OnPluginStartStatusOK {
				t.Fatal(host.GetCriticalLogs())
			}
			armed = true
			if a, rule := c.stream(host); a != c.denied || rule != "error: internal" {
				t.Errorf("panicking stream: action %v, filter state %q; want %v, error: internal", a, rule, c.denied)
			}
			armed = false
			if a, rule := c.stream(host); a != types.ActionContinue || rule != "hosts.allow:1" {
				t.Errorf("next stream: action %v, filter state %q", a, rule)
			}
			if counter(t, host, "tcpwrap.internal_errors") != 1 || counter(t, host, "tcpwrap.denied") != 1 || counter(t, host, "tcpwrap.granted") != 1 {
				t.Errorf("counters: internal %d denied %d granted %d", counter(t, host, "tcpwrap.internal_errors"),
					counter(t, host, "tcpwrap.denied"), counter(t, host, "tcpwrap.granted"))
			}
			if l := strings.Join(host.GetCriticalLogs(), "\n"); !strings.Contains(l, "tcpwrap: internal error deciding a ") || !strings.Contains(l, ": boom; denied") {
				t.Errorf("critical logs: %q", l)
			}
		})
	}
	t.Run("configure", func(t *testing.T) {
		armed = true
		host, st := startVM(t, vm, testConf)
		armed = false
		if st != types.OnPluginStartStatusFailed {
			t.Errorf("start: %v", st)
		}
		if l := strings.Join(host.GetCriticalLogs(), "\n"); !strings.Contains(l, "tcpwrap: internal error while configuring: boom") {
			t.Errorf("critical logs: %q", l)
		}
	})
}

// TestNativeDefaultRuleAccessChanges: the default rule's access is not
// fixed. In the upstream profile's PARANOID mode a client whose name does
// not map back to its address is denied with no rule matched, so the
// plugin's state for that rule (its outcome counter, whether to close, its
// log line's end) must follow each decision, remembered ones included.
func TestNativeDefaultRuleAccessChanges(t *testing.T) {
	host, st := start(t, `{"profile": "upstream", "allow": "", "deny": "envoy: 192.0.2.0/255.255.255.0\n",
		"hosts": "10.0.0.5 good.example.org\n10.0.0.6 127.0.0.5\n"}`)
	if st != types.OnPluginStartStatusOK {
		t.Fatalf("start: %v %v", st, host.GetCriticalLogs())
	}
	var granted, denied uint64
	for i := range 6 {
		for _, c := range []struct {
			src  string
			want types.Action
		}{{"10.0.0.5:1", types.ActionContinue}, {"10.0.0.6:1", types.ActionPause}, {"10.0.0.7:1", types.ActionContinue}} {
			if a := connect(t, host, c.src); a != c.want {
				t.Fatalf("round %d, %s: action %v, want %v", i, c.src, a, c.want)
			}
			if rule, _ := host.GetProperty(FilterStateRule); string(rule) != "default allow" {
				t.Fatalf("round %d, %s: filter state %q", i, c.src, rule)
			}
			if c.want == types.ActionContinue {
				granted++
			} else {
				denied++
			}
			if g, d := counter(t, host, "tcpwrap.granted"), counter(t, host, "tcpwrap.denied"); g != granted || d != denied {
				t.Fatalf("round %d, %s: granted %d denied %d, want %d and %d", i, c.src, g, d, granted, denied)
			}
		}
	}
	logs := host.GetInfoLogs()
	for _, want := range []string{
		"tcpwrap: envoy 10.0.0.6:1 -> 10.1.1.1:443: denied by default allow",
		"tcpwrap: envoy 10.0.0.7:1 -> 10.1.1.1:443: granted by default allow",
	} {
		n := 0
		for _, l := range logs {
			if l == want {
				n++
			}
		}
		if n != 6 {
			t.Errorf("%d lines %q, want 6", n, want)
		}
	}
}

// TestSame: same is bytes.Equal, on either side of its two-word case and
// for a difference at every position.
func TestSame(t *testing.T) {
	for _, a := range []string{"", "1.2.3.4", "1.2.3.4:", "10.0.0.1:22", "10.255.0.1:22", "192.168.100.1:80", "192.168.100.10:80", "255.255.255.255:65535"} {
		for _, b := range []string{"", "1.2.3.4", "1.2.3.4:", "10.0.0.1:22", "10.255.0.1:22", "192.168.100.1:80", "192.168.100.10:80", "255.255.255.255:65535"} {
			if got, want := same([]byte(a), []byte(b)), a == b; got != want {
				t.Errorf("same(%q, %q) = %v", a, b, got)
			}
		}
		for i := range len(a) {
			c := []byte(a)
			c[i]++
			if same([]byte(a), c) {
				t.Errorf("same(%q, %q) = true", a, c)
			}
		}
	}
}
