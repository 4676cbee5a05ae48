package web

import (
	"context"
	"fmt"
	"strings"
)

// MaxWork bounds the work of one evaluation, a share or a form: the
// lines of hosts.allow and hosts.deny (at least one each) times the
// requests. Each decision may read every line and records a trace step
// for each line read, and a page or an evaluate answer shows them all, so
// this bounds the answer's size and the time a decision takes.
const MaxWork = 100000

// workError is an input past MaxWork.
type workError struct{ lines, requests int }

func (e *workError) Error() string {
	return fmt.Sprintf("too much work: %d table lines × %d requests is more than %d", e.lines, e.requests, MaxWork)
}

// checkWork returns a *workError when allow, deny and n requests are
// more work than MaxWork.
func checkWork(allow, deny *string, n int) error {
	lines := func(s *string) int {
		if s == nil {
			return 1
		}
		return strings.Count(*s, "\n") + 1
	}
	l := lines(allow) + lines(deny)
	if n > 0 && l*n > MaxWork {
		return &workError{l, n}
	}
	return nil
}

// acquire waits for one of the server's evaluation slots (as many as
// twice the CPUs: evaluations are CPU-bound), or for ctx to end. The
// slot is given back by calling release.
func (s *server) acquire(ctx context.Context) (release func(), err error) {
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
