package envoy

import (
	"io"
	"log"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/tcpwrap/tcpwrap/e2e/envoy/proxyvm"
)

// The network filter, built, under the SDK's proxytest: its host emulator
// holds the properties, configuration, logs and counters, and package
// proxyvm runs the .wasm as the emulator's VM (proxytest's own runner has
// no network contexts).

// startNetwork runs the built module under proxytest with conf and returns
// the emulator, the VM and the plugin's start status.
func startNetwork(t testing.TB, conf string) (proxytest.HostEmulator, *proxyvm.VM, types.OnPluginStartStatus) {
	t.Helper()
	vm, err := proxyvm.New(module(t), proxyvm.Network)
	if err != nil {
		t.Fatal(err)
	}
	host, st := startEmulator(t, vm, conf)
	return host, vm, st
}

// connect runs one connection from src and returns the action, whether
// the filter closed it and the deciding rule it left in filter state.
func connect(t testing.TB, host proxytest.HostEmulator, vm *proxyvm.VM, src string) (types.Action, bool, string) {
	t.Helper()
	if err := host.SetProperty([]string{"source", "address"}, []byte(src)); err != nil {
		t.Fatal(err)
	}
	id, a := host.InitializeConnection()
	closed := vm.Closed(id)
	rule, _ := host.GetProperty([]string{"tcpwrap.rule"})
	host.CompleteConnection(id)
	return a, closed, string(rule)
}

func quietLog(t testing.TB) {
	log.SetOutput(io.Discard) // proxytest prints every plugin log line
	t.Cleanup(func() { log.SetOutput(nil) })
}

func TestProxytestNetwork(t *testing.T) {
	quietLog(t)
	host, vm, st := startNetwork(t, conf)
	if st != types.OnPluginStartStatusOK {
		t.Fatalf("plugin start: %v; logs %q", st, host.GetCriticalLogs())
	}
	for round := 0; round < 2; round++ { // the second from the decision cache
		for _, c := range []struct {
			src    string
			action types.Action
			closed bool
			rule   string
		}{
			{"10.2.3.4:5555", types.ActionContinue, false, "hosts.allow:1"},
			{"203.0.113.9:5555", types.ActionPause, true, "hosts.deny:1"},
			{"[2001:db8::1]:443", types.ActionPause, true, "hosts.deny:1"},
			{"192.0.2.7:1", types.ActionContinue, false, "hosts.allow:2"},
		} {
			a, closed, rule := connect(t, host, vm, c.src)
			if a != c.action || closed != c.closed || rule != c.rule {
				t.Errorf("round %d: %s: action %v closed %v rule %q; want %v %v %q", round, c.src, a, closed, rule, c.action, c.closed, c.rule)
			}
		}
	}
	for n, w := range map[string]uint64{"tcpwrap.granted": 4, "tcpwrap.denied": 4, "tcpwrap.rule.hosts_allow.1": 2,
		"tcpwrap.rule.hosts_allow.2": 2, "tcpwrap.rule.hosts_deny.1": 4} {
		if got := httpCounter(t, host, n); got != w {
			t.Errorf("counter %s = %d, want %d", n, got, w)
		}
	}
	l := strings.Join(host.GetInfoLogs(), "\n")
	for _, w := range []string{"envoy 10.2.3.4:5555 -> 10.1.1.1:443: granted by hosts.allow:1",
		"203.0.113.9:5555 -> 10.1.1.1:443: denied by hosts.deny:1", "spawn not run: (echo 192.0.2.7) &"} {
		if !strings.Contains(l, w) {
			t.Errorf("logs lack %q:\n%s", w, l)
		}
	}
}

func TestProxytestNetworkShadow(t *testing.T) {
	quietLog(t)
	host, vm, st := startNetwork(t, `{"deny": "ALL: ALL\n", "shadow": true, "daemon": "edge"}`)
	if st != types.OnPluginStartStatusOK {
		t.Fatal("plugin did not start")
	}
	a, closed, rule := connect(t, host, vm, "203.0.113.9:5555")
	if a != types.ActionContinue || closed || rule != "hosts.deny:1" {
		t.Errorf("shadow: action %v closed %v rule %q", a, closed, rule)
	}
	if httpCounter(t, host, "tcpwrap.denied") != 1 {
		t.Error("the shadow denial was not counted")
	}
	if l := strings.Join(host.GetInfoLogs(), "\n"); !strings.Contains(l, "edge 203.0.113.9:5555 -> 10.1.1.1:443: denied by hosts.deny:1 (shadow)") {
		t.Errorf("logs:\n%s", l)
	}
}

// TestProxytestNetworkBadConfig: a bad configuration is refused when the
// plugin starts, with a critical log line, and the VM lives on.
func TestProxytestNetworkBadConfig(t *testing.T) {
	quietLog(t)
	for conf, want := range map[string]string{
		`{"allow": 1}`:                     "configuration rejected",
		`{"profile": "solaris"}`:           "solaris",
		`{"decisionCache": -1}`:            "decisionCache",
		`{"allow": "ALL: ALL\n"} trailing`: "trailing",
		``:                                 "empty plugin configuration",
	} {
		// A subtest each: proxytest allows one emulator at a time, and a
		// subtest's cleanup releases it.
		t.Run(conf, func(t *testing.T) {
			host, vm, st := startNetwork(t, conf)
			if st != types.OnPluginStartStatusFailed {
				t.Fatalf("plugin start %v, want failed", st)
			}
			if l := strings.Join(host.GetCriticalLogs(), "\n"); !strings.Contains(l, want) {
				t.Errorf("critical logs %q lack %q", l, want)
			}
			// The VM survives: the same module starts with a good
			// configuration afterwards (no trap, no lost instance).
			if vm.OnVMStart(0) != types.OnVMStartStatusOK {
				t.Error("the VM no longer starts")
			}
		})
	}
}

// TestProxytestNetworkMillion: a million connections under proxytest,
// with the module's linear memory flat (memoryFlat). Half the clients are
// distinct (the interval cache answers them), half repeat (from the cache
// by address for the IPv6 one, from the interval cache for the others);
// TestWasmMillion has the engine decide every connection.
func TestProxytestNetworkMillion(t *testing.T) {
	quietLog(t)
	host, vm, st := startNetwork(t, conf)
	if st != types.OnPluginStartStatusOK {
		t.Fatal("plugin did not start")
	}
	srcs := []string{"10.2.3.4:5555", "203.0.113.9:5555", "192.0.2.7:1", "[2001:db8::1]:443"}
	src := []string{"source", "address"}
	total := memoryFlat(t, "connections under proxytest", vm.MemoryBytes, func(from, count int) {
		for i := from; i < from+count; i++ {
			s := []byte(srcs[i%len(srcs)])
			if i%2 == 1 {
				s = []byte(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 1).String())
			}
			if err := host.SetProperty(src, s); err != nil {
				t.Fatal(err)
			}
			id, _ := host.InitializeConnection()
			host.CompleteConnection(id)
		}
	})
	if got := httpCounter(t, host, "tcpwrap.granted") + httpCounter(t, host, "tcpwrap.denied"); got != uint64(total) {
		t.Errorf("granted+denied = %d, want %d", got, total)
	}
}

// TestProxytestHTTPMillion is TestProxytestNetworkMillion for the HTTP
// filter, with the client address header, under proxytest through
// proxyvm (proxytest's own runner never calls the module's
// proxy_on_delete, so the module would keep every request's context).
func TestProxytestHTTPMillion(t *testing.T) {
	quietLog(t)
	vm, err := proxyvm.New(module(t), proxyvm.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	host, st := startEmulator(t, vm, httpConf)
	if st != types.OnPluginStartStatusOK {
		t.Fatal("plugin did not start")
	}
	src := []string{"source", "address"}
	if err := host.SetProperty(src, []byte("10.9.0.1:5555")); err != nil {
		t.Fatal(err)
	}
	denied := 0
	total := memoryFlat(t, "requests under proxytest", vm.MemoryBytes, func(from, count int) {
		for i := from; i < from+count; i++ {
			client := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String()
			if i%3 == 0 {
				client = "203.0.113." + strconv.Itoa(i%256) // hosts.deny
			}
			id := host.InitializeHttpContext()
			host.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {"x-forwarded-for", client}}, true)
			if r := host.GetSentLocalResponse(id); r != nil {
				denied++
			}
			host.CompleteHttpContext(id)
		}
	})
	if want := (total + 2) / 3; denied != want {
		t.Errorf("%d requests denied, want %d", denied, want)
	}
}
