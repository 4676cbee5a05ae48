package engine

import (
	"cmp"
	"context"
	"net/netip"
	"slices"
	"strconv"
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
// A server is as requests have it: at an address, with the name the
// resolver gives that address (tcpd's, and tcpdmatch's daemon@host), or
// without one, named "unknown" or "paranoid". Where a daemon@host pattern
// reads the server's name, the servers are those at every address the
// resolver names ([ReverseLister]), so that one server matches every
// pattern its name and address match together, and addresses it does not
// name wherever the patterns' addresses have some; under a resolver that
// cannot list them Reach gives up. Addresses are represented exactly
// (hostReps): exact addresses, net/masks and numeric prefixes (whose
// ranges nest or stay apart: their ends and the addresses just outside
// them stand for every address), numeric suffixes (an address for each
// suffix in every stretch between those ends), and wildcards whose
// addresses can be listed; where a wildcard that cannot ("*.1") meets
// another address pattern of the same side Reach gives up rather than
// guess.
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
// two sides, or a rule found to shadow another; each rule the answer
// names as shadowing another costs reachRefWork steps, and each address
// tried to list an address wildcard's addresses wildAddrWork (once per
// wildcard text). A blocklist's steps grow with its length, about 11 per
// line of addresses or domains (a 50,000-line blocklist takes 0.1 to
// 0.3 s natively), so the limit allows some 450,000 such lines. Rules
// that read the address, the name and the user together (EXCEPT lists
// mixing them, KNOWN, user@, pattern files) cost more, and so do answers:
// a mixed blocklist whose repeated rules are each shadowed by every
// earlier domain has an answer that grows with the square of its length.
// Past the limit, Reach gives up and says so; 5,000,000 steps take at
// most about a second natively (wildcards tried on every address and name
// are the slowest), several times that in a browser.
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
	var cl, srv hostReps // the client's and the server's
	addrs := &cl.addrs
	var ports set[uint16]
	var serverPats []*hostPat
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
	srv.addrs.add("192.0.2.254")
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
						serverPats = append(serverPats, dp.host)
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
		serverPats = append(serverPats, files.patterns(path)...)
	}
	for _, hp := range serverPats {
		poll(done)
		if !clientHost(hp, &srv, nil, p.Resolver, p.Profile(), files.b) {
			return nil
		}
	}
	serverNames := slices.ContainsFunc(serverPats, readsName)
	if serverNames && !srv.addNamed(p) {
		return nil
	}
	srv.finish()
	if srv.inexact() {
		return nil
	}
	for _, hp := range hosts {
		poll(done)
		if !clientHost(hp, &cl, &names, p.Resolver, p.Profile(), files.b) {
			return nil
		}
		if hp.kind == hostString && hp.nameToo {
			namePats = append(namePats, hp.sp)
		}
	}
	cl.finish()
	if cl.inexact() {
		return nil
	}
	serverEnds, ok := servers(p, serverPats, serverNames, &srv, ports.list, limit)
	if !ok {
		return nil
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
	if len(daemons.list)*len(serverEnds)+1+len(addrs.list)+len(names.list)+len(users.list) > limit {
		return nil
	}
	if p.Profile().paranoidMode() && names.seen[paranoid] {
		// A client named "paranoid" is denied before the tables are read;
		// one named "PARANOID" is not, and matches what it would.
		names.list = slices.DeleteFunc(names.list, func(n string) bool { return truncate(n) == paranoid })
		names.add("PARANOID")
	}
	sp := &reachSpace{daemons: daemons.list, names: names.list, users: users.list, servers: serverEnds}
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
		a := fillWild(t, "", "x")
		b := fillWild(t, "zq", "y")
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

// fillWild returns wildcard t with each '*' replaced by star and each '?'
// by q (a strings.Replacer costs more to build than this whole pass).
func fillWild(t, star, q string) string {
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '*':
			b.WriteString(star)
		case '?':
			b.WriteString(q)
		default:
			b.WriteByte(t[i])
		}
	}
	return b.String()
}

// clientHost adds the addresses a host pattern needs to reps and, unless
// names is nil, the host names to names. A server's names are not the
// patterns' but the resolver's (addNamed). Listing a wildcard's addresses
// costs wildAddrWork steps of b for each address tried, once per wildcard
// text; it reports false when b runs out.
func clientHost(hp *hostPat, reps *hostReps, names *set[string], res Resolver, prof Profile, b *reachBudget) bool {
	if names == nil {
		names = &set[string]{}
	}
	addrs := &reps.addrs
	switch hp.kind {
	case hostNetgroup:
		if l, ok := res.(NetgroupLister); ok {
			for _, h := range l.NetgroupHosts(hp.text[1:]) {
				names.add(h)
			}
		}
		return true
	case hostLocal, hostKnown:
		return true
	case hostNetmask:
		if hp.v4ok {
			n, last := hp.net4, hp.net4|^hp.mask4
			for _, v := range []uint32{n, n + 1, last, n &^ 1} {
				reps.add(v4Addr(v))
			}
			if m := hp.mask4; m != 0 && m|(m-1) != ^uint32(0) {
				reps.loose++ // holes in the mask: not a block of addresses
			} else if m != ^uint32(0) {
				reps.blocks++
				reps.spans4 = append(reps.spans4, [2]uint32{n, last})
			} else {
				reps.exacts++
				reps.exact = append(reps.exact, v4Addr(n))
			}
		}
		if hp.v6ok {
			addrs.add(hp.net6.String())
			addrs.add(hp.net6.Next().String())
			if pfx, err := hp.net6.Prefix(int(hp.len6)); err == nil {
				addrs.add(pfx.Addr().String())
				reps.spans6 = append(reps.spans6, pfx)
			}
			reps.blocks++
		}
		return true
	case hostFile:
		return true
	}
	if hp.sp.kind == strBracket {
		// [v6] (FreeBSD's profiles): the address, with its zone if any.
		for _, v := range instances(hp.sp) {
			addrs.add(v)
		}
		if hp.sp.v6ok {
			reps.exact = append(reps.exact, hp.sp.v6)
		}
		reps.exacts++
		return true
	}
	if !hp.nameToo {
		// Digits and dots only: an address pattern.
		t := hp.text
		switch hp.sp.kind {
		case strExact:
			if a, err := netip.ParseAddr(t); err == nil {
				reps.add(a)
				reps.exact = append(reps.exact, a)
			}
			reps.exacts++
		case strPrefix, strSuffix:
			for _, a := range completeV4(t) {
				reps.add(a)
			}
			if hp.sp.kind == strSuffix {
				reps.suffix(t)
			} else {
				reps.blocks++
				if lo, hi, k := prefixRange(t); k == setRange {
					reps.add(v4Addr(lo))
					reps.add(v4Addr(hi))
					reps.spans4 = append(reps.spans4, [2]uint32{lo, hi})
				}
			}
		}
		return true
	}
	switch {
	case hp.sp.kind == strWild && addrWild(hp.text):
		w, seen := reps.wild[hp.sp.text]
		if !seen {
			all, ok, within := wildAddrs(&hp.sp, prof, b)
			if !within {
				return false
			}
			w = wildReps{n: len(all), ok: ok}
			if reps.wild == nil {
				reps.wild = map[string]wildReps{}
			}
			reps.wild[hp.sp.text] = w
			if ok {
				// Every address it matches: as many exact addresses
				// (added once: the same wildcard again adds none).
				for _, a := range all {
					reps.add(a)
				}
				reps.exact = append(reps.exact, all...)
			}
		}
		if w.ok {
			reps.exacts += w.n
		} else {
			reps.loose++
		}
	case hp.sp.kind == strExact:
		if a, err := netip.ParseAddr(hp.text); err == nil {
			// An address with letters or colons (IPv6).
			reps.exact = append(reps.exact, a)
			reps.exacts++
		}
	}
	for _, v := range instances(hp.sp) {
		if a, err := netip.ParseAddr(v); err == nil {
			addrs.add(a.String())
			continue
		}
		if hp.sp.kind == strWild {
			// A wildcard may match addresses too: try digits for it.
			d := fillWild(hp.text, "1", "1")
			if a, err := netip.ParseAddr(d); err == nil {
				addrs.add(a.String())
			}
			for _, a := range completeV4(fillWild(hp.text, "", "1")) {
				addrs.add(a.String())
			}
		}
		names.add(v)
	}
	return true
}

// completeV4 turns a numeric fragment ("10.0.", ".1", "10.0.0.1") into
// IPv4 addresses that carry it as a prefix or suffix.
func completeV4(frag string) []netip.Addr {
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
		// Octets of three digits, which a wildcard of one digit ("10.?")
		// does not match.
		oct3 := append(append([]string{}, parts...), "100", "100", "100", "100")
		out = append(out, strings.Join(oct3[:4], "."))
	}
	var valid []netip.Addr
	for _, s := range out {
		if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
			valid = append(valid, a)
		}
	}
	return valid
}

// hostReps collects the representatives host patterns need: addresses
// (host names are collected apart: see clientHost).
//
// It also sorts the address patterns by how their representatives stand
// for every address: exacts match one address each; blocks (net/masks,
// numeric prefixes) a range of addresses, any two of them nested or
// apart, so that their ends and the addresses just outside them meet
// every set of addresses some match and the rest do not; numeric suffixes
// (".1") fix the last octets, and finish finds, in every stretch of
// addresses the blocks part, one address for each longest suffix it may
// end with and one for none; wildcards whose addresses wildAddrs lists
// are as many exact addresses. Loose patterns (other wildcards that can
// match an address, net/masks with holes, suffixes along with IPv6
// blocks) cut across all that, and no representatives of theirs are a
// proof: Reach gives up where one meets any other (see inexact).
type hostReps struct {
	addrs                 set[string]
	exacts, blocks, loose int
	// The blocks' ranges, the exact patterns' addresses and the suffixes:
	// an address inside a block also needs its neighbours, in the block
	// and not it.
	spans4   [][2]uint32
	spans6   []netip.Prefix
	exact    []netip.Addr
	suffixes []v4Suffix
	// wild is what wildAddrs answered for each wildcard text.
	wild map[string]wildReps
	// named is how many addresses the resolver names, among exact (see
	// addNamed).
	named int
}

// wildReps is how many addresses wildAddrs listed for a wildcard, and
// whether it could.
type wildReps struct {
	n  int
	ok bool
}

// add adds the address a and, for an IPv4 address, its IPv4-mapped
// IPv6 form: a text libwrap's patterns see apart.
func (r *hostReps) add(a netip.Addr) {
	r.addrs.add(a.String())
	if a.Is4() {
		r.addrs.add("::ffff:" + a.String())
	}
}

// addNamed adds, for the server, every address p's resolver names: each
// is a representative with its own name, and the others, which have none,
// must be found apart from them, as from exact addresses. It reports
// false when the resolver cannot list them ([ReverseLister]).
func (r *hostReps) addNamed(p *Policy) bool {
	res := p.Resolver
	if res == nil {
		res = emptyResolver{}
	}
	l, ok := res.(ReverseLister)
	if !ok {
		return false
	}
	for _, a := range l.ReverseAddrs() {
		r.add(a)
		r.exact = append(r.exact, a)
		r.named++
	}
	return true
}

// A v4Suffix is a numeric suffix pattern: the last n octets of an
// address's text are the n low bytes of v.
type v4Suffix struct {
	n int
	v uint32
}

// mod is 256 to the power of the suffix's octets.
func (x v4Suffix) mod() uint64 { return 1 << (8 * x.n) }

func (x v4Suffix) match(a uint64) bool { return a%x.mod() == uint64(x.v) }

// suffix adds numeric suffix pattern t (".1", ".0.1"); one no address's
// text ends with (".01", ".1.2.3.4") adds nothing.
func (r *hostReps) suffix(t string) {
	parts := strings.Split(t[1:], ".")
	if len(parts) > 3 {
		return
	}
	var x v4Suffix
	for _, p := range parts {
		v, err := strconv.ParseUint(p, 10, 8)
		if err != nil || len(p) > 1 && p[0] == '0' {
			return
		}
		x.n++
		x.v = x.v<<8 | uint32(v)
	}
	r.suffixes = append(r.suffixes, x)
}

// finish adds what the patterns need together: for IPv4, an address in
// every stretch the blocks part, for each suffix and for none, and that
// no exact pattern (nor the resolver) names, wherever there is one
// (suffixStretches); for IPv6, the addresses just outside each block
// inside another and the last of each with blocks inside it, and the
// neighbours of the exact addresses inside blocks.
func (r *hostReps) finish() {
	if len(r.spans6) > 0 && len(r.suffixes) > 0 {
		// IPv6 texts that end in octets (::1.2.3.4) in IPv6 blocks.
		r.loose++
		return
	}
	if len(r.spans4) > 0 || len(r.suffixes) > 0 || r.named > 0 {
		if !r.suffixStretches() {
			r.loose++
		}
	}
	if len(r.spans6) == 0 {
		return
	}
	blocks := slices.Clone(r.spans6)
	slices.SortFunc(blocks, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	add := func(a netip.Addr) {
		if a.IsValid() {
			r.addrs.add(a.String())
		}
	}
	var open []netip.Prefix // the blocks around the current one
	lengths := map[int]bool{}
	in := map[netip.Prefix]bool{}
	for _, b := range blocks {
		lengths[b.Bits()] = true
		in[b] = true
		for len(open) > 0 && !open[len(open)-1].Contains(b.Addr()) {
			open = open[:len(open)-1]
		}
		if len(open) > 0 {
			add(b.Addr().Prev())
			add(lastOf(b).Next())
			add(lastOf(open[len(open)-1]))
		}
		open = append(open, b)
	}
	for _, a := range r.exact {
		if a.Unmap().Is4() {
			continue
		}
		a = a.WithZone("")
		for bits := range lengths {
			if p, err := a.Prefix(bits); err == nil && in[p] {
				add(a.Next())
				add(a.Prev())
				break
			}
		}
	}
}

func be32(b [4]byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// inexact reports whether the patterns' address representatives may miss
// a set of addresses (see hostReps).
func (r *hostReps) inexact() bool {
	return r.loose > 0 && r.loose+r.blocks+r.exacts+len(r.suffixes)+r.named > 1
}

// suffixStretches adds, for every stretch of IPv4 addresses between the
// ends of blocks (inside a block and none of the blocks inside it, or in
// none), an address that is no exact pattern's, for each suffix one whose
// longest suffix it is, and one that ends with none, wherever there is
// one. It reports false where it could not tell (no such address among
// the first it tried, and more left).
//
// The tries suffice: consecutive candidates for a suffix differ in the
// octet before it, so each exact address, and each longer suffix, rules
// out at most one of any 256 of them in a row (for none: each suffix
// rules out at most one of 256 consecutive addresses).
func (r *hostReps) suffixStretches() bool {
	blocks := slices.Clone(r.spans4)
	slices.SortFunc(blocks, func(a, b [2]uint32) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(b[1], a[1])
	})
	var stretches [][2]uint64
	var walk func(lo, hi uint64, i int) int
	walk = func(lo, hi uint64, i int) int {
		cur := lo
		for i < len(blocks) && uint64(blocks[i][0]) <= hi {
			c := blocks[i]
			if uint64(c[0]) > cur {
				stretches = append(stretches, [2]uint64{cur, uint64(c[0]) - 1})
			}
			i = walk(uint64(c[0]), uint64(c[1]), i+1)
			cur = max(cur, uint64(c[1])+1)
		}
		if cur <= hi {
			stretches = append(stretches, [2]uint64{cur, hi})
		}
		return i
	}
	walk(0, 1<<32-1, 0)
	var exact []uint64
	for _, a := range r.exact {
		if u := a.Unmap(); u.Is4() {
			exact = append(exact, uint64(be32(u.As4())))
		}
	}
	slices.Sort(exact)
	isExact := func(a uint64) bool { _, ok := slices.BinarySearch(exact, a); return ok }
	longer := make([][]v4Suffix, len(r.suffixes))
	for i, x := range r.suffixes {
		for _, y := range r.suffixes {
			if y.n > x.n && y.v%uint32(x.mod()) == x.v {
				longer[i] = append(longer[i], y)
			}
		}
	}
	add := func(a uint64) { r.add(v4Addr(uint32(a))) }
	// find adds the first address from a on, step by step, up to hi, for
	// which ok holds, when one of the first it tries does: x of those are
	// ruled out by exact addresses, and at most k of any 256 in a row by
	// other patterns.
	find := func(a, step, hi uint64, x, k int, ok func(uint64) bool) bool {
		if k >= 256 {
			return false
		}
		c := 1
		for (x+1+k*c+255)/256 > c {
			c++
		}
		for tries := x + 1 + k*c; tries > 0 && a <= hi; tries, a = tries-1, a+step {
			if ok(a) {
				add(a)
				return true
			}
		}
		return a > hi
	}
	for _, st := range stretches {
		lo, hi := st[0], st[1]
		i, _ := slices.BinarySearch(exact, lo)
		j, _ := slices.BinarySearch(exact, hi+1)
		x := j - i
		none := func(a uint64) bool {
			if isExact(a) {
				return false
			}
			for _, y := range r.suffixes {
				if y.match(a) {
					return false
				}
			}
			return true
		}
		if !find(lo, 1, hi, x, len(r.suffixes), none) {
			return false
		}
		for k, y := range r.suffixes {
			m := y.mod()
			a := lo - lo%m + uint64(y.v)
			if a < lo {
				a += m
			}
			only := func(a uint64) bool {
				if isExact(a) {
					return false
				}
				for _, z := range longer[k] {
					if z.match(a) {
						return false
					}
				}
				return true
			}
			if !find(a, m, hi, x, len(longer[k]), only) {
				return false
			}
		}
	}
	return true
}

// addrWild reports whether wildcard text can match an address's text:
// it has only digits, hex digits, dots, colons, '%' and wildcards, and
// not only '*' (which matches everything, as ALL does).
func addrWild(text string) bool {
	if strings.Trim(text, "*") == "" {
		return false
	}
	return onlyOf(text, "0123456789abcdefABCDEF.:%*?")
}

// maxWildAddrs bounds the addresses wildAddrs lists.
const maxWildAddrs = 1024

// wildAddrWork is the steps (see MaxReachWork) an address wildAddrs tries
// costs: printing it and matching the wildcard take several times a
// pattern tried on a representative. A wildcard of two octets and a '*'
// tries 65,536 addresses, so a table of such wildcards, all different,
// would otherwise take minutes before the analysis gave up.
const wildAddrWork = 4

// wildChunk is how many addresses wildAddrs pays for at a time: the
// analysis overruns its budget by less than one chunk.
const wildChunk = 256

// wildAddrs returns every address whose text wildcard sp matches, when
// it can list them: it has at most three '?' and no '*' (every way to
// fill them is tried), or it starts with two or three octets and dots
// ("127.0.0.*": every address in that range is tried); and they are at
// most maxWildAddrs. Each address it tries costs b wildAddrWork steps,
// charged every wildChunk addresses before they are tried: within is
// false when b ran out first (Reach then gives up).
func wildAddrs(sp *strPat, prof Profile, b *reachBudget) (out []netip.Addr, ok, within bool) {
	text := toLowerASCII(sp.text)
	if i := strings.IndexAny(text, "*?"); strings.Contains(text, "*") {
		j := strings.LastIndexByte(text[:i], '.')
		if j < 0 {
			return nil, false, true
		}
		parts := strings.Split(text[:j], ".")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, false, true
		}
		var base uint32
		for _, p := range parts {
			v, err := strconv.ParseUint(p, 10, 8)
			if err != nil || len(p) > 1 && p[0] == '0' {
				return nil, true, true // no address's text starts so
			}
			base = base<<8 | uint32(v)
		}
		n := 4 - len(parts)
		for v := range uint32(1) << (8 * n) {
			if v%wildChunk == 0 && !b.spend(wildChunk*wildAddrWork) {
				return nil, false, false
			}
			a := v4Addr(base<<(8*n) | v)
			if sp.match(a.String(), prof, nil) {
				if out = append(out, a); len(out) > maxWildAddrs {
					return nil, false, true
				}
			}
		}
		return out, true, true
	}
	if strings.Count(text, "?") > 3 {
		return nil, false, true
	}
	const chars = "0123456789abcdef.:"
	tried, within := 0, true
	var walk func(pre, rest string)
	walk = func(pre, rest string) {
		if !within {
			return
		}
		i := strings.IndexByte(rest, '?')
		if i < 0 {
			if tried%wildChunk == 0 && !b.spend(wildChunk*wildAddrWork) {
				within = false
				return
			}
			tried++
			t := pre + rest
			if a, err := netip.ParseAddr(t); err == nil && a.Zone() == "" && (a.String() == t || a.Is4In6() && "::ffff:"+a.Unmap().String() == t) && sp.match(t, prof, nil) {
				out = append(out, a)
			}
			return
		}
		for _, c := range []byte(chars) {
			walk(pre+rest[:i]+string(c), rest[i+1:])
		}
	}
	walk("", text)
	if !within {
		return nil, false, false
	}
	return out, len(out) <= maxWildAddrs, true
}

// ReverseLister is implemented by resolvers that know every address whose
// reverse lookup answers ([HostsResolver]). A server's host name is the
// one the resolver gives its address: when a daemon@host pattern reads
// the server's name, Reach needs every named address to find the servers
// that pattern sees, and gives up under a resolver that cannot list them
// (the system's DNS).
type ReverseLister interface {
	ReverseAddrs() []netip.Addr
}

// unlistedServerNames reports whether Reach gives p up because a
// daemon@host pattern reads the server's host name and p's resolver is
// no ReverseLister (pattern files as far as their words can be read).
func unlistedServerNames(p *Policy) bool {
	if p.Resolver == nil {
		return false
	}
	if _, ok := p.Resolver.(ReverseLister); ok {
		return false
	}
	files := newFileReader(p, &reachBudget{left: MaxReachWork})
	for _, t := range []*Table{p.Allow, p.Deny} {
		if t == nil {
			continue
		}
		for _, ln := range t.Lines {
			if ln.Kind != LineRule {
				continue
			}
			for _, tok := range ln.Daemons.Tokens {
				dp := tok.pat.daemon
				if tok.Except || !dp.hasHost {
					continue
				}
				pats := []*hostPat{dp.host}
				if dp.host.kind == hostFile {
					if f := files.read(dp.host.text); f.read > MaxPatternFileWords || f.tooLarge {
						continue
					}
					pats = files.patterns(dp.host.text)
				}
				if slices.ContainsFunc(pats, readsName) {
					return true
				}
			}
		}
	}
	return false
}

// readsName reports whether host pattern hp (not a pattern file) can read
// the host name.
func readsName(hp *hostPat) bool {
	switch hp.kind {
	case hostKnown, hostLocal, hostNetgroup:
		return true
	case hostString:
		return hp.nameToo && hp.sp.kind != strAll
	}
	return false
}

// servers returns the representative servers of p's daemon@host patterns
// pats (pattern files' words in place of the files), whose addresses
// reps has: every server is one a request can have, without an address
// or at an address whose name is the resolver's. names says whether some
// pattern reads the server's name: then reps has every address the
// resolver names (addNamed), and, for the IPv4 ones, addresses with none
// wherever the patterns' addresses have some (finish); an IPv6 address
// that has one needs a neighbour that has none and that the patterns'
// address parts cannot tell from it, unless it is the only address they
// match, or Reach gives up. ok is false then, and when there would be
// more than limit servers.
func servers(p *Policy, pats []*hostPat, names bool, reps *hostReps, ports []uint16, limit int) (out []Endpoint, ok bool) {
	res := p.Resolver
	if res == nil {
		res = emptyResolver{}
	}
	prof := p.Profile()
	addrs := &reps.addrs
	if names {
		st := p.listState(Request{})
		named := func(a netip.Addr) bool {
			st.server = hostState{ep: Endpoint{Socket: netip.AddrPortFrom(a, 1)}}
			return st.hostname(&st.server) != unknown
		}
		answers := func(a netip.Addr, out []bool) []bool {
			out = out[:0]
			text := numericHost(a, res)
			f := makeAddrForm(text, prof)
			for _, hp := range pats {
				out = append(out, addrSide(hp, text, &f, prof, res))
			}
			return out
		}
		var want, got []bool
		for _, text := range slices.Clone(reps.addrs.list) {
			a, err := netip.ParseAddr(text)
			if err != nil || a.Unmap().Is4() || !named(a) {
				continue
			}
			want = answers(a, want)
			if onlyOne(pats, want) {
				continue
			}
			found := false
			for _, b := range neighbours(a) {
				if got = answers(b, got); !named(b) && slices.Equal(got, want) {
					addrs.add(b.String())
					found = true
					break
				}
			}
			if !found {
				return nil, false
			}
		}
	}
	n := 1 + len(addrs.list)*len(ports)
	if names {
		n++
	}
	if n > limit {
		return nil, false
	}
	out = append(out, Endpoint{})
	if names {
		// tcpdmatch's daemon@paranoid.
		out = append(out, Endpoint{Name: paranoid})
	}
	for _, text := range addrs.list {
		a, err := netip.ParseAddr(text)
		if err != nil {
			continue
		}
		for _, port := range ports {
			out = append(out, Endpoint{Socket: netip.AddrPortFrom(a, port)})
		}
	}
	return out, true
}

// onlyOne reports whether, of patterns pats, one that matches a single
// address text answered true (answers[i] is pats[i]'s).
func onlyOne(pats []*hostPat, answers []bool) bool {
	for i, hp := range pats {
		if !answers[i] {
			continue
		}
		switch {
		case hp.kind == hostString && !hp.nameToo && hp.sp.kind == strExact,
			hp.kind == hostString && hp.sp.kind == strBracket,
			hp.kind == hostNetmask && hp.v4ok && hp.mask4 == ^uint32(0) && !hp.v6ok:
			return true
		}
	}
	return false
}

// neighbours returns addresses near a, in the same family and form.
func neighbours(a netip.Addr) []netip.Addr {
	var out []netip.Addr
	up, down := a, a
	for range 16 {
		if up = up.Next(); up.IsValid() {
			out = append(out, up)
		}
		if down = down.Prev(); down.IsValid() {
			out = append(out, down)
		}
	}
	return out
}
