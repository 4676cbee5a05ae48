package wire

import (
	"errors"
	"strconv"
	"strings"

	"github.com/tcpwrap/tcpwrap/engine"
)

// An Expect is the verdict a request must get: what one line of
// `tcpwrap test` states, and the playground's expected-verdict column.
// A request that carries one is decided as any other, and its
// [RequestResult] says in Expect whether every prediction met it.
type Expect struct {
	// Access is "granted", "denied" or "delegated".
	Access string `json:"access"`
	// Rule, when set, is the rule that must decide: "hosts.allow:N" or
	// "hosts.deny:N" (line N of the allow or the deny table, whatever
	// name it is read under), or "none": no rule decided (the default
	// grant, or an error before any rule). "" accepts any rule.
	Rule string `json:"rule,omitempty"`
}

// An ExpectResult is how a request's predictions met its [Expect].
type ExpectResult struct {
	// Met is whether every prediction got the expected access (and rule);
	// a request that gave no prediction (an error) meets nothing.
	Met bool `json:"met"`
	// Got is what each prediction got, in the terms of an Expect: its
	// access and the rule that decided it ("none" for no rule), in the
	// order of the predictions.
	Got []Expect `json:"got"`
}

// IsVerdict reports whether s is a verdict an expectation may name:
// granted, denied or delegated.
func IsVerdict(s string) bool {
	switch engine.Access(s) {
	case engine.Granted, engine.Denied, engine.Delegated:
		return true
	}
	return false
}

// Check reports what is wrong with e: an access that is not a verdict,
// or a rule that names none.
func (e *Expect) Check() error {
	if !IsVerdict(e.Access) {
		return errors.New("expect: access " + strconv.Quote(e.Access) + ": want granted, denied or delegated")
	}
	if e.Rule != "" && !ValidRule(e.Rule) {
		return errors.New("expect: rule " + strconv.Quote(e.Rule) + ": want hosts.allow:N, hosts.deny:N or none")
	}
	return nil
}

// ValidRule reports whether s names a rule as an expectation does:
// hosts.allow:N or hosts.deny:N (N a line number from 1 to 999999999,
// no leading zero), or none.
func ValidRule(s string) bool {
	if s == "none" {
		return true
	}
	file, line, ok := strings.Cut(s, ":")
	if !ok || file != "hosts.allow" && file != "hosts.deny" || line == "" || line[0] == '0' || len(line) > 9 {
		return false
	}
	for _, c := range []byte(line) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Meets reports whether got (a prediction's access and rule) meets e.
func (e *Expect) Meets(got Expect) bool {
	return got.Access == e.Access && (e.Rule == "" || got.Rule == e.Rule)
}

// String writes e as an expectation line ends: "denied", or "denied by
// hosts.deny:3" (the playground's expect column, tcpwrap test's
// messages).
func (e Expect) String() string {
	if e.Rule == "" {
		return e.Access
	}
	return e.Access + " by " + e.Rule
}

// got is what the prediction r got, in the terms of an Expect: its
// access and its deciding rule, named by table (hosts.allow or
// hosts.deny, whatever name the table is read under).
func (c *Compiled) got(r *Result) Expect {
	g := Expect{Access: r.Access, Rule: "none"}
	if m := r.Matched; m != nil {
		g.Rule = RuleName(c.policy, &engine.RuleRef{File: m.Path, Line: m.Line})
	}
	return g
}

// RuleName names p's rule ref as expectations do, by its table whatever
// name the table is read under: "hosts.allow:N" or "hosts.deny:N", and
// "none" for no rule.
func RuleName(p *engine.Policy, ref *engine.RuleRef) string {
	switch {
	case ref == nil:
		return "none"
	case p.Deny != nil && ref.File == p.Deny.Name:
		return "hosts.deny:" + strconv.Itoa(ref.Line)
	}
	return "hosts.allow:" + strconv.Itoa(ref.Line)
}

// expect is how rr, the answer to a request, met e.
func (c *Compiled) expect(e *Expect, rr *RequestResult) *ExpectResult {
	er := &ExpectResult{Met: len(rr.Predictions) > 0, Got: make([]Expect, 0, len(rr.Predictions))}
	for _, p := range rr.Predictions {
		g := c.got(p)
		er.Got = append(er.Got, g)
		if !e.Meets(g) {
			er.Met = false
		}
	}
	return er
}
