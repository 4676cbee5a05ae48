package main

import (
	"strings"
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

const httpConf = `{"filter": "http", "clientAddressHeader": "x-forwarded-for", "trustedPeers": ["10.9.0.0/16"],
 "allow": "envoy: 10.0.0.0/255.0.0.0\nenvoy: 192.0.2.7 : spawn (echo %a) &\n", "deny": "ALL: ALL\n"}`

// request runs one request from peer src with headers and returns the
// action, the local response (nil when none) and the filter state.
func request(t *testing.T, host proxytest.HostEmulator, src string, headers ...[2]string) (types.Action, *proxytest.LocalHttpResponse, string) {
	t.Helper()
	if err := host.SetProperty([]string{"source", "address"}, []byte(src)); err != nil {
		t.Fatal(err)
	}
	id := host.InitializeHttpContext()
	hs := append([][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "example.org"}}, headers...)
	a := host.CallOnRequestHeaders(id, hs, true)
	resp := host.GetSentLocalResponse(id)
	rule, _ := host.GetProperty(FilterStateRule)
	host.CompleteHttpContext(id)
	return a, resp, string(rule)
}

func xff(v string) [2]string { return [2]string{"x-forwarded-for", v} }

func TestNativeHTTP(t *testing.T) {
	host, st := start(t, httpConf)
	if st != types.OnPluginStartStatusOK {
		t.Fatalf("start: %v", host.GetCriticalLogs())
	}
	for _, c := range []struct {
		name, src string
		headers   [][2]string
		status    uint32 // 0: let through
		rule      string
	}{
		{"peer allowed, no header", "10.2.3.4:5555", nil, 0, "hosts.allow:1"},
		{"peer denied, no header", "203.0.113.9:5555", nil, 403, "hosts.deny:1"},
		{"header from a trusted peer: allowed client", "10.9.0.1:5555", [][2]string{xff("203.0.113.1, 10.4.4.4")}, 0, "hosts.allow:1"},
		{"header from a trusted peer: denied client", "10.9.0.1:5555", [][2]string{xff("10.4.4.4,198.51.100.2")}, 403, "hosts.deny:1"},
		{"header from an untrusted peer is ignored", "10.2.3.4:5555", [][2]string{xff("198.51.100.2")}, 0, "hosts.allow:1"},
		{"spawn rule, IPv6 header entry", "10.9.0.1:5555", [][2]string{xff("[2001:db8::1]:443, 192.0.2.7")}, 0, "hosts.allow:2"},
		{"bad header value", "10.9.0.1:5555", [][2]string{xff("10.4.4.4, not-an-address")}, 403, "error: bad x-forwarded-for"},
		{"empty header value: as absent", "10.9.0.1:5555", [][2]string{xff("")}, 0, "hosts.allow:1"},
	} {
		a, resp, rule := request(t, host, c.src, c.headers...)
		switch {
		case c.status == 0 && (a != types.ActionContinue || resp != nil):
			t.Errorf("%s: action %v, response %+v; want it let through", c.name, a, resp)
		case c.status != 0 && (a != types.ActionPause || resp == nil || resp.StatusCode != c.status):
			t.Errorf("%s: action %v, response %+v; want %d", c.name, a, resp, c.status)
		}
		if rule != c.rule {
			t.Errorf("%s: filter state %q, want %q", c.name, rule, c.rule)
		}
	}
	if counter(t, host, "tcpwrap.granted") != 5 || counter(t, host, "tcpwrap.denied") != 3 || counter(t, host, "tcpwrap.address_errors") != 1 {
		t.Errorf("outcome counters wrong")
	}
	if counter(t, host, "tcpwrap.rule.hosts_allow.1") != 4 || counter(t, host, "tcpwrap.rule.hosts_deny.1") != 2 {
		t.Errorf("rule counters wrong")
	}
	logs := strings.Join(append(host.GetInfoLogs(), host.GetWarnLogs()...), "\n")
	for _, want := range []string{
		"tcpwrap: envoy 203.0.113.9:5555 -> 10.1.1.1:443: denied by hosts.deny:1",
		"tcpwrap: envoy 198.51.100.2 (x-forwarded-for from 10.9.0.1:5555) -> 10.1.1.1:443: denied by hosts.deny:1",
		"tcpwrap: spawn not run: (echo 192.0.2.7) &",
		`tcpwrap: envoy 10.9.0.1:5555 -> 10.1.1.1:443: denied by bad client address header: x-forwarded-for: entry 0 from the right: address "not-an-address": not ip:port`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

func TestNativeHTTPHopsAndShadow(t *testing.T) {
	host, st := start(t, `{"filter": "http", "clientAddressHeader": "x-forwarded-for", "trustedHops": 1, "shadow": true, "deny": "envoy: 198.51.100.0/255.255.255.0\n"}`)
	if st != types.OnPluginStartStatusOK {
		t.Fatalf("start: %v", host.GetCriticalLogs())
	}
	// trustedHops 1: the second entry from the right decides.
	a, resp, rule := request(t, host, "10.2.3.4:5555", xff("10.8.8.8, 198.51.100.2, 10.0.0.1"))
	if a != types.ActionContinue || resp != nil || rule != "hosts.deny:1" {
		t.Errorf("shadow denial: %v %+v %q", a, resp, rule)
	}
	// Too few entries for trustedHops 1: bad, let through in shadow mode.
	if a, resp, rule = request(t, host, "10.2.3.4:5555", xff("198.51.100.2")); a != types.ActionContinue || resp != nil || rule != "error: bad x-forwarded-for" {
		t.Errorf("shadow bad header: %v %+v %q", a, resp, rule)
	}
	if a, _, rule = request(t, host, "10.2.3.4:5555"); a != types.ActionContinue || rule != "default allow" {
		t.Errorf("no header: %v %q", a, rule)
	}
	if counter(t, host, "tcpwrap.denied") != 2 || counter(t, host, "tcpwrap.rule.default") != 1 {
		t.Error("counters wrong")
	}
	logs := strings.Join(append(host.GetInfoLogs(), host.GetWarnLogs()...), "\n")
	for _, want := range []string{"198.51.100.2 (x-forwarded-for from 10.2.3.4:5555) -> 10.1.1.1:443: denied by hosts.deny:1 (shadow)",
		"x-forwarded-for: 1 entry, want at least 2 (trustedHops 1) (shadow)"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

func TestNativeHTTPBadConfig(t *testing.T) {
	for _, conf := range []string{
		`{"filter": "udp"}`,
		`{"clientAddressHeader": "x-forwarded-for"}`,
		`{"filter": "http", "clientAddressHeader": "X Forwarded"}`,
		`{"filter": "http", "clientAddressHeader": "x-forwarded-for", "trustedHops": -1}`,
		`{"filter": "http", "clientAddressHeader": "x-forwarded-for", "trustedHops": 17}`,
		`{"filter": "http", "clientAddressHeader": "x-forwarded-for", "trustedPeers": ["10.0.0.0/33"]}`,
		`{"filter": "http", "trustedPeers": ["10.0.0.1"]}`,
	} {
		t.Run("", func(t *testing.T) {
			host, st := start(t, conf)
			if st != types.OnPluginStartStatusFailed {
				t.Errorf("%s accepted", conf)
			}
			if l := host.GetCriticalLogs(); len(l) == 0 || !strings.Contains(l[0], "configuration rejected") {
				t.Errorf("%s: logs %v", conf, l)
			}
		})
	}
}

// An unreadable source.address (an internal listener): the header is read
// only when trustedPeers is empty; otherwise the request is let through
// and counted as an address error, like the network filter's connection.
func TestNativeHTTPUnreadablePeer(t *testing.T) {
	for _, c := range []struct {
		peers string
		rule  string
	}{{`[]`, "hosts.deny:1"}, {`["10.0.0.0/8"]`, ""}} {
		t.Run(c.peers, func(t *testing.T) {
			host, st := start(t, `{"filter": "http", "clientAddressHeader": "x-real-ip", "trustedPeers": `+c.peers+`, "deny": "ALL: ALL\n"}`)
			if st != types.OnPluginStartStatusOK {
				t.Fatalf("start: %v", host.GetCriticalLogs())
			}
			a, resp, rule := request(t, host, "envoy://internal", [2]string{"x-real-ip", "198.51.100.2"})
			if rule != c.rule {
				t.Errorf("filter state %q, want %q", rule, c.rule)
			}
			if c.rule == "" && (a != types.ActionContinue || resp != nil || counter(t, host, "tcpwrap.address_errors") != 1) {
				t.Errorf("untrusted unreadable peer: %v %+v", a, resp)
			}
			if c.rule != "" && (resp == nil || resp.StatusCode != 403) {
				t.Errorf("header client not denied: %v %+v", a, resp)
			}
		})
	}
}
