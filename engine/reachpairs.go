package engine

import (
	"math"
	"slices"
	"sort"
)

// This file combines the two sides' classes (reachsides.go) into Reach's
// answer. For one daemon class, the rules a representative matches are
// those of its daemon class that its client also matches, and the first of
// them decides it. A rule's witness is the first representative it
// decides, in the space's order: daemon side first, then the client's
// address, name and user. A rule that matches some representative but
// decides none is shadowed by the rules that decide those it matches.
//
// Within one daemon class, write x(a) for the first rule an address class
// a matches, y(n) for the first a name class n matches (or a joint list,
// if earlier), and none for a class that matches no rule. The client side
// is a grid of addresses by names, and the rule that decides (a, n) is
// min(x(a), y(n)). So a rule i decides some client where x(a) = i and some
// y(n) ≥ i, or where y(n) = i and some x(a) > i, and the first such client
// follows from the first address and name with each value and the running
// maximum of x and of y in order (an axis). The rules that decide clients
// matching i where i is among an address's rules are the y below that
// address's x, and x itself when some y reaches it; and the same the
// other way round. Each combination of the joint classes of addresses,
// names and users is one such grid; the clients without a name, whose name
// is their address's, are taken one by one.

// none is the first rule of a class that matches no rule.
const none = math.MaxInt

// A reachRep is a client-side representative: its address, name and user
// as positions in the space.
type reachRep struct{ a, n, u int }

func (r reachRep) less(s reachRep) bool {
	if r.a != s.a {
		return r.a < s.a
	}
	if r.n != s.n {
		return r.n < s.n
	}
	return r.u < s.u
}

// An axis is one side of a grid: classes in the space's order, each with a
// position and a value (its first rule, or none).
type axis struct {
	id, pos, val []int
	max          []int // running maximum of val
	vals         []int // the distinct values other than none, as they come
	first        []int // by value: the first class with it (when seen)
	seen         []int // by value: the stamp of the axis that saw it
	stamp        int
}

func newAxis(rules int) *axis {
	return &axis{first: make([]int, rules), seen: make([]int, rules)}
}

func (x *axis) reset() {
	x.id, x.pos, x.val, x.max, x.vals = x.id[:0], x.pos[:0], x.val[:0], x.max[:0], x.vals[:0]
	x.stamp++
}

// add appends class id at position pos with value v.
func (x *axis) add(id, pos, v int) {
	m := v
	if n := len(x.max); n > 0 && x.max[n-1] > m {
		m = x.max[n-1]
	}
	x.id, x.pos, x.val, x.max = append(x.id, id), append(x.pos, pos), append(x.val, v), append(x.max, m)
	if v != none && x.seen[v] != x.stamp {
		x.seen[v] = x.stamp
		x.first[v] = len(x.pos) - 1
		x.vals = append(x.vals, v)
	}
}

// top is the axis's largest value.
func (x *axis) top() int { return x.max[len(x.max)-1] }

// firstAbove returns the first class whose value is above v, or -1.
func (x *axis) firstAbove(v int) int {
	j := sort.Search(len(x.max), func(j int) bool { return x.max[j] > v })
	if j == len(x.max) {
		return -1
	}
	return j
}

// firstFrom returns the first class whose value is v or above, or -1.
func (x *axis) firstFrom(v int) int { return x.firstAbove(v - 1) }

// sortedVals returns the distinct values other than none, ascending.
func (x *axis) sortedVals() []int {
	slices.Sort(x.vals)
	return x.vals
}

// A combiner holds the state of combine.
type combiner struct {
	rules []RuleReach
	ds    *daemonSide
	cs    *clientSide
	space *reachSpace
	b     *reachBudget

	dc     *daemonClass
	inDC   []bool // by daemon group: in the current daemon class
	xa, xn []int  // first rule of each address and name class in it

	matched []bool
	// The first representative each rule decides in the current daemon
	// class, for the rules in touched.
	best    []reachRep
	bestDC  []int
	touched []int
	dcNum   int

	// Shadows, for the rules that match but never decide.
	shadowed   []bool
	shadowList []int
	shadow     [][]int // by rule: the rules that decide what it matches, in any order, repeated
	limit      []int   // per rule: the largest x (or y) seen in the current grid
	limitAt    []int   // per rule: the grid limit is for
	grid       int
	bounded    []int // the rules with a limit in the current grid
}

// combine fills in rules from the two sides' classes. It reports false
// when that would take more than b.
func combine(rules []RuleReach, ds *daemonSide, cs *clientSide, space *reachSpace, b *reachBudget) bool {
	n := len(rules)
	c := &combiner{rules: rules, ds: ds, cs: cs, space: space, b: b,
		inDC: make([]bool, ds.groups), xa: make([]int, len(cs.addrs)), xn: make([]int, len(cs.names)),
		matched: make([]bool, n), best: make([]reachRep, n), bestDC: make([]int, n)}
	A, B := newAxis(n), newAxis(n)
	for k := range ds.classes {
		c.dcNum = k + 1
		if !c.enter(&ds.classes[k]) || !c.witnesses(A, B) {
			return false
		}
	}
	c.shadowed = make([]bool, n)
	for i := range rules {
		if c.matched[i] && rules[i].Witness == nil {
			c.shadowed[i] = true
			c.shadowList = append(c.shadowList, i)
		}
	}
	if len(c.shadowList) > 0 {
		c.shadow = make([][]int, n)
		c.limit, c.limitAt = make([]int, n), make([]int, n)
		for k := range ds.classes {
			if !c.enter(&ds.classes[k]) || !c.shadows(A, B) {
				return false
			}
		}
	}
	for i := range rules {
		switch {
		case rules[i].Witness != nil:
		case !c.matched[i]:
			rules[i].Never = true
		default:
			by := c.shadow[i]
			slices.Sort(by)
			by = slices.Compact(by)
			if !b.spend(reachRefWork * len(by)) {
				return false
			}
			rules[i].ShadowedBy = make([]RuleRef, len(by))
			for k, j := range by {
				rules[i].ShadowedBy[k] = rules[j].Rule
			}
		}
	}
	return true
}

// enter makes dc the current daemon class: it marks its groups and finds
// each client class's first rule in it.
func (c *combiner) enter(dc *daemonClass) bool {
	work := enterClass(c.inDC, c.dc, dc, c.cs, c.xa, c.xn, c.first)
	c.dc = dc
	return c.b.spend(work)
}

// enterClass moves the marks of inDC from the groups of daemon class prev
// (nil: none) to those of dc, and sets xa and xn, for each address and
// name class of cs, to first of its rules. It returns the steps taken.
func enterClass[T any](inDC []bool, prev, dc *daemonClass, cs *clientSide, xa, xn []T, first func([]int) T) (work int) {
	if prev != nil {
		for _, g := range prev.groups {
			inDC[g] = false
		}
	}
	for _, g := range dc.groups {
		inDC[g] = true
	}
	for k := range cs.addrs {
		xa[k] = first(cs.addrs[k].on)
		work += 1 + len(cs.addrs[k].on)
	}
	for m := range cs.names {
		xn[m] = first(cs.names[m].on)
		work += 1 + len(cs.names[m].on)
	}
	return work
}

// in reports whether rule i's daemon list matches the current daemon
// class.
func (c *combiner) in(i int) bool { return c.inDC[c.ds.group[i]] }

// first returns the first rule of on in the current daemon class, or
// none.
func (c *combiner) first(on []int) int {
	for _, i := range on {
		if c.in(i) {
			return i
		}
	}
	return none
}

// match records that the rules of on in the current daemon class match
// some representative.
func (c *combiner) match(on []int) {
	for _, i := range on {
		if c.in(i) {
			c.matched[i] = true
		}
	}
}

// grids calls f for each grid of the client side in the current daemon
// class: A holds the address classes of one joint class, B the names of
// another with their first rule (joint lists included) for user class q,
// and joint is the joint lists they match. It stops when f or the budget
// says so.
func (c *combiner) grids(A, B *axis, f func(A, B *axis, q int, joint []int) bool) bool {
	cs := c.cs
	for _, K := range cs.aGroups {
		if len(K) == 0 {
			continue
		}
		A.reset()
		for _, k := range K {
			A.add(k, cs.addrs[k].ai, c.xa[k])
		}
		for _, M := range cs.nGroups {
			if len(M) == 0 {
				continue
			}
			for q := range cs.users {
				joint := cs.joint(cs.addrs[K[0]].ja, cs.names[M[0]].jn, q)
				y := c.first(joint)
				B.reset()
				for _, m := range M {
					B.add(m, cs.names[m].ni, min(c.xn[m], y))
				}
				if !c.b.spend(len(K)+len(M)+len(joint)) || !f(A, B, q, joint) {
					return false
				}
			}
		}
	}
	return true
}

// nameless calls f for each client without a name (when the space has
// one): address class k, user class q, its rules in the current daemon
// class, and the first of them.
func (c *combiner) nameless(f func(k, q int, on [3][]int, first int)) bool {
	cs := c.cs
	return cs.eachNameless(func(k, q int, joint []int) bool {
		a := &cs.addrs[k]
		first := min(c.xa[k], c.xn[a.e], c.first(joint))
		on := [3][]int{a.on, cs.names[a.e].on, joint}
		if !c.b.spend(1 + len(a.on) + len(cs.names[a.e].on) + len(joint)) {
			return false
		}
		f(k, q, on, first)
		return true
	})
}

// eachNameless calls f for each client without a name, whose name is the
// one its address looks up to (when the space has one): address class k,
// user class q, and the joint lists it matches. It stops when f returns
// false, and reports whether f never did.
func (cs *clientSide) eachNameless(f func(k, q int, joint []int) bool) bool {
	if cs.empty < 0 {
		return true
	}
	for k := range cs.addrs {
		a := &cs.addrs[k]
		for q := range cs.users {
			if !f(k, q, cs.joint(a.ja, cs.names[a.e].jn, q)) {
				return false
			}
		}
	}
	return true
}

// witnesses finds, in the current daemon class, the rules that match and
// the first representative each rule decides, and makes those of rules
// without a witness yet their witnesses.
func (c *combiner) witnesses(A, B *axis) bool {
	cs := c.cs
	for k := range cs.addrs {
		c.match(cs.addrs[k].on)
	}
	for _, m := range cs.grid {
		c.match(cs.names[m].on)
	}
	c.touched = c.touched[:0]
	ok := c.grids(A, B, func(A, B *axis, q int, joint []int) bool {
		c.match(joint)
		u := cs.users[q].ui
		for _, i := range A.vals {
			if c.rules[i].Witness == nil && B.top() >= i {
				c.offer(i, reachRep{A.pos[A.first[i]], B.pos[B.firstFrom(i)], u})
			}
		}
		for _, i := range B.vals {
			if c.rules[i].Witness != nil {
				continue
			}
			if a := A.firstAbove(i); a >= 0 {
				c.offer(i, reachRep{A.pos[a], B.pos[B.first[i]], u})
			}
		}
		return c.b.spend(len(A.vals) + len(B.vals))
	})
	ok = ok && c.nameless(func(k, q int, on [3][]int, first int) {
		for _, l := range on {
			c.match(l)
		}
		if first != none && c.rules[first].Witness == nil {
			c.offer(first, reachRep{cs.addrs[k].ai, cs.empty, cs.users[q].ui})
		}
	})
	if !ok {
		return false
	}
	for _, i := range c.touched {
		r := c.best[i]
		w := Request{Daemon: c.dc.req.Daemon, EmptyDaemon: c.dc.req.EmptyDaemon, Server: c.dc.req.Server,
			Client: c.space.clientEndpoint(r.a, c.space.names[r.n]), User: c.space.users[r.u]}
		c.rules[i].Witness = &w
	}
	return true
}

// offer makes r rule i's witness in the current daemon class if it comes
// before the one it has.
func (c *combiner) offer(i int, r reachRep) {
	if c.bestDC[i] != c.dcNum {
		c.bestDC[i] = c.dcNum
		c.best[i] = r
		c.touched = append(c.touched, i)
	} else if r.less(c.best[i]) {
		c.best[i] = r
	}
}

// shadows adds, for each rule that matches but never decides, the rules
// that decide the representatives it matches in the current daemon class.
func (c *combiner) shadows(A, B *axis) bool {
	cs := c.cs
	some := false
	for _, i := range c.shadowList {
		some = some || c.in(i)
	}
	if !some {
		return true
	}
	ok := c.grids(A, B, func(A, B *axis, q int, joint []int) bool {
		va, vb := A.sortedVals(), B.sortedVals()
		ta, tb := A.top(), B.top()
		// A joint list the rule is in: every client of the grid.
		for _, i := range joint {
			if c.shadowed[i] && c.in(i) && !(c.upTo(i, va, tb) && c.upTo(i, vb, ta)) {
				return false
			}
		}
		// An address class the rule is in: its x when some y reaches it,
		// and the y below it; a name class, the other way round.
		for _, side := range [2]struct {
			x, y  *axis
			vy    []int
			ty    int
			rules func(id int) []int
		}{
			{A, B, vb, tb, func(k int) []int { return cs.addrs[k].on }},
			{B, A, va, ta, func(m int) []int { return cs.names[m].on }},
		} {
			c.grid++
			c.bounded = c.bounded[:0]
			for j, x := range side.x.val {
				if x == none {
					continue
				}
				on := side.rules(side.x.id[j])
				if !c.b.spend(len(on)) {
					return false
				}
				for _, i := range on {
					if !c.shadowed[i] || !c.in(i) {
						continue
					}
					if c.limitAt[i] != c.grid {
						c.limitAt[i], c.limit[i] = c.grid, x
						c.bounded = append(c.bounded, i)
					} else if x > c.limit[i] {
						c.limit[i] = x
					}
					if side.ty >= x && !c.add(i, x) {
						return false
					}
				}
			}
			for _, i := range c.bounded {
				if !c.upTo(i, side.vy, c.limit[i]-1) {
					return false
				}
			}
		}
		return true
	})
	return ok && c.nameless(func(k, q int, on [3][]int, first int) {
		for _, l := range on {
			for _, i := range l {
				if c.shadowed[i] && c.in(i) {
					c.add(i, first)
				}
			}
		}
	}) && c.b.left >= 0
}

// upTo adds the values of vals (ascending) up to hi to rule i's shadows;
// it reports whether the budget still holds.
func (c *combiner) upTo(i int, vals []int, hi int) bool {
	for _, v := range vals {
		if v > hi {
			break
		}
		if !c.add(i, v) {
			return false
		}
	}
	return true
}

// add records that rule j decides a representative rule i matches; it
// reports whether the budget still holds.
func (c *combiner) add(i, j int) bool {
	if j != i && j != none {
		c.shadow[i] = append(c.shadow[i], j)
	}
	return c.b.spend(1)
}
