package engine

import (
	"context"
	"net/netip"
	"strings"
)

// This file finds rules no request can reach. Every request libwrap can
// see is equivalent, for a given pair of tables, to one of a finite set of
// representative requests built from the tables' own patterns: each
// literal, an instance of each prefix, suffix, wildcard, net/mask and
// netgroup, and fresh values that match none of them, for the daemon, the
// server, the client's address, its host name in each DNS state (none,
// "paranoid", verified) and the user. Reach finds, for each rule, the first
// representative it decides, or the earlier rules that decide every
// representative it would match.
//
// A rule matches when its daemon list matches the daemon side of the
// request (daemon, server) and its client list the client side (address,
// name, user); the two sides are independent. The daemon side's
// representatives are few and are tried one by one (reachsides.go). The
// client side's are every combination of an address, a name and a user,
// which for a blocklist of addresses and domains is the product of two
// long lists: Reach never lists them. Most client lists read the address
// and the name apart (an address pattern, or a domain that matches the
// name or the address), so the rules a client matches are those its
// address matches, those its name matches, and those of the few other
// lists, which are decided once per class of equivalent address, name and
// user; reachpairs.go combines the classes without listing their products.
// Indexes keyed by the patterns (as Decide's, index.go) find the rules an
// address or a name may match, so the work grows with the length of a
// blocklist, not with its square. reach_oracle_test.go keeps the direct
// algorithm, and the tests hold Reach to its answers.

// MaxReachRequests bounds the representatives Reach builds: the daemon
// side's requests (every daemon with every server), and the client side's
// addresses, names and users (whose combinations it never lists); it also
// bounds the host patterns read, pattern files' words included. Past it,
// Reach gives up and says so.
const MaxReachRequests = 2_000_000

// MaxReachWork bounds Reach's steps: a step is a list or a pattern tried
// for a representative (a list costs one per pattern, and one per pattern
// file word read), a class of representatives visited while combining the
// two sides, or a rule found to shadow another; and each rule the answer
// names as shadowing another costs reachRefWork steps. A blocklist's steps
// grow with its length, about 11 per line of addresses or domains (a
// 50,000-line blocklist takes 0.1 to 0.3 s natively), so the limit allows
// some 450,000 such lines. Rules that read the address, the name and the
// user together (EXCEPT lists mixing them, KNOWN, user@, pattern files)
// cost more, and so do answers: a mixed blocklist whose repeated rules are
// each shadowed by every earlier domain has an answer that grows with the
// square of its length. Past the limit, Reach gives up and says so;
// 5,000,000 steps take at most about a second natively (wildcards tried on
// every address and name are the slowest), several times that in a
// browser.
const MaxReachWork = 5_000_000

// reachRefWork is the steps one rule named in an answer's ShadowedBy
// costs (a RuleRef to build, and to report).
const reachRefWork = 4

// A RuleReach is what Reach found about one rule.
type RuleReach struct {
	Rule RuleRef `json:"rule"`
	// Witness is a request the rule decides; nil when none does.
	Witness *Request `json:"witness,omitempty"`
	// Never is set when the rule matches no request at all, whatever
	// comes before it.
	Never bool `json:"never,omitempty"`
	// ShadowedBy lists the earlier rules that decide every request it
	// would match (when it matches some but decides none).
	ShadowedBy []RuleRef `json:"shadowedBy,omitempty"`
}

// Reach analyses every rule of allow and deny (either may be nil) under
// policy p's resolver (netgroups) and files (pattern files). aclexec
// commands are assumed to succeed. It returns ok=false when the tables
// need more than MaxReachRequests representatives or more than
// MaxReachWork steps, and when a table is [Table.TooLarge] (not read).
func Reach(p *Policy) (rules []RuleReach, ok bool) {
	rules, _, ok = reach(p, nil, MaxReachWork)
	return rules, ok
}

// ReachContext is [Reach] until ctx is done: then it stops and returns
// no rules and an error matching [ErrCanceled]. It looks at ctx at every
// step (see [MaxReachWork]), every line and every host pattern it reads.
func ReachContext(ctx context.Context, p *Policy) (rules []RuleReach, ok bool, err error) {
	defer recoverCanceled(ctx, &err)
	rules, _, ok = reach(p, ctx.Done(), MaxReachWork)
	return rules, ok, nil
}

// reach is Reach within maxWork steps, polling done; it also returns the
// steps taken.
func reach(p *Policy, done <-chan struct{}, maxWork int) (rules []RuleReach, steps int, ok bool) {
	for _, t := range []*Table{p.Allow, p.Deny} {
		if t != nil && t.TooLarge {
			return nil, 0, false
		}
	}
	rules, lines, tables := reachRules(p)
	b := &reachBudget{left: maxWork, done: done}
	files := newFileReader(p, b)
	space := newReachSpace(p, MaxReachRequests, files)
	if space == nil {
		return nil, maxWork - b.left, false
	}
	ds := newDaemonSide(p, lines, tables, space, b)
	if ds == nil {
		return nil, maxWork - b.left, false
	}
	cs := newClientSide(p, lines, space, files, b)
	if cs == nil || !combine(rules, ds, cs, space, b) {
		return nil, maxWork - b.left, false
	}
	return rules, maxWork - b.left, true
}

// reachRules returns the rules of p's tables (hosts.allow's first), each
// with its RuleReach to fill in and its table (0 for hosts.allow, 1 for
// hosts.deny).
func reachRules(p *Policy) (rules []RuleReach, lines []*Line, tables []int) {
	for ti, t := range []*Table{p.Allow, p.Deny} {
		if t == nil {
			continue
		}
		for _, ln := range t.Lines {
			if ln.Kind == LineRule {
				rules = append(rules, RuleReach{Rule: RuleRef{File: t.Name, Line: ln.Num, Span: ln.TextSpan}})
				lines = append(lines, ln)
				tables = append(tables, ti)
			}
		}
	}
	return rules, lines, tables
}

// A reachBudget counts Reach's steps down from MaxReachWork, and stops
// Reach when done is closed.
type reachBudget struct {
	left int
	done <-chan struct{}
}

// spend takes n steps and reports whether the budget still holds.
func (b *reachBudget) spend(n int) bool {
	poll(b.done)
	b.left -= n
	return b.left >= 0
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

// A reachSpace is the representatives of a pair of tables: the daemon
// side's requests are every daemon with every server; the client side's
// are a client without an address then one with each address in turn,
// each with every name, each with every user, in that order.
type reachSpace struct {
	daemons []string
	servers []Endpoint
	addrs   []netip.Addr
	names   []string
	users   []string
}

// clientEndpoint is a representative client: at address ai (0 for none,
// i for addrs[i-1]) with name.
func (sp *reachSpace) clientEndpoint(ai int, name string) Endpoint {
	if ai == 0 {
		return Endpoint{Name: name}
	}
	return Endpoint{Socket: netip.AddrPortFrom(sp.addrs[ai-1], 40000), Name: name}
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

// newReachSpace returns the representatives of p's tables, whose pattern
// files it reads with files, or nil when there would be more than limit,
// or more than limit host patterns to read, or when a decision might read
// more than MaxPatternFileWords pattern-file words or a pattern file too
// large to read (whose words libwrap would match, and the engine cannot).
// It polls the budget's done (files.b) for every line and host pattern.
func newReachSpace(p *Policy, limit int, files *fileReader) *reachSpace {
	done := files.b.done
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
	// Pattern files stand for the patterns of their words, read as
	// fileMatch reads them (files; nested files in turn, up to one that
	// aborts the decision). A decision reads at most the words of every
	// list's files, and stops with an error past MaxPatternFileWords,
	// which the analysis, list by list, does not see: Reach gives up
	// unless no decision can get that far. This also bounds what it
	// reads of files that name further files without end (a binary names
	// the libraries it loads).
	var hosts []*hostPat
	var paths, serverPaths set[string] // serverPaths: those daemon@host names
	fileWords := 0
	host := func(hp *hostPat) bool {
		if hp.kind != hostFile {
			hosts = append(hosts, hp)
			return true
		}
		paths.add(hp.text)
		f := files.read(hp.text)
		fileWords += f.read
		return fileWords <= MaxPatternFileWords && !f.tooLarge
	}
	var daemonPats, userPats, namePats []strPat
	for _, t := range []*Table{p.Allow, p.Deny} {
		if t == nil {
			continue
		}
		for _, ln := range t.Lines {
			poll(done)
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
					if !host(dp.host) {
						return nil
					}
					if dp.host.kind == hostFile {
						serverPaths.add(dp.host.text)
					} else {
						serverHost(dp.host, &serverAddrs, &serverNames, p.Resolver)
					}
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
				if !host(cp.host) {
					return nil
				}
			}
			if len(hosts) > limit {
				return nil
			}
		}
	}
	for _, path := range paths.list {
		hosts = append(hosts, files.patterns(path)...)
		if len(hosts) > limit {
			return nil
		}
	}
	for _, path := range serverPaths.list {
		for _, hp := range files.patterns(path) {
			serverHost(hp, &serverAddrs, &serverNames, p.Resolver)
		}
	}
	for _, hp := range hosts {
		poll(done)
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
	if len(daemons.list)*servers+1+len(addrs.list)+len(names.list)+len(users.list) > limit {
		return nil
	}
	sp := &reachSpace{daemons: daemons.list, names: names.list, users: users.list}
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
	for _, a := range addrs.list {
		if ip, err := netip.ParseAddr(a); err == nil {
			sp.addrs = append(sp.addrs, ip)
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
func serverHost(hp *hostPat, addrs, names *set[string], res Resolver) {
	var tmp set[string]
	clientHost(hp, addrs, &tmp, res)
	for _, n := range tmp.list {
		names.add(n)
	}
}

// clientHost adds client addresses and host names a host pattern needs.
func clientHost(hp *hostPat, addrs, names *set[string], res Resolver) {
	switch hp.kind {
	case hostNetgroup:
		if l, ok := res.(NetgroupLister); ok {
			for _, h := range l.NetgroupHosts(hp.text[1:]) {
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
	if hp.sp.kind == strBracket {
		// [v6] (FreeBSD's profiles): the address, with its zone if any.
		for _, v := range instances(hp.sp) {
			addrs.add(v)
		}
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
