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

// TestSysResolverInterfaces: the system resolver answers the engine's
// interface questions (if_nametoindex, if_indextoname) from this
// machine's interfaces, found with net.Interfaces, and never answers an
// IP literal with a scope as a host name: glibc looks a scope it cannot
// read up as part of a name, which no name has, where Go's resolver took
// "fe80::1%nosuch" as fe80::1 (QA: tcpdmatch accepted the client).
func TestSysResolverInterfaces(t *testing.T) {
	var dials atomic.Int32
	s := NewResolver(nil)
	s.r = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		dials.Add(1)
		return nil, errors.New("no network in tests")
	}}
	var _ engine.InterfaceResolver = s
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatalf("net.Interfaces: %v", err)
	}
	names := map[string]bool{}
	maxIndex := 0
	for _, ifi := range ifs {
		names[ifi.Name] = true
		maxIndex = max(maxIndex, ifi.Index)
		if index, ok := s.InterfaceIndex(ifi.Name); !ok || int(index) != ifi.Index {
			t.Errorf("InterfaceIndex(%q) = %d, %v; want %d", ifi.Name, index, ok, ifi.Index)
		}
		if name, ok := s.InterfaceName(uint32(ifi.Index)); !ok || name != ifi.Name {
			t.Errorf("InterfaceName(%d) = %q, %v; want %q", ifi.Index, name, ok, ifi.Name)
		}
	}
	unknown := "nosuch0"
	for names[unknown] {
		unknown += "0"
	}
	if index, ok := s.InterfaceIndex(unknown); ok {
		t.Errorf("InterfaceIndex(%q) = %d", unknown, index)
	}
	if name, ok := s.InterfaceName(uint32(maxIndex + 1)); ok {
		t.Errorf("InterfaceName(%d) = %q, past the last interface", maxIndex+1, name)
	}
	if name, ok := s.InterfaceName(0); ok {
		t.Errorf("InterfaceName(0) = %q", name)
	}
	for _, host := range []string{"fe80::1%" + unknown, "fe80::1%lo", "fe80::1%1", "2001:db8::1%lo", "fe80::1%99999999999"} {
		for _, v6 := range []bool{false, true} {
			if _, addrs, ok := s.LookupHost(host, v6); ok {
				t.Errorf("LookupHost(%q, v6 %v) = %v, want not found", host, v6, addrs)
			}
		}
	}
	if n := dials.Load(); n != 0 {
		t.Errorf("%d DNS queries for IP literals", n)
	}
}

// TestSysResolverInterfaceCache: each interface question reaches the
// system once; the answers (found or not) are kept.
func TestSysResolverInterfaceCache(t *testing.T) {
	s := NewResolver(nil)
	var calls int
	s.interfaceByName = func(name string) (*net.Interface, error) {
		calls++
		if name == "eth0" {
			return &net.Interface{Index: 4, Name: "eth0"}, nil
		}
		return nil, errors.New("no such network interface")
	}
	s.interfaceByIndex = func(index int) (*net.Interface, error) {
		calls++
		if index == 4 {
			return &net.Interface{Index: 4, Name: "eth0"}, nil
		}
		return nil, errors.New("no such network interface")
	}
	for range 2 {
		if index, ok := s.InterfaceIndex("eth0"); index != 4 || !ok {
			t.Errorf("InterfaceIndex(eth0) = %d, %v", index, ok)
		}
		if _, ok := s.InterfaceIndex("wlan0"); ok {
			t.Errorf("InterfaceIndex(wlan0) found")
		}
		if name, ok := s.InterfaceName(4); name != "eth0" || !ok {
			t.Errorf("InterfaceName(4) = %q, %v", name, ok)
		}
		if _, ok := s.InterfaceName(5); ok {
			t.Errorf("InterfaceName(5) found")
		}
	}
	if calls != 4 {
		t.Errorf("%d calls for 4 questions asked twice", calls)
	}
}
