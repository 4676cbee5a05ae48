package optionhunt

import (
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/e2e/realhunt"
)

// TestNoPID: no option text or line has a %p sequence (the hunts cannot
// compare the pid libwrap's process has), whatever the seed; the seed
// of a CI run whose random text made one ("{DIR}/%pct%d") among them.
func TestNoPID(t *testing.T) {
	texts := append(Options(), Lines()...)
	for _, seed := range []uint64{1, 2, 3, 1795533150220732060} {
		texts = append(texts, Random(seed, 2000)...)
	}
	for _, s := range texts {
		if realhunt.NoPID(s) != s {
			t.Errorf("%q has a %%p sequence", s)
		}
	}
	// The check can fail: a text with one is caught.
	if s := "spawn echo %pct"; realhunt.NoPID(s) == s || !strings.Contains(realhunt.NoPID(s), "%%") {
		t.Errorf("NoPID(%q) = %q: the check above proves nothing", s, realhunt.NoPID(s))
	}
}
