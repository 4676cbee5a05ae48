//go:build linux

package libwrap

import (
	"os"
	"sync"
	"testing"
)

// ForTest returns a harness for test t, closed when t ends. Without the
// harness's prerequisites the test is skipped, except under CI=true, where
// CI installs them and their absence is a failure.
func ForTest(t testing.TB) *Harness {
	t.Helper()
	skipUnavailable(t)
	h, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func skipUnavailable(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the libwrap harness cannot run in CI: %v", err)
		}
		t.Skipf("libwrap harness unavailable: %v", err)
	}
}

var shared struct {
	once sync.Once
	dir  string
	h    *Harness
	err  error
}

// Shared is ForTest for one harness shared by every test of the test
// binary: its programs are built and its sessions started once, not per
// test. The package's TestMain must call CloseShared after m.Run.
func Shared(t testing.TB) *Harness {
	t.Helper()
	skipUnavailable(t)
	shared.once.Do(func() {
		if shared.dir, shared.err = os.MkdirTemp("", "libwrap-shared-"); shared.err == nil {
			shared.h, shared.err = New(shared.dir)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.h
}

// CloseShared closes the harness Shared made, if any, and removes its
// directory.
func CloseShared() {
	if shared.h != nil {
		shared.h.Close()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
}
