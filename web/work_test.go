package web

import "testing"

// TestWorkErrorText: the counts in the message agree with their nouns
// (QA: "× 1 requests").
func TestWorkErrorText(t *testing.T) {
	for _, tc := range []struct {
		e    workError
		want string
	}{
		{workError{lines: 200000, requests: 1}, "too much work: 200000 table lines × 1 request is more than 100000"},
		{workError{lines: 2, words: 1, requests: 50000}, "too much work: (2 table lines + 1 pattern-file word) × 50000 requests is more than 100000"},
		{workError{lines: 2, words: 60000, requests: 2}, "too much work: (2 table lines + 60000 pattern-file words) × 2 requests is more than 100000"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
}
