package engine

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// diffPolicies parses two pairs of tables under one resolver.
func diffPolicies(oldAllow, oldDeny, newAllow, newDeny, hosts string) (old, new *Policy) {
	res := NewHostsResolver("hosts", []byte(hosts))
	old = &Policy{Allow: Parse("hosts.allow", []byte(oldAllow), Debian), Deny: Parse("hosts.deny", []byte(oldDeny), Debian), Resolver: res}
	new = &Policy{Allow: Parse("hosts.allow", []byte(newAllow), Debian), Deny: Parse("hosts.deny", []byte(newDeny), Debian), Resolver: res}
	return old, new
}

// describe renders changes as "old -> new" lines, verdict changes marked.
func describe(changes []Change) string {
	side := func(o Outcome) string {
		s := string(o.Access)
		if o.Rule != nil {
			s += fmt.Sprintf(" by %s:%d", o.Rule.File, o.Rule.Line)
		}
		if o.Error != "" {
			s += " (error)"
		}
		return s
	}
	var b strings.Builder
	for _, c := range changes {
		mark := "rule"
		if c.Verdict() {
			mark = "verdict"
		}
		fmt.Fprintf(&b, "%s: %s -> %s\n", mark, side(c.Old), side(c.New))
	}
	return b.String()
}

func TestDiffExamples(t *testing.T) {
	for _, tc := range []struct {
		name                                 string
		oldAllow, oldDeny, newAllow, newDeny string
		hosts                                string
		want                                 string
		// an example of the first change must satisfy this
		example func(r Request) bool
	}{
		{name: "same", oldAllow: "sshd: 10.0.0.0/8\n", oldDeny: "ALL: ALL\n", newAllow: "sshd: 10.0.0.0/8\n", newDeny: "ALL: ALL\n"},
		{name: "respaced and renumbered", oldAllow: "sshd: 10.0.0.0/8\n", oldDeny: "ALL: ALL\n",
			newAllow: "# a comment\n\nsshd :   10.0.0.0/8\n", newDeny: "\nALL:ALL\n"},
		{name: "narrowed", oldAllow: "sshd: 10.0.0.0/8\n", oldDeny: "ALL: ALL\n", newAllow: "sshd: 10.0.0.0/16\n", newDeny: "ALL: ALL\n",
			// The rest of 10.0.0.0/16 is decided by the same line, changed.
			want: "verdict: granted by hosts.allow:1 -> denied by hosts.deny:1\n" + "rule: granted by hosts.allow:1 -> granted by hosts.allow:1\n",
			example: func(r Request) bool {
				a := r.Client.Socket.Addr()
				return r.Daemon == "sshd" && a.Is4() && a.As4()[0] == 10 && a.As4()[1] != 0
			}},
		{name: "widened to a daemon", oldAllow: "sshd: 10.0.0.0/8\n", oldDeny: "ALL: ALL\n", newAllow: "sshd, in.ftpd: 10.0.0.0/8\n", newDeny: "ALL: ALL\n",
			want: "verdict: denied by hosts.deny:1 -> granted by hosts.allow:1\n" + "rule: granted by hosts.allow:1 -> granted by hosts.allow:1\n",
			example: func(r Request) bool {
				return r.Daemon == "in.ftpd" && r.Client.Socket.Addr().As4()[0] == 10
			}},
		{name: "a rule in front", oldAllow: "ALL: .example.com\n", oldDeny: "ALL: ALL\n",
			newAllow: "ALL: .example.com\n", newDeny: "sshd: bad.example.com\nALL: ALL\n",
			// The deny rule is shadowed by the allow rule: nothing changes
			// but which deny rule catches the rest.
			want: ""},
		{name: "rule changes only", oldAllow: "sshd: 10.0.0.1\n", newAllow: "sshd: 10.0.0.1 10.0.0.2\n",
			want: "rule: granted by hosts.allow:1 -> granted by hosts.allow:1\n" + "rule: granted -> granted by hosts.allow:1\n"},
		{name: "deny option", oldAllow: "sshd: 10.0.0.1\n", newAllow: "sshd: 10.0.0.1: deny\n",
			want: "verdict: granted by hosts.allow:1 -> denied by hosts.allow:1\n"},
		{name: "by name", oldDeny: "ALL: .bad.example\n", newDeny: "ALL: .bad.example EXCEPT ok.bad.example\n",
			hosts: "10.0.0.5 ok.bad.example\n",
			want:  "verdict: denied by hosts.deny:1 -> granted\n" + "rule: denied by hosts.deny:1 -> denied by hosts.deny:1\n",
			example: func(r Request) bool {
				return r.Client.Name == "ok.bad.example" || r.Client.Name == "" && r.Client.Socket.Addr().String() == "10.0.0.5"
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, new := diffPolicies(tc.oldAllow, tc.oldDeny, tc.newAllow, tc.newDeny, tc.hosts)
			changes, err := Diff(old, new)
			if err != nil {
				t.Fatal(err)
			}
			got := describe(changes)
			if got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
			for _, c := range changes {
				checkChange(t, old, new, c)
			}
			if tc.example != nil && !tc.example(changes[0].Examples[0]) {
				t.Errorf("example %+v is not among the requests that change", changes[0].Examples[0])
			}
		})
	}
}

// checkChange fails unless each of c's examples has c's outcomes.
func checkChange(t *testing.T, old, new *Policy, c Change) {
	t.Helper()
	if len(c.Examples) == 0 || c.Cases < len(c.Examples) {
		t.Fatalf("change %+v: %d examples, %d cases", c, len(c.Examples), c.Cases)
	}
	for _, r := range c.Examples {
		for _, side := range []struct {
			p    *Policy
			want Outcome
		}{{old, c.Old}, {new, c.New}} {
			d := side.p.Decide(r)
			if d.Access != side.want.Access || d.Error != side.want.Error || (d.Matched == nil) != (side.want.Rule == nil) ||
				d.Matched != nil && (d.Matched.File != side.want.Rule.File || d.Matched.Line != side.want.Rule.Line) {
				t.Fatalf("example %+v: decided %s by %v (%q), the change says %+v", r, d.Access, d.Matched, d.Error, side.want)
			}
		}
	}
}

// TestDiffRules: a rule whose verdict stays but whose text changes is a
// change of rule.
func TestDiffRules(t *testing.T) {
	old, new := diffPolicies("sshd: 10.0.0.1\n", "ALL: ALL\n", "sshd: 10.0.0.1 10.0.0.2\n", "ALL: ALL\n", "")
	changes, err := Diff(old, new)
	if err != nil || len(changes) != 2 {
		t.Fatalf("%v, changes:\n%s", err, describe(changes))
	}
	if !changes[0].Verdict() || changes[1].Verdict() {
		t.Fatalf("want the verdict change first:\n%s", describe(changes))
	}
	if changes[1].Old.Text != "sshd: 10.0.0.1" || changes[1].New.Text != "sshd: 10.0.0.1, 10.0.0.2" {
		t.Errorf("texts %q, %q", changes[1].Old.Text, changes[1].New.Text)
	}
	if a := changes[0].Examples[0].Client.Socket.Addr().String(); a != "10.0.0.2" {
		t.Errorf("the verdict change's example is at %s, want 10.0.0.2", a)
	}
}

var diffSeeds = flag.Uint64("diffseeds", 60, "random table pairs TestDiffBruteForce compares")

// TestDiffBruteForce holds Diff to the evaluator on random pairs of
// tables: every example has its change's outcomes, and every random
// request the two policies decide differently belongs to a change Diff
// reports. The second policy is the first edited as people edit: a rule
// dropped, two swapped, one moved to the other table, one added from
// another random case.
func TestDiffBruteForce(t *testing.T) {
	seeds := *diffSeeds
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		seeds = min(seeds, 6) // the same code; natively the search goes wider
	}
	res := NewHostsResolver("hosts", []byte("127.1.0.1 lo1.example.com\n10.0.0.7 good.example.com\n")).WithNetgroups("netgroup", []byte("trusted (good.example.com,,) (LO2,,)\nall (,,)\nnested trusted (-,alice,)\n"))
	r := rand.New(rand.NewPCG(555, 5))
	compared, changed, checked := 0, 0, 0
	for seed := uint64(1); seed <= seeds; seed++ {
		old, new, what := editCase(seed, seed+7000, r, res)
		changes, err := Diff(old, new)
		if err != nil {
			continue
		}
		compared++
		if len(changes) > 0 {
			changed++
		}
		keys := map[changeKey]bool{}
		for _, ch := range changes {
			checkChange(t, old, new, ch)
			keys[changeKey{keyOf(ch.Old), keyOf(ch.New)}] = true
		}
		gen := newBruteGen(old.Allow, old.Deny, new.Allow, new.Deny)
		for n := 0; n < 1500; n++ {
			req := gen.request(r)
			if req.Client.Socket.IsValid() && r.IntN(4) == 0 {
				req.Client.Name = "" // looked up
			}
			o, nw := outcomeOf(old, req), outcomeOf(new, req)
			checked++
			if o.Access == nw.Access && o.Error == nw.Error && o.Text == nw.Text && sameTableKind(old, new, o, nw) {
				continue
			}
			key := changeKey{keyOf(o), keyOf(nw)}
			if strings.Contains(o.Text, "%") || strings.Contains(nw.Text, "%") || tooLong(o) || tooLong(nw) {
				// Diff's documented limit: whether an expansion is too long
				// depends on the length of what it expands, which is the
				// representative's; only the rules must be those of a change.
				if !slices.ContainsFunc(changes, func(c Change) bool { return sameRule(c.Old, o) && sameRule(c.New, nw) }) {
					t.Fatalf("%s: %+v goes from %+v to %+v, no change of those rules; Diff reports\n%s", what, req, o, nw, describe(changes))
				}
				continue
			}
			if !keys[key] {
				t.Fatalf("%s: %+v goes from %+v to %+v, which Diff does not report; it reports\n%s", what, req, o, nw, describe(changes))
			}
		}
	}
	if compared < int(seeds)*3/4 {
		t.Errorf("Diff answered only %d of %d cases", compared, seeds)
	}
	if changed < compared/3 {
		t.Errorf("only %d of %d edits changed anything: the test edits too little", changed, compared)
	}
	t.Logf("%d of %d cases compared, %d with changes, %d random requests", compared, seeds, changed, checked)
}

// sameRule reports whether two outcomes have the same deciding rule, or
// both none.
func sameRule(a, b Outcome) bool {
	if a.Rule == nil || b.Rule == nil {
		return a.Rule == nil && b.Rule == nil
	}
	return a.Rule.File == b.Rule.File && a.Rule.Line == b.Rule.Line
}

// tooLong reports an expansion too long, which depends on the length of
// what is expanded.
func tooLong(o Outcome) bool { return strings.HasPrefix(o.Error, "expansion too long") }

// outcomeOf is how p decides r, as Diff reports it.
func outcomeOf(p *Policy, r Request) Outcome {
	d := p.Decide(r)
	o := Outcome{Access: d.Access, Error: d.Error}
	if d.Matched != nil {
		m := *d.Matched
		o.Rule = &m
		for _, t := range []*Table{p.Allow, p.Deny} {
			for _, ln := range t.Lines {
				if t.Name == m.File && ln.Kind == LineRule && ln.Num == m.Line && ln.Span == m.Span {
					o.Text = ruleText(ln, p.Profile())
				}
			}
		}
	}
	return o
}

// sameTableKind reports whether o (of old) and n (of new) were decided by
// rules of tables of the same kind, or both by none.
func sameTableKind(old, new *Policy, o, n Outcome) bool {
	if o.Rule == nil || n.Rule == nil {
		return o.Rule == nil && n.Rule == nil
	}
	return (o.Rule.File == old.Deny.Name) == (n.Rule.File == new.Deny.Name)
}

// editCase returns tablegen's random case of seed as old and as new that
// case edited by editTables with lines of the case of other, under one of
// the three profiles, and the four tables for failure messages.
func editCase(seed, other uint64, r *rand.Rand, res Resolver) (old, new *Policy, what string) {
	c := tablegen.Random(seed)
	text := func(s *string) string {
		if s == nil {
			return ""
		}
		return strings.ReplaceAll(*s, "{DIR}", "/case")
	}
	files := MapFiles{}
	for k, v := range c.Files {
		files["/case/"+k] = strings.ReplaceAll(v, "{DIR}", "/case")
	}
	allow, deny := text(c.Allow), text(c.Deny)
	o := tablegen.Random(other)
	newAllow, newDeny := editTables(r, allow, deny, text(o.Allow)+text(o.Deny))
	prof := []Profile{Debian, Upstream, FreeBSD}[seed%3]
	mk := func(a, d string) *Policy {
		return &Policy{Allow: Parse("hosts.allow", []byte(a), prof), Deny: Parse("hosts.deny", []byte(d), prof), Resolver: res, Files: files}
	}
	what = fmt.Sprintf("seed %d %s\nold allow %q\nold deny %q\nnew allow %q\nnew deny %q", seed, prof, allow, deny, newAllow, newDeny)
	return mk(allow, deny), mk(newAllow, newDeny), what
}

// editTables returns allow and deny edited once or twice at random, with
// lines from extra to add.
func editTables(r *rand.Rand, allow, deny, extra string) (string, string) {
	t := [2][]string{strings.SplitAfter(allow, "\n"), strings.SplitAfter(deny, "\n")}
	more := strings.SplitAfter(extra, "\n")
	for range 1 + r.IntN(2) {
		k := r.IntN(2)
		lines := t[k]
		switch r.IntN(4) {
		case 0: // drop
			if len(lines) > 0 {
				i := r.IntN(len(lines))
				t[k] = append(lines[:i:i], lines[i+1:]...)
			}
		case 1: // swap
			if len(lines) > 1 {
				i, j := r.IntN(len(lines)), r.IntN(len(lines))
				lines[i], lines[j] = lines[j], lines[i]
			}
		case 2: // move to the other table
			if len(lines) > 0 {
				i := r.IntN(len(lines))
				t[1-k] = append([]string{lines[i]}, t[1-k]...)
				t[k] = append(lines[:i:i], lines[i+1:]...)
			}
		default: // add
			if l := more[r.IntN(len(more))]; l != "" {
				i := r.IntN(len(lines) + 1)
				t[k] = append(lines[:i:i], append([]string{l}, lines[i:]...)...)
			}
		}
	}
	join := func(ls []string) string {
		s := strings.Join(ls, "")
		if s != "" && !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		return s
	}
	return join(t[0]), join(t[1])
}

func TestDiffGivesUp(t *testing.T) {
	old, new := diffPolicies("", "ALL: ALL\n", "", "ALL: ALL\n", "")
	new.Allow = Parse("hosts.allow", nil, Upstream)
	if _, err := Diff(old, new); err != ErrDiffProfiles {
		t.Errorf("two profiles: %v", err)
	}
	tooLarge := TooLargeTable("hosts.deny", Debian)
	if _, err := Diff(old, &Policy{Deny: tooLarge}); !errors.Is(err, ErrTableTooLarge) || err.Error() != "hosts.deny: "+ErrTableTooLarge.Error() {
		t.Errorf("a table too large: %v", err)
	}
	// A mixed blocklist of many addresses and many domains is a product
	// of their lengths.
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, "ALL: 10.%d.%d.1 .d%d.example\n", i/256, i%256, i)
	}
	big := b.String()
	old, new = diffPolicies("", big, "", big+"ALL: 192.0.2.1\n", "")
	if _, err := diff(old, new, nil, 1_000_000); err != ErrDiffTooLarge {
		t.Errorf("a 1,000,000-cell product within 1,000,000 steps: %v", err)
	}
	if changes, err := Diff(old, new); err != nil || len(changes) != 1 {
		t.Errorf("Diff of a 1,000,000-cell product: %v\n%s", err, describe(changes))
	}
	// Within a smaller budget, a short one gives up too.
	old, new = diffPolicies("sshd: 10.0.0.1\n", "", "sshd: 10.0.0.2\n", "", "")
	if _, err := diff(old, new, nil, 10); err != ErrDiffTooLarge {
		t.Errorf("within 10 steps: %v", err)
	}
	if _, err := diff(old, new, nil, MaxDiffWork); err != nil {
		t.Errorf("two one-line tables: %v", err)
	}
	// daemon@host reading the server's name under a resolver that
	// cannot list names: not with the system's DNS, only with a table.
	old = &Policy{Allow: Parse("hosts.allow", []byte("sshd@.example.com: ALL\n"), Debian), Resolver: noList{}}
	new = &Policy{Allow: Parse("hosts.allow", []byte("sshd@.example.org: ALL\n"), Debian), Resolver: noList{}}
	if _, err := Diff(old, new); err != ErrDiffServerNames {
		t.Errorf("server names under DNS: %v", err)
	}
	old.Resolver, new.Resolver = NewHostsResolver("hosts", []byte("10.0.0.1 a.example.com\n")), old.Resolver
	if changes, err := Diff(old, new); err != nil || len(changes) == 0 {
		t.Errorf("server names under a hosts table: %v\n%s", err, describe(changes))
	}
	// Wildcards that cannot be listed among other address patterns.
	old, new = diffPolicies("ALL: *.1 10.0.0.0/8\n", "", "ALL: *.1\n", "", "")
	if _, err := Diff(old, new); err != ErrDiffTooLarge {
		t.Errorf("*.1 with a net/mask: %v", err)
	}
}

// noList is a resolver that cannot list the names it gives addresses, as
// the system's DNS.
type noList struct{ Resolver }

func (noList) LookupAddr(netip.Addr) (string, bool)                 { return "", false }
func (noList) LookupHost(string, bool) (string, []netip.Addr, bool) { return "", nil, false }

func TestDiffContext(t *testing.T) {
	old, new := diffPolicies("sshd: 10.0.0.1\n", "", "sshd: 10.0.0.2\n", "", "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	changes, err := DiffContext(ctx, old, new)
	if !errors.Is(err, ErrCanceled) || changes != nil {
		t.Fatalf("canceled: %v, %v", changes, err)
	}
	changes, err = DiffContext(context.Background(), old, new)
	if err != nil || len(changes) != 2 {
		t.Fatalf("%v\n%s", err, describe(changes))
	}
}

// TestDiffBlocklist: one address added to a long blocklist of addresses
// is one change, found within the budget.
func TestDiffBlocklist(t *testing.T) {
	n := 20000
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		n = 4000 // the same code, slower
	}
	table, _, _ := tablegen.Sized(tablegen.KindExact, n)
	old, new := diffPolicies("", table, "", "sshd: 192.0.2.9\n"+table, "")
	changes, err := Diff(old, new)
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(changes); got != "verdict: granted -> denied by hosts.deny:1\n" {
		t.Fatalf("got\n%s", got)
	}
	if a := changes[0].Examples[0].Client.Socket.Addr().String(); a != "192.0.2.9" || changes[0].Examples[0].Daemon != "sshd" {
		t.Errorf("example %+v", changes[0].Examples[0])
	}
}

// diffOracle decides, under old and new, one request of each class of
// the representatives of both policies' rules (widened by bruteSpace when
// wide): the daemon side's representatives are classed by the rules
// whose daemon lists they match, the client side's by the rules whose
// client lists they match, each list decided on its own, and every
// daemon class meets every client class. It returns the changes it
// finds, by key, with one request each; ok is false past maxReqs
// representatives.
func diffOracle(old, new *Policy, wide bool, maxReqs int) (map[changeKey]Request, bool) {
	_, a, _ := reachRules(old)
	_, b, _ := reachRules(new)
	lines := append(slices.Clip(a), b...)
	union := unionPolicy(old, lines)
	sp := newReachSpace(union, MaxReachRequests, newFileReader(union, &reachBudget{left: MaxReachWork}))
	if sp == nil {
		return nil, false
	}
	if wide {
		sp = bruteSpace(union, sp)
	}
	if len(sp.daemons)*len(sp.servers)+(len(sp.addrs)+1)*len(sp.names)*len(sp.users) > maxReqs {
		return nil, false
	}
	classes := func(daemon bool, side func(yield func(Request))) []Request {
		var out []Request
		seen := map[string]bool{}
		key := make([]byte, len(lines))
		side(func(r Request) {
			st := union.listState(r)
			for i, ln := range lines {
				key[i] = '0'
				if st.listMatchAlone(ln, daemon) {
					key[i] = '1'
				}
			}
			if !seen[string(key)] {
				seen[string(key)] = true
				out = append(out, r)
			}
		})
		return out
	}
	daemons := classes(true, func(yield func(Request)) {
		for _, d := range sp.daemons {
			for _, s := range sp.servers {
				yield(Request{Daemon: d, Server: s})
			}
		}
	})
	clients := classes(false, func(yield func(Request)) {
		for ai := 0; ai <= len(sp.addrs); ai++ {
			for _, n := range sp.names {
				for _, u := range sp.users {
					yield(Request{Client: sp.clientEndpoint(ai, n), User: u})
				}
			}
		}
	})
	out := map[changeKey]Request{}
	for _, dr := range daemons {
		for _, cr := range clients {
			r := Request{Daemon: dr.Daemon, Server: dr.Server, Client: cr.Client, User: cr.User}
			o, nw := outcomeOf(old, r), outcomeOf(new, r)
			if o.Access == nw.Access && o.Error == nw.Error && o.Text == nw.Text && sameTableKind(old, new, o, nw) {
				continue
			}
			if k := (changeKey{keyOf(o), keyOf(nw)}); !hasKey(out, k) {
				out[k] = r
			}
		}
	}
	return out, true
}

func hasKey(m map[changeKey]Request, k changeKey) bool { _, ok := m[k]; return ok }

// sameChanges fails unless Diff's changes are the oracle's: the same
// keys, but where a rule expands a %-sequence (Diff's documented limit),
// where only the rules must be those of some change.
func sameChanges(t *testing.T, what string, changes []Change, oracle map[changeKey]Request, wide bool) {
	t.Helper()
	got := map[changeKey]bool{}
	for _, c := range changes {
		got[changeKey{keyOf(c.Old), keyOf(c.New)}] = true
	}
	expands := func(k changeKey) bool {
		return strings.Contains(k.old.text, "%") || strings.Contains(k.new.text, "%") ||
			strings.HasPrefix(k.old.err, "expansion too long") || strings.HasPrefix(k.new.err, "expansion too long")
	}
	sameRules := func(k changeKey, in func(yield func(changeKey) bool)) bool {
		for j := range in {
			if j.old.file == k.old.file && j.old.line == k.old.line && j.new.file == k.new.file && j.new.line == k.new.line {
				return true
			}
		}
		return false
	}
	for k, r := range oracle {
		if got[k] || expands(k) && sameRules(k, maps.Keys(got)) {
			continue
		}
		t.Fatalf("%s: %+v goes from %+v to %+v, which Diff does not report; it reports\n%s", what, r, k.old, k.new, describe(changes))
	}
	if wide {
		return // the wide space's changes include the narrow one's
	}
	for k := range got {
		if !hasKey(oracle, k) && !(expands(k) && sameRules(k, maps.Keys(oracle))) {
			t.Fatalf("%s: Diff reports %+v -> %+v, which no representative has; it reports\n%s", what, k.old, k.new, describe(changes))
		}
	}
}

// TestDiffOracle holds Diff to the oracle on random pairs of tables:
// exactly the oracle's changes over the representatives, and at least
// those of the wider space.
func TestDiffOracle(t *testing.T) {
	seeds := *diffSeeds
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		seeds = min(seeds, 6)
	}
	res := NewHostsResolver("hosts", []byte("127.1.0.1 lo1.example.com\n10.0.0.7 good.example.com\n")).WithNetgroups("netgroup", []byte("trusted (good.example.com,,) (LO2,,)\nall (,,)\n"))
	r := rand.New(rand.NewPCG(777, 7))
	compared := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		old, new, what := editCase(seed+20000, seed+27000, r, res)
		changes, err := Diff(old, new)
		if err != nil {
			continue
		}
		for _, wide := range []bool{false, true} {
			if wide && (seed%4 != 0 || runtime.GOOS == "js" || runtime.GOOS == "wasip1") {
				continue // the wide space is slow: a quarter of the cases, natively
			}
			oracle, ok := diffOracle(old, new, wide, 200_000)
			if !ok {
				continue
			}
			if !wide {
				compared++
			}
			sameChanges(t, what, changes, oracle, wide)
		}
	}
	if compared < int(seeds)/3 {
		t.Errorf("only %d of %d cases within the oracle's bound", compared, seeds)
	}
	t.Logf("%d of %d cases compared", compared, seeds)
}

// FuzzDiff: Diff never panics; a policy compared with itself has no
// change; and where the oracle answers, Diff has its changes, each
// example decided as its change says.
func FuzzDiff(f *testing.F) {
	seedTables(f, func(allow, deny string) { f.Add(allow, deny, allow, deny+"sshd: 10.0.0.1\n") })
	f.Add("sshd: 10.0.0.0/8\n", "ALL: ALL\n", "sshd: 10.0.0.0/16\n", "ALL: ALL\n")
	res, files := fuzzResolver(), fuzzFiles()
	f.Fuzz(func(t *testing.T, oldAllow, oldDeny, newAllow, newDeny string) {
		for _, prof := range []Profile{Debian, Upstream, FreeBSD} {
			mk := func(a, d string) *Policy {
				return &Policy{Allow: Parse("hosts.allow", []byte(a), prof), Deny: Parse("hosts.deny", []byte(d), prof), Resolver: res, Files: files}
			}
			old, new := mk(oldAllow, oldDeny), mk(newAllow, newDeny)
			if same, err := Diff(old, old); err == nil && len(same) > 0 {
				t.Fatalf("%s: a policy differs from itself:\n%s", prof, describe(same))
			}
			changes, err := Diff(old, new)
			if err != nil {
				continue
			}
			for _, c := range changes {
				checkChange(t, old, new, c)
			}
			if oracle, ok := diffOracle(old, new, false, 50_000); ok {
				sameChanges(t, prof.String(), changes, oracle, false)
			}
		}
	})
}
