// Package filter is the host-independent half of the tcpwrap proxy-wasm
// network filter (wasm/envoy): the plugin configuration, the compiled
// policy and one decision per connection. It runs natively and under
// GOOS=wasip1 alike, and never runs a command.
package filter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	// Daemon is the daemon name the rules are matched against ("envoy").
	Daemon string `json:"daemon"`
	// Profile is "debian" (default), "upstream" or "freebsd".
	Profile string `json:"profile"`
	// Shadow logs and counts every decision but never closes a connection.
	Shadow bool `json:"shadow"`
}

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
	if c.Daemon == "" {
		c.Daemon = "envoy"
	}
	if strings.ContainsAny(c.Daemon, " \t\n") {
		return c, fmt.Errorf("plugin configuration: daemon %q contains blanks", c.Daemon)
	}
	if _, err := engine.ParseProfile(c.Profile); err != nil {
		return c, fmt.Errorf("plugin configuration: %v", err)
	}
	return c, nil
}

// Filter is a compiled configuration with its decider. It is not safe for
// concurrent use: a proxy-wasm VM is single-threaded, and there is one
// Filter per plugin context.
type Filter struct {
	Config   Config
	policy   *engine.Policy
	quiet    *engine.Decider
	loud     *engine.Decider
	counters map[string]string // "hosts.allow:3" -> counter name, cached
}

// New parses the configuration and compiles both tables once.
func New(configJSON []byte) (*Filter, error) {
	c, err := ParseConfig(configJSON)
	if err != nil {
		return nil, err
	}
	prof, _ := engine.ParseProfile(c.Profile)
	p := &engine.Policy{
		Allow: engine.Parse("hosts.allow", []byte(c.Allow), prof),
		Deny:  engine.Parse("hosts.deny", []byte(c.Deny), prof),
	}
	if c.Hosts != "" {
		p.Resolver = engine.NewHostsResolver("hosts", []byte(c.Hosts))
	}
	f := &Filter{Config: c, policy: p, quiet: p.NewDecider(), loud: p.NewDecider(), counters: map[string]string{}}
	f.quiet.Quiet = true
	return f, nil
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
	// (or "error: ..." when libwrap would not have decided).
	Rule string
	// Counter is the per-rule counter name ("tcpwrap.rule.hosts_allow.3",
	// "tcpwrap.rule.default").
	Counter string
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
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap, nil
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("address %q: not ip:port", s)
	}
	return netip.AddrPortFrom(a, 0), nil
}

// Decide decides one connection from client (remote) to server (local).
// The hot path is a quiet decision; only a rule carrying spawn/twist
// commands is decided a second time, not quietly, to report the expanded
// commands.
func (f *Filter) Decide(client, server netip.AddrPort) Result {
	req := engine.Request{Daemon: f.Config.Daemon, Client: engine.Endpoint{Socket: client}, Server: engine.Endpoint{Socket: server}}
	d := f.quiet.Decide(req)
	r := Result{Access: d.Access}
	switch {
	case d.Error != "":
		r.Rule = "error: " + d.Error
		r.Counter = "tcpwrap.rule.error"
	case d.Matched == nil:
		r.Rule = "default allow"
		r.Counter = "tcpwrap.rule.default"
	default:
		r.Rule, r.Counter = f.ruleNames(d.Matched.File, d.Matched.Line)
	}
	if len(d.Commands) > 0 {
		ld := f.loud.Decide(req)
		r.Commands = append(r.Commands, ld.Commands...)
	}
	r.Close = d.Access != engine.Granted && !f.Config.Shadow
	return r
}

func (f *Filter) ruleNames(file string, line int) (string, string) {
	key := file + ":" + strconv.Itoa(line)
	if c, ok := f.counters[key]; ok {
		return key, c
	}
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.TrimPrefix(file, "/"))
	c := "tcpwrap.rule." + name + "." + strconv.Itoa(line)
	f.counters[key] = c
	return key, c
}
