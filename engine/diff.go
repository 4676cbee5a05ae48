package engine

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// This file compares two policies: which requests one decides otherwise
// than the other. It builds the representatives (reach.go) of both
// policies' rules together, so that every request is equivalent to one of
// them for either policy, sorts them into the classes Reach uses
// (reachsides.go), and decides every combination of a daemon class with
// an address, a name and a user class under each policy: the first rule
// of each policy that the combination matches decides it. What a rule
// decides (its access, or the error that stops libwrap) is learnt once,
// from the evaluator itself on the first request the rule decides, and
// the evaluator must agree that the rule decides it; where it does not
// (a decision that depends on more than the deciding rule), that request
// is decided by the evaluator alone, and so is every request a rule
// decides whose options may decide requests unalike (sameForAll).
//
// Unlike Reach, Diff lists the combinations: its work is the product of
// the daemon classes with the address, name and user classes of each
// joint class, which for a short table is a few thousand, and for a
// blocklist of addresses, or one of domains, about its length times the
// few classes of the other kind. A blocklist mixing many addresses and
// many domains has a product past MaxDiffWork: Diff then gives up and
// says so.

// MaxDiffWork bounds Diff's steps: Reach's steps to build the two sides'
// classes (see [MaxReachWork]), then one per combination of classes
// decided. 20,000,000 steps take about a second natively.
const MaxDiffWork = 20_000_000

// decideWork is the steps one decision by the evaluator counts for.
const decideWork = 50

// maxChangeExamples is how many requests a Change lists.
const maxChangeExamples = 3

// An Outcome is how one policy decides a request.
type Outcome struct {
	Access Access `json:"access"`
	// Rule is the rule that decided, nil when none did (the default, or
	// an error); Text is its text in [Format]'s canonical layout.
	Rule *RuleRef `json:"rule,omitempty"`
	Text string   `json:"text,omitempty"`
	// Error is what stopped libwrap before a verdict ([Decision.Error]).
	Error string `json:"error,omitempty"`
	// Reason, when no rule decided, is libwrap's reason
	// ([Decision.Reason]): the default, PARANOID mode, a table that could
	// not be read to the end. It does not tell outcomes apart (it may
	// name a table, whose name differs between versions).
	Reason string `json:"reason,omitempty"`
}

// A Change is a set of requests that two policies decide differently, in
// the same way: each of them has the Old outcome under the first policy
// and the New one under the second.
type Change struct {
	Old Outcome `json:"old"`
	New Outcome `json:"new"`
	// Examples are up to three of the requests, each with a daemon or an
	// address of its own where there are several.
	Examples []Request `json:"examples"`
	// Cases is how many representative requests (classes of equivalent
	// requests) change so: a measure of its breadth, not a count of
	// connections.
	Cases int `json:"cases"`
}

// Verdict reports whether the change is one of verdict (granted, denied
// or delegated, or an error for a verdict) rather than only of the rule
// that decides.
func (c *Change) Verdict() bool {
	return c.Old.Access != c.New.Access || (c.Old.Error == "") != (c.New.Error == "")
}

// Why Diff does not compare two policies.
var (
	ErrDiffProfiles = errors.New("the two versions are read under different profiles")
	// ErrDiffServerNames: daemon@host patterns read the server's host
	// name, and the resolver cannot list the names it gives addresses
	// ([ReverseLister]; a hosts table can, the system's DNS cannot).
	ErrDiffServerNames = errors.New("daemon@host patterns read the server's host name, and the resolver cannot list the names it gives addresses (a hosts table can)")
	// ErrDiffTooLarge: past [MaxDiffWork] steps or [MaxReachRequests]
	// representatives, or, as for Reach, a pattern file too large to
	// read or address wildcards that cannot be listed (such as *.1)
	// mixed with other address patterns.
	ErrDiffTooLarge = errors.New("the tables are too large to compare (over " + strconv.Itoa(MaxDiffWork) + " steps or " +
		strconv.Itoa(MaxReachRequests) + " representatives), or name a pattern file too large to read, or mix address wildcards that cannot be listed (such as *.1) with other address patterns")
)

// tooLargeError is ErrTableTooLarge for the table named name. (The
// engine does not use fmt: the wasm modules stay out of it.)
type tooLargeError struct{ name string }

func (e *tooLargeError) Error() string { return e.name + ": " + ErrTableTooLarge.Error() }
func (e *tooLargeError) Unwrap() error { return ErrTableTooLarge }

// Diff returns the requests that old and new decide differently, grouped
// by how they change: the verdict changes first, then those whose verdict
// stays but whose deciding rule is another (by its text and its table:
// a rule that only moved is the same rule). Both policies must read their
// tables under the same profile, and are taken to share old's resolver
// and pattern files, which build the representatives. aclexec commands
// are taken to succeed. It compares nothing and returns an error when the
// profiles differ ([ErrDiffProfiles]), a table is [Table.TooLarge]
// ([ErrTableTooLarge]), daemon@host patterns need names the resolver
// cannot list ([ErrDiffServerNames]), or the comparison would take too
// much ([ErrDiffTooLarge]).
func Diff(old, new *Policy) ([]Change, error) {
	return diff(old, new, nil, MaxDiffWork)
}

// DiffContext is [Diff] until ctx is done: then it stops and returns no
// changes and an error matching [ErrCanceled].
func DiffContext(ctx context.Context, old, new *Policy) (changes []Change, err error) {
	defer recoverCanceled(ctx, &err)
	return diff(old, new, ctx.Done(), MaxDiffWork)
}

func diff(old, new *Policy, done <-chan struct{}, maxWork int) ([]Change, error) {
	if old.Profile() != new.Profile() {
		return nil, ErrDiffProfiles
	}
	for _, t := range []*Table{old.Allow, old.Deny, new.Allow, new.Deny} {
		if t != nil && t.TooLarge {
			return nil, &tooLargeError{t.Name}
		}
	}
	d := &differ{pols: [2]*Policy{old, new}}
	var all []*Line
	for pi, p := range d.pols {
		for ti, t := range []*Table{p.Allow, p.Deny} {
			if t == nil {
				continue
			}
			for _, ln := range t.Lines {
				if ln.Kind != LineRule {
					continue
				}
				all = append(all, ln)
				d.pol = append(d.pol, pi)
				d.content = append(d.content, ruleText(ln, p.Profile()))
				d.deny = append(d.deny, ti == 1)
				d.same = append(d.same, sameForAll(ln))
			}
		}
	}
	d.lines = all
	union := unionPolicy(old, all)
	if unlistedServerNames(union) {
		return nil, ErrDiffServerNames
	}
	tables := make([]int, len(all)) // one daemon group per list text
	b := &reachBudget{left: maxWork, done: done}
	files := newFileReader(union, b)
	d.space = newReachSpace(union, MaxReachRequests, files)
	if d.space == nil {
		return nil, ErrDiffTooLarge
	}
	d.ds = newDaemonSide(union, all, tables, d.space, b)
	if d.ds == nil {
		return nil, ErrDiffTooLarge
	}
	d.cs = newClientSide(union, all, d.space, files, b)
	if d.cs == nil || b.left < 0 {
		return nil, ErrDiffTooLarge
	}
	d.b = b
	if !d.run() {
		return nil, ErrDiffTooLarge
	}
	return d.result(), nil
}

// unionPolicy returns a policy with old's profile, resolver and files
// whose one table holds lines, the rules of both policies: the
// representatives and the classes depend on the rules' lists, not on
// their tables.
func unionPolicy(old *Policy, lines []*Line) *Policy {
	return &Policy{Allow: &Table{Name: "both", Profile: old.Profile(), Lines: lines}, Resolver: old.Resolver, Files: old.Files}
}

// ruleText is a rule's text in the canonical layout of Format, which
// tells a rule that was only respaced or moved from one that changed.
func ruleText(ln *Line, p Profile) string {
	s, _ := canonicalRule(ln, p)
	return s
}

// sameForAll reports whether a rule decides every request it decides
// alike, so that what one of them learns holds for all: not when its
// third field expands a %-sequence (an expansion too long stops libwrap,
// and aclexec may run what it expands) or shows a banner (whose file is
// named after the daemon).
func sameForAll(ln *Line) bool {
	if ln.Third == nil {
		return true
	}
	if strings.Contains(ln.Third.Text, "%") {
		return false
	}
	for _, f := range ln.Options {
		if strings.EqualFold(f.Name, "banners") {
			return false
		}
	}
	return true
}

// A differ holds the state of diff. Rules are numbered across both
// policies, old's first: rule i belongs to pols[pol[i]].
type differ struct {
	pols     [2]*Policy
	deciders [2]*Decider
	lines    []*Line
	pol      []int
	content  []string
	deny     []bool // the rule is in its policy's hosts.deny
	same     []bool // sameForAll
	space    *reachSpace
	ds       *daemonSide
	cs       *clientSide
	b        *reachBudget

	dcNum  int
	dc     *daemonClass
	inDC   []bool
	xa, xn [][2]int // first rule of each address and name class in the current daemon class, per policy

	// Outcomes learnt, by rule (len(lines) for none) and policy.
	known   [][2]*got
	refs    map[ruleKey]int
	changes []*change
	byKey   map[changeKey]*change
}

// A got is an outcome, and whether its rule is in hosts.deny.
type got struct {
	out  Outcome
	deny bool
}

type changeKey struct{ old, new outcomeKey }

type outcomeKey struct {
	access     Access
	file, text string
	line       int
	err        string
}

func keyOf(o Outcome) outcomeKey {
	k := outcomeKey{access: o.Access, text: o.Text, err: o.Error}
	if o.Rule != nil {
		k.file, k.line = o.Rule.File, o.Rule.Line
	}
	return k
}

// A change is a Change being collected, with the daemon and address
// classes of its examples.
type change struct {
	Change
	seen [][2]int
}

func (d *differ) run() bool {
	cs := d.cs
	d.inDC = make([]bool, d.ds.groups)
	d.xa = make([][2]int, len(cs.addrs))
	d.xn = make([][2]int, len(cs.names))
	d.known = make([][2]*got, len(d.lines)+1)
	d.byKey = map[changeKey]*change{}
	for k := range d.ds.classes {
		d.dcNum = k
		d.enter(&d.ds.classes[k])
		if !d.grids() || !d.nameless() {
			return false
		}
	}
	return true
}

// enter makes dc the current daemon class.
func (d *differ) enter(dc *daemonClass) {
	d.b.spend(enterClass(d.inDC, d.dc, dc, d.cs, d.xa, d.xn, d.first))
	d.dc = dc
}

// first returns the first rule of each policy among on (ascending) that
// the current daemon class matches, or none.
func (d *differ) first(on []int) [2]int {
	f := [2]int{none, none}
	for _, i := range on {
		if p := d.pol[i]; f[p] == none && d.inDC[d.ds.group[i]] {
			f[p] = i
			if p == 1 {
				break
			}
		}
	}
	return f
}

func min2(a, b [2]int) [2]int { return [2]int{min(a[0], b[0]), min(a[1], b[1])} }

// grids decides every client of the grids (address classes of one joint
// class by name classes of another, for one user class) in the current
// daemon class.
func (d *differ) grids() bool {
	cs := d.cs
	for _, K := range cs.aGroups {
		if len(K) == 0 {
			continue
		}
		for _, M := range cs.nGroups {
			if len(M) == 0 {
				continue
			}
			for q := range cs.users {
				y := d.first(cs.joint(cs.addrs[K[0]].ja, cs.names[M[0]].jn, q))
				for _, k := range K {
					if !d.b.spend(len(M)) {
						return false
					}
					x := min2(d.xa[k], y)
					for _, m := range M {
						d.cell(min2(x, d.xn[m]), k, cs.names[m].ni, q)
					}
				}
			}
		}
	}
	return true
}

// nameless decides the clients without a name, whose name is the one
// their address looks up to, in the current daemon class.
func (d *differ) nameless() bool {
	cs := d.cs
	return cs.eachNameless(func(k, q int, joint []int) bool {
		if !d.b.spend(1 + len(joint)) {
			return false
		}
		d.cell(min2(min2(d.xa[k], d.xn[cs.addrs[k].e]), d.first(joint)), k, cs.empty, q)
		return true
	})
}

// cell records how the two policies decide the client of address class
// k, the name at position ni among the space's names, and user class q,
// in the current daemon class, when rules[0] of old and rules[1] of new
// are the first it matches.
func (d *differ) cell(rules [2]int, k, ni, q int) {
	var outs [2]*got
	var req *Request
	for p, i := range rules {
		if i == none {
			i = len(d.lines)
		}
		paranoidName := d.paranoidName(ni)
		if g := d.known[i][p]; g != nil && !paranoidName {
			outs[p] = g
			continue
		}
		if req == nil {
			r := d.request(k, ni, q)
			req = &r
		}
		g, predicted := d.decide(p, i, *req)
		// What the evaluator says of a request the rule decides is what
		// the rule says of all (sameForAll), but for an error met on the
		// way to no rule (a pattern file that aborts the decision), and a
		// name PARANOID mode denies first.
		if predicted && !paranoidName && (i < len(d.lines) && d.same[i] || i == len(d.lines) && g.out.Error == "") {
			d.known[i][p] = g
		}
		outs[p] = g
	}
	o, n := outs[0], outs[1]
	if o.out.Access == n.out.Access && o.out.Error == n.out.Error && o.out.Text == n.out.Text &&
		(o.out.Rule == nil) == (n.out.Rule == nil) && o.deny == n.deny {
		return
	}
	key := changeKey{keyOf(o.out), keyOf(n.out)}
	c := d.byKey[key]
	if c == nil {
		c = &change{Change: Change{Old: o.out, New: n.out}}
		d.byKey[key] = c
		d.changes = append(d.changes, c)
	}
	c.Cases++
	if len(c.Examples) < maxChangeExamples && !slices.Contains(c.seen, [2]int{d.dcNum, k}) {
		if req == nil {
			r := d.request(k, ni, q)
			req = &r
		}
		c.Examples = append(c.Examples, *req)
		c.seen = append(c.seen, [2]int{d.dcNum, k})
	}
}

// paranoidName reports whether the name at position ni may make a
// profile with PARANOID mode deny the client before the tables are read:
// then its outcome is not the rule's.
func (d *differ) paranoidName(ni int) bool {
	if !d.pols[0].Profile().paranoidMode() {
		return false
	}
	return ni == d.cs.empty || d.space.names[ni] == paranoid
}

// request returns the representative of the current daemon class with
// the client of address class k, name position ni and user class q.
func (d *differ) request(k, ni, q int) Request {
	return Request{Daemon: d.dc.req.Daemon, EmptyDaemon: d.dc.req.EmptyDaemon, Server: d.dc.req.Server,
		Client: d.space.clientEndpoint(d.cs.addrs[k].ai, d.space.names[ni]), User: d.space.users[d.cs.users[q].ui]}
}

// decide returns how policy p decides r, and whether rule i (len(lines):
// none) decides it, as predicted.
func (d *differ) decide(p, i int, r Request) (*got, bool) {
	d.b.spend(decideWork)
	if d.deciders[p] == nil {
		d.deciders[p] = d.pols[p].NewDecider()
		d.deciders[p].Quiet = true // the verdict, the rule and the error are all Diff reads
	}
	dec := d.deciders[p].Decide(r)
	g := &got{out: Outcome{Access: dec.Access, Error: dec.Error}}
	if dec.Matched == nil {
		// The quiet Decider gives no reason: decide again, in full (once
		// per version for the default; per request only where no rule
		// decides but the default's).
		if g.out.Error == "" {
			g.out.Reason = d.pols[p].Decide(r).Reason
		}
		return g, i == len(d.lines)
	}
	m := *dec.Matched
	g.out.Rule = &m
	j := d.ruleOf(p, m)
	if j >= 0 {
		g.out.Text, g.deny = d.content[j], d.deny[j]
	}
	return g, j == i
}

// ruleOf returns the number of policy p's rule ref, or -1.
func (d *differ) ruleOf(p int, ref RuleRef) int {
	if d.refs == nil {
		d.refs = map[ruleKey]int{}
		for j, ln := range d.lines {
			q := d.pol[j]
			t := d.pols[q].Allow
			if d.deny[j] {
				t = d.pols[q].Deny
			}
			d.refs[ruleKey{q, t.Name, ln.Num, ln.Span}] = j
		}
	}
	if j, ok := d.refs[ruleKey{p, ref.File, ref.Line, ref.Span}]; ok {
		return j
	}
	return -1
}

type ruleKey struct {
	pol  int
	file string
	line int
	span Span
}

// result returns the changes, those of verdict first, each in the order
// first found.
func (d *differ) result() []Change {
	out := make([]Change, 0, len(d.changes))
	for _, verdict := range []bool{true, false} {
		for _, c := range d.changes {
			if c.Verdict() == verdict {
				out = append(out, c.Change)
			}
		}
	}
	return out
}
