// Command envoy is tcpwrap as a proxy-wasm network filter for Envoy
// (envoy.filters.network.wasm): every new downstream connection is decided
// against hosts.allow/hosts.deny from the plugin configuration, logged with
// the deciding file:line, counted, recorded in filter state and, when
// denied, closed. Build:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o tcpwrap-envoy.wasm ./wasm/envoy
//
// The logic lives in package filter; this file is the proxy-wasm glue
// (github.com/proxy-wasm/proxy-wasm-go-sdk, standard Go). It also builds
// natively, for proxytest.
package main

import (
	"runtime"
	"strings"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/wasm/envoy/filter"
)

func main() {}

func init() { proxywasm.SetVMContext(&vmContext{}) }

// FilterStateRule is the filter state key holding the deciding rule
// (%FILTER_STATE(tcpwrap.rule:PLAIN)% in an access log).
var FilterStateRule = []string{"filter_state", "tcpwrap.rule"}

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext {
	return &pluginContext{rules: map[string]proxywasm.MetricCounter{}}
}

type pluginContext struct {
	types.DefaultPluginContext
	f                          *filter.Filter
	granted, denied, delegated proxywasm.MetricCounter
	errors                     proxywasm.MetricCounter
	rules                      map[string]proxywasm.MetricCounter
	conns                      uint32
}

// gcEvery is how many connections pass between two forced collections.
// In a Go wasip1 reactor the garbage collector's background workers only
// run while an exported call blocks, which a filter callback never does:
// without runtime.GC the heap (and the module's linear memory) grows with
// every connection (measured: 8.6 MB -> 245 MB over 1,000,000). The heap
// here is a few MB, so one collection per 4,096 connections is cheap (the
// cost of a single collection was not measured on its own).
const gcEvery = 4096

func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	conf, err := proxywasm.GetPluginConfiguration()
	if err != nil && err != types.ErrorStatusNotFound {
		proxywasm.LogCriticalf("tcpwrap: cannot read the plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	f, err := filter.New(conf)
	if err != nil {
		proxywasm.LogCriticalf("tcpwrap: configuration rejected: %v", err)
		return types.OnPluginStartStatusFailed
	}
	for _, d := range f.Diagnostics() {
		proxywasm.LogWarnf("tcpwrap: %s", d)
	}
	p.f = f
	p.granted = proxywasm.DefineCounterMetric("tcpwrap.granted")
	p.denied = proxywasm.DefineCounterMetric("tcpwrap.denied")
	p.delegated = proxywasm.DefineCounterMetric("tcpwrap.delegated")
	p.errors = proxywasm.DefineCounterMetric("tcpwrap.address_errors")
	mode := "enforcing"
	if f.Config.Shadow {
		mode = "shadow"
	}
	proxywasm.LogInfof("tcpwrap: configured (daemon %s, profile %s, %s)", f.Config.Daemon, profileName(f.Config.Profile), mode)
	return types.OnPluginStartStatusOK
}

func profileName(s string) string {
	if s == "" {
		return "debian"
	}
	return s
}

func (p *pluginContext) NewTcpContext(contextID uint32) types.TcpContext {
	if p.f == nil {
		return nil
	}
	return &tcpContext{p: p}
}

func (p *pluginContext) counter(name string) proxywasm.MetricCounter {
	c, ok := p.rules[name]
	if !ok {
		c = proxywasm.DefineCounterMetric(name)
		p.rules[name] = c
	}
	return c
}

type tcpContext struct {
	types.DefaultTcpContext
	p *pluginContext
}

func property(path ...string) string {
	b, err := proxywasm.GetProperty(path)
	if err != nil {
		return ""
	}
	return string(b)
}

func (t *tcpContext) OnNewConnection() types.Action {
	p := t.p
	if p.conns++; p.conns%gcEvery == 0 {
		runtime.GC()
	}
	src, dst := property("source", "address"), property("destination", "address")
	client, err := filter.ParseAddr(src)
	if err != nil {
		p.errors.Increment(1)
		proxywasm.LogWarnf("tcpwrap: source.address %q unreadable; connection left open", src)
		return types.ActionContinue
	}
	server, _ := filter.ParseAddr(dst) // zero value: no server address
	r := p.f.Decide(client, server)
	switch r.Access {
	case engine.Granted:
		p.granted.Increment(1)
	case engine.Denied:
		p.denied.Increment(1)
	case engine.Delegated:
		p.delegated.Increment(1)
	}
	p.counter(r.Counter).Increment(1)
	_ = proxywasm.SetProperty(FilterStateRule, []byte(r.Rule))
	shadow := ""
	if p.f.Config.Shadow {
		shadow = " (shadow)"
	}
	proxywasm.LogInfof("tcpwrap: %s %s -> %s: %s by %s%s", p.f.Config.Daemon, src, dst, r.Access, r.Rule, shadow)
	for _, c := range r.Commands {
		proxywasm.LogInfof("tcpwrap: %s not run: %s", c.Kind, strings.TrimSpace(c.Command))
	}
	if r.Close {
		if err := proxywasm.CloseDownstream(); err != nil {
			proxywasm.LogErrorf("tcpwrap: close downstream: %v", err)
		}
		return types.ActionPause
	}
	return types.ActionContinue
}
