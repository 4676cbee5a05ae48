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

var sharedUpstream struct {
	once sync.Once
	dir  string
	h    *Harness
	err  error
}

// SharedUpstream is Shared for the upstream 7.6 harness (NewUpstream)
// built from the source directory UpstreamEnv names. Without that
// variable the test is skipped, CI or not: the source tree is not part
// of this repository, and the hunt is run by hand.
func SharedUpstream(t testing.TB) *Harness {
	t.Helper()
	src := os.Getenv(UpstreamEnv)
	if src == "" {
		t.Skipf("%s does not name a tcp_wrappers 7.6 source directory: the upstream hunt does not run", UpstreamEnv)
	}
	skipUnavailable(t)
	sharedUpstream.once.Do(func() {
		if sharedUpstream.dir, sharedUpstream.err = os.MkdirTemp("", "libwrap-upstream-"); sharedUpstream.err == nil {
			sharedUpstream.h, sharedUpstream.err = NewUpstream(sharedUpstream.dir, src)
		}
	})
	if sharedUpstream.err != nil {
		t.Fatal(sharedUpstream.err)
	}
	return sharedUpstream.h
}

var sharedFreeBSD struct {
	once sync.Once
	dir  string
	h    *Harness
	err  error
}

// SharedFreeBSD is Shared for the FreeBSD harness (NewFreeBSD) built
// from the source tree FreeBSDEnv names. Without that variable the test
// is skipped, CI or not: FreeBSD's sources are not part of this
// repository, and the hunt is run by hand.
func SharedFreeBSD(t testing.TB) *Harness {
	t.Helper()
	src := os.Getenv(FreeBSDEnv)
	if src == "" {
		t.Skipf("%s does not name a FreeBSD source tree (contrib/tcp_wrappers, lib/libwrap): the FreeBSD hunt does not run", FreeBSDEnv)
	}
	skipUnavailable(t)
	sharedFreeBSD.once.Do(func() {
		if sharedFreeBSD.dir, sharedFreeBSD.err = os.MkdirTemp("", "libwrap-freebsd-"); sharedFreeBSD.err == nil {
			sharedFreeBSD.h, sharedFreeBSD.err = NewFreeBSD(sharedFreeBSD.dir, src)
		}
	})
	if sharedFreeBSD.err != nil {
		t.Fatal(sharedFreeBSD.err)
	}
	return sharedFreeBSD.h
}

// CloseShared closes the harnesses Shared, SharedUpstream and
// SharedFreeBSD made, if any, and removes their directories.
func CloseShared() {
	for _, s := range []struct {
		h   *Harness
		dir string
	}{{shared.h, shared.dir}, {sharedUpstream.h, sharedUpstream.dir}, {sharedFreeBSD.h, sharedFreeBSD.dir}} {
		if s.h != nil {
			s.h.Close()
		}
		if s.dir != "" {
			os.RemoveAll(s.dir)
		}
	}
}
