package engine

import (
	"net/netip"
	"sort"
	"strings"
)

// This file finds rules no request can reach. Every request libwrap can
// see is equivalent, for a given pair of tables, to one of a finite set of
// representative requests built from the tables' own patterns: each
// literal, an instance of each prefix, suffix, wildcard, net/mask and
// netgroup, and fresh values that match none of them, for the daemon, the
// server, the client's address, its host name in each DNS state (none,
// "paranoid", verified) and the user. Reach decides every representative
// and reports, for each rule, a request that it decides, or the earlier
// rules that decide every request it would match.

// MaxReachRequests bounds the representative requests Reach decides; past
// it, Reach gives up and says so.
const MaxReachRequests = 2_000_000

// MaxReachWork bounds the lists Reach evaluates: every representative
// against every rule's daemon or client list. A blocklist's
// representatives grow with its rules, so the work grows with the square
// of its length: 2,000,000 lists take 0.1 to 0.8 s natively (50 to 400 ns
// each, measured on collected real tables), several times that in a
// browser, and allow some 350 address rules; past it, Reach gives up and
// says so.
const MaxReachWork = 2_000_000

// A RuleReach is what Reach found about one rule.
type RuleReach struct {
	Rule RuleRef `json:"rule"`
	// Witness is a request the rule decides; nil when none does.
	Witness *Request `json:"witness,omitempty"`
	// Never is set when the rule matches no request at all, whatever
	// comes before it.
	Never bool `json:"never,omitempty"`
	// ShadowedBy lists the earlier rules that decide every request the
	// rule would match (when it matches some but decides none).
	ShadowedBy []RuleRef `json:"shadowedBy,omitempty"`
}

// Reach analyses every rule of allow and deny (either may be nil) under
// policy p's resolver (netgroups) and files (pattern files). aclexec
// commands are assumed to succeed. It returns ok=false when the tables
// need more than MaxReachRequests representatives, or more than
// MaxReachWork evaluations of a rule's list for one.
func Reach(p *Policy) (rules []RuleReach, ok bool) {
	var lines []*Line
	for _, t := range []*Table{p.Allow, p.Deny} {
		if t == nil {
			continue
		}
		for _, ln := range t.Lines {
			if ln.Kind == LineRule {
				rules = append(rules, RuleReach{Rule: RuleRef{File: t.Name, Line: ln.Num, Span: ln.TextSpan}})
				lines = append(lines, ln)
			}
		}
	}
	space := newReachSpace(p, min(MaxReachRequests, MaxReachWork/max(len(lines), 1)))
	if space == nil {
		return nil, false
	}
	// A rule matches when its daemon list matches the daemon side of the
	// request (daemon, server) and its client list the client side
	// (client, user); the two sides are independent. Each side's
	// representatives fall into classes by which rules' lists they match:
	// sig[i] says whether rule i's list matches, and on lists those rules
	// in order.
	type class struct {
		sig []bool
		on  []int
		req Request
	}
	classes := func(daemon bool, side func(yield func(Request))) []class {
		var out []class
		seen := map[string]bool{}
		key := make([]byte, len(lines))
		side(func(r Request) {
			st := p.listState(r)
			var on []int
			for i, ln := range lines {
				key[i] = 0
				if st.listMatchAlone(ln, daemon) {
					key[i] = 1
					on = append(on, i)
				}
			}
			if !seen[string(key)] {
				seen[string(key)] = true
				sig := make([]bool, len(lines))
				for _, i := range on {
					sig[i] = true
				}
				out = append(out, class{sig, on, r})
			}
		})
		return out
	}
	daemonSide := classes(true, func(yield func(Request)) {
		for _, d := range space.daemons {
			for _, s := range space.servers {
				yield(Request{Daemon: d, Server: s})
			}
		}
	})
	clientSide := classes(false, func(yield func(Request)) {
		for _, c := range space.clients {
			for _, u := range space.users {
				yield(Request{Client: c, User: u})
			}
		}
	})
	matchesSome := make([]bool, len(rules))
	shadow := make([]map[int]bool, len(rules))
	for _, dc := range daemonSide {
		for _, cc := range clientSide {
			decider := -1
			for _, i := range cc.on {
				if !dc.sig[i] {
					continue
				}
				matchesSome[i] = true
				if decider < 0 {
					decider = i
					if rules[i].Witness == nil {
						w := Request{Daemon: dc.req.Daemon, EmptyDaemon: dc.req.EmptyDaemon, Server: dc.req.Server, Client: cc.req.Client, User: cc.req.User}
						rules[i].Witness = &w
					}
					continue
				}
				if shadow[i] == nil {
					shadow[i] = map[int]bool{}
				}
				shadow[i][decider] = true
			}
		}
	}
	for i := range rules {
		switch {
		case rules[i].Witness != nil:
		case !matchesSome[i]:
			rules[i].Never = true
		default:
			var by []int
			for j := range shadow[i] {
				by = append(by, j)
			}
			sort.Ints(by)
			for _, j := range by {
				rules[i].ShadowedBy = append(rules[i].ShadowedBy, rules[j].Rule)
			}
		}
	}
	return rules, true
}

// listState returns the state in which listMatchAlone evaluates lists for
// r: one for every rule, so that what it learns of r (the client's address
// text, its name) is learnt once.
func (p *Policy) listState(r Request) *evalState {
	st := &evalState{pol: p, prof: p.Profile(), res: p.Resolver, d: &Decision{}, quiet: true}
	if st.res == nil {
		st.res = emptyResolver{}
	}
	st.daemon = truncate(r.Daemon)
	if st.daemon == "" && !r.EmptyDaemon {
		st.daemon = unknown
	}
	if r.User != "" {
		st.user, st.userDone = truncate(r.User), true
	}
	st.client = hostState{ep: r.Client}
	st.server = hostState{ep: r.Server}
	return st
}

// listMatchAlone evaluates one side of rule ln in st (made by listState):
// its daemon list or its client list. A decision libwrap would not make
// (a pattern file that includes itself) counts as no match.
func (st *evalState) listMatchAlone(ln *Line, daemonSide bool) (ok bool) {
	st.fileStack, st.fileWords = st.fileStack[:0], 0
	defer func() {
		if e := recover(); e != nil {
			if _, isJump := e.(jump); !isJump {
				panic(e)
			}
			ok = false
		}
	}()
	if daemonSide {
		return st.listFrom(ln.Daemons.Tokens, 0, false, nil)
	}
	return st.listFrom(ln.Clients.Tokens, 0, true, nil)
}

type reachSpace struct {
	daemons []string
	servers []Endpoint
	clients []Endpoint
	users   []string
}

// set collects distinct values in order.
type set[T comparable] struct {
	seen map[T]bool
	list []T
}

func (s *set[T]) add(v T) {
	if s.seen == nil {
		s.seen = map[T]bool{}
	}
	if !s.seen[v] {
		s.seen[v] = true
		s.list = append(s.list, v)
	}
}

// newReachSpace returns the representatives of p's tables, or nil when
// there would be more than limit.
func newReachSpace(p *Policy, limit int) *reachSpace {
	var daemons, users, names set[string]
	var addrs set[string]
	var ports set[uint16]
	var serverAddrs, serverNames set[string]
	daemons.add(unknown)
	daemons.add("zzdaemon")
	users.add("")
	users.add("zzuser")
	names.add(unknown)
	names.add(paranoid)
	names.add("zz.fresh.invalid")
	names.add("zzlocal")
	addrs.add("198.51.100.77")
	addrs.add("2001:db8:ffff::77")
	addrs.add("::ffff:198.51.100.78")
	ports.add(1)
	for _, n := range []string{unknown, paranoid, "zz.fresh.invalid", "zzlocal"} {
		serverNames.add(n)
	}
	prof := p.Profile()
	var hostWords []string
	var daemonPats, userPats, namePats []strPat
	for _, t := range []*Table{p.Allow, p.Deny} {
		if t == nil {
			continue
		}
		for _, ln := range t.Lines {
			if ln.Kind != LineRule {
				continue
			}
			for _, tok := range ln.Daemons.Tokens {
				if tok.Except {
					continue
				}
				dp := tok.pat.daemon
				if dp.port >= 0 {
					ports.add(uint16(dp.port))
				} else {
					daemonPats = append(daemonPats, dp.name)
					for _, v := range instances(dp.name) {
						daemons.add(v)
					}
				}
				if dp.hasHost {
					hostWords = append(hostWords, dp.host.text)
					serverHost(dp.host, &serverAddrs, &serverNames)
				}
			}
			for _, tok := range ln.Clients.Tokens {
				if tok.Except {
					continue
				}
				cp := tok.pat.client
				if cp.hasUser {
					userPats = append(userPats, cp.user)
					for _, v := range instances(cp.user) {
						users.add(v)
					}
				}
				hostWords = append(hostWords, cp.host.text)
			}
		}
	}
	// Pattern files add their words, recursively (bounded).
	seenFiles := map[string]bool{}
	for i := 0; i < len(hostWords) && i < 100_000; i++ {
		hp := compileHost(hostWords[i], prof)
		if hp.kind == hostFile && p.Files != nil && !seenFiles[hp.text] {
			seenFiles[hp.text] = true
			if data, err := p.Files.ReadFile(hp.text); err == nil {
				hostWords = append(hostWords, strings.Fields(strings.ReplaceAll(string(data), "\x00", " "))...)
			}
			continue
		}
		clientHost(hp, &addrs, &names, p.Resolver)
		if hp.kind == hostString && hp.nameToo {
			namePats = append(namePats, hp.sp)
		}
	}
	// Strings that two patterns match at once: one's literal start, a
	// filler, the other's literal end.
	for _, c := range combos(daemonPats) {
		daemons.add(c)
	}
	for _, c := range combos(userPats) {
		users.add(c)
	}
	for _, c := range combos(namePats) {
		names.add(c)
	}
	servers := 1 + (1+len(serverAddrs.list))*len(ports.list)*len(serverNames.list)
	clients := len(names.list) * (1 + len(addrs.list))
	if len(daemons.list)*servers+clients*len(users.list) > limit {
		return nil
	}
	sp := &reachSpace{daemons: daemons.list, users: users.list}
	sp.servers = append(sp.servers, Endpoint{})
	for _, a := range append([]string{"192.0.2.254"}, serverAddrs.list...) {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			continue
		}
		for _, port := range ports.list {
			for _, n := range serverNames.list {
				sp.servers = append(sp.servers, Endpoint{Socket: netip.AddrPortFrom(ip, port), Name: n})
			}
		}
	}
	for _, n := range names.list {
		sp.clients = append(sp.clients, Endpoint{Name: n}) // no address
	}
	for _, a := range addrs.list {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			continue
		}
		for _, n := range names.list {
			sp.clients = append(sp.clients, Endpoint{Socket: netip.AddrPortFrom(ip, 40000), Name: n})
		}
	}
	return sp
}

// maxCombos bounds the pairwise combinations of one attribute's patterns.
const maxCombos = 400

// combos returns, for pairs of patterns, strings that start as one and end
// as the other requires.
func combos(pats []strPat) []string {
	var out []string
	ends := func(sp strPat) (head, tail string, ok bool) {
		t := sp.text
		switch sp.kind {
		case strExact:
			return t, t, true
		case strPrefix:
			return t, "", true
		case strSuffix:
			return "", t, true
		case strWild:
			i := strings.IndexAny(t, "*?")
			j := strings.LastIndexAny(t, "*?")
			return t[:i], t[j+1:], true
		}
		return "", "", false
	}
	for i, a := range pats {
		ha, _, ok := ends(a)
		if !ok {
			continue
		}
		for j, b := range pats {
			if i == j {
				continue
			}
			_, tb, ok := ends(b)
			if !ok {
				continue
			}
			if len(out) >= maxCombos {
				return out
			}
			out = append(out, ha+"zq"+tb, ha+tb)
		}
	}
	return out
}

// instances returns strings a string pattern matches (and near misses).
func instances(sp strPat) []string {
	t := sp.text
	switch sp.kind {
	case strExact:
		return []string{t}
	case strSuffix:
		return []string{"x" + t, "zz" + t[1:]}
	case strPrefix:
		return []string{t, t + "x", t + "x.y"}
	case strWild:
		a := strings.NewReplacer("*", "", "?", "x").Replace(t)
		b := strings.NewReplacer("*", "zq", "?", "y").Replace(t)
		return []string{a, b}
	case strBracket:
		if sp.v6ok {
			if sp.zone != "" {
				return []string{sp.v6.String(), sp.v6.WithZone(sp.zone).String()}
			}
			return []string{sp.v6.String()}
		}
	}
	return nil
}

// serverHost adds server addresses and names a host pattern needs.
func serverHost(hp *hostPat, addrs, names *set[string]) {
	var tmp set[string]
	clientHost(hp, addrs, &tmp, nil)
	for _, n := range tmp.list {
		names.add(n)
	}
}

// clientHost adds client addresses and host names a host pattern needs.
func clientHost(hp *hostPat, addrs, names *set[string], res Resolver) {
	switch hp.kind {
	case hostNetgroup:
		if l, ok := res.(interface{ netgroupHosts(string) []string }); ok {
			for _, h := range l.netgroupHosts(hp.text[1:]) {
				names.add(h)
			}
		}
		return
	case hostLocal, hostKnown:
		return
	case hostNetmask:
		if hp.v4ok {
			n := hp.net4
			for _, v := range []uint32{n, n + 1, n | ^hp.mask4, n &^ 1} {
				a := v4Addr(v)
				addrs.add(a.String())
				addrs.add("::ffff:" + a.String())
			}
		}
		if hp.v6ok {
			addrs.add(hp.net6.String())
			addrs.add(hp.net6.Next().String())
			if pfx, err := hp.net6.Prefix(int(hp.len6)); err == nil {
				addrs.add(pfx.Addr().String())
			}
		}
		return
	case hostFile:
		return
	}
	if !hp.nameToo {
		// Digits and dots only: an address pattern.
		t := hp.text
		switch hp.sp.kind {
		case strExact:
			if a, err := netip.ParseAddr(t); err == nil {
				addrs.add(a.String())
				if a.Is4() {
					addrs.add("::ffff:" + a.String())
				}
			}
		case strPrefix, strSuffix:
			for _, c := range completeV4(t) {
				addrs.add(c)
				addrs.add("::ffff:" + c)
			}
		}
		return
	}
	for _, v := range instances(hp.sp) {
		if a, err := netip.ParseAddr(v); err == nil {
			addrs.add(a.String())
			continue
		}
		if hp.sp.kind == strWild {
			// A wildcard may match addresses too: try digits for it.
			d := strings.NewReplacer("*", "1", "?", "1").Replace(hp.text)
			if a, err := netip.ParseAddr(d); err == nil {
				addrs.add(a.String())
			}
			for _, c := range completeV4(strings.NewReplacer("*", "", "?", "1").Replace(hp.text)) {
				addrs.add(c)
			}
		}
		names.add(v)
	}
}

// completeV4 turns a numeric fragment ("10.0.", ".1", "10.0.0.1") into
// dotted quads that carry it as a prefix or suffix.
func completeV4(frag string) []string {
	var out []string
	parts := strings.Split(strings.Trim(frag, "."), ".")
	fill := []string{"203", "0", "113", "9"}
	if strings.HasPrefix(frag, ".") {
		// suffix: the fragment's octets last
		oct := append(append([]string{}, fill[:4-min(len(parts), 4)]...), parts...)
		out = append(out, strings.Join(oct[len(oct)-4:], "."))
	} else {
		oct := append(append([]string{}, parts...), fill[min(len(parts), 4):]...)
		out = append(out, strings.Join(oct[:4], "."))
		oct2 := append(append([]string{}, parts...), "1", "1", "1", "1")
		out = append(out, strings.Join(oct2[:4], "."))
	}
	var valid []string
	for _, s := range out {
		if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
			valid = append(valid, a.String())
		}
	}
	return valid
}
