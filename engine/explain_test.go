package engine

import (
	"net/netip"
	"strings"
	"testing"
)

// TestExplainSpecialWords: UNKNOWN and PARANOID are matched by libwrap
// as the exact texts it gives what it cannot find or verify, and the
// trace says so rather than calling them plain exact patterns.
func TestExplainSpecialWords(t *testing.T) {
	res := NewHostsResolver("hosts", []byte("10.0.0.6 127.0.0.5\n"))
	p := &Policy{Allow: Parse("hosts.allow", []byte("sshd: UNKNOWN\nsshd: paranoid\nsshd: 10.0.0.9\n"), Debian), Resolver: res}
	d := p.Evaluate(Request{Daemon: "sshd", Client: Endpoint{Socket: netip.MustParseAddrPort("10.0.0.6:1")}})
	var whys []string
	for _, s := range d.Trace {
		for _, c := range s.Clients {
			whys = append(whys, c.State+" "+c.Why)
		}
	}
	want := []string{
		`no-match UNKNOWN (matches the text "unknown", which libwrap gives an address or name it cannot find) vs address "10.0.0.6", then name "paranoid"`,
		`match PARANOID (matches the name "paranoid", which libwrap gives a host whose name fails its double check) vs address "10.0.0.6", then name "paranoid"`,
	}
	if strings.Join(whys, "\n") != strings.Join(want, "\n") {
		t.Errorf("trace:\n%s\nwant:\n%s", strings.Join(whys, "\n"), strings.Join(want, "\n"))
	}
}
