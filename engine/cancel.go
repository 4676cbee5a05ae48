package engine

import (
	"context"
	"errors"
)

// ErrCanceled is the error of a decision, a check or a reach analysis
// whose context was done before it finished ([Policy.EvaluateContext],
// [Policy.DecideContext], [Decider.DecideContext], [CheckContext],
// [ReachContext]). There is then no answer at all, never part of one.
// The error returned matches both ErrCanceled and the context's own error
// (context.Canceled or context.DeadlineExceeded) with errors.Is.
//
// # Notes
//
// The work looks at its context at the boundaries of its loops: each
// table line a decision reads, each word of a pattern file, each line
// Check examines and each step of Reach (see [MaxReachWork]). A context
// that is never canceled (context.Background) has a nil Done channel and
// costs one comparison at each of them, so the functions without a
// context are these with context.Background.
var ErrCanceled = errors.New("evaluation canceled")

// canceledError is ErrCanceled with the context's error as its cause.
type canceledError struct{ cause error }

func (e *canceledError) Error() string        { return ErrCanceled.Error() + ": " + e.cause.Error() }
func (e *canceledError) Is(target error) bool { return target == ErrCanceled }
func (e *canceledError) Unwrap() error        { return e.cause }

// canceled is the panic that unwinds work whose context is done, as jump
// unwinds a decision libwrap ends early. Every recover in the engine
// passes it on; recoverCanceled, at the exported functions, stops it.
type canceled struct{}

// poll panics with canceled once done is closed. Only its nil test is
// inlined in the loops; the rest is pollDone's.
func poll(done <-chan struct{}) {
	if done != nil {
		pollDone(done)
	}
}

//go:noinline
func pollDone(done <-chan struct{}) {
	select {
	case <-done:
		panic(canceled{})
	default:
	}
}

// recoverCanceled, deferred by the functions that take a context, turns
// the canceled panic into the error *err for ctx. Any other panic goes
// on.
func recoverCanceled(ctx context.Context, err *error) {
	if e := recover(); e != nil {
		if _, ok := e.(canceled); !ok {
			panic(e)
		}
		*err = &canceledError{cause: ctx.Err()}
	}
}
