package wire

import (
	"context"

	"github.com/tcpwrap/tcpwrap/engine"
)

// ErrCanceled is [engine.ErrCanceled], the error of [EvaluateContext],
// [Compiled.EvaluateContext] and [CheckContext] when their context is
// done before they finish.
var ErrCanceled = engine.ErrCanceled

// A call carries the context of one call, when it has one, to the
// engine: the zero call, that of Evaluate, Check and every call of the
// WebAssembly modules, has none and uses the engine's functions without
// a context.
//
// # Notes
//
// Those never make a context.Context either: a value of any type that
// implements it (context.Background's too) links its Deadline method,
// and with it time's formatting and time zones, into the modules:
// 80 KB, 22 KB gzipped.
type call struct{ ctx context.Context }

// decide decides r under p, with a trace if trace.
func (c call) decide(p *engine.Policy, r engine.Request, trace bool) (*engine.Decision, error) {
	switch {
	case c.ctx == nil && trace:
		return p.Evaluate(r), nil
	case c.ctx == nil:
		return p.Decide(r), nil
	case trace:
		return p.EvaluateContext(c.ctx, r)
	}
	return p.DecideContext(c.ctx, r)
}

// check is engine.Check.
func (c call) check(allow, deny *engine.Table, opts engine.CheckOptions) (engine.Diagnostics, error) {
	if c.ctx == nil {
		return engine.Check(allow, deny, opts), nil
	}
	return engine.CheckContext(c.ctx, allow, deny, opts)
}

// diff is engine.Diff.
func (c call) diff(old, new *engine.Policy) ([]engine.Change, error) {
	if c.ctx == nil {
		return engine.Diff(old, new)
	}
	return engine.DiffContext(c.ctx, old, new)
}
