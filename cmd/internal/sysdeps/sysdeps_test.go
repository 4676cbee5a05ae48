package sysdeps

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine"
)

func TestOSFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	var f Files
	if b, err := f.ReadFile(filepath.Join(dir, "f")); err != nil || string(b) != "data" {
		t.Errorf("ReadFile(f) = %q, %v", b, err)
	}
	if b, err := f.ReadFile(filepath.Join(dir, "d")); err != nil || len(b) != 0 {
		t.Errorf("ReadFile(dir) = %q, %v; want empty", b, err)
	}
	if _, err := f.ReadFile(filepath.Join(dir, "nonexistent")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(missing) error %v, want fs.ErrNotExist", err)
	}
	if _, err := f.ReadFile(filepath.Join(dir, "f", "x")); err == nil || errors.Is(err, fs.ErrNotExist) || Strerror(err) != "Not a directory" {
		t.Errorf("ReadFile(f/x) error %v (%q), want ENOTDIR", err, Strerror(err))
	}
	if err := f.Stat(filepath.Join(dir, "d")); err != nil {
		t.Errorf("Stat(dir) = %v", err)
	}
	if err := f.Stat(filepath.Join(dir, "nonexistent")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(missing) = %v", err)
	}
	if m, err := f.StatMode(filepath.Join(dir, "d")); err != nil || !m.IsDir() {
		t.Errorf("StatMode(dir) = %v, %v", m, err)
	}
	if m, err := f.StatMode(filepath.Join(dir, "f")); err != nil || m.Perm() != 0o644 {
		t.Errorf("StatMode(f) = %v, %v", m, err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxRuleFile+1); err != nil { // sparse
		t.Fatal(err)
	}
	if _, err := f.ReadFile(big); Strerror(err) != "File too large" {
		t.Errorf("ReadFile(big) error %v, want File too large", err)
	}
}

func TestStrerror(t *testing.T) {
	for err, want := range map[error]string{
		&fs.PathError{Op: "open", Path: "x", Err: syscall.EACCES}: "Permission denied",
		&fs.PathError{Op: "open", Path: "x", Err: syscall.ENOENT}: "No such file or directory",
		syscall.ELOOP:         "Too many levels of symbolic links",
		errors.New("plain"):   "Plain",
		fs.ErrPermission:      "Permission denied",
		errors.New("Already"): "Already",
	} {
		if got := Strerror(err); got != want {
			t.Errorf("Strerror(%v) = %q, want %q", err, got, want)
		}
	}
}

// TestSysResolver checks the system resolver without any network: its
// DNS dialer always fails, so only /etc/hosts (through Go's resolver) and
// the user database can answer.
func TestSysResolver(t *testing.T) {
	var dials atomic.Int32
	s := NewResolver(nil)
	s.r = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		dials.Add(1)
		return nil, errors.New("no network in tests")
	}}
	var _ engine.Resolver = s
	// 192.0.2.0/24 is reserved for documentation: no hosts file names it.
	a := netip.MustParseAddr("192.0.2.7")
	if name, ok := s.LookupAddr(a); ok {
		t.Errorf("LookupAddr(%s) = %q", a, name)
	}
	n := dials.Load()
	if _, ok := s.LookupAddr(a); ok || dials.Load() != n {
		t.Errorf("second LookupAddr was not answered from the cache")
	}
	if canon, addrs, ok := s.LookupHost("localhost", false); ok {
		for _, x := range addrs {
			if !x.Is4() {
				t.Errorf("LookupHost(localhost, v4) gave %s", x)
			}
		}
		if canon == "" || strings.HasSuffix(canon, ".") {
			t.Errorf("canonical name %q", canon)
		}
	}
	if _, addrs, ok := s.LookupHost("nosuch.invalid", false); ok {
		t.Errorf("LookupHost(nosuch.invalid) = %v", addrs)
	}
	if !s.LookupUser("root") || s.LookupUser("no-such-user-tcpwrap") {
		t.Errorf("LookupUser")
	}
	if !s.LookupGroup("root") || s.LookupGroup("no-such-group-tcpwrap") {
		t.Errorf("LookupGroup")
	}
	if s.InNetgroup("trusted", "good.example.com") {
		t.Errorf("InNetgroup without a netgroup file")
	}
	ng := engine.NewHostsResolver("", nil).WithNetgroups("netgroup", []byte("trusted (good.example.com,,)\n"))
	if !NewResolver(ng).InNetgroup("trusted", "good.example.com") {
		t.Errorf("InNetgroup with a netgroup file")
	}
}
