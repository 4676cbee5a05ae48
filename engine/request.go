package engine

import "net/netip"

// unknown and paranoid are the sentinel strings libwrap stores for
// information it could not get or does not trust.
const (
	unknown  = "unknown"
	paranoid = "paranoid"
)

// maxString is libwrap's STRING_LENGTH less the NUL: longer daemon, user,
// host and address strings are cut.
const maxString = 127

// A Request is one connection to decide.
type Request struct {
	// Daemon is the server's process name ("" = "unknown", unless
	// EmptyDaemon).
	Daemon string `json:"daemon"`
	// EmptyDaemon makes an empty Daemon the empty name, as libwrap has it
	// when a program gives it "" (tcpdmatch with an operand such as
	// "@host" or "/usr/sbin/"), rather than "unknown": then no rule
	// naming "unknown" matches, KNOWN and "*" do, and %d is "".
	EmptyDaemon bool `json:"emptyDaemon,omitempty"`
	// Client and Server are the two endpoints.
	Client Endpoint `json:"client"`
	Server Endpoint `json:"server"`
	// User is the client's user name as preset by the caller (tcpdmatch's
	// user@client, hosts_ctl); "" means "unknown". The engine never makes
	// an IDENT query.
	User string `json:"user,omitempty"`
	// PID is what %p expands to.
	PID int `json:"pid,omitempty"`
	// Prime evaluates and sanitises every endpoint attribute and the user
	// name before the tables are read, as tcpdmatch does when it prints
	// its "client:" and "server:" lines first.
	Prime bool `json:"prime,omitempty"`
	// NoDescriptor says the caller gave libwrap no descriptor of the
	// connection, as hosts_ctl does ([CtlRequest]): outside a dry run,
	// keepalive and linger warn that setsockopt failed, a banners option
	// writes nothing (its file is still read and expanded), and twist,
	// which cannot connect the command to the client, warns and ends the
	// process without a decision ([Decision.Error]).
	NoDescriptor bool `json:"noDescriptor,omitempty"`
	// Probe, when set, is a %-template expanded after the decision, with
	// whatever the decision looked up (see [Decision.Probe]).
	Probe string `json:"probe,omitempty"`
}

// CtlRequest is the request libwrap's hosts_ctl(daemon, name, addr, user)
// decides (spec §1.3), the interface of daemons that hand the library
// strings rather than a socket: the four strings are preset exactly as
// given, with no socket address, so nothing is ever looked up. An empty
// name, address or user reads as "unknown" (a name is trusted as is, and
// is "paranoid" only if the caller says so); an empty daemon stays the
// empty name. The server is unknown. There is no descriptor either
// ([Request.NoDescriptor]): options that act on the connection fail.
func CtlRequest(daemon, name, addr, user string) Request {
	return Request{Daemon: daemon, EmptyDaemon: true, Client: Endpoint{Name: name, Addr: addr}, User: user,
		NoDescriptor: true}
}

// An Endpoint describes one side of the connection the way libwrap's
// host_info does. A socket address makes the address text and the name
// available on demand (the name through the resolver's reverse and forward
// lookups); Addr and Name preset those strings instead.
type Endpoint struct {
	// Socket is the endpoint's socket address; the zero value means none.
	Socket netip.AddrPort `json:"socket,omitzero"`
	// Addr presets the address string (used verbatim).
	Addr string `json:"addr,omitempty"`
	// Name presets the host name, trusted as is (hosts_ctl, tcpdmatch's
	// "unknown" and "paranoid" clients).
	Name string `json:"name,omitempty"`
}

// Resolver answers the lookups libwrap makes through the C library. All
// methods must be safe for concurrent use and deterministic.
type Resolver interface {
	// LookupAddr is the reverse lookup (getnameinfo with NI_NAMEREQD):
	// the name for addr, or ok=false.
	LookupAddr(addr netip.Addr) (name string, ok bool)
	// LookupHost is the forward lookup of name in one address family
	// (getaddrinfo with AI_CANONNAME): the canonical name and the
	// addresses, or ok=false.
	LookupHost(name string, v6 bool) (canon string, addrs []netip.Addr, ok bool)
	// InNetgroup reports whether host is a member of netgroup group
	// (innetgr(group, host, NULL, domain)).
	InNetgroup(group, host string) bool
	// LookupUser and LookupGroup report whether a user or group exists
	// (getpwnam, getgrnam), for the user and group options.
	LookupUser(name string) bool
	LookupGroup(name string) bool
}

// Files gives the engine the files rules refer to: /path pattern lists and
// banner directories. The engine never touches the file system itself.
type Files interface {
	// ReadFile returns the contents of the file at an absolute path. A
	// directory reads as empty. A file that does not exist must give an
	// error for which errors.Is(err, fs.ErrNotExist) holds. A file
	// larger than the implementation reads (at most [MaxTableSize]) must
	// give one for which errors.Is(err, syscall.EFBIG) holds ("File too
	// large"): a decision that reads such a pattern file is then denied
	// with an error (libwrap reads it whole, so its answer is not known),
	// a banner file is unreadable, and [Policy.Tcpdchk] refuses a table
	// rather than read part of it.
	ReadFile(name string) ([]byte, error)
	// Stat reports whether name exists (nil) or why not.
	Stat(name string) error
}
