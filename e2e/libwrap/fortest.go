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

// sharedBuild is one harness built from a source tree an environment
// variable names, shared by every test of the test binary.
type sharedBuild struct {
	once sync.Once
	dir  string
	h    *Harness
	err  error
}

// get is Shared for the harness build makes from the source tree env
// names, in a directory named after pattern. Without that variable the
// test is skipped with skip (given env), CI or not: such a tree is not
// part of this repository, and its hunt is run by hand.
func (s *sharedBuild) get(t testing.TB, env, skip, pattern string, build func(tmpdir, src string) (*Harness, error)) *Harness {
	t.Helper()
	src := os.Getenv(env)
	if src == "" {
		t.Skipf(skip, env)
	}
	skipUnavailable(t)
	s.once.Do(func() {
		if s.dir, s.err = os.MkdirTemp("", pattern); s.err == nil {
			s.h, s.err = build(s.dir, src)
		}
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.h
}

var sharedUpstream, sharedFreeBSD sharedBuild

// SharedUpstream is Shared for the upstream 7.6 harness (NewUpstream)
// built from the source directory UpstreamEnv names. Without that
// variable the test is skipped, CI or not: the source tree is not part
// of this repository, and the hunt is run by hand.
func SharedUpstream(t testing.TB) *Harness {
	t.Helper()
	return sharedUpstream.get(t, UpstreamEnv, "%s does not name a tcp_wrappers 7.6 source directory: the upstream hunt does not run",
		"libwrap-upstream-", NewUpstream)
}

// SharedFreeBSD is Shared for the FreeBSD harness (NewFreeBSD) built
// from the source tree FreeBSDEnv names. Without that variable the test
// is skipped, CI or not: FreeBSD's sources are not part of this
// repository, and the hunt is run by hand.
func SharedFreeBSD(t testing.TB) *Harness {
	t.Helper()
	return sharedFreeBSD.get(t, FreeBSDEnv, "%s does not name a FreeBSD source tree (contrib/tcp_wrappers, lib/libwrap): the FreeBSD hunt does not run",
		"libwrap-freebsd-", NewFreeBSD)
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
