package engine

import (
	"net/netip"
	"strings"
)

// emptyResolver knows no names and no netgroups, and the default users.
type emptyResolver struct{}

func (emptyResolver) LookupAddr(netip.Addr) (string, bool)                 { return "", false }
func (emptyResolver) LookupHost(string, bool) (string, []netip.Addr, bool) { return "", nil, false }
func (emptyResolver) InNetgroup(string, string) bool                       { return false }
func (emptyResolver) LookupUser(n string) bool                             { return defaultUsers[n] }
func (emptyResolver) LookupGroup(n string) bool                            { return defaultGroups[n] }
func (emptyResolver) ReverseAddrs() []netip.Addr                           { return nil }

// The users and groups every Debian system has; the simulated resolver
// answers the user and group options from these unless given tables.
var (
	defaultUsers = map[string]bool{"root": true, "daemon": true, "bin": true, "sys": true, "sync": true,
		"games": true, "man": true, "lp": true, "mail": true, "news": true, "uucp": true, "proxy": true,
		"www-data": true, "backup": true, "list": true, "irc": true, "_apt": true, "nobody": true}
	defaultGroups = map[string]bool{"root": true, "daemon": true, "bin": true, "sys": true, "adm": true,
		"tty": true, "disk": true, "lp": true, "mail": true, "news": true, "uucp": true, "man": true,
		"proxy": true, "kmem": true, "dialout": true, "fax": true, "voice": true, "cdrom": true,
		"floppy": true, "tape": true, "sudo": true, "audio": true, "dip": true, "www-data": true,
		"backup": true, "operator": true, "list": true, "irc": true, "src": true, "shadow": true,
		"utmp": true, "video": true, "sasl": true, "plugdev": true, "staff": true, "games": true,
		"users": true, "nogroup": true}
)

// HostsResolver is the simulated resolver: an /etc/hosts table, an
// /etc/netgroup table and optional passwd and group tables, answered the
// way glibc (with nss_wrapper, in the differential harness) answers them:
//
//   - reverse lookup: the first name of the first line with the address;
//   - forward lookup: the addresses of every line, in order, that carries
//     the name as first name or alias (same family), and as canonical name
//     the first name of the first such line;
//   - names are compared and returned in lower case;
//   - netgroup membership: a triple whose host field is empty or equal to
//     the host, searched through nested groups.
//
// A HostsResolver is immutable and safe for concurrent use.
type HostsResolver struct {
	entries   []hostEntry
	byAddr    map[netip.Addr]int    // first line per address
	byName    map[string][]int      // lines per lower-case name
	netgroups map[string][]ngMember // netgroup -> members
	users     map[string]bool
	groups    map[string]bool
	// Diagnostics are the lines that could not be read.
	Diagnostics Diagnostics
}

type hostEntry struct {
	addr  netip.Addr
	names []string // lower case; names[0] is the canonical name
}

type ngMember struct {
	group            string // nested group, or "" for a triple
	host, user, dom  string
	hostAny, hostNil bool // host field empty (wildcard) / "-" (no value)
}

// NewHostsResolver reads an /etc/hosts-format table named name.
func NewHostsResolver(name string, hosts []byte) *HostsResolver {
	r := &HostsResolver{byAddr: map[netip.Addr]int{}, byName: map[string][]int{},
		netgroups: map[string][]ngMember{}}
	li := newLineIndex(hosts)
	off := 0
	for _, line := range strings.SplitAfter(string(hosts), "\n") {
		start := off
		off += len(line)
		text := line
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		a, err := netip.ParseAddr(f[0])
		if err != nil || a.Zone() != "" {
			r.Diagnostics.add(Diagnostic{File: name, Span: li.span(start, start+len(f[0])), Severity: SeverityError,
				Code: "hosts-bad-address", Msg: sprintf("%q is not an IP address: line ignored", f[0])})
			continue
		}
		if len(f) == 1 {
			r.Diagnostics.add(Diagnostic{File: name, Span: li.span(start, start+len(f[0])), Severity: SeverityWarning,
				Code: "hosts-no-name", Msg: "address without a name: line ignored"})
			continue
		}
		e := hostEntry{addr: a}
		for _, n := range f[1:] {
			e.names = append(e.names, toLowerASCII(n))
		}
		idx := len(r.entries)
		r.entries = append(r.entries, e)
		if _, ok := r.byAddr[a]; !ok {
			r.byAddr[a] = idx
		}
		seen := map[string]bool{}
		for _, n := range e.names {
			if !seen[n] {
				seen[n] = true
				r.byName[n] = append(r.byName[n], idx)
			}
		}
	}
	return r
}

// WithNetgroups returns a copy of r that also answers netgroup queries from
// an /etc/netgroup-format table.
func (r *HostsResolver) WithNetgroups(name string, table []byte) *HostsResolver {
	c := *r
	c.netgroups = parseNetgroups(table)
	return &c
}

// WithUsers returns a copy of r whose user and group options are answered
// from passwd- and group-format tables (nil keeps the default tables).
func (r *HostsResolver) WithUsers(passwd, group []byte) *HostsResolver {
	c := *r
	if passwd != nil {
		c.users = firstColumn(passwd)
	}
	if group != nil {
		c.groups = firstColumn(group)
	}
	return &c
}

func firstColumn(table []byte) map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(string(table), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexByte(line, ':'); i > 0 {
			m[line[:i]] = true
		}
	}
	return m
}

// parseNetgroups reads "group member..." lines; a member is a triple
// "(host,user,domain)" or the name of another group. Backslash-newline
// continues a line; '#' starts a comment.
func parseNetgroups(table []byte) map[string][]ngMember {
	m := map[string][]ngMember{}
	text := strings.ReplaceAll(string(table), "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		if j := strings.IndexAny(name, "\t"); j >= 0 {
			name, rest = name[:j], name[j+1:]+" "+rest
		}
		members := parseMembers(rest)
		if _, dup := m[name]; !dup {
			m[name] = members
		}
	}
	return m
}

// parseMembers reads a netgroup's members as glibc's files backend does:
// a member not starting with "(" is a netgroup name, up to white space; a
// triple runs to its second comma, wherever that is, and then to a ")",
// each field stripped of white space (empty is a wildcard). A triple
// without its commas or its ")" ends the list there: glibc stops
// reading the group.
func parseMembers(rest string) []ngMember {
	if i := strings.IndexByte(rest, 0); i >= 0 {
		rest = rest[:i] // a C string
	}
	var members []ngMember
	for {
		for rest != "" && isCSpace(rest[0]) {
			rest = rest[1:]
		}
		if rest == "" {
			return members
		}
		if rest[0] != '(' {
			n := 0
			for n < len(rest) && !isCSpace(rest[n]) {
				n++
			}
			members = append(members, ngMember{group: rest[:n]})
			rest = rest[n:]
			continue
		}
		c1 := strings.IndexByte(rest, ',')
		if c1 < 0 {
			return members
		}
		c2 := strings.IndexByte(rest[c1+1:], ',')
		if c2 < 0 {
			return members
		}
		c2 += c1 + 1
		end := strings.IndexByte(rest[c2+1:], ')')
		if end < 0 {
			return members
		}
		end += c2 + 1
		h := chop(rest[1:c1])
		members = append(members, ngMember{host: h, hostAny: h == "", hostNil: h == "-",
			user: chop(rest[c1+1 : c2]), dom: chop(rest[c2+1 : end])})
		rest = rest[end+1:]
	}
}

// LookupAddr implements [Resolver].
func (r *HostsResolver) LookupAddr(a netip.Addr) (string, bool) {
	i, ok := r.byAddr[a.WithZone("")]
	if !ok {
		return "", false
	}
	return r.entries[i].names[0], true
}

// ReverseAddrs implements [ReverseLister]: every address of the table,
// in order.
func (r *HostsResolver) ReverseAddrs() []netip.Addr {
	out := make([]netip.Addr, 0, len(r.byAddr))
	for i, e := range r.entries {
		if r.byAddr[e.addr] == i {
			out = append(out, e.addr)
		}
	}
	return out
}

// LookupHostAny implements [AnyFamilyResolver]: every line naming the
// host, in the table's order, and the first name of the first.
func (r *HostsResolver) LookupHostAny(name string) (string, []netip.Addr, bool) {
	var canon string
	var addrs []netip.Addr
	for _, i := range r.byName[toLowerASCII(name)] {
		e := r.entries[i]
		if canon == "" {
			canon = e.names[0]
		}
		addrs = append(addrs, e.addr)
	}
	return canon, addrs, len(addrs) > 0
}

// LookupHost implements [Resolver].
func (r *HostsResolver) LookupHost(name string, v6 bool) (string, []netip.Addr, bool) {
	var canon string
	var addrs []netip.Addr
	for _, i := range r.byName[toLowerASCII(name)] {
		e := r.entries[i]
		if e.addr.Is6() != v6 {
			continue
		}
		if canon == "" {
			canon = e.names[0]
		}
		addrs = append(addrs, e.addr)
	}
	return canon, addrs, len(addrs) > 0
}

// InNetgroup implements [Resolver].
func (r *HostsResolver) InNetgroup(group, host string) bool {
	return r.inNetgroup(group, host, map[string]bool{})
}

func (r *HostsResolver) inNetgroup(group, host string, seen map[string]bool) bool {
	if seen[group] {
		return false
	}
	seen[group] = true
	for _, m := range r.netgroups[group] {
		if m.group != "" {
			if r.inNetgroup(m.group, host, seen) {
				return true
			}
			continue
		}
		if m.hostAny || (!m.hostNil && asciiEqualFold(m.host, host)) {
			return true
		}
	}
	return false
}

// NetgroupExists implements [NetgroupLister]: the group has a line in the
// table.
func (r *HostsResolver) NetgroupExists(name string) bool {
	_, ok := r.netgroups[name]
	return ok
}

// NetgroupHosts implements [NetgroupLister]: the host names named in
// group and the groups it includes.
func (r *HostsResolver) NetgroupHosts(group string) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(g string)
	walk = func(g string) {
		if seen[g] {
			return
		}
		seen[g] = true
		for _, m := range r.netgroups[g] {
			if m.group != "" {
				walk(m.group)
			} else if !m.hostAny && !m.hostNil {
				out = append(out, m.host)
			}
		}
	}
	walk(group)
	return out
}

// LookupUser implements [Resolver].
func (r *HostsResolver) LookupUser(name string) bool {
	if r.users != nil {
		return r.users[name]
	}
	return defaultUsers[name]
}

// LookupGroup implements [Resolver].
func (r *HostsResolver) LookupGroup(name string) bool {
	if r.groups != nil {
		return r.groups[name]
	}
	return defaultGroups[name]
}
