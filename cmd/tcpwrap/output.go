package main

import (
	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// The JSON that match prints, one prediction object per line, is
// wire.Result: the command line, the WebAssembly modules and the HTTP API
// share it. The names below keep this package's own vocabulary.
type (
	prediction  = wire.Result
	requestEcho = wire.Echo
	ruleOut     = wire.Rule
	commandOut  = wire.Command
	envOut      = wire.Env
)

// prediction converts a decision; withTrace copies its trace.
func (m *matcher) prediction(echo requestEcho, req engine.Request, d *engine.Decision, withTrace bool) *prediction {
	return wire.FromDecision(m.policy, echo, req, d, withTrace)
}

// ruleOut describes a rule reference; nil stays nil.
func (m *matcher) ruleOut(ref *engine.RuleRef) *ruleOut {
	return wire.RuleOf(m.policy, ref)
}
