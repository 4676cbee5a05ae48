// Package filter is the host-independent half of the tcpwrap proxy-wasm
// filters (wasm/envoy): the plugin configuration, the compiled policy and
// one decision per connection or request. It runs natively and under
// GOOS=wasip1 alike, reads a file only when the configuration names one,
// and never runs a command.
package filter

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/tcpwrap/tcpwrap/engine"
)

// Config is the plugin configuration (Envoy's
// plugin_config.configuration, a JSON string).
type Config struct {
	// Allow and Deny are the texts of hosts.allow and hosts.deny.
	Allow string `json:"allow"`
	Deny  string `json:"deny"`
	// Hosts is an /etc/hosts-format table for name lookups ("" = none).
	Hosts string `json:"hosts"`
	// AllowFile, DenyFile and HostsFile name files holding those texts
	// instead, read once when the plugin is configured (a file and its
	// text together are an error; so is a file that cannot be read, and
	// a file or a text of hosts.allow or hosts.deny larger than
	// engine.MaxTableSize). The host must give the module file access:
	// Envoy gives none, so there only the texts work.
	AllowFile string `json:"allowFile"`
	DenyFile  string `json:"denyFile"`
	HostsFile string `json:"hostsFile"`
	// Daemon is the daemon name the rules are matched against ("envoy").
	Daemon string `json:"daemon"`
	// Profile is "debian" (default), "upstream" or "freebsd".
	Profile string `json:"profile"`
	// Shadow logs and counts every decision but never closes a connection
	// (nor answers 403).
	Shadow bool `json:"shadow"`

	// Filter is the kind of Envoy filter this configuration is for:
	// "network" (default; envoy.filters.network.wasm, one decision per
	// connection) or "http" (envoy.filters.http.wasm, one per request).
	// proxy-wasm does not tell a plugin which kind of stream a new context
	// is, so the configuration must.
	Filter string `json:"filter"`

	// The HTTP filter only (see package main's documentation and the
	// README): ClientAddressHeader names a request header holding the
	// client's address as a trusted proxy in front of Envoy wrote it
	// ("x-forwarded-for"; "" = off: source.address decides). The address
	// used is the TrustedHops-th entry counted from the right (0: the
	// right-most, written by the nearest proxy), as Envoy's
	// xff_num_trusted_hops counts. TrustedPeers, when set, lists the
	// addresses or CIDR prefixes of the proxies allowed to set the header:
	// from any other peer (source.address) the header is ignored.
	ClientAddressHeader string   `json:"clientAddressHeader"`
	TrustedHops         int      `json:"trustedHops"`
	TrustedPeers        []string `json:"trustedPeers"`

	// DecisionCache is how many decisions the filter remembers by client
	// address and server address and port (nil: DefaultDecisionCache; 0:
	// none, and no interval cache either; at most MaxDecisionCache). See
	// [Filter.DecideText].
	DecisionCache *int `json:"decisionCache"`

	peers     []netip.Prefix
	cacheSize int
}

// Decision cache sizes, in entries (44 bytes each; the size is rounded up
// to a power of two).
const (
	DefaultDecisionCache = 4096
	MaxDecisionCache     = 1 << 20
)

// ParseConfig reads a plugin configuration strictly: unknown fields,
// trailing data and an unknown profile are errors.
func ParseConfig(b []byte) (Config, error) {
	var c Config
	if len(bytes.TrimSpace(b)) == 0 {
		return c, errors.New("empty plugin configuration: want a JSON object with allow/deny")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("plugin configuration: %v", err)
	}
	if dec.More() {
		return c, errors.New("plugin configuration: trailing data after the JSON object")
	}
	for _, f := range []struct{ name, text, file string }{{"allow", c.Allow, c.AllowFile}, {"deny", c.Deny, c.DenyFile}, {"hosts", c.Hosts, c.HostsFile}} {
		if f.text != "" && f.file != "" {
			return c, fmt.Errorf("plugin configuration: %s and %sFile: give the text or the file, not both", f.name, f.name)
		}
	}
	if c.Daemon == "" {
		c.Daemon = "envoy"
	}
	if strings.ContainsAny(c.Daemon, " \t\n") {
		return c, fmt.Errorf("plugin configuration: daemon %q contains blanks", c.Daemon)
	}
	if _, err := engine.ParseProfile(c.Profile); err != nil {
		return c, fmt.Errorf("plugin configuration: %v", err)
	}
	switch c.Filter {
	case "":
		c.Filter = "network"
	case "network", "http":
	default:
		return c, fmt.Errorf("plugin configuration: filter %q: want \"network\" or \"http\"", c.Filter)
	}
	if c.Filter != "http" && c.ClientAddressHeader != "" {
		return c, errors.New("plugin configuration: clientAddressHeader needs \"filter\": \"http\"")
	}
	if h := c.ClientAddressHeader; h != "" {
		for i := 0; i < len(h); i++ {
			if b := h[i]; !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
				return c, fmt.Errorf("plugin configuration: clientAddressHeader %q: want a lower-case header name", h)
			}
		}
	}
	if c.TrustedHops < 0 || c.TrustedHops > MaxHops {
		return c, fmt.Errorf("plugin configuration: trustedHops %d: want 0 to %d", c.TrustedHops, MaxHops)
	}
	if c.ClientAddressHeader == "" && (c.TrustedHops != 0 || len(c.TrustedPeers) != 0) {
		return c, errors.New("plugin configuration: trustedHops and trustedPeers need clientAddressHeader")
	}
	c.cacheSize = DefaultDecisionCache
	if n := c.DecisionCache; n != nil {
		if *n < 0 || *n > MaxDecisionCache {
			return c, fmt.Errorf("plugin configuration: decisionCache %d: want 0 (off) to %d entries", *n, MaxDecisionCache)
		}
		c.cacheSize = *n
	}
	for _, t := range c.TrustedPeers {
		pfx, err := netip.ParsePrefix(t)
		if err != nil {
			a, aerr := netip.ParseAddr(t)
			if aerr != nil {
				return c, fmt.Errorf("plugin configuration: trustedPeers: %q is neither an address nor a CIDR prefix", t)
			}
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		c.peers = append(c.peers, pfx.Masked())
	}
	return c, nil
}

// MaxHops bounds trustedHops.
const MaxHops = 16

// MaxHeader bounds the length of the client address header's value: a
// longer one is a bad value.
const MaxHeader = 4096

// TrustedPeer reports whether the header may be read on a request from
// peer (the connection's source address): always when TrustedPeers is
// empty.
func (c *Config) TrustedPeer(peer netip.Addr) bool {
	if len(c.peers) == 0 {
		return true
	}
	peer = peer.Unmap()
	for _, p := range c.peers {
		if p.Contains(peer) {
			return true
		}
	}
	return false
}

// HeaderClient picks the client's address out of the client address
// header's value: the comma-separated entries (blanks around them are
// ignored; each an address, ip:port or [ipv6]:port) counted from the right,
// the TrustedHops-th (0 = the right-most). It returns the address and its
// text as written. A value that is too long, has an empty or unreadable
// entry at or right of the chosen one, or has too few entries is an error.
func (c *Config) HeaderClient(value string) (netip.AddrPort, string, error) {
	if len(value) > MaxHeader {
		return netip.AddrPort{}, "", fmt.Errorf("%s: %d bytes, more than %d", c.ClientAddressHeader, len(value), MaxHeader)
	}
	end := len(value)
	for hop := 0; ; hop++ {
		start := strings.LastIndexByte(value[:end], ',') + 1
		entry := strings.TrimSpace(value[start:end])
		ap, err := ParseAddr(entry)
		if err != nil {
			return netip.AddrPort{}, "", fmt.Errorf("%s: entry %d from the right: %v", c.ClientAddressHeader, hop, err)
		}
		if hop == c.TrustedHops {
			return ap, entry, nil
		}
		if start == 0 {
			entries := "entries"
			if hop == 0 {
				entries = "entry"
			}
			return netip.AddrPort{}, "", fmt.Errorf("%s: %d %s, want at least %d (trustedHops %d)", c.ClientAddressHeader, hop+1, entries, c.TrustedHops+1, c.TrustedHops)
		}
		end = start - 1
	}
}

// Filter is a compiled configuration with its decider. It is not safe for
// concurrent use: a proxy-wasm VM is single-threaded, and there is one
// Filter per plugin context.
type Filter struct {
	Config Config
	policy *engine.Policy
	quiet  *engine.Decider
	loud   *engine.Decider
	// The rules that decided so far, by ID; byLine maps a line of
	// hosts.allow (index 0) or hosts.deny (1) to its ID+1.
	rules  []Rule
	byLine [2][]int32
	other  map[string]int // a rule in any other file: "file:line" -> ID
	// cache holds recent decisions, direct-mapped by a hash of the
	// addresses (its length is a power of two, or 0).
	cache []cacheEntry
	// cuts divide the IPv4 clients into intervals that all get one
	// decision (engine.Policy.ClientCutsV4; nil: not known, or caching
	// off), and cuts6 the IPv6 ones that engine.CutsCoverV6
	// (ClientCutsV6, as high and low 64 bits); servers remember the
	// decisions by interval for the last few server addresses and ports,
	// the next to replace being servers[next].
	cuts         []uint32
	index4       []uint32 // nil, or indexCuts(cuts) when there are more than indexAbove
	cuts6        []u128
	servers      [maxServers]intervals
	last         *intervals     // the servers entry used last
	lastServer   netip.AddrPort // its address and port
	next         int
	hits, misses uint64
}

// A verdict is a remembered decision. It holds no pointer, so the caches
// cost the garbage collector nothing to scan.
type verdict struct {
	full   bool
	access uint8 // index in accesses
	close  bool
	rule   int32
}

// A cacheEntry is a verdict remembered by client and server address.
type cacheEntry struct {
	client, server [16]byte
	port           uint16
	bits           uint8 // client and server address kinds (addrKind)
	verdict
}

// intervals are the verdicts for one server address and port, one per
// interval of IPv4 clients (Filter.cuts) and one per interval of IPv6
// clients (Filter.cuts6, made on the first IPv6 client).
type intervals struct {
	used      bool
	server    [16]byte
	port      uint16
	bits      uint8
	verdicts  []verdict
	verdicts6 []verdict
}

// u128 is an IPv6 address as two numbers, for ordering.
type u128 struct{ hi, lo uint64 }

func toU128(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func (x u128) lessEq(y u128) bool { return x.hi < y.hi || x.hi == y.hi && x.lo <= y.lo }

// indexAbove is the number of IPv4 cuts above which they are indexed by
// /16 (Filter.index4, 256 KiB): a binary search over fewer takes at most
// six steps.
const indexAbove = 64

// maxServers is how many server addresses and ports the interval cache
// keeps verdicts for.
const maxServers = 4

var accesses = [...]engine.Access{engine.Granted, engine.Denied, engine.Delegated}

// addrKind tells an invalid address, IPv4 and IPv6 apart (their 16-byte
// forms alone do not: 10.0.0.1 and ::ffff:10.0.0.1).
func addrKind(a netip.Addr) uint8 {
	switch {
	case a.Is4():
		return 1
	case a.Is6():
		return 2
	}
	return 0
}

// A Rule is one deciding rule (or the default, or an error) with the names
// the filter reports it under. IDs are small integers given out in the
// order rules first decide, so a caller can keep per-rule state (a metric)
// in a slice.
type Rule struct {
	ID int
	// Name is "hosts.allow:3", "default allow", or "error: ...".
	Name string
	// Counter is the per-rule counter name ("tcpwrap.rule.hosts_allow.3",
	// "tcpwrap.rule.default", "tcpwrap.rule.error").
	Counter string
}

// Rules are the rules that decided so far, indexed by ID.
func (f *Filter) Rules() []Rule { return f.rules }

// New parses the configuration, reads the files it names, and compiles
// both tables once.
func New(configJSON []byte) (*Filter, error) {
	c, err := ParseConfig(configJSON)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		key, file string
		text      *string
	}{{"allowFile", c.AllowFile, &c.Allow}, {"denyFile", c.DenyFile, &c.Deny}, {"hostsFile", c.HostsFile, &c.Hosts}} {
		if f.file != "" {
			if *f.text, err = readTable(f.file); err != nil {
				return nil, fmt.Errorf("plugin configuration: %s: %v", f.key, err)
			}
		}
	}
	for _, t := range []struct{ key, text string }{{"allow", c.Allow}, {"deny", c.Deny}} {
		if len(t.text) > engine.MaxTableSize {
			return nil, fmt.Errorf("plugin configuration: %s: %v", t.key, engine.ErrTableTooLarge)
		}
	}
	prof, _ := engine.ParseProfile(c.Profile)
	p := &engine.Policy{
		Allow: engine.Parse("hosts.allow", []byte(c.Allow), prof),
		Deny:  engine.Parse("hosts.deny", []byte(c.Deny), prof),
	}
	if c.Hosts != "" {
		p.Resolver = engine.NewHostsResolver("hosts", []byte(c.Hosts))
	}
	f := &Filter{Config: c, policy: p, quiet: p.NewDecider(), loud: p.NewDecider(), other: map[string]int{}}
	f.quiet.Quiet = true
	if n := c.cacheSize; n > 0 {
		size := 1
		for size < n {
			size <<= 1
		}
		f.cache = make([]cacheEntry, size)
		f.cuts, _ = p.ClientCutsV4()
		if len(f.cuts) > indexAbove {
			f.index4 = indexCuts(f.cuts)
		}
		if cuts6, ok := p.ClientCutsV6(); ok {
			f.cuts6 = make([]u128, len(cuts6))
			for i, a := range cuts6 {
				f.cuts6[i] = toU128(a)
			}
		}
	}
	f.addRule("default allow", "tcpwrap.rule.default") // DefaultRule
	f.addRule("error", "tcpwrap.rule.error")           // ErrorRule
	return f, nil
}

// readTable reads a file named in the configuration, at most
// engine.MaxTableSize bytes.
func readTable(name string) (string, error) {
	f, err := openTable(name)
	if err != nil {
		return "", fmt.Errorf("%v (a proxy-wasm host without file access, such as Envoy, cannot read files: give the text instead)", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, engine.MaxTableSize+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %v", name, err)
	}
	if len(b) > engine.MaxTableSize {
		return "", fmt.Errorf("%s: %v", name, engine.ErrTableTooLarge)
	}
	return string(b), nil
}

// Diagnostics are the problems found while reading both tables (libwrap
// would warn about them at run time).
func (f *Filter) Diagnostics() []string {
	var out []string
	for _, t := range []*engine.Table{f.policy.Allow, f.policy.Deny} {
		for _, d := range t.Diagnostics {
			out = append(out, d.Error())
		}
	}
	return out
}

// Result is one connection's decision.
type Result struct {
	Access engine.Access
	// Rule is "hosts.allow:3", or "default allow" when no rule decided
	// (or "error: ..." when libwrap would not have decided). It is
	// Rules()[RuleID].Name but for ErrorRule.
	Rule string
	// Counter is the per-rule counter name ("tcpwrap.rule.hosts_allow.3",
	// "tcpwrap.rule.default").
	Counter string
	// RuleID is the rule's ID (see [Rule]).
	RuleID int
	// Close says whether the connection must be closed (denied or
	// delegated, and not in shadow mode).
	Close bool
	// Commands are the spawn/twist commands the rule would run, expanded;
	// none is ever run.
	Commands []engine.Command
}

// ParseAddr reads an Envoy address property ("10.0.0.1:443",
// "[::1]:80"); a bare IP gets port 0.
func ParseAddr(s string) (netip.AddrPort, error) {
	if ap, ok := parseV4Port(s); ok {
		return ap, nil
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap, nil
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("address %q: not ip:port", s)
	}
	return netip.AddrPortFrom(a, 0), nil
}

// parseV4Port reads the form Envoy gives almost every address in,
// "a.b.c.d:port" with no leading zeros, four times faster under wasm than
// netip.ParseAddrPort (which ParseAddr falls back on for anything else; the
// two agree wherever this one answers, FuzzParseV4Port).
func parseV4Port(s string) (netip.AddrPort, bool) {
	a, port, ok := parseV4(s)
	if !ok {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), port), true
}

// parseV4 is parseV4Port with the address as a number.
func parseV4(s string) (addr uint32, port uint16, ok bool) {
	i := 0
	for k := 0; k < 5; k++ {
		if k > 0 {
			want := byte('.')
			if k == 4 {
				want = ':'
			}
			if i >= len(s) || s[i] != want {
				return 0, 0, false
			}
			i++
		}
		start, v := i, uint32(0)
		for i < len(s) && i-start < 5 && s[i]-'0' <= 9 {
			v = v*10 + uint32(s[i]-'0')
			i++
		}
		if n := i - start; n == 0 || n > 1 && s[start] == '0' {
			return 0, 0, false
		}
		if k == 4 {
			return addr, uint16(v), i == len(s) && v <= 65535
		}
		if v > 255 {
			return 0, 0, false
		}
		addr = addr<<8 | v
	}
	return 0, 0, false
}

// Decide decides one connection from client (remote) to server (local).
func (f *Filter) Decide(client, server netip.AddrPort) Result {
	return f.DecideText(client, "", server)
}

// DecideText is Decide with the client's address as the caller read it
// ("10.0.0.1:443", "10.0.0.1", or ""): when it is the canonical text of an
// IPv4 client (which is what libwrap would print for it), the engine takes
// it as is instead of formatting the address again.
//
// The hot path is a quiet decision; only a rule carrying spawn/twist
// commands is decided a second time, not quietly, to report the expanded
// commands.
//
// Decisions are remembered (Config.DecisionCache): with the tables and
// the hosts table fixed by the configuration, libwrap's answer is a
// function of the client's address and the server's address and port,
// except where a rule's options expand the connection's other attributes
// (%r, the client's port, in the FreeBSD profile). So a decision is
// remembered only when its rule ran no option but allow or deny and it is
// not an error. Addresses with a zone are never remembered.
//
// Clients are remembered by interval: the tables cut the IPv4 and the
// IPv6 address space into intervals whose clients all get one decision
// (engine.Policy.ClientCutsV4 and ClientCutsV6; a netmask, [net]/len or
// prefix rule is one interval, an address with a name in the hosts table
// another), so a client never seen before costs a binary search over the
// cuts when another client of its interval was decided. The verdicts are
// kept per server address and port, for the last four. Clients of a
// family whose tables the engine cannot cut (for IPv4, a wildcard other
// than a trailing "*" after a dotted prefix, a suffix of digits, a mask
// with holes; for IPv6, a wildcard that could match an address's
// hexadecimal text; more than engine.MaxClientCuts cuts), and IPv6
// clients whose text has a dotted quad (IPv4-mapped and IPv4-compatible
// ones), are remembered by address, in a direct-mapped table where a
// repeat client costs a hash and a comparison.
func (f *Filter) DecideText(client netip.AddrPort, text string, server netip.AddrPort) Result {
	var slot *verdict // the verdict remembered, or the place for one
	var entry *cacheEntry
	var key cacheEntry
	ca, sa := client.Addr(), server.Addr()
	if sa.Zone() == "" && ca.Zone() == "" {
		if f.cuts != nil && ca.Is4() {
			slot = f.interval(ca, sa, server.Port())
		} else if f.cuts6 != nil && engine.CutsCoverV6(ca) {
			slot = f.interval6(ca, sa, server.Port())
		} else if len(f.cache) > 0 {
			key = cacheEntry{client: ca.As16(), server: sa.As16(), port: server.Port(), bits: addrKind(ca) | addrKind(sa)<<2}
			entry = &f.cache[cacheHash(&key)&uint64(len(f.cache)-1)]
			if entry.client == key.client && entry.server == key.server && entry.port == key.port && entry.bits == key.bits {
				key.verdict = entry.verdict
			}
			slot = &key.verdict // stored back into entry below
		}
	}
	if slot != nil {
		if slot.full {
			f.hits++
			rule := &f.rules[slot.rule]
			return Result{Access: accesses[slot.access], Rule: rule.Name, Counter: rule.Counter, RuleID: int(slot.rule), Close: slot.close}
		}
		f.misses++
	}
	r, cacheable := f.decide(client, text, server)
	if slot != nil && cacheable && r.RuleID != ErrorRule {
		*slot = verdict{full: true, close: r.Close, rule: int32(r.RuleID)}
		for i, a := range accesses {
			if a == r.Access {
				slot.access = uint8(i)
			}
		}
		if entry != nil {
			*entry = key
		}
	}
	return r
}

// Remembered is DecideText's answer for a client given only as its text
// ("10.0.0.1:5555"), as the deciding rule's ID (see [Rule]) and the
// access it gave, when the interval cache has it and it can be had
// without reading the text into a netip.AddrPort: the text is a plain
// IPv4 ip:port (parseV4Port's form), server is the server decided for
// last, and a client of the same interval was decided before. Otherwise
// it reports false, and the caller reads the address and calls
// DecideText, which decides and remembers. A remembered decision is
// never an error and runs no command; the stream is to be closed when the
// access is not granted, unless in shadow mode (Result.Close).
//
// This is the filter's hot path: a listener's connections all have one
// server, and most clients fall in intervals seen before.
func (f *Filter) Remembered(client string, server netip.AddrPort) (rule int, access engine.Access, ok bool) {
	iv := f.last
	if iv == nil || iv.verdicts == nil || f.lastServer != server {
		return 0, "", false
	}
	a, _, ok := parseV4(client)
	if !ok {
		return 0, "", false
	}
	v := iv.verdicts[f.interval4(a)]
	if !v.full {
		return 0, "", false
	}
	f.hits++
	return int(v.rule), accesses[v.access], true
}

// interval is the interval cache's slot for IPv4 client c and server s:
// the verdict for c's interval of Filter.cuts, kept for s's address and
// port.
func (f *Filter) interval(c, s netip.Addr, port uint16) *verdict {
	iv := f.server(s, port)
	if iv.verdicts == nil {
		iv.verdicts = make([]verdict, len(f.cuts))
	}
	b := c.As4()
	return &iv.verdicts[f.interval4(binary.BigEndian.Uint32(b[:]))]
}

// interval4 is the index of IPv4 address a's interval: the last cut at or
// below a (cuts[0] is 0). With an index (Filter.index4), only the cuts
// within a's /16 are searched.
func (f *Filter) interval4(a uint32) int {
	lo, hi := 0, len(f.cuts)
	if f.index4 != nil {
		lo, hi = int(f.index4[a>>16]), int(f.index4[a>>16+1])+1
	}
	for hi-lo > 1 {
		m := int(uint(lo+hi) >> 1)
		if f.cuts[m] <= a {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

// indexCuts makes Filter.index4 for sorted cuts starting at 0: entry h
// is the interval holding address h<<16, and entry 1<<16 the last
// interval, so that an address's interval lies between the entries of its
// /16 and the next.
func indexCuts(cuts []uint32) []uint32 {
	index := make([]uint32, 1<<16+1)
	k := 0
	for h := range 1 << 16 {
		for k+1 < len(cuts) && cuts[k+1] <= uint32(h)<<16 {
			k++
		}
		index[h] = uint32(k)
	}
	index[1<<16] = uint32(len(cuts) - 1)
	return index
}

// interval6 is interval for IPv6 client c (one that engine.CutsCoverV6)
// and Filter.cuts6.
func (f *Filter) interval6(c, s netip.Addr, port uint16) *verdict {
	iv := f.server(s, port)
	if iv.verdicts6 == nil {
		iv.verdicts6 = make([]verdict, len(f.cuts6))
	}
	a := toU128(c)
	lo, hi := 0, len(f.cuts6)
	for hi-lo > 1 {
		m := int(uint(lo+hi) >> 1)
		if f.cuts6[m].lessEq(a) {
			lo = m
		} else {
			hi = m
		}
	}
	return &iv.verdicts6[lo]
}

// server is the interval cache's verdicts for server address s and port.
// The last server asked for is checked first: on a listener, every
// connection has the same one.
func (f *Filter) server(s netip.Addr, port uint16) *intervals {
	if f.last != nil && f.lastServer == netip.AddrPortFrom(s, port) {
		return f.last
	}
	iv := f.findServer(s, port)
	f.last, f.lastServer = iv, netip.AddrPortFrom(s, port)
	return iv
}

// findServer looks for s and port among the servers remembered. A new
// server takes the place of the one that came in longest ago, its
// verdicts cleared.
func (f *Filter) findServer(s netip.Addr, port uint16) *intervals {
	server, bits := s.As16(), addrKind(s)
	var iv *intervals
	for i := range f.servers {
		if x := &f.servers[i]; x.used && x.server == server && x.port == port && x.bits == bits {
			iv = x
			break
		}
	}
	if iv == nil {
		iv = &f.servers[f.next]
		f.next = (f.next + 1) % maxServers
		clear(iv.verdicts)
		clear(iv.verdicts6)
		iv.server, iv.port, iv.bits, iv.used = server, port, bits, true
	}
	return iv
}

// CacheStats reports how many decisions were answered from the cache and
// how many were made.
func (f *Filter) CacheStats() (hits, misses uint64) { return f.hits, f.misses }

// cacheHash mixes the key's addresses and port (splitmix64's finaliser).
func cacheHash(k *cacheEntry) uint64 {
	h := uint64(k.port) | uint64(k.bits)<<16
	for _, b := range [...]*[16]byte{&k.client, &k.server} {
		h = mix64(h ^ binary.LittleEndian.Uint64(b[:8]))
		h = mix64(h ^ binary.LittleEndian.Uint64(b[8:]))
	}
	return h
}

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// decide makes one decision and reports whether it may be remembered.
func (f *Filter) decide(client netip.AddrPort, text string, server netip.AddrPort) (Result, bool) {
	req := engine.Request{Daemon: f.Config.Daemon, Client: engine.Endpoint{Socket: client}, Server: engine.Endpoint{Socket: server}}
	if a := client.Addr(); a.Is4() && text != "" {
		if i := strings.LastIndexByte(text, ':'); i >= 0 {
			text = text[:i]
		}
		if isText4(a, text) {
			req.Client.Addr = text
		}
	}
	d := f.quiet.Decide(req)
	r := Result{Access: d.Access}
	var id int
	switch {
	case d.Error != "":
		id = ErrorRule
	case d.Matched == nil:
		id = DefaultRule
	default:
		id = f.ruleID(d.Matched.File, d.Matched.Line)
	}
	rule := &f.rules[id]
	r.Rule, r.Counter, r.RuleID = rule.Name, rule.Counter, id
	if id == ErrorRule {
		r.Rule = "error: " + d.Error
	}
	if len(d.Commands) > 0 {
		ld := f.loud.Decide(req)
		r.Commands = append(r.Commands, ld.Commands...)
	}
	r.Close = d.Access != engine.Granted && !f.Config.Shadow
	return r, len(d.Commands) == 0 && fixedOptions(d.Options)
}

// fixedOptions reports whether options change nothing from one client to
// the next: none, or only allow and deny (which take no value, so expand
// nothing).
func fixedOptions(opts []engine.OptionRun) bool {
	for _, o := range opts {
		if o.Name != "allow" && o.Name != "deny" || o.Value != nil {
			return false
		}
	}
	return true
}

// isText4 reports whether s is a's dotted quad, as netip (and glibc's
// getnameinfo) prints it, without formatting a.
func isText4(a netip.Addr, s string) bool {
	b := a.As4()
	for i, x := range b {
		if i > 0 {
			if len(s) == 0 || s[0] != '.' {
				return false
			}
			s = s[1:]
		}
		n := 0
		for n < len(s) && n < 3 && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 0 || n > 1 && s[0] == '0' {
			return false
		}
		v := 0
		for _, c := range s[:n] {
			v = v*10 + int(c-'0')
		}
		if v != int(x) {
			return false
		}
		s = s[n:]
	}
	return s == ""
}

func (f *Filter) addRule(name, counter string) int {
	id := len(f.rules)
	f.rules = append(f.rules, Rule{ID: id, Name: name, Counter: counter})
	return id
}

// StateKey is the property the deciding rule's name is set under
// (proxy_set_property, a one-element path). Envoy keeps a module's
// property as filter state under "wasm." and the path, so an access log
// reads it as %FILTER_STATE(wasm.tcpwrap.rule:PLAIN)%.
const StateKey = "tcpwrap.rule"

// The IDs of the two rules every filter has.
const (
	// DefaultRule is "default allow": no rule decided.
	DefaultRule = 0
	// ErrorRule is every decision libwrap would not have made (a table
	// error): its Result.Rule is "error: " and the message.
	ErrorRule = 1
)

// ruleID is the ID of file:line, given out on its first decision: a slice
// index for both tables, no allocation once seen.
func (f *Filter) ruleID(file string, line int) int {
	t := -1
	switch file {
	case f.policy.Allow.Name:
		t = 0
	case f.policy.Deny.Name:
		t = 1
	}
	if t >= 0 && line > 0 && line < 1<<20 {
		if line < len(f.byLine[t]) {
			if id := f.byLine[t][line]; id > 0 {
				return int(id - 1)
			}
		} else {
			f.byLine[t] = append(f.byLine[t], make([]int32, line+1-len(f.byLine[t]))...)
		}
		id := f.newRule(file, line)
		f.byLine[t][line] = int32(id + 1)
		return id
	}
	key := file + ":" + strconv.Itoa(line)
	if id, ok := f.other[key]; ok {
		return id
	}
	id := f.newRule(file, line)
	f.other[key] = id
	return id
}

func (f *Filter) newRule(file string, line int) int {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.TrimPrefix(file, "/"))
	return f.addRule(file+":"+strconv.Itoa(line), "tcpwrap.rule."+name+"."+strconv.Itoa(line))
}
