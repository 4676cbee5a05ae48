package filter

import (
	"net/netip"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine"
)

func TestParseAddr(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.1:443": "10.0.0.1:443", "[::1]:80": "[::1]:80", "192.0.2.1": "192.0.2.1:0", "[2001:db8::1]": "[2001:db8::1]:0",
	} {
		got, err := ParseAddr(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseAddr(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	if _, err := ParseAddr("envoy_internal"); err == nil {
		t.Error("pipe/internal address accepted")
	}
}

func TestDecide(t *testing.T) {
	f, err := New([]byte(`{"allow": "envoy: bastion.example.org\n", "deny": "ALL: ALL : twist /bin/echo no %a\n", "hosts": "10.0.0.5 bastion.example.org\n"}`))
	if err != nil {
		t.Fatal(err)
	}
	srv := netip.MustParseAddrPort("10.0.0.1:22")
	r := f.Decide(netip.MustParseAddrPort("10.0.0.5:1000"), srv)
	if r.Access != engine.Granted || r.Rule != "hosts.allow:1" || r.Close || r.Counter != "tcpwrap.rule.hosts_allow.1" {
		t.Errorf("bastion: %+v", r)
	}
	r = f.Decide(netip.MustParseAddrPort("10.0.0.6:1000"), srv)
	if r.Access != engine.Delegated || !r.Close || len(r.Commands) != 1 || r.Commands[0].Command != "/bin/echo no 10.0.0.6" {
		t.Errorf("twist: %+v", r)
	}
	if _, err := New([]byte(`{"daemon": "a b"}`)); err == nil {
		t.Error("daemon with blanks accepted")
	}
}
