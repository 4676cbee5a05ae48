package engine

import (
	"errors"
	"net/netip"
	"path"
	"strings"
)

// This file turns command-line operands into requests: tcpdmatch's way
// (Tcpdmatch) and tcpwrap match's way (Query).

// A Prediction is one verdict block: the request that was decided and the
// decision.
type Prediction struct {
	Request  Request   `json:"request"`
	Decision *Decision `json:"decision"`
}

// TcpdmatchResult is what tcpdmatch prints for one invocation.
type TcpdmatchResult struct {
	// Lines are tcpdmatch's output lines with the library's log lines
	// interleaved where they occur (upstream's design; see spec §8.2).
	Lines []string
	// Predictions are the decisions behind the verdict blocks.
	Predictions []Prediction
	// ExitCode is tcpdmatch's exit status; Stderr its error text.
	ExitCode int
	Stderr   []string
	// Stdout is exactly what tcpdmatch writes to its standard output:
	// Lines, each ended by a newline, except that banners appear as
	// libwrap writes them (CRLF line ends; a last line without a newline
	// runs into the next line). Lines has them split and without the CR.
	Stdout []byte

	// raw maps an index of Lines to its exact output when that is not
	// the line and a newline (banner text).
	raw map[int]string
}

// finish sets Stdout.
func (out *TcpdmatchResult) finish() { out.Stdout = joinOutput(out.Lines, out.raw) }

// joinOutput is the exact standard output of a tool: its lines, each with
// a newline, except those raw holds the bytes of (banner text).
func joinOutput(lines []string, raw map[int]string) []byte {
	var b strings.Builder
	for i, l := range lines {
		if r, ok := raw[i]; ok {
			b.WriteString(r)
			continue
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// Tcpdmatch predicts like `tcpdmatch -d -i /dev/null DAEMON[@SERVER]
// [USER@]CLIENT` (spec §8): a numeric client is an address whose name
// stays unknown, "unknown" and "paranoid" are names, anything else is
// resolved and decided once per address.
//
// It skips tcpdmatch's examination of files (the inetd configuration and
// the check_path warnings); [Policy.TcpdmatchWith] does them too.
func (p *Policy) Tcpdmatch(daemonArg, clientArg string) *TcpdmatchResult {
	return p.TcpdmatchWith(nil, daemonArg, clientArg)
}

// TcpdmatchOptions are tcpdmatch's checks of files beyond the tables'
// contents (spec §8.3). The files come from the Policy's Files, which
// should be a [ModeFiles].
type TcpdmatchOptions struct {
	// InetdConf is the -i file; "" reads DefaultInetdConf and carries on
	// without an inetd configuration when that cannot be opened (Debian).
	InetdConf string
	// AllowPath and DenyPath are the tables' names as tcpdmatch opens them
	// ("hosts.allow" with -d, else "/etc/hosts.allow"), for the
	// world-writable checks.
	AllowPath, DenyPath string
}

// TcpdmatchWith predicts like `tcpdmatch [-d] [-i FILE] DAEMON[@SERVER]
// [USER@]CLIENT`: o nil is [Policy.Tcpdmatch]; otherwise, in tcpdmatch's
// order, REAL_DAEMON_DIR is checked, the inetd configuration is examined
// (its warnings, then "no such process name" or "service possibly not
// wrapped" for the daemon; an -i file that cannot be opened ends the run
// with status 1 and "open FILE: error" in Stderr), the tables are checked
// for world-writable paths, and the request is decided.
func (p *Policy) TcpdmatchWith(o *TcpdmatchOptions, daemonArg, clientArg string) *TcpdmatchResult {
	out := &TcpdmatchResult{}
	defer out.finish()
	res := p.Resolver
	if res == nil {
		res = emptyResolver{}
	}
	warn := func(format string, args ...any) {
		out.Lines = append(out.Lines, "warning: "+sprintf(format, args...))
	}
	check := pathChecker{files: p.Files, warn: warn}
	if o != nil {
		if mode, err := check.check(RealDaemonDir); err != nil {
			warn("REAL_DAEMON_DIR %s: %s", RealDaemonDir, strerror(err))
		} else if !mode.IsDir() {
			warn("REAL_DAEMON_DIR %s is not a directory", RealDaemonDir)
		}
	}
	// tcpdmatch splits its operands at '@' the way rules are split
	// (split_at): an '@' after a stray '[' or ']' stays in the name.
	daemon, server, hasServer := cutAt(daemonArg, '@', p.Profile().ipv6())
	if strings.HasPrefix(daemon, "/") {
		base := daemon[strings.LastIndexByte(daemon, '/')+1:]
		warn("%s: daemon name normalized to: %s", daemon, base)
		daemon = base
	}
	if o != nil {
		services, name, errLine := readInetd(p.Files, o.InetdConf, warn)
		if errLine != "" {
			out.Stderr = append(out.Stderr, errLine)
			out.ExitCode = 1
			return out
		}
		services.set("portmap", WrapNot)
		services.set("rpcbind", WrapNot)
		switch services.get(daemon) {
		case WrapUnknown:
			warn("%s: no such process name in %s", daemon, name)
		case WrapNot:
			warn("%s: service possibly not wrapped", daemon)
		}
		for _, t := range []string{o.AllowPath, o.DenyPath} {
			if t != "" {
				_, _ = check.check(t)
			}
		}
	}
	base := Request{Daemon: daemon, EmptyDaemon: true, Prime: true}
	if hasServer {
		if !hostnameKnown(server) {
			base.Server.Name = server
		} else {
			addrs, ok := p.findInetAddr(res, server, warn)
			if !ok {
				out.ExitCode = 1
				return out
			}
			// tcpdmatch looks up the name of every address (with its
			// warnings) before it counts them, and so before it reads
			// the client operand; the name is kept for every block.
			var name string
			for _, a := range addrs {
				var lines []string
				name, lines = p.hostNameLog(res, a)
				out.Lines = append(out.Lines, lines...)
			}
			if len(addrs) > 1 {
				out.Stderr = append(out.Stderr, "Error: "+server+" has more than one address", "Please specify an address instead")
				out.ExitCode = 1
				return out
			}
			base.Server.Socket = netip.AddrPortFrom(addrs[0], 0)
			base.Server.Name = name
		}
	}
	user, client, hasUser := cutAt(clientArg, '@', p.Profile().ipv6())
	if !hasUser {
		client, user = user, ""
	}
	base.User = user
	exited := false
	decide := func(r Request) {
		d := p.decide(r, true)
		exited = d.exited
		out.Predictions = append(out.Predictions, Prediction{Request: r, Decision: d})
		lines, raw := tcpdmatchBlock(d)
		for i, text := range raw {
			if out.raw == nil {
				out.raw = map[int]string{}
			}
			out.raw[len(out.Lines)+i] = text
		}
		out.Lines = append(out.Lines, lines...)
	}
	if _, ok := dotQuadAddr(client); ok {
		r := base
		r.Client.Addr = client
		decide(r)
		return out
	}
	if p.Profile().numericV6(client, res) {
		r := base
		r.Client.Addr = client
		decide(r)
		return out
	}
	if notInaddr(client) && !hostnameKnown(client) {
		r := base
		r.Client.Name = client
		decide(r)
		return out
	}
	addrs, ok := p.findInetAddr(res, client, warn)
	if !ok {
		out.ExitCode = 1
		return out
	}
	for i, a := range addrs {
		if i > 0 {
			out.Lines = append(out.Lines, "")
		}
		r := base
		r.Client.Socket = netip.AddrPortFrom(a, 0)
		decide(r)
		if exited {
			break
		}
	}
	return out
}

// hostNameLog looks up and verifies the name of a server address the way
// tcpdmatch's server loop does, and returns the name ("unknown" or
// "paranoid" when it has none) and the warnings logged.
func (p *Policy) hostNameLog(res Resolver, a netip.Addr) (string, []string) {
	return addrNameLog(p, p.Profile(), res, a, "", 0)
}

// addrNameLog looks up and verifies the name of address a as libwrap
// does, for tcpdmatch's server operand and tcpdchk's check_dns alike: the
// name ("unknown" or "paranoid" when it has none) and the warnings
// logged, in the context of file:line when file is not empty.
func addrNameLog(p *Policy, prof Profile, res Resolver, a netip.Addr, file string, line int) (string, []string) {
	st := &evalState{pol: p, prof: prof, res: res, d: &Decision{}, ctxFile: file, ctxLine: line}
	h := hostState{ep: Endpoint{Socket: netip.AddrPortFrom(a, 0)}}
	name := st.hostname(&h)
	if name == unknown {
		st.warn("host address %s->name lookup failed", st.hostaddr(&h))
	}
	return name, st.d.Log
}

// numericV6 reports whether tcpdmatch takes client operand s as a numeric
// IPv6 address, kept as written: Debian's asks getaddrinfo (numeric, IPv6
// only), which takes a scope ("fe80::1%lo", "2001:db8::1%2", an interface
// res knows); FreeBSD's takes an IPv6 address; upstream's none.
func (p Profile) numericV6(s string, res Resolver) bool {
	switch p {
	case Debian:
		_, _, ok := parseV6(s, res)
		return ok
	case Upstream:
		return false
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6()
}

// findInetAddr resolves a tcpdmatch host operand to its addresses.
//
// Debian's is [findInetAddr]. FreeBSD's is the same getaddrinfo-based
// routine (its scaffold.c has the same IPv6 version): every numeric
// form inet_aton reads ("1.2.3", "4294967295"), nothing after it, then
// a name in both families (engine/testdata/derived/X20). It takes an
// IPv6 address with any scope as is: how FreeBSD's libc reads a scope
// is not modelled. Upstream's takes a dotted quad as is, refuses any
// other string of digits and dots as "not an internet address" and
// looks a name up in IPv4 only.
func (p *Policy) findInetAddr(res Resolver, host string, warn func(string, ...any)) ([]netip.Addr, bool) {
	switch p.Profile() {
	case Debian:
		return findInetAddr(res, host, warn)
	case FreeBSD:
		if a, err := netip.ParseAddr(host); err == nil && a.Is6() {
			return []netip.Addr{a}, true
		}
		return findInetAddr(res, host, warn)
	}
	if v, ok := dotQuadAddr(host); ok {
		return []netip.Addr{v4Addr(v)}, true
	}
	if !notInaddr(host) {
		warn("%s: not an internet address", host)
		return nil, false
	}
	// Upstream's gethostbyname: IPv4 only (derived/X17).
	canon, addrs, ok := res.LookupHost(host, false)
	if !ok {
		warn("%s: host not found", host)
		return nil, false
	}
	if !asciiEqualFold(canon, host) {
		warn("%s: hostname alias", host)
		warn("(official name: %s)", canon)
	}
	return addrs, true
}

// findInetAddr is Debian's find_inet_addr, the one routine behind
// tcpdmatch's server and client operands and tcpdchk's host check
// (check_dns): the addresses of host, with its warnings.
//
// It asks getaddrinfo for a numeric address first: inet_aton's forms
// exactly, as glibc's numeric getaddrinfo reads them ("1.2.3",
// "4294967295", "0x10.1"; nothing may follow, not even the vertical tab
// or form feed that tcpdchk does not split at), or IPv6 with a scope
// glibc takes ([parseV6]); an IPv6 address with any other scope is "host
// not found". Then it looks host up as a name in both families;
// anything else is "host not found". A name whose canonical
// name differs from it (without regard to case) is an alias, and the
// official name is printed cut at libwrap's STRING_LENGTH (128 bytes);
// a resolver that gives no canonical name ("") stands for getaddrinfo's
// NULL one: "(cannot obtain official name)".
func findInetAddr(res Resolver, host string, warn func(string, ...any)) ([]netip.Addr, bool) {
	if v, ok := inetAton(host, true); ok {
		return []netip.Addr{v4Addr(v)}, true
	}
	if a, zone, ok := parseV6(host, res); ok {
		return []netip.Addr{a.WithZone(zone)}, true
	}
	if addr, _, ok := strings.Cut(host, "%"); ok {
		if a, err := netip.ParseAddr(addr); err == nil && a.Is6() {
			// An IPv6 address with a scope glibc refuses (not a number
			// below 2^32, an interface the machine does not have, a name
			// on an address that is not link-local): getaddrinfo fails
			// there and asks no name service, even if the hosts table
			// names the text (engine/testdata/glibc/G07.txtar).
			warn("%s: host not found", host)
			return nil, false
		}
	}
	if strings.ContainsAny(host, "\r\x00") {
		// No name has these (tcpdchk keeps the CR of a CRLF line in the
		// last token): do not hand them to a resolver.
		warn("%s: host not found", host)
		return nil, false
	}
	canon, addrs, ok := lookupAny(res, host)
	if !ok {
		warn("%s: host not found", host)
		return nil, false
	}
	switch {
	case canon == "":
		warn("%s: hostname alias", host)
		warn("(cannot obtain official name)")
	case !asciiEqualFold(canon, host):
		warn("%s: hostname alias", host)
		if len(canon) > maxString+1 {
			canon = canon[:maxString+1]
		}
		warn("(official name: %s)", canon)
	}
	return addrs, true
}

// AnyFamilyResolver is implemented by resolvers that look a name up in
// both address families at once, as getaddrinfo with AF_UNSPEC does for
// tcpdmatch's operands and tcpdchk's host checks: the addresses in the
// resolver's own order, and the canonical name of the first.
type AnyFamilyResolver interface {
	LookupHostAny(name string) (canon string, addrs []netip.Addr, ok bool)
}

// lookupAny looks name up in both families: through [AnyFamilyResolver]
// when res has it, else IPv4 then IPv6, the canonical name the first
// family's.
func lookupAny(res Resolver, name string) (string, []netip.Addr, bool) {
	if r, ok := res.(AnyFamilyResolver); ok {
		return r.LookupHostAny(name)
	}
	canon4, a4, ok4 := res.LookupHost(name, false)
	canon6, a6, ok6 := res.LookupHost(name, true)
	canon := canon4
	if !ok4 {
		canon = canon6
	}
	return canon, append(append([]netip.Addr{}, a4...), a6...), ok4 || ok6
}

// tcpdmatchBlock renders one verdict block as tcpdmatch prints it: its
// lines, and the exact output of the lines that are not the line and a
// newline (banners), by index.
func tcpdmatchBlock(d *Decision) (lines []string, raw map[int]string) {
	lines = append(lines, d.Log[:d.primeEnd]...)
	show := func(label, v string) {
		if !asciiEqualFold(v, unknown) && v != "" {
			lines = append(lines, label+v)
		}
	}
	show("client:   hostname ", d.primed[0])
	show("client:   address  ", d.primed[1])
	show("client:   username ", d.primed[2])
	show("server:   hostname ", d.primed[3])
	show("server:   address  ", d.primed[4])
	if !asciiEqualFold(d.primed[5], unknown) {
		// An empty name is shown: "server:   process  ".
		lines = append(lines, "server:   process  "+d.primed[5])
	}
	if d.paranoid {
		return append(lines, "access:   denied (PARANOID mode)", ""), nil
	}
	b := 0
	glued := false // the last line is a command without its newline
	add := func(l string) {
		if glued {
			lines[len(lines)-1] += l
			glued = false
			return
		}
		lines = append(lines, l)
	}
	for i := d.primeEnd; i <= len(d.Log); i++ {
		for b < len(d.stdout) && d.stdout[b].at == i {
			if c := d.stdout[b]; c.glue {
				add(c.text)
				glued = true
				b++
				continue
			}
			for _, l := range strings.SplitAfter(d.stdout[b].text, "\n") {
				if l != "" {
					if raw == nil {
						raw = map[int]string{}
					}
					raw[len(lines)] = l
					lines = append(lines, strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r"))
				}
			}
			b++
		}
		if i < len(d.Log) {
			add(d.Log[i])
		}
	}
	if d.exited {
		// percent_x's overflow ended tcpdmatch (exit status 0) before it
		// printed a verdict (engine/testdata/found/F09.txtar).
		return lines, raw
	}
	add("access:   " + string(d.Access))
	return lines, raw
}

// EmptyOperand is the error for an operand whose part called what is
// empty: "daemon name is empty" for an empty operand, `empty daemon name in
// "@host"` otherwise.
func EmptyOperand(what, arg string) error {
	if arg == "" {
		return errors.New(what + " is empty")
	}
	return errors.New(sprintf("empty %s in %q", what, arg))
}

// Query builds the requests of `tcpwrap match DAEMON[@SERVER] [USER@]CLIENT`:
// unlike tcpdmatch, an address operand is a connection from that address,
// whose name is looked up (lazily, with the double check) when a rule
// needs it. A host name gives one request per address. "unknown" and
// "paranoid" are names without an address, as in tcpdmatch.
func Query(res Resolver, daemonArg, clientArg string, clientPort, serverPort uint16) ([]Request, error) {
	if res == nil {
		res = emptyResolver{}
	}
	daemon, server, hasServer := strings.Cut(daemonArg, "@")
	if strings.HasPrefix(daemon, "/") {
		daemon = path.Base(daemon)
	}
	if daemon == "" {
		return nil, EmptyOperand("daemon name", daemonArg)
	}
	base := Request{Daemon: daemon}
	if hasServer {
		switch {
		case server == "":
			return nil, errors.New(sprintf("empty server after @ in %q", daemonArg))
		case !hostnameKnown(server):
			base.Server.Name = server
		default:
			addrs, err := resolveOperand(res, server)
			if err != nil {
				return nil, err
			}
			if len(addrs) > 1 {
				return nil, errors.New(sprintf("server %s has more than one address: give an address instead", server))
			}
			base.Server.Socket = netip.AddrPortFrom(addrs[0], serverPort)
		}
	}
	user, client, hasUser := strings.Cut(clientArg, "@")
	if !hasUser {
		client, user = user, ""
	}
	base.User = user
	if client == "" {
		return nil, EmptyOperand("client", clientArg)
	}
	if !hostnameKnown(client) {
		r := base
		r.Client.Name = client
		return []Request{r}, nil
	}
	addrs, err := resolveOperand(res, client)
	if err != nil {
		return nil, err
	}
	var out []Request
	for _, a := range addrs {
		r := base
		r.Client.Socket = netip.AddrPortFrom(a, clientPort)
		out = append(out, r)
	}
	return out, nil
}

func resolveOperand(res Resolver, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" {
			if _, _, ok := parseV6(host, res); !ok {
				return nil, errors.New(sprintf("%s: host not found: %s", host, scopeProblem(a, res)))
			}
		}
		return []netip.Addr{a}, nil
	}
	_, addrs, _ := lookupAny(res, host)
	if len(addrs) == 0 {
		return nil, errors.New(sprintf("%s: host not found", host))
	}
	return addrs, nil
}

// cutAt cuts s around the first delim outside square brackets (see
// splitAt), like strings.Cut.
func cutAt(s string, delim byte, brackets bool) (before, after string, found bool) {
	if i := splitAt(s, 0, delim, brackets); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// scopeProblem says why getaddrinfo refuses a's scope (parseV6 did): a
// scope id over 32 bits, an interface name on an address that is not
// link-local, or an interface the machine does not have.
func scopeProblem(a netip.Addr, res Resolver) string {
	zone := a.Zone()
	if numeric(zone) {
		return "scope id above 4294967295"
	}
	if !namesScope(a) {
		return "an interface name is read as a scope only on a link-local address"
	}
	if _, ok := res.(InterfaceResolver); !ok {
		return sprintf("no network interface %q (the simulated machine has only \"lo\")", zone)
	}
	return sprintf("no network interface %q", zone)
}
