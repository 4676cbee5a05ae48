package wire

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"

	"github.com/tcpwrap/tcpwrap/engine"
)

// DNS is a what-if for the reverse lookups of a call's client addresses,
// as the playground's DNS switch asks it: the same requests, decided as
// if the client's DNS were missing, lying or consistent. Other lookups
// (the server's, host names in rules) are the hosts table's.
type DNS struct {
	// Mode is one of:
	//   - "missing": the reverse lookup of a client address finds no name
	//     (libwrap's client name is then "unknown");
	//   - "lying": it answers Name, whose forward lookup gives other
	//     addresses (198.51.100.66 or 2001:db8::66 when the table has no
	//     other), so the double check fails (the name is "paranoid");
	//   - "consistent": it answers Name, whose forward lookup gives the
	//     address back.
	Mode string `json:"mode"`
	// Name is the name the reverse lookup answers in the lying and
	// consistent modes; "" means the table's own name for the address,
	// or client.example.com when it has none.
	Name string `json:"name,omitempty"`
}

// DefaultWhatIfName is the reverse name of a what-if when neither the
// input nor the hosts table gives one.
const DefaultWhatIfName = "client.example.com"

// The addresses a lying forward lookup answers when the table has none
// other for the name (documentation ranges, RFC 5737 and RFC 3849).
var (
	lieV4 = netip.MustParseAddr("198.51.100.66")
	lieV6 = netip.MustParseAddr("2001:db8::66")
)

// Check reports what is wrong with d: nil when [Evaluate] accepts it.
func (d *DNS) Check() error {
	switch d.Mode {
	case "missing", "lying", "consistent":
	default:
		return errors.New(`dns: mode must be "missing", "lying" or "consistent", not ` + strconv.Quote(d.Mode))
	}
	if strings.ContainsAny(d.Name, " \t\r\n\x00") || len(d.Name) > 255 {
		return errors.New("dns: the name " + strconv.Quote(d.Name) + " is not a host name")
	}
	return nil
}

// whatIf answers like base, except for the reverse lookups of addrs and
// the forward lookups of the names it gave them.
type whatIf struct {
	engine.Resolver
	mode  string
	names map[netip.Addr]string   // client address -> reverse name
	fwd   map[string][]netip.Addr // lower-case name -> client addresses
}

// newWhatIf builds the resolver of d over base for the client addresses
// addrs.
func newWhatIf(base engine.Resolver, d *DNS, addrs []netip.Addr) *whatIf {
	w := &whatIf{Resolver: base, mode: d.Mode, names: map[netip.Addr]string{}, fwd: map[string][]netip.Addr{}}
	for _, a := range addrs {
		if _, seen := w.names[a]; seen {
			continue
		}
		name := d.Name
		if name == "" {
			if n, ok := base.LookupAddr(a); ok {
				name = n
			} else {
				name = DefaultWhatIfName
			}
		}
		w.names[a] = name
		k := strings.ToLower(name)
		w.fwd[k] = append(w.fwd[k], a)
	}
	return w
}

func (w *whatIf) LookupAddr(a netip.Addr) (string, bool) {
	name, ok := w.names[a]
	if !ok {
		return w.Resolver.LookupAddr(a)
	}
	if w.mode == "missing" {
		return "", false
	}
	return name, true
}

func (w *whatIf) LookupHost(name string, v6 bool) (string, []netip.Addr, bool) {
	clients, ok := w.fwd[strings.ToLower(name)]
	if !ok || w.mode == "missing" {
		return w.Resolver.LookupHost(name, v6)
	}
	_, base, _ := w.Resolver.LookupHost(name, v6)
	var out []netip.Addr
	isClient := func(a netip.Addr) bool {
		for _, c := range clients {
			if c == a {
				return true
			}
		}
		return false
	}
	for _, a := range base {
		if !isClient(a) {
			out = append(out, a)
		}
	}
	if w.mode == "consistent" {
		for _, c := range clients {
			if c.Is6() == v6 {
				out = append(out, c)
			}
		}
	} else if len(out) == 0 {
		if v6 {
			out = append(out, lieV6)
		} else {
			out = append(out, lieV4)
		}
	}
	if len(out) == 0 {
		return "", nil, false
	}
	// The name is its own canonical name: only the addresses differ.
	return strings.ToLower(name), out, true
}

// withDNS is c deciding under the what-if d for the clients of reqs: the
// requests are read with the table's resolver (a client given by name
// keeps its addresses), then decided with the what-if's.
func (c *Compiled) withDNS(d *DNS, reqs []Request) *Compiled {
	base := c.policy.Resolver
	var addrs []netip.Addr
	for _, r := range reqs {
		if r.Ctl != nil {
			continue // hosts_ctl: no lookups, no what-if (see oneCtl)
		}
		qs, err := engine.Query(base, r.Daemon, r.Client, 0, 0)
		if err != nil {
			continue
		}
		for _, q := range qs {
			if a := q.Client.Socket.Addr(); a.IsValid() {
				addrs = append(addrs, a.WithZone("").Unmap())
			}
		}
	}
	p := *c.policy
	p.Resolver = newWhatIf(base, d, addrs)
	return &Compiled{policy: &p, query: base, base: c.policy}
}
