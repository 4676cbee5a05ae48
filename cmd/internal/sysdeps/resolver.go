package sysdeps

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"

	"github.com/tcpwrap/tcpwrap/engine"
)

// Resolver is [engine.Resolver] over the system's resolver, used when no
// --hosts file is given. It asks net.DefaultResolver, which is Go's own
// DNS and /etc/hosts resolver or the C library's (cgo), as the Go runtime
// chooses (GODEBUG=netdns=go or =cgo forces one).
//
// Approximations of what libwrap asks the C library:
//
//   - Reverse lookup (getnameinfo NI_NAMEREQD): LookupAddr's first name,
//     without its trailing dot.
//   - Forward lookup (getaddrinfo with AF_INET or AF_INET6 and
//     AI_CANONNAME): LookupNetIP with "ip4" or "ip6" for the addresses,
//     and LookupCNAME for the canonical name. Go has no per-family
//     canonical name, and its /etc/hosts code returns the name asked for
//     rather than the line's first name; when LookupCNAME fails the name
//     itself is the canonical name (what getaddrinfo reports when there is
//     no CNAME). So an /etc/hosts alias or a CNAME seen only by the C
//     library may verify here where libwrap would say "paranoid".
//   - Netgroups (innetgr): Go has no NIS client, so membership is always
//     false unless a --netgroup file is given (then that file answers).
//   - Users and groups (getpwnam, getgrnam): os/user, which reads
//     /etc/passwd and /etc/group without cgo and asks NSS with it.
//   - Each lookup gives up after lookupTimeout (libwrap waits as long as
//     the resolver does).
//   - Interfaces (if_nametoindex, if_indextoname, which glibc asks about
//     the scope of an IPv6 address): net.InterfaceByName and
//     net.InterfaceByIndex ([engine.InterfaceResolver]). The engine reads
//     "fe80::1%eth0" as an address when eth0 exists; Go's resolver would
//     take any IP literal, scope and all, and drop the scope, where glibc
//     looks a scope it cannot read up as part of a name, which is "host
//     not found": so LookupHost answers no IP literal with a scope.
//
// Answers are cached for the life of the process, so that one run (a
// whole batch) sees one consistent resolver, as the engine requires; the
// caches are bounded (cleared when they reach maxCacheEntries).
type Resolver struct {
	r         *net.Resolver
	timeout   time.Duration
	netgroups engine.Resolver // answers InNetgroup; nil: never a member

	mu      sync.Mutex
	addrs   map[netip.Addr]addrAnswer
	hosts   map[hostQuery]hostAnswer
	ifIndex map[string]uint32 // 0: no such interface
	ifName  map[uint32]string // "": no such interface

	// interfaceByName and interfaceByIndex are net's (tests replace them).
	interfaceByName  func(string) (*net.Interface, error)
	interfaceByIndex func(int) (*net.Interface, error)
}

const (
	lookupTimeout   = 10 * time.Second
	maxCacheEntries = 1 << 14
)

type addrAnswer struct {
	name string
	ok   bool
}

type hostQuery struct {
	name string
	v6   bool
}

type hostAnswer struct {
	canon string
	addrs []netip.Addr
	ok    bool
}

var (
	_ engine.Resolver          = (*Resolver)(nil)
	_ engine.InterfaceResolver = (*Resolver)(nil)
)

// NewResolver returns a Resolver; netgroups, when not nil, answers
// InNetgroup (Go has no NIS client).
func NewResolver(netgroups engine.Resolver) *Resolver {
	return &Resolver{r: net.DefaultResolver, timeout: lookupTimeout, netgroups: netgroups,
		addrs: map[netip.Addr]addrAnswer{}, hosts: map[hostQuery]hostAnswer{},
		ifIndex: map[string]uint32{}, ifName: map[uint32]string{},
		interfaceByName: net.InterfaceByName, interfaceByIndex: net.InterfaceByIndex}
}

var _ engine.NetgroupLister = (*Resolver)(nil)

// NetgroupExists implements [engine.NetgroupLister] from the netgroups
// given to NewResolver; without them (Go has no NIS client) no netgroup
// exists, as no host is in any.
func (s *Resolver) NetgroupExists(name string) bool {
	l, ok := s.netgroups.(engine.NetgroupLister)
	return ok && l.NetgroupExists(name)
}

// NetgroupHosts implements [engine.NetgroupLister] from the netgroups
// given to NewResolver.
func (s *Resolver) NetgroupHosts(group string) []string {
	if l, ok := s.netgroups.(engine.NetgroupLister); ok {
		return l.NetgroupHosts(group)
	}
	return nil
}

// LookupAddr implements [engine.Resolver].
func (s *Resolver) LookupAddr(a netip.Addr) (string, bool) {
	s.mu.Lock()
	ans, hit := s.addrs[a]
	s.mu.Unlock()
	if hit {
		return ans.name, ans.ok
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	names, err := s.r.LookupAddr(ctx, a.String())
	if err == nil && len(names) > 0 {
		ans.name = strings.TrimSuffix(names[0], ".")
		ans.ok = ans.name != ""
	}
	s.mu.Lock()
	if len(s.addrs) >= maxCacheEntries {
		clear(s.addrs)
	}
	s.addrs[a] = ans
	s.mu.Unlock()
	return ans.name, ans.ok
}

// LookupHost implements [engine.Resolver].
func (s *Resolver) LookupHost(name string, v6 bool) (string, []netip.Addr, bool) {
	q := hostQuery{name, v6}
	s.mu.Lock()
	ans, hit := s.hosts[q]
	s.mu.Unlock()
	if hit {
		return ans.canon, ans.addrs, ans.ok
	}
	ans = s.lookupHost(name, v6)
	s.mu.Lock()
	if len(s.hosts) >= maxCacheEntries {
		clear(s.hosts)
	}
	s.hosts[q] = ans
	s.mu.Unlock()
	return ans.canon, ans.addrs, ans.ok
}

func (s *Resolver) lookupHost(name string, v6 bool) hostAnswer {
	if a, err := netip.ParseAddr(name); err == nil && a.Zone() != "" {
		// A scope the engine (as glibc) could not read: not an address,
		// and no name has a '%'.
		return hostAnswer{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	network := "ip4"
	if v6 {
		network = "ip6"
	}
	found, err := s.r.LookupNetIP(ctx, network, name)
	if err != nil {
		return hostAnswer{}
	}
	var ans hostAnswer
	for _, a := range found {
		// Go returns IPv4 answers in their IPv4-mapped form.
		if !v6 {
			a = a.Unmap()
		}
		if a.Is6() == v6 && !a.Is4In6() {
			ans.addrs = append(ans.addrs, a)
		}
	}
	if len(ans.addrs) == 0 {
		return hostAnswer{}
	}
	ans.ok = true
	ans.canon = name
	if c, err := s.r.LookupCNAME(ctx, name); err == nil && strings.TrimSuffix(c, ".") != "" {
		ans.canon = strings.TrimSuffix(c, ".")
	}
	return ans
}

// InterfaceIndex implements [engine.InterfaceResolver]: the index of the
// network interface named name (if_nametoindex). Answers are cached for
// the life of the process.
func (s *Resolver) InterfaceIndex(name string) (uint32, bool) {
	s.mu.Lock()
	index, hit := s.ifIndex[name]
	s.mu.Unlock()
	if !hit {
		if ifi, err := s.interfaceByName(name); err == nil && ifi.Index > 0 && uint64(ifi.Index) <= 1<<32-1 {
			index = uint32(ifi.Index)
		}
		s.mu.Lock()
		if len(s.ifIndex) >= maxCacheEntries {
			clear(s.ifIndex)
		}
		s.ifIndex[name] = index
		s.mu.Unlock()
	}
	return index, index != 0
}

// InterfaceName implements [engine.InterfaceResolver]: the name of the
// network interface with that index (if_indextoname). Answers are cached
// for the life of the process.
func (s *Resolver) InterfaceName(index uint32) (string, bool) {
	s.mu.Lock()
	name, hit := s.ifName[index]
	s.mu.Unlock()
	if !hit {
		if ifi, err := s.interfaceByIndex(int(index)); err == nil && index != 0 {
			name = ifi.Name
		}
		s.mu.Lock()
		if len(s.ifName) >= maxCacheEntries {
			clear(s.ifName)
		}
		s.ifName[index] = name
		s.mu.Unlock()
	}
	return name, name != ""
}

// InNetgroup implements [engine.Resolver].
func (s *Resolver) InNetgroup(group, host string) bool {
	return s.netgroups != nil && s.netgroups.InNetgroup(group, host)
}

// NetgroupHasMembers implements [engine.NetgroupMembers] through the
// netgroups resolver given to NewResolver (none: no netgroup has members).
func (s *Resolver) NetgroupHasMembers(name string) bool {
	m, ok := s.netgroups.(engine.NetgroupMembers)
	return ok && m.NetgroupHasMembers(name)
}

// LookupUser implements [engine.Resolver].
func (s *Resolver) LookupUser(name string) bool {
	_, err := user.Lookup(name)
	return err == nil
}

// LookupGroup implements [engine.Resolver].
func (s *Resolver) LookupGroup(name string) bool {
	_, err := user.LookupGroup(name)
	return err == nil
}

// LoadResolver is the resolver of the --hosts FILE and --netgroup FILE
// options the commands share: an /etc/hosts-format table instead of the
// system resolver, and an /etc/netgroup-format table (without one, every
// netgroup is unknown). Either may be "". The hosts table's diagnostics
// are written to stderr, after prog; a file that cannot be read is an
// error naming its option.
func LoadResolver(prog, hostsFile, netgroupFile string, stderr io.Writer) (engine.Resolver, error) {
	var netgroups []byte
	if netgroupFile != "" {
		var err error
		if netgroups, err = os.ReadFile(netgroupFile); err != nil {
			return nil, fmt.Errorf("--netgroup %s: %s", netgroupFile, Strerror(err))
		}
	}
	if hostsFile == "" {
		var ng engine.Resolver
		if netgroupFile != "" {
			ng = engine.NewHostsResolver(netgroupFile, nil).WithNetgroups(netgroupFile, netgroups)
		}
		return NewResolver(ng), nil
	}
	hosts, err := os.ReadFile(hostsFile)
	if err != nil {
		return nil, fmt.Errorf("--hosts %s: %s", hostsFile, Strerror(err))
	}
	res := engine.NewHostsResolver(hostsFile, hosts)
	for _, d := range res.Diagnostics {
		fmt.Fprintf(stderr, "%s: %s: %s\n", prog, d.Severity, d.Error())
	}
	if netgroupFile != "" {
		res = res.WithNetgroups(netgroupFile, netgroups)
	}
	return res, nil
}
