// Command envoy is tcpwrap as a proxy-wasm filter for Envoy, in two
// variants sharing one module and one plugin configuration:
//
//   - a network filter (envoy.filters.network.wasm): every new downstream
//     connection is decided from source.address and destination.address;
//     a denied one is closed;
//   - an HTTP filter (envoy.filters.http.wasm): every request is decided,
//     the client being source.address or, when clientAddressHeader is
//     configured, an address from that header (see package filter's
//     Config.HeaderClient); a denied request is answered 403 locally.
//
// Every decision is logged with the deciding file:line (or "default
// allow"), counted, recorded in filter state and, unless in shadow mode,
// enforced. Build:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o tcpwrap-envoy.wasm ./wasm/envoy
//
// The logic lives in package filter; this package is the proxy-wasm glue
// (github.com/proxy-wasm/proxy-wasm-go-sdk, standard Go). It also builds
// natively, for proxytest.
//
// The per-connection path allocates nothing of its own (measured: 2
// objects and 34 bytes a connection, the host's copies of the two
// properties; package hostcall reads them): every connection shares one
// stream context, metric IDs are defined once per rule and kept in a slice
// by rule ID, the filter state value is a cached byte slice per rule set
// through a path serialised once (package hostcall), addresses are
// parsed from the property bytes, decisions are remembered by interval of
// clients or by address (package filter's caches), the engine takes
// an IPv4 client's address text as read, and log lines are appended into
// one buffer (no fmt) and handed to the host without a copy, their ends
// made once per rule and destination address.
//
// A stream whose decision the interval cache holds, almost every one, takes
// the hot path: filter.Filter.Remembered reads the client's address text
// into a number and returns the deciding rule, whose state here holds
// everything else the stream needs (see remembered). In Go's wasm code
// each call and loop iteration costs a few ns, so that path makes few of
// either.
package main

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"runtime"
	"runtime/metrics"
	"strings"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/wasm/envoy/filter"
	"github.com/tcpwrap/tcpwrap/wasm/envoy/hostcall"
)

func main() {}

func init() { proxywasm.SetVMContext(&vmContext{}) }

// FilterStateRule is the property path holding the deciding rule
// (filter.StateKey; %FILTER_STATE(wasm.tcpwrap.rule:PLAIN)% in an Envoy
// access log).
var FilterStateRule = filterState.Elems()

var filterState = hostcall.NewPath(filter.StateKey)

var (
	sourceAddress      = hostcall.NewPath("source", "address")
	destinationAddress = hostcall.NewPath("destination", "address")
)

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct {
	types.DefaultPluginContext
	f                          *filter.Filter
	network                    bool // f is for a network filter, not an HTTP one
	granted, denied, delegated proxywasm.MetricCounter
	errors, internal           proxywasm.MetricCounter
	rules                      []ruleState  // by filter rule ID
	mode                       string       // "" or " (shadow)"
	prefix                     string       // "tcpwrap: " + the daemon + " "
	buf                        []byte       // the log line being built
	tcp                        *tcpContext  // shared by every connection
	http                       *httpContext // shared by every request
	gc                         gcPacer
	dst                        destination // the destination address last read
	testHook                   func()      // natively, tests make callbacks panic with it
}

// ruleState is what the plugin keeps per deciding rule: its counter
// (defined once), its name as the filter state value, and, for the access
// it last gave, that access's counter, whether the stream is closed, and
// the end of its log line (" -> 10.0.0.1:22: granted by hosts.allow:3
// (shadow)") for the destination address of generation gen. (A rule's
// access can change: the default rule denies in PARANOID mode a client
// whose name does not check out.)
type ruleState struct {
	counter proxywasm.MetricCounter
	value   []byte
	access  engine.Access
	outcome proxywasm.MetricCounter
	close   bool
	gen     uint64
	tail    []byte
}

// destination is the destination address as last read: a listener's
// address is the same on every stream, so it is parsed (and the log
// lines' tails made for it) only when it changes, which counts a new
// generation.
type destination struct {
	text   []byte
	server netip.AddrPort // the zero value when text is unreadable
	gen    uint64
}

// read reads destination.address.
func (d *destination) read() {
	b := hostcall.Property(destinationAddress)
	if d.gen != 0 && same(b, d.text) {
		return
	}
	d.text = append(d.text[:0], b...)
	d.server, _ = filter.ParseAddr(string(d.text))
	d.gen++
}

func (p *pluginContext) OnPluginStart(int) (status types.OnPluginStartStatus) {
	defer func() {
		if v := recover(); v != nil {
			proxywasm.LogCriticalf("tcpwrap: internal error while configuring: %v", v)
			status = types.OnPluginStartStatusFailed
		}
	}()
	if p.testHook != nil {
		p.testHook()
	}
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
	p.f, p.network = f, f.Config.Filter == "network"
	p.rules = p.rules[:0]
	p.prefix = "tcpwrap: " + f.Config.Daemon + " "
	p.granted = proxywasm.DefineCounterMetric("tcpwrap.granted")
	p.denied = proxywasm.DefineCounterMetric("tcpwrap.denied")
	p.delegated = proxywasm.DefineCounterMetric("tcpwrap.delegated")
	p.errors = proxywasm.DefineCounterMetric("tcpwrap.address_errors")
	p.internal = proxywasm.DefineCounterMetric("tcpwrap.internal_errors")
	mode := "enforcing"
	p.mode = ""
	if f.Config.Shadow {
		mode = "shadow"
		p.mode = " (shadow)"
	}
	header := "off"
	if h := f.Config.ClientAddressHeader; h != "" {
		header = h
	}
	proxywasm.LogInfof("tcpwrap: configured (%s filter, daemon %s, profile %s, %s, client address header %s)",
		f.Config.Filter, f.Config.Daemon, profileName(f.Config.Profile), mode, header)
	return types.OnPluginStartStatusOK
}

func profileName(s string) string {
	if s == "" {
		return "debian"
	}
	return s
}

// NewTcpContext and NewHttpContext: the SDK asks for an HTTP context
// first and takes a TCP one when that is nil, so each answers only for the
// configured kind of filter.
//
// A context keeps no state of its own beyond the plugin, so every stream
// shares one (no allocation per connection).
func (p *pluginContext) NewTcpContext(uint32) types.TcpContext {
	if p.f == nil || !p.network {
		return nil
	}
	if p.tcp == nil {
		p.tcp = &tcpContext{p: p}
	}
	return p.tcp
}

func (p *pluginContext) NewHttpContext(uint32) types.HttpContext {
	if p.f == nil || p.network {
		return nil
	}
	if p.http == nil {
		p.http = &httpContext{p: p}
	}
	return p.http
}

// rule is the plugin's state for filter rule id, made on its first use.
func (p *pluginContext) rule(id int) *ruleState {
	if id < len(p.rules) {
		return &p.rules[id]
	}
	return p.newRules(id)
}

// newRules makes the plugin's state for the rules up to id.
func (p *pluginContext) newRules(id int) *ruleState {
	for len(p.rules) <= id {
		r := p.f.Rules()[len(p.rules)]
		p.rules = append(p.rules, ruleState{counter: proxywasm.DefineCounterMetric(r.Counter), value: []byte(r.Name)})
	}
	return &p.rules[id]
}

// recoverStream is deferred by each stream callback. A Go panic that
// escaped a callback would trap the module, and Envoy would fail every
// later stream on that VM; a panic is instead logged as critical and
// the stream refused (tcpwrap.internal_errors, "error: internal"): an
// access check that cannot decide fails closed.
func (p *pluginContext) recoverStream(action *types.Action, what string, deny func() types.Action) {
	v := recover()
	if v == nil {
		return
	}
	proxywasm.LogCriticalf("tcpwrap: internal error deciding a %s: %v; %s%s", what, v, engine.Denied, p.mode)
	*action = p.refuse(p.internal, []byte("error: internal"), deny)
}

// refuse ends a stream the filter could not decide: it is counted under
// c and as a denial, state goes into filter state, and the stream is
// denied through deny, or let through in shadow mode.
func (p *pluginContext) refuse(c proxywasm.MetricCounter, state []byte, deny func() types.Action) types.Action {
	hostcall.Increment(c)
	hostcall.Increment(p.denied)
	hostcall.SetProperty(filterState, state)
	if p.f.Config.Shadow {
		return types.ActionContinue
	}
	return deny()
}

// remembered is the state of the rule that decides a client whose
// address reads client when the filter's interval cache has the answer
// (filter.Filter.Remembered), readied for record; nil otherwise. This is
// the hot path: no netip.AddrPort is made.
func (p *pluginContext) remembered(client string) *ruleState {
	id, access, ok := p.f.Remembered(client, p.dst.server)
	if !ok || id >= len(p.rules) {
		return nil
	}
	rs := &p.rules[id]
	if p.stale(rs, access) {
		p.ready(rs, access, p.f.Rules()[id].Name)
	}
	return rs
}

// decide decides a stream from client, whose address reads text, that
// remembered could not answer; records the decision (via as for record);
// logs the commands its rule would run; and reports whether to close the
// stream.
func (p *pluginContext) decide(client netip.AddrPort, text, via string) bool {
	r := p.f.DecideText(client, text, p.dst.server)
	rs := p.rule(r.RuleID)
	value := rs.value
	if r.RuleID == filter.ErrorRule {
		// Its name, the error's message, varies: readied every time.
		value = []byte(r.Rule)
		p.ready(rs, r.Access, r.Rule)
	} else if p.stale(rs, r.Access) {
		p.ready(rs, r.Access, r.Rule)
	}
	p.record(rs, value, text, via)
	for _, c := range r.Commands {
		proxywasm.LogInfo("tcpwrap: " + c.Kind + " not run: " + strings.TrimSpace(c.Command))
	}
	return r.Close
}

// stale reports whether rs was readied for another access or destination
// than a decision that gave access.
func (p *pluginContext) stale(rs *ruleState, access engine.Access) bool {
	return rs.access != access || rs.gen != p.dst.gen
}

// ready makes rs's outcome counter, close and log line end for a decision
// by the rule called rule that gave access, to the current destination.
// They are kept for the rule's next decision; the error rule's are made
// anew every time, for its name (its message) varies.
func (p *pluginContext) ready(rs *ruleState, access engine.Access, rule string) {
	rs.access, rs.gen = access, p.dst.gen
	switch access {
	case engine.Granted:
		rs.outcome = p.granted
	case engine.Delegated:
		rs.outcome = p.delegated
	default: // engine.Denied, the only other access
		rs.outcome = p.denied
	}
	rs.close = access != engine.Granted && !p.f.Config.Shadow
	t := append(rs.tail[:0], " -> "...)
	t = append(t, p.dst.text...)
	t = append(t, ": "+string(access)+" by "+rule+p.mode...)
	rs.tail = t
}

// record counts, logs and stores one decision by rs, value going into
// filter state (rs.value, or an error's message). client is the address
// as read ("10.0.0.1:5555"), via says where it came from when not
// source.address (the header and the peer); the server is p.dst.
func (p *pluginContext) record(rs *ruleState, value []byte, client, via string) {
	hostcall.Increment(rs.outcome)
	hostcall.Increment(rs.counter)
	hostcall.SetProperty(filterState, value)
	b := append(p.buf[:0], p.prefix...)
	b = append(b, client...)
	b = append(b, via...)
	b = append(b, rs.tail...)
	p.buf = b
	hostcall.LogInfo(b)
}

// same is bytes.Equal for an address property. In Go's wasm code a call
// costs about as much as comparing a short address word by word, and
// bytes.Equal makes two; 8 to 16 bytes (an IPv4 ip:port such as
// "10.255.0.1:22") are compared as two 8-byte words, the second
// overlapping the first.
func same(a, b []byte) bool {
	if n := len(a); n == len(b) && n >= 8 && n <= 16 {
		return binary.LittleEndian.Uint64(a) == binary.LittleEndian.Uint64(b) &&
			binary.LittleEndian.Uint64(a[n-8:]) == binary.LittleEndian.Uint64(b[n-8:])
	}
	return bytes.Equal(a, b)
}

// gcPacer forces a garbage collection now and then. In a Go wasip1
// reactor the collector's background workers only run while an exported
// call blocks, which a filter callback never does: without runtime.GC the
// heap (and the module's linear memory) grows with every connection
// (measured: 8.6 MB -> 245 MB over 1,000,000).
//
// A collection costs about as much as marking the live heap, which the
// tables set: a few MB for a 100-line table, tens of MB for a blocklist
// of 20,000 lines. So the pacer does what GOGC=100 does: it collects once
// the bytes allocated since the last collection reach the live heap it
// left (at least gcMinGrowth), which keeps the collector's share of the
// work the same whatever the tables' size. (A collection every fixed
// number of calls cost a 20,000-line table half its throughput.) The
// allocation total is read every gcCheckEvery calls, from runtime/metrics,
// which does not stop the world.
type gcPacer struct {
	n       uint32
	next    uint64            // the allocation total to collect at
	samples [2]metrics.Sample // gcAllocs, gcLive
}

const (
	gcCheckEvery = 256
	gcMinGrowth  = 4 << 20
	gcAllocs     = "/gc/heap/allocs:bytes"
	gcLive       = "/gc/heap/live:bytes"
)

func (g *gcPacer) tick() {
	if g.n++; g.n%gcCheckEvery == 0 {
		g.check()
	}
}

// check reads the allocation total and collects when it is due.
func (g *gcPacer) check() {
	if g.samples[0].Name == "" {
		g.samples[0].Name, g.samples[1].Name = gcAllocs, gcLive
	}
	metrics.Read(g.samples[:1])
	if g.samples[0].Value.Kind() != metrics.KindUint64 {
		// Not in this runtime (TestGCPacer says it is): collect at every
		// check rather than panic in Value.Uint64.
		runtime.GC()
		return
	}
	if allocs := g.samples[0].Value.Uint64(); allocs >= g.next {
		runtime.GC()
		metrics.Read(g.samples[:])
		live := uint64(0)
		if g.samples[1].Value.Kind() == metrics.KindUint64 {
			live = g.samples[1].Value.Uint64()
		}
		g.next = nextGC(g.samples[0].Value.Uint64(), live)
	}
}

// nextGC is the allocation total to collect at, after a collection that
// left live bytes when allocs had been allocated.
func nextGC(allocs, live uint64) uint64 { return allocs + max(live, gcMinGrowth) }
