//go:build linux

package libwrap

import (
	"os"
	"testing"
)

// ForTest returns a harness for test t, closed when t ends. Without the
// harness's prerequisites the test is skipped, except under CI=true, where
// CI installs them and their absence is a failure.
func ForTest(t testing.TB) *Harness {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the libwrap harness cannot run in CI: %v", err)
		}
		t.Skipf("libwrap harness unavailable: %v", err)
	}
	h, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}
