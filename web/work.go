package web

import (
	"context"
	"fmt"
	"strings"
)

// MaxWork bounds the work of one evaluation, a share or a form: the
// lines of hosts.allow and hosts.deny (at least one each) and the words
// of the pattern files, times the requests. Each decision may read every
// line and every pattern file (a rule naming a 50,000-word file reads it
// all for a client it does not list), and records a trace step for each
// line read, and a page or an evaluate answer shows them all, so this
// bounds the answer's size and the time a decision takes.
const MaxWork = 100000

// workError is an input past MaxWork.
type workError struct{ lines, words, requests int }

func (e *workError) Error() string {
	reqs := plural(e.requests, "request", "requests")
	if e.words == 0 {
		return fmt.Sprintf("too much work: %s × %s is more than %d", plural(e.lines, "table line", "table lines"), reqs, MaxWork)
	}
	return fmt.Sprintf("too much work: (%s + %s) × %s is more than %d", plural(e.lines, "table line", "table lines"),
		plural(e.words, "pattern-file word", "pattern-file words"), reqs, MaxWork)
}

// plural is n and the noun for n: "1 request", "3 requests".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// checkWork returns a *workError when allow, deny, the pattern files and
// n requests are more work than MaxWork.
func checkWork(allow, deny *string, files map[string]string, n int) error {
	lines := func(s *string) int {
		if s == nil || *s == "" {
			return 1
		}
		return strings.Count(*s, "\n") + min(1, len(*s)-strings.LastIndexByte(*s, '\n')-1)
	}
	l := lines(allow) + lines(deny)
	words := 0
	for _, text := range files {
		words += len(strings.Fields(text))
	}
	if n > 0 && (l+words)*n > MaxWork {
		return &workError{l, words, n}
	}
	return nil
}

// acquire waits for one of the server's evaluation slots (as many as
// twice the CPUs: evaluations are CPU-bound), or for ctx to end. A free
// slot is taken even when ctx has ended, rather than either at random:
// the evaluation then stops at once and says why (wire.ErrCanceled). The
// slot is given back by calling release.
func (s *server) acquire(ctx context.Context) (release func(), err error) {
	release = func() { <-s.slots }
	select {
	case s.slots <- struct{}{}:
		return release, nil
	default:
	}
	select {
	case s.slots <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
