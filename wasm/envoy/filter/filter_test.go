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

func TestHeaderClient(t *testing.T) {
	c, err := ParseConfig([]byte(`{"filter": "http", "clientAddressHeader": "x-forwarded-for", "trustedHops": 1, "trustedPeers": ["10.0.0.0/8", "2001:db8::1"]}`))
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[string]string{
		"1.1.1.1, 2.2.2.2, 3.3.3.3":         "2.2.2.2:0",
		"1.1.1.1,[2001:db8::5]:80 ,3.3.3.3": "[2001:db8::5]:80",
		"junk, 2.2.2.2:8080, 3.3.3.3":       "2.2.2.2:8080", // left of the chosen entry: never read
		"3.3.3.3":                           "error",
		"2.2.2.2, x":                        "error",
		"2.2.2.2,, 3.3.3.3":                 "error",
		"2.2.2.2 3.3.3.3, 4.4.4.4":          "error",
	} {
		ap, _, err := c.HeaderClient(v)
		got := ap.String()
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("HeaderClient(%q) = %s (%v), want %s", v, got, err, want)
		}
	}
	for a, want := range map[string]bool{"10.1.2.3": true, "::ffff:10.1.2.3": true, "11.0.0.1": false, "2001:db8::1": true, "2001:db8::2": false} {
		if got := c.TrustedPeer(netip.MustParseAddr(a)); got != want {
			t.Errorf("TrustedPeer(%s) = %v", a, got)
		}
	}
}

func TestIsText4(t *testing.T) {
	a := netip.MustParseAddr("10.0.200.7")
	for s, want := range map[string]bool{"10.0.200.7": true, "10.0.200.07": false, "10.0.200.7 ": false, "10.0.200": false, "10.0.200.8": false, "010.0.200.7": false, "10.0.200.70": false} {
		if got := isText4(a, s); got != want {
			t.Errorf("isText4(%q) = %v", s, got)
		}
	}
	f, err := New([]byte(`{"allow": "envoy: 10.0.200.7\n"}`))
	if err != nil {
		t.Fatal(err)
	}
	if r := f.DecideText(netip.AddrPortFrom(a, 1), "10.0.200.7:1", netip.AddrPort{}); r.Rule != "hosts.allow:1" {
		t.Errorf("DecideText: %+v", r)
	}
}
