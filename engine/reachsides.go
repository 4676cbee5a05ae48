package engine

import (
	"slices"
	"strconv"
	"strings"
)

// This file sorts each side's representatives into classes that match the
// same rules (see reach.go). A rule's list is tried only on the
// representatives an index says it may match: the rest provably do not
// match it, which is all the class needs to know.

// A sideIndex finds the items (rules, daemon lists, patterns) that may
// match a subject: those one of whose keys the subject hits, and the
// generic ones, which are always tried.
type sideIndex struct {
	keys    keyIndex
	generic []int
}

// keyable reports whether the index can key host pattern hp: a net/mask,
// or an exact, prefix or suffix string.
func keyable(hp *hostPat) bool {
	return hp.kind == hostNetmask || hp.kind == hostString && stringKeyable(&hp.sp)
}

func stringKeyable(sp *strPat) bool {
	return sp.kind == strExact || sp.kind == strPrefix || sp.kind == strSuffix
}

// addHosts adds item, which may match only where one of pats does: under
// their keys when all have one, else as generic. Items arrive in
// ascending order.
func (x *sideIndex) addHosts(item int, pats []*hostPat, p Profile) {
	if len(pats) == 0 {
		return
	}
	for _, hp := range pats {
		if !keyable(hp) {
			x.generic = append(x.generic, item)
			return
		}
	}
	for _, hp := range pats {
		x.keys.add(hp, item, p)
	}
}

// lookup returns the items that may match subject, ascending, each once.
// An address text is also looked up among the nets, with h as scratch.
func (x *sideIndex) lookup(subject string, h *hostState, p Profile, res Resolver, out []int) []int {
	out = append(out[:0], x.generic...)
	n := len(out)
	out = x.keys.hits(subject, p, out)
	if h != nil {
		out = x.keys.netHits(h, subject, p, res, out)
	}
	if len(out) > n {
		slices.Sort(out)
		out = slices.Compact(out)
	}
	return out
}

// A classKey builds the map key of a class from lists of ints.
type classKey []byte

func (k classKey) ints(s []int) classKey {
	k = k.uvarint(len(s))
	for _, v := range s {
		k = k.uvarint(v)
	}
	return k
}

// uvarint appends v ≥ 0 in 7-bit groups, low first, the high bit set on
// all but the last (encoding/binary's uvarint, which would bring reflect
// into the wasm modules).
func (k classKey) uvarint(v int) classKey {
	for ; v >= 0x80; v >>= 7 {
		k = append(k, byte(v)|0x80)
	}
	return append(k, byte(v))
}

// The daemon side.

// A daemonSide is the daemon side's classes. Rules with the same daemon
// list (in the same table) form a group, which is tried once per
// representative.
type daemonSide struct {
	group   []int // of each rule
	groups  int
	classes []daemonClass
}

// A daemonClass is the representatives of the daemon side that match the
// same groups.
type daemonClass struct {
	req    Request // the first of them
	groups []int   // ascending
}

// newDaemonSide returns the daemon side of lines (tables[i] is the table
// of lines[i]), or nil when it would take more than b.
func newDaemonSide(p *Policy, lines []*Line, tables []int, sp *reachSpace, b *reachBudget) *daemonSide {
	prof := p.Profile()
	ds := &daemonSide{group: make([]int, len(lines))}
	var first []*Line // of each group
	var ix sideIndex
	ids := map[string]int{}
	for i, ln := range lines {
		var key strings.Builder
		key.WriteString(strconv.Itoa(tables[i]))
		for _, tok := range ln.Daemons.Tokens {
			if tok.Except {
				key.WriteString("|EXCEPT")
			} else {
				key.WriteString("|" + strconv.Itoa(len(tok.Text)) + ":" + tok.Text)
			}
		}
		g, ok := ids[key.String()]
		if !ok {
			g = len(first)
			ids[key.String()] = g
			first = append(first, ln)
			addDaemons(&ix, g, ln.Daemons.Tokens)
		}
		ds.group[i] = g
	}
	ds.groups = len(first)
	seen := map[string]bool{}
	var cands, on []int
	var key classKey
	for _, d := range sp.daemons {
		for si, s := range sp.servers {
			r := Request{Daemon: d, Server: s}
			st := p.listState(r)
			if si == 0 {
				// The candidates depend on the daemon's name alone.
				cands = ix.lookup(st.daemon, nil, prof, nil, cands)
			}
			on = on[:0]
			work := 1
			for _, g := range cands {
				if st.listMatchAlone(first[g], true) {
					on = append(on, g)
				}
				work += listWork(first[g].Daemons.Tokens, st)
			}
			if !b.spend(work) {
				return nil
			}
			key = classKey(key[:0]).ints(on)
			if !seen[string(key)] {
				seen[string(key)] = true
				ds.classes = append(ds.classes, daemonClass{req: r, groups: slices.Clone(on)})
			}
		}
	}
	return ds
}

// listWork is the steps of a list just tried in st: one per pattern, and
// one per pattern file word read.
func listWork(toks []*Token, st *evalState) int {
	return len(toks) + st.fileWords
}

// addDaemons adds group g of a daemon list to ix: the list matches only
// where one of its tokens before EXCEPT does, and each of those only where
// its daemon name does, unless it is a port number.
func addDaemons(ix *sideIndex, g int, toks []*Token) {
	var names []*strPat
	for _, tok := range toks {
		if tok.Except {
			break
		}
		dp := tok.pat.daemon
		if dp.port >= 0 || !stringKeyable(&dp.name) {
			ix.generic = append(ix.generic, g)
			return
		}
		names = append(names, &dp.name)
	}
	for _, sp := range names {
		ix.keys.addString(sp, g)
	}
}

// The client side.

// How Reach sees a client list, once its pattern files are read (see
// clientPats).
const (
	// listUnion: no EXCEPT and no user@, and only patterns that test the
	// address (net/mask), the name (LOCAL, @netgroup) or one then the
	// other (strings), so the list matches where the address matches one
	// of its patterns or the name does.
	listUnion = iota
	// listAddr: only patterns that read the address alone (net/mask,
	// digits-and-dots strings, ALL), EXCEPT allowed.
	listAddr
	// listJoint: any other list; its patterns' answers are found for each
	// address, name and user, and the list decided once per combination
	// of answers.
	listJoint
)

// A clientSide is the client side's classes: of addresses, of names and
// of users. A client at an address in class k, with a name in class m and
// a user in class q, matches the rules of addrs[k].on, those of
// names[m].on, and the joint lists that joint(addrs[k].ja, names[m].jn, q)
// returns.
type clientSide struct {
	addrs []addrClass
	names []nameClass
	users []userClass
	// grid is the classes of the space's names other than "", in order of
	// their first name. empty is the position of "" among the names, or
	// -1: a client named "" has the name its address looks up to
	// (addrClass.e).
	grid  []int
	empty int
	// aGroups and nGroups are the address classes and grid name classes
	// by joint class, each in order.
	aGroups, nGroups [][]int

	p     *Policy
	b     *reachBudget
	lines []*Line
	// joints is the number of joint lists; always, those that may match
	// when none of their patterns does (see addRule); jointRule, the rule
	// of each joint pattern.
	joints    int
	always    []int
	jointRule []int
	// The first address text, name and user of each joint class, and the
	// joint patterns it satisfies.
	jaText, jnName, juUser []string
	jaYes, jnYes, juYes    [][]int
	memo                   map[[3]int][]int
	cands                  []int
	st                     *evalState
}

// An addrClass is the addresses that match the same rules and give the
// same answers to the joint lists' patterns.
type addrClass struct {
	ai int   // the first one's position (0: none, i: space.addrs[i-1])
	on []int // the union and address lists it matches, ascending
	ja int   // joint class
	e  int   // the name class of its own name, when a name is ""; else -1
}

// A nameClass is the names that match the same rules and give the same
// answers to the joint lists' patterns.
type nameClass struct {
	ni int   // the first one's position among the names; -1: none, only a looked-up name
	on []int // the union lists whose name part it matches, ascending
	jn int   // joint class
}

// A userClass is the users that give the same answers to the joint lists'
// patterns.
type userClass struct {
	ui int // the first one's position among the users
}

// A reachItem is what the client side's indexes find: one pattern of a
// rule's list (a union list's, or a joint list's with its user@ part), or
// a whole address list (pat nil).
type reachItem struct {
	rule int
	pat  *hostPat
	user *strPat
}

// newClientSide returns the client side of lines, whose pattern files it
// reads with files, or nil when it would take more than b.
func newClientSide(p *Policy, lines []*Line, sp *reachSpace, files *fileReader, b *reachBudget) *clientSide {
	cb := &clientBuilder{
		cs:    &clientSide{p: p, b: b, lines: lines, empty: -1, memo: map[[3]int][]int{}},
		p:     p,
		prof:  p.Profile(),
		res:   p.Resolver,
		b:     b,
		files: files,
		ids:   map[string]int{},
		names: map[string]int{},
	}
	if cb.res == nil {
		cb.res = emptyResolver{}
	}
	for i, ln := range lines {
		cb.addRule(i, ln)
		if b.left < 0 {
			return nil
		}
	}
	cs := cb.cs
	for ui, u := range sp.users {
		if !cb.addUser(ui, u) {
			return nil
		}
	}
	for ni, n := range sp.names {
		if n == "" {
			cs.empty = ni
			break
		}
	}
	for ai := 0; ai <= len(sp.addrs); ai++ {
		if !cb.addAddr(ai, sp.clientEndpoint(ai, "")) {
			return nil
		}
	}
	for ni, n := range sp.names {
		if n == "" {
			continue
		}
		m := cb.nameClass(truncate(n))
		if cs.names[m].ni < 0 {
			cs.names[m].ni = ni
			cs.grid = append(cs.grid, m)
		}
		if b.left < 0 {
			return nil
		}
	}
	cs.aGroups = make([][]int, len(cs.jaText))
	for k, a := range cs.addrs {
		cs.aGroups[a.ja] = append(cs.aGroups[a.ja], k)
	}
	cs.nGroups = make([][]int, len(cs.jnName))
	for _, m := range cs.grid {
		jn := cs.names[m].jn
		cs.nGroups[jn] = append(cs.nGroups[jn], m)
	}
	return cs
}

// A clientBuilder sorts the client side's representatives into classes.
type clientBuilder struct {
	cs    *clientSide
	p     *Policy
	prof  Profile
	res   Resolver
	b     *reachBudget
	files *fileReader

	// items are the union lists' patterns (one item each) and the address
	// lists (one item each), which addrIx and nameIx find for an address
	// or a name; joint are the joint lists' patterns, which jAddrIx and
	// jNameIx find, and jUsers those of them with a user@.
	items, joint                     []reachItem
	addrIx, nameIx, jAddrIx, jNameIx sideIndex
	jUsers                           []int

	ids   map[string]int // classes and joint classes by key (prefixed by kind)
	names map[string]int // name classes by name
	// Scratch.
	cands, on, yes []int
	key, tmp       []byte
}

// addRule indexes the client list of rule i.
func (cb *clientBuilder) addRule(i int, ln *Line) {
	prof := cb.prof
	pats, aborts := clientPats(ln.Clients.Tokens, cb.files)
	switch clientListKind(ln.Clients.Tokens, pats, aborts) {
	case listUnion:
		for _, tp := range pats {
			for _, hp := range tp {
				it := len(cb.items)
				if hp.kind == hostString || hp.kind == hostNetmask {
					cb.addrIx.addHosts(it, []*hostPat{hp}, prof)
				}
				if hp.kind == hostString && hp.nameToo && hp.sp.kind != strAll || hp.kind == hostLocal || hp.kind == hostNetgroup {
					cb.nameIx.addHosts(it, []*hostPat{hp}, prof) // LOCAL and netgroups are generic
				}
				cb.items = append(cb.items, reachItem{rule: i, pat: hp})
			}
		}
	case listAddr:
		var pos []*hostPat
		for t, tok := range ln.Clients.Tokens {
			if tok.Except {
				break
			}
			pos = append(pos, pats[t]...)
		}
		cb.addrIx.addHosts(len(cb.items), pos, prof)
		cb.items = append(cb.items, reachItem{rule: i})
	default:
		// A joint list matches only where one of its patterns before
		// EXCEPT does, unless one of those is ALL (which tests nothing)
		// or a pattern file (whose words may, and which may abort).
		cs := cb.cs
		cs.joints++
		for _, tok := range ln.Clients.Tokens {
			if tok.Except {
				break
			}
			cp := tok.pat.client
			if cp.host.kind == hostFile || cp.host.kind == hostString && cp.host.sp.kind == strAll && !cp.hasUser {
				cs.always = append(cs.always, i)
				break
			}
		}
		for t, tok := range ln.Clients.Tokens {
			if tok.Except {
				continue
			}
			cp := tok.pat.client
			for _, hp := range pats[t] {
				j := len(cb.joint)
				it := reachItem{rule: i, pat: hp}
				if cp.hasUser {
					it.user = &cp.user
					cb.jUsers = append(cb.jUsers, j)
				}
				cb.joint = append(cb.joint, it)
				cs.jointRule = append(cs.jointRule, i)
				switch {
				case hp.kind == hostKnown:
					cb.jAddrIx.generic = append(cb.jAddrIx.generic, j)
					cb.jNameIx.generic = append(cb.jNameIx.generic, j)
				case hp.kind == hostLocal || hp.kind == hostNetgroup:
					cb.jNameIx.generic = append(cb.jNameIx.generic, j)
				case hp.kind == hostNetmask:
					cb.jAddrIx.addHosts(j, []*hostPat{hp}, prof)
				case hp.kind == hostString && hp.sp.kind != strAll:
					cb.jAddrIx.addHosts(j, []*hostPat{hp}, prof)
					if hp.nameToo {
						cb.jNameIx.addHosts(j, []*hostPat{hp}, prof)
					}
				}
			}
		}
	}
}

// class returns the id of the class keyed kind and key among those of
// the same kind, and whether it is new (its id is then *n, which it
// increments).
func (cb *clientBuilder) class(kind byte, key []byte, n *int) (id int, isNew bool) {
	cb.key = append(append(cb.key[:0], kind), key...)
	if id, ok := cb.ids[string(cb.key)]; ok {
		return id, false
	}
	id = *n
	*n++
	cb.ids[string(cb.key)] = id
	return id, true
}

// jointClass returns the joint class, among those of kind, of an address,
// a name or a user (text), given the joint patterns it satisfies; a new
// class is represented by text and answers.
func (cb *clientBuilder) jointClass(kind byte, reps *[]string, yes *[][]int, text string, answers []int) int {
	cb.tmp = classKey(cb.tmp[:0]).ints(answers)
	n := len(*reps)
	id, isNew := cb.class(kind, cb.tmp, &n)
	if isNew {
		*reps = append(*reps, text)
		*yes = append(*yes, slices.Clone(answers))
	}
	return id
}

// addUser adds the user at position ui, u; it reports whether the budget
// still holds.
func (cb *clientBuilder) addUser(ui int, u string) bool {
	user := unknown
	if u != "" {
		user = truncate(u)
	}
	yes := cb.yes[:0]
	for _, j := range cb.jUsers {
		if cb.joint[j].user.match(user, cb.prof, cb.res) {
			yes = append(yes, j)
		}
	}
	cb.yes = yes
	cs := cb.cs
	if q := cb.jointClass('u', &cs.juUser, &cs.juYes, user, yes); q == len(cs.users) {
		cs.users = append(cs.users, userClass{ui: ui})
	}
	return cb.b.spend(1 + len(cb.jUsers))
}

// nameClass returns the class of a client's host name (one of the space's,
// or the name a client without one has).
func (cb *clientBuilder) nameClass(name string) int {
	if m, ok := cb.names[name]; ok {
		return m
	}
	on := cb.on[:0]
	cands := cb.nameIx.lookup(name, nil, cb.prof, nil, cb.cands)
	for _, it := range cands {
		if r := cb.items[it].rule; (len(on) == 0 || on[len(on)-1] != r) && nameSide(cb.items[it].pat, name, cb.res, cb.prof) {
			on = append(on, r)
		}
	}
	work := 1 + len(cands)
	yes := cb.yes[:0]
	if len(cb.joint) > 0 {
		cands = cb.jNameIx.lookup(name, nil, cb.prof, nil, cands)
		for _, j := range cands {
			if nameSide(cb.joint[j].pat, name, cb.res, cb.prof) {
				yes = append(yes, j)
			}
		}
		work += len(cands)
	}
	cb.cands, cb.on, cb.yes = cands, on, yes
	cb.b.spend(work)
	cs := cb.cs
	jn := cb.jointClass('j', &cs.jnName, &cs.jnYes, name, yes)
	n := len(cs.names)
	cb.tmp = classKey(cb.tmp[:0]).ints(on).ints([]int{jn})
	m, isNew := cb.class('n', cb.tmp, &n)
	if isNew {
		cs.names = append(cs.names, nameClass{ni: -1, on: slices.Clone(on), jn: jn})
	}
	cb.names[name] = m
	return m
}

// addAddr adds the client ep, at position ai; it reports whether the
// budget still holds.
func (cb *clientBuilder) addAddr(ai int, ep Endpoint) bool {
	cs, prof := cb.cs, cb.prof
	e := -1
	if cs.empty >= 0 {
		st := cb.p.listState(Request{Client: ep})
		e = cb.nameClass(st.hostname(&st.client))
	}
	h := hostState{ep: ep}
	text := h.addrText(cb.res)
	form := makeAddrForm(text, prof)
	on := cb.on[:0]
	cands := cb.addrIx.lookup(text, &h, prof, cb.res, cb.cands)
	work := 1 + len(cands)
	var st *evalState
	for _, it := range cands {
		r := cb.items[it].rule
		switch {
		case len(on) > 0 && on[len(on)-1] == r:
		case cb.items[it].pat != nil:
			if addrSide(cb.items[it].pat, text, &form, prof, cb.res) {
				on = append(on, r)
			}
		default:
			if st == nil {
				st = cs.state(text, unknown, unknown)
			}
			if st.listMatchAlone(cs.lines[r], false) {
				on = append(on, r)
			}
			work += listWork(cs.lines[r].Clients.Tokens, st)
		}
	}
	yes := cb.yes[:0]
	if len(cb.joint) > 0 {
		cands = cb.jAddrIx.lookup(text, &h, prof, cb.res, cands)
		for _, j := range cands {
			if addrSide(cb.joint[j].pat, text, &form, prof, cb.res) {
				yes = append(yes, j)
			}
		}
		work += len(cands)
	}
	cb.cands, cb.on, cb.yes = cands, on, yes
	ja := cb.jointClass('a', &cs.jaText, &cs.jaYes, text, yes)
	n := len(cs.addrs)
	cb.tmp = classKey(cb.tmp[:0]).ints(on).ints([]int{ja, e + 1})
	if _, isNew := cb.class('A', cb.tmp, &n); isNew {
		cs.addrs = append(cs.addrs, addrClass{ai: ai, on: slices.Clone(on), ja: ja, e: e})
	}
	return cb.b.spend(work)
}

// clientPats returns the host patterns each token of a client list stands
// for: its own, or a pattern file's words (those of the files it names in
// turn, up to one that aborts the decision: a file that includes itself,
// or nesting deeper than MaxPatternFileDepth). aborts says whether some
// file may abort, in which case the list's answer still depends only on
// the words read before. (No list reads more than MaxPatternFileWords
// words, at which its answer would depend on how many it read:
// newReachSpace gives up first.)
func clientPats(toks []*Token, files *fileReader) (pats [][]*hostPat, aborts bool) {
	pats = make([][]*hostPat, len(toks))
	for t, tok := range toks {
		if tok.Except {
			continue
		}
		hp := tok.pat.client.host
		if hp.kind != hostFile {
			pats[t] = []*hostPat{hp}
			continue
		}
		pats[t] = files.patterns(hp.text)
		aborts = aborts || files.read(hp.text).aborts
	}
	return pats, aborts
}

// A fileReader reads pattern files ahead, for the representatives and
// the client side, as fileMatch (hostfile_match) reads them; it remembers
// each file a list names, and charges b for reading it once. It compiles
// a file's words only when asked for its patterns, so that giving up over
// MaxPatternFileWords (newReachSpace) costs a scan of the words.
type fileReader struct {
	p    *Policy
	b    *reachBudget
	memo map[string]*patternFile
}

func newFileReader(p *Policy, b *reachBudget) *fileReader {
	return &fileReader{p: p, b: b, memo: map[string]*patternFile{}}
}

// A patternFile is what a list's pattern file stands for: the words
// fileMatch reads in it, in order (a nested file's words in place of the
// word naming it), up to the one that aborts the decision if one does,
// and how many words reading them takes.
type patternFile struct {
	words    []string
	read     int
	aborts   bool
	tooLarge bool       // some file of it is too large to read (Files: EFBIG)
	pats     []*hostPat // of words, once asked for
}

// read returns what a list's pattern file path stands for.
func (r *fileReader) read(path string) *patternFile {
	f := r.memo[path]
	if f == nil {
		f = &patternFile{}
		r.expand(path, nil, f)
		r.b.spend(f.read)
		r.memo[path] = f
	}
	return f
}

// patterns returns the host patterns of the words of pattern file path.
func (r *fileReader) patterns(path string) []*hostPat {
	f := r.read(path)
	if f.pats == nil && len(f.words) > 0 {
		prof := r.p.Profile()
		slab := make([]hostPat, len(f.words))
		f.pats = make([]*hostPat, len(f.words))
		for i, w := range f.words {
			slab[i].init(w, prof)
			f.pats[i] = &slab[i]
		}
	}
	return f.pats
}

// expand adds the words of file path, read from within the files of
// stack, to f, as fileMatch reads them.
func (r *fileReader) expand(path string, stack []string, f *patternFile) {
	if r.p.Files == nil {
		return
	}
	if slices.Contains(stack, path) || len(stack) >= MaxPatternFileDepth {
		f.aborts = true
		return
	}
	data, err := r.p.Files.ReadFile(path)
	if err != nil {
		// Not found or unreadable: no match. Too large: the decision
		// stops there (fileMatch), unless libwrap would have matched a
		// word of it first, which cannot be known: newReachSpace gives
		// up.
		f.tooLarge = f.tooLarge || isTooLarge(err)
		return
	}
	stack = append(stack, path)
	prof := r.p.Profile()
	text := string(data)
	for i, j := range patternSpans(data) {
		f.read++
		if f.read > MaxPatternFileWords {
			return // too many: newReachSpace gives up
		}
		word := text[i:j]
		if !prof.fileWord(word) {
			f.words = append(f.words, word)
			continue
		}
		if r.expand(word, stack, f); f.aborts {
			return
		}
	}
}

// clientListKind returns how Reach sees a client list whose tokens stand
// for pats (see clientPats).
func clientListKind(toks []*Token, pats [][]*hostPat, joint bool) int {
	if joint {
		return listJoint
	}
	union, addr := true, true
	for t, tok := range toks {
		if tok.Except {
			union = false
			continue
		}
		if tok.pat.client.hasUser {
			return listJoint
		}
		for _, hp := range pats[t] {
			switch hp.kind {
			case hostString:
				if hp.nameToo && hp.sp.kind != strAll {
					addr = false
				}
			case hostNetmask:
			case hostLocal, hostNetgroup:
				addr = false
			default:
				union, addr = false, false
			}
		}
	}
	switch {
	case union:
		return listUnion
	case addr:
		return listAddr
	}
	return listJoint
}

// joint returns the joint lists that match a client whose address is in
// joint class ja, its name in jn and its user in user class q, ascending.
func (cs *clientSide) joint(ja, jn, q int) []int {
	if cs.joints == 0 {
		return nil
	}
	k := [3]int{ja, jn, q}
	if on, ok := cs.memo[k]; ok {
		return on
	}
	// The lists to decide: those one of whose patterns the client
	// satisfies, and those that may match all the same.
	cands := append(cs.cands[:0], cs.always...)
	for _, yes := range [3][]int{cs.jaYes[ja], cs.jnYes[jn], cs.juYes[q]} {
		for _, j := range yes {
			cands = append(cands, cs.jointRule[j])
		}
	}
	slices.Sort(cands)
	cands = slices.Compact(cands)
	cs.cands = cands
	st := cs.state(cs.jaText[ja], cs.jnName[jn], cs.juUser[q])
	var on []int
	work := 1
	for _, r := range cands {
		if st.listMatchAlone(cs.lines[r], false) {
			on = append(on, r)
		}
		work += listWork(cs.lines[r].Clients.Tokens, st)
	}
	cs.b.spend(work)
	cs.memo[k] = on
	return on
}

// state returns the side's evalState, in which client lists now see a
// client whose address text is addr, whose host name is name and whose
// user is user.
func (cs *clientSide) state(addr, name, user string) *evalState {
	if cs.st == nil {
		cs.st = cs.p.listState(Request{})
	}
	st := cs.st
	st.client = hostState{addr: addr, addrDone: true, name: name, nameDone: true}
	st.user, st.userDone = user, true
	st.d.Warnings = st.d.Warnings[:0] // an aborted list leaves one
	return st
}

// addrSide is what host pattern hp finds in a client's address text (f
// is its addrForm): hostMatch matches a string pattern where addrSide or
// nameSide does, a net/mask where addrSide does, KNOWN where both do, and
// LOCAL and a netgroup where nameSide does (TestReachSides).
func addrSide(hp *hostPat, text string, f *addrForm, p Profile, res Resolver) bool {
	switch hp.kind {
	case hostString:
		return hp.sp.match(text, p, res)
	case hostNetmask:
		ok, _ := hp.maskedMatch(f, p, res)
		return ok
	case hostKnown:
		return !asciiEqualFold(text, unknown)
	}
	return false
}

// nameSide is what host pattern hp finds in a client's host name; see
// addrSide.
func nameSide(hp *hostPat, name string, res Resolver, p Profile) bool {
	switch hp.kind {
	case hostString:
		return hp.nameToo && hp.sp.match(name, p, res)
	case hostKnown:
		return hostnameKnown(name)
	case hostLocal:
		return !strings.Contains(name, ".") && hostnameKnown(name)
	case hostNetgroup:
		return p.netgroups() && res.InNetgroup(hp.text[1:], name)
	}
	return false
}
