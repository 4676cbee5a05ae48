package envoy

import (
	"strings"
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

// The HTTP variant of the built .wasm runs under the SDK's own proxytest
// through its wasm runner (proxytest.NewWasmVMContext), which drives HTTP
// contexts (not network ones, hence host.go for those).

// startHTTP runs the built module under proxytest with conf and returns
// the host and the plugin's start status.
func startHTTP(t testing.TB, conf string) (proxytest.HostEmulator, types.OnPluginStartStatus) {
	t.Helper()
	vm, err := proxytest.NewWasmVMContext(module(t))
	if err != nil {
		t.Fatal(err)
	}
	return startEmulator(t, vm, conf)
}

// startEmulator runs vm under a proxytest host emulator with conf, until
// the test ends (proxytest allows one emulator at a time), and returns
// the emulator and the plugin's start status.
func startEmulator(t testing.TB, vm proxytest.WasmVMContext, conf string) (proxytest.HostEmulator, types.OnPluginStartStatus) {
	t.Helper()
	opt := proxytest.NewEmulatorOption().WithVMContext(vm).WithPluginConfiguration([]byte(conf)).
		WithProperty([]string{"destination", "address"}, []byte("10.1.1.1:443"))
	host, reset := proxytest.NewHostEmulator(opt)
	t.Cleanup(func() { reset(); vm.Close() })
	if host.StartVM() != types.OnVMStartStatusOK {
		t.Fatal("StartVM failed")
	}
	return host, host.StartPlugin()
}

func httpRequest(t testing.TB, host proxytest.HostEmulator, src string, headers ...[2]string) (types.Action, uint32, string) {
	t.Helper()
	if err := host.SetProperty([]string{"source", "address"}, []byte(src)); err != nil {
		t.Fatal(err)
	}
	id := host.InitializeHttpContext()
	a := host.CallOnRequestHeaders(id, append([][2]string{{":method", "GET"}, {":path", "/"}}, headers...), true)
	status := uint32(0)
	if r := host.GetSentLocalResponse(id); r != nil {
		status = r.StatusCode
	}
	rule, _ := host.GetProperty([]string{"tcpwrap.rule"})
	host.CompleteHttpContext(id)
	return a, status, string(rule)
}

// newLogs returns copies of the info and warning lines logged since the
// counts in seen, and updates seen. proxytest's .wasm runner keeps a view
// of the module's memory for each line instead of a copy (the proxy-wasm
// ABI only lends the message for the call), and the filter writes every
// decision's line from one reused buffer, so a line must be copied
// before the next request.
func newLogs(host proxytest.HostEmulator, seen *[2]int) []string {
	var out []string
	for i, l := range [][]string{host.GetInfoLogs(), host.GetWarnLogs()} {
		for _, x := range l[seen[i]:] {
			out = append(out, strings.Clone(x))
		}
		seen[i] = len(l)
	}
	return out
}

func httpCounter(t testing.TB, host proxytest.HostEmulator, name string) uint64 {
	t.Helper()
	v, err := host.GetCounterMetric(name)
	if err != nil {
		t.Fatalf("counter %s: %v", name, err)
	}
	return v
}

const httpConf = `{"filter": "http", "clientAddressHeader": "x-forwarded-for", "trustedPeers": ["10.9.0.0/16"],
 "allow": "envoy: 10.0.0.0/255.0.0.0\nenvoy: 192.0.2.7 : spawn (echo %a) &\n", "deny": "ALL: ALL : twist /bin/echo no %a\n"}`

func TestWasmHTTP(t *testing.T) {
	host, st := startHTTP(t, httpConf)
	if st != types.OnPluginStartStatusOK {
		t.Fatalf("start: %v", host.GetCriticalLogs())
	}
	xff := func(v string) [2]string { return [2]string{"x-forwarded-for", v} }
	var logs []string
	var seen [2]int
	for _, c := range []struct {
		name, src string
		headers   [][2]string
		status    uint32
		rule      string
	}{
		{"peer allowed", "10.2.3.4:5555", nil, 0, "hosts.allow:1"},
		{"peer denied (twist)", "203.0.113.9:5555", nil, 403, "hosts.deny:1"},
		{"trusted peer, allowed client", "10.9.0.1:1", [][2]string{xff("203.0.113.1, 10.4.4.4")}, 0, "hosts.allow:1"},
		{"trusted peer, denied client", "10.9.0.1:1", [][2]string{xff("10.4.4.4, 198.51.100.2")}, 403, "hosts.deny:1"},
		{"untrusted peer: header ignored", "10.2.3.4:1", [][2]string{xff("198.51.100.2")}, 0, "hosts.allow:1"},
		{"spawn", "10.9.0.1:1", [][2]string{xff("192.0.2.7")}, 0, "hosts.allow:2"},
		{"bad header value", "10.9.0.1:1", [][2]string{xff("10.4.4.4, 300.1.1.1")}, 403, "error: bad x-forwarded-for"},
		{"IPv6 peer denied", "[2001:db8::1]:443", nil, 403, "hosts.deny:1"},
	} {
		a, status, rule := httpRequest(t, host, c.src, c.headers...)
		logs = append(logs, newLogs(host, &seen)...)
		want := types.ActionContinue
		if c.status != 0 {
			want = types.ActionPause
		}
		if a != want || status != c.status || rule != c.rule {
			t.Errorf("%s: action %v status %d rule %q; want %v %d %q", c.name, a, status, rule, want, c.status, c.rule)
		}
	}
	if httpCounter(t, host, "tcpwrap.granted") != 4 || httpCounter(t, host, "tcpwrap.delegated") != 3 ||
		httpCounter(t, host, "tcpwrap.denied") != 1 || httpCounter(t, host, "tcpwrap.address_errors") != 1 ||
		httpCounter(t, host, "tcpwrap.rule.hosts_deny.1") != 3 {
		t.Error("counters wrong")
	}
	all := strings.Join(logs, "\n")
	for _, w := range []string{
		"tcpwrap: envoy 10.2.3.4:5555 -> 10.1.1.1:443: granted by hosts.allow:1",
		"tcpwrap: envoy 198.51.100.2 (x-forwarded-for from 10.9.0.1:1) -> 10.1.1.1:443: delegated by hosts.deny:1",
		"tcpwrap: envoy [2001:db8::1]:443 -> 10.1.1.1:443: delegated by hosts.deny:1",
		"tcpwrap: twist not run: /bin/echo no 203.0.113.9",
		"tcpwrap: spawn not run: (echo 192.0.2.7) &",
		`denied by bad client address header: x-forwarded-for: entry 0 from the right: address "300.1.1.1": not ip:port`,
	} {
		if !strings.Contains(all, w) {
			t.Errorf("logs lack %q:\n%s", w, all)
		}
	}
}

func TestWasmHTTPShadow(t *testing.T) {
	host, st := startHTTP(t, `{"filter": "http", "clientAddressHeader": "x-real-ip", "deny": "ALL: ALL\n", "shadow": true}`)
	if st != types.OnPluginStartStatusOK {
		t.Fatalf("start: %v", host.GetCriticalLogs())
	}
	var logs []string
	var seen [2]int
	for _, h := range [][][2]string{nil, {{"x-real-ip", "198.51.100.2"}}, {{"x-real-ip", "nope"}}} {
		if a, status, rule := httpRequest(t, host, "203.0.113.9:5555", h...); a != types.ActionContinue || status != 0 || rule == "" {
			t.Errorf("shadow %v: action %v status %d rule %q", h, a, status, rule)
		}
		logs = append(logs, newLogs(host, &seen)...)
	}
	if httpCounter(t, host, "tcpwrap.denied") != 3 {
		t.Error("denied counter wrong")
	}
	if all := strings.Join(logs, "\n"); !strings.Contains(all, "tcpwrap: envoy 198.51.100.2 (x-real-ip from 203.0.113.9:5555) -> 10.1.1.1:443: denied by hosts.deny:1 (shadow)\n") {
		t.Errorf("logs:\n%s", all)
	}
}

func TestWasmHTTPBadConfig(t *testing.T) {
	for _, conf := range []string{`{"filter": "http", "clientAddressHeader": "X-Forwarded-For"}`, `{"filter": "http", "trustedHops": 2}`,
		`{"filter": "tls"}`, `{"filter": "http", "clientAddressHeader": "x-forwarded-for", "trustedPeers": ["nope"]}`, `{`} {
		t.Run("", func(t *testing.T) {
			host, st := startHTTP(t, conf)
			if st != types.OnPluginStartStatusFailed {
				t.Errorf("%s accepted", conf)
			}
			if l := host.GetCriticalLogs(); len(l) == 0 || !strings.Contains(l[0], "configuration rejected") {
				t.Errorf("%s: logs %v", conf, l)
			}
		})
	}
}
