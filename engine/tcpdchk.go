package engine

import (
	"strings"
)

// This file is Debian's tcpdchk (spec §9; upstream tcpdchk.c and
// scaffold.c's check_dns as Debian 7.6.q builds them): every rule of both
// tables is examined, not just the first match, and the options are dry
// run against a fake request.

// TcpdchkOptions are tcpdchk's flags.
type TcpdchkOptions struct {
	// Implicit is -a: report hosts.allow rules that grant without an
	// explicit allow.
	Implicit bool
	// Verbose is -v: print every rule.
	Verbose bool
	// InetdConf is the -i file; "" reads DefaultInetdConf, carrying on
	// without one when it cannot be opened (Debian).
	InetdConf string
	// AllowPath and DenyPath are the tables as tcpdchk opens them
	// ("hosts.allow" with -d, else "/etc/hosts.allow"), through the
	// Policy's Files.
	AllowPath, DenyPath string
}

// TcpdchkResult is what tcpdchk prints.
type TcpdchkResult struct {
	// Lines are its output lines: its own and the library's warnings,
	// in the order written.
	Lines []string
	// Stderr and ExitCode: an -i file that cannot be opened, or a table
	// larger than Files read, ends the run with status 1.
	Stderr   []string
	ExitCode int
	// Stdout is exactly what tcpdchk writes to its standard output:
	// Lines, each ended by a newline, except that banners (written by
	// the dry run of a banners option to standard output) appear as
	// libwrap writes them (CRLF line ends). Lines has them split and
	// without the CR.
	Stdout []byte

	raw map[int]string // exact output of a line of Lines, by index
}

// tcpdchkBufLen is the size of tcpdchk's line buffer (BUFLEN).
const tcpdchkBufLen = 2048

// tcpdchkWrapped are the services Debian's tcpdchk registers as wrapped
// before it reads the tables (Debian libwrap users).
var tcpdchkWrapped = []string{"portmap", "mountd", "statd", "ugidd", "redir", "rlinetd", "sshd",
	"atftpd", "diald", "esound", "gdm", "gnome-session", "icecast", "icecast_admin", "icecast_client",
	"icecast_source", "mysqld", "ntop", "pptpd", "rquotad", "sendmail", "smail"}

// tcpdchk is the state of one run.
type tcpdchk struct {
	p        *Policy
	o        *TcpdchkOptions
	res      Resolver
	out      *TcpdchkResult
	services inetdServices
	inetd    string
	ctxFile  string
	ctxLine  int
	files    []string // the pattern files being read
	// spent is set once a pattern file with a line in it has been
	// checked: tcpdchk splits the file's lines with strtok, whose one
	// saved position the list that named the file was being split
	// with too, so nothing after the file in that list (or in that line
	// of the file that named it) is ever checked. The list's loop stops
	// and clears it.
	spent bool
	// exited: an option's percent_x overflow ended tcpdchk (exit status
	// 0); nothing more is printed.
	exited bool
}

func (c *tcpdchk) print(line string) { c.out.Lines = append(c.out.Lines, line) }

func (c *tcpdchk) context() string {
	if c.ctxFile == "" {
		return ""
	}
	return sprintf("%s, line %d: ", c.ctxFile, c.ctxLine)
}

func (c *tcpdchk) warn(format string, args ...any) {
	c.print("warning: " + c.context() + sprintf(format, args...))
}

// Tcpdchk examines the tables like `tcpdchk [-a] [-d] [-i FILE] [-v]`:
// the tables, pattern files and inetd configuration come from the
// Policy's Files (a [ModeFiles] for the world-writable and executable
// checks), host names, netgroups (through [NetgroupLister]) and users
// from its Resolver. The Policy's Allow and Deny are not used: tcpdchk
// reads the tables its own way (spec §9.1). A table larger than Files
// read ([Files]) ends the run before any output, with status 1.
func (p *Policy) Tcpdchk(o *TcpdchkOptions) *TcpdchkResult {
	c := &tcpdchk{p: p, o: o, res: p.Resolver, out: &TcpdchkResult{}}
	defer c.out.finish()
	if c.res == nil {
		c.res = emptyResolver{}
	}
	allow, deny, ok := c.readTables()
	if !ok {
		return c.out
	}
	check := pathChecker{files: p.Files, warn: c.warn}
	if mode, err := check.check(RealDaemonDir); err != nil {
		c.warn("REAL_DAEMON_DIR %s: %s", RealDaemonDir, strerror(err))
	} else if !mode.IsDir() {
		c.warn("REAL_DAEMON_DIR %s is not a directory", RealDaemonDir)
	}
	services, name, errLine := readInetd(p.Files, o.InetdConf, c.warn)
	if errLine != "" {
		c.out.Stderr = append(c.out.Stderr, errLine)
		c.out.ExitCode = 1
		return c.out
	}
	c.services, c.inetd = services, name
	if o.Verbose {
		c.print("Using network configuration file: " + name)
	}
	for _, s := range tcpdchkWrapped {
		c.services.set(s, WrapYes)
	}
	for _, t := range []string{o.AllowPath, o.DenyPath} {
		_, _ = check.check(t)
	}
	c.table(o.AllowPath, allow, true)
	if !c.exited {
		c.table(o.DenyPath, deny, false)
	}
	return c.out
}

// A tableFile is a table as Files read it (ok is false when there is no
// table to read: no path, or no Files).
type tableFile struct {
	data []byte
	err  error
	ok   bool
}

// readTables reads both tables before anything is examined. A table
// Files refuse as too large ([Files]: EFBIG) is not examined in part:
// the run prints only "PATH: table larger than ..." on standard error
// and exits with status 1, since the real tcpdchk reads it whole.
func (c *tcpdchk) readTables() (allow, deny tableFile, ok bool) {
	read := func(path string) tableFile {
		if path == "" || c.p.Files == nil {
			return tableFile{}
		}
		data, err := c.p.Files.ReadFile(path)
		if isTooLarge(err) {
			c.out.Stderr = append(c.out.Stderr, path+": "+ErrTableTooLarge.Error())
			c.out.ExitCode = 1
		}
		return tableFile{data: data, err: err, ok: true}
	}
	allow, deny = read(c.o.AllowPath), read(c.o.DenyPath)
	return allow, deny, c.out.ExitCode == 0
}

// table is parse_table: every line of one table.
func (c *tcpdchk) table(path string, f tableFile, permit bool) {
	if !f.ok {
		return
	}
	data, err := f.data, f.err
	if err != nil {
		if !isNotExist(err) {
			c.warn("cannot open %s: %s", path, strerror(err))
		}
		return
	}
	saved, savedLine := c.ctxFile, c.ctxLine
	defer func() { c.ctxFile, c.ctxLine = saved, savedLine }()
	c.ctxFile, c.ctxLine = path, 0
	r := xgetsReader{src: data, size: tcpdchkBufLen}
	for {
		b, n, ok := r.next()
		if !ok {
			break
		}
		c.ctxLine = n
		text := string(b)
		if text[len(text)-1] != '\n' {
			c.warn("missing newline or line too long")
			continue
		}
		if text[0] == '#' || strings.Trim(text, " \t\r\n") == "" {
			continue
		}
		i := splitAt(b, 0, ':', true)
		if i < 0 {
			c.warn(`missing ":" separator`)
			continue
		}
		svList, clList := text[:i], text[i+1:]
		var shCmd *string
		if j := splitAt(clList, 0, ':', true); j >= 0 {
			s := clList[j+1:]
			clList, shCmd = clList[:j], &s
		}
		if c.o.Verbose {
			c.print("")
			c.print(sprintf(">>> Rule %s line %d:", c.ctxFile, c.ctxLine))
			c.print("daemons:  " + strings.Join(chkTokens(svList, ", \t\n"), " "))
		}
		c.daemonList(svList)
		if c.o.Verbose {
			c.print("clients:  " + strings.Join(chkTokens(clList, ", \t\n"), " "))
		}
		c.clientList(clList)
		verdict := permit
		if shCmd != nil {
			verdict = c.options(*shCmd, permit)
			if c.exited {
				return
			}
		} else if permit && c.o.Implicit {
			c.warn(`implicit "allow" at end of rule`)
		}
		if c.o.Verbose {
			if verdict {
				c.print("access:   granted")
			} else {
				c.print("access:   denied")
			}
		}
	}
}

// chkTokens is strtok over seps.
func chkTokens(s, seps string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) })
}

// splitHost is split_at(cp+1, '@'): the pattern and its host part.
func splitHost(tok string) (string, string, bool) {
	if len(tok) < 2 {
		return tok, "", false
	}
	i := splitAt(tok, 1, '@', true)
	if i < 0 {
		return tok, "", false
	}
	return tok[:i], tok[i+1:], true
}

func (c *tcpdchk) daemonList(list string) {
	daemons := 0
	for _, tok := range chkTokens(list, ", \t\n") {
		if asciiEqualFold(tok, "EXCEPT") {
			daemons = 0
			continue
		}
		daemons++
		pat, host, ok := splitHost(tok)
		if ok && c.host(host) > 1 {
			c.warn("host %s has more than one address", host)
			c.warn("(consider using an address instead)")
		}
		c.daemon(pat)
		if c.spent {
			c.spent = false
			break
		}
	}
	if daemons == 0 {
		c.warn("daemon list is empty or ends in EXCEPT")
	}
}

func (c *tcpdchk) clientList(list string) {
	clients := 0
	for _, tok := range chkTokens(list, ", \t\n") {
		if asciiEqualFold(tok, "EXCEPT") {
			clients = 0
			continue
		}
		clients++
		if pat, host, ok := splitHost(tok); ok {
			c.user(pat)
			c.host(host)
		} else {
			c.host(tok)
		}
		if c.spent {
			c.spent = false
			break
		}
	}
	if clients == 0 {
		c.warn("client list is empty or ends in EXCEPT")
	}
}

func reservedName(s string) bool {
	for _, w := range []string{unknown, "KNOWN", paranoid, "ALL", "LOCAL"} {
		if asciiEqualFold(s, w) {
			return true
		}
	}
	return false
}

// namePrefix reports the complaints check_daemon and check_user share.
func (c *tcpdchk) badName(pat, kind string) bool {
	switch {
	case pat == "":
		return false
	case pat[0] == '@':
		c.warn(`%s: %s name begins with "@"`, pat, kind)
	case pat[0] == '/':
		c.warn(`%s: %s name begins with "/"`, pat, kind)
	case pat[0] == '.':
		c.warn("%s: %s name begins with dot", pat, kind)
	case pat[len(pat)-1] == '.':
		c.warn("%s: %s name ends in dot", pat, kind)
	default:
		return false
	}
	return true
}

func (c *tcpdchk) fail() {
	c.warn("FAIL is no longer recognized")
	c.warn("(use EXCEPT or DENY instead)")
}

func (c *tcpdchk) daemon(pat string) {
	switch {
	case c.badName(pat, "daemon"):
	case asciiEqualFold(pat, "ALL") || asciiEqualFold(pat, unknown):
	case asciiEqualFold(pat, "FAIL"):
		c.fail()
	case reservedName(pat):
		c.warn("%s: daemon name may be reserved word", pat)
	default:
		switch c.services.get(pat) {
		case WrapUnknown:
			c.warn("%s: no such process name in %s", pat, c.inetd)
			c.services.set(pat, WrapYes)
		case WrapNot:
			c.warn("%s: service possibly not wrapped", pat)
			c.services.set(pat, WrapYes)
		}
	}
}

func (c *tcpdchk) user(pat string) {
	switch {
	case c.badName(pat, "user"):
	case asciiEqualFold(pat, "ALL") || asciiEqualFold(pat, unknown) || asciiEqualFold(pat, "KNOWN"):
	case asciiEqualFold(pat, "FAIL"):
		c.fail()
	case reservedName(pat):
		c.warn("%s: user name may be reserved word", pat)
	}
}

// isInet6Pattern is is_inet6_addr: "[address]", read by the numeric
// getaddrinfo with the interfaces res knows.
func isInet6Pattern(s string, res Resolver) bool {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return false
	}
	_, _, ok := parseV6(s[1:len(s)-1], res)
	return ok
}

// host is check_host; it returns the number of addresses of a name.
func (c *tcpdchk) host(pat string) int {
	count := 1
	switch {
	case pat == "":
		// check_host is never given an empty pattern by strtok except
		// after '@'. It then takes the numeric branch, where the byte
		// before the pattern (the NUL that replaced the '@') is not a
		// dot, and looks "" up: "host not found".
		c.dns(pat)
	case pat[0] == '@':
		if !c.netgroupHasMembers(pat[1:]) {
			c.warn("%s: unknown or empty netgroup", pat[1:])
		}
	case pat[0] == '/':
		c.patternFile(pat)
	case strings.Contains(pat, "/") && splitAt(pat, 0, '/', true) >= 0:
		i := splitAt(pat, 0, '/', true)
		net, mask := pat[:i], pat[i+1:]
		if !validNetMask(net, mask, c.res) {
			c.warn("%s/%s: bad net/mask pattern", net, mask)
		}
	case asciiEqualFold(pat, "FAIL"):
		c.fail()
	case reservedName(pat):
	case isInet6Pattern(pat, c.res):
	case notInaddr(pat):
		if pat[len(pat)-1] == '.' {
			c.warn("%s: domain or host name ends in dot", pat)
		} else if pat[0] != '.' {
			count = c.dns(pat)
		}
	default:
		switch {
		case pat == "0.0.0.0" || pat == "255.255.255.255":
		case pat[0] == '.':
			c.warn("%s: network number begins with dot", pat)
		case pat[len(pat)-1] != '.':
			c.dns(pat)
		}
	}
	return count
}

// NetgroupMembers is implemented by resolvers that can tell whether a
// netgroup has a member (getnetgrent's first answer), as tcpdchk asks.
// Without it, tcpdchk falls back to [NetgroupLister], and without that
// every netgroup is unknown or empty.
type NetgroupMembers interface {
	NetgroupHasMembers(name string) bool
}

// NetgroupHasMembers implements [NetgroupMembers]: the group has a line
// in the table with at least one member.
func (r *HostsResolver) NetgroupHasMembers(name string) bool {
	return len(r.netgroups[name]) > 0
}

// netgroupHasMembers is getnetgrent's first answer: the group exists and
// has a member.
func (c *tcpdchk) netgroupHasMembers(group string) bool {
	if m, ok := c.res.(NetgroupMembers); ok {
		return m.NetgroupHasMembers(group)
	}
	l, ok := c.res.(NetgroupLister)
	return ok && l.NetgroupExists(group)
}

// validNetMask is tcpdchk's net/mask check. An IPv4 one is good when the
// matcher takes it (a dotted mask, or a prefix length read with atoi:
// "024", "24x" and "+24" are 24); an IPv6 one is tcpdchk's own test.
func validNetMask(net, mask string, res Resolver) bool {
	hp := hostPat{netText: net, maskText: mask}
	if hp.compileNetmask(Debian); hp.v4ok {
		return true
	}
	if !isInet6Pattern(net, res) {
		return false
	}
	n := cAtoi(mask)
	return n >= 0 && n <= 128
}

// patternFile checks every word of a /path pattern file.
func (c *tcpdchk) patternFile(path string) {
	if c.p.Files == nil {
		return
	}
	for _, f := range c.files {
		if f == path || len(c.files) >= MaxPatternFileDepth {
			// tcpdchk recurses until it crashes: report and skip.
			c.print("error: " + c.context() + path + ": pattern file includes itself or nests too deep: not read")
			return
		}
	}
	data, err := c.p.Files.ReadFile(path)
	if err != nil {
		if !isNotExist(err) {
			c.warn("open %s: %s", path, strerror(err))
		}
		return
	}
	c.files = append(c.files, path)
	defer func() { c.files = c.files[:len(c.files)-1] }()
	saved, savedLine := c.ctxFile, c.ctxLine
	defer func() { c.ctxFile, c.ctxLine = saved, savedLine }()
	c.ctxFile, c.ctxLine = path, 0
	// fgets(buf, BUFSIZ): every call is a line, a long line several.
	if len(data) > 0 {
		defer func() { c.spent = true }() // for the list that named this file
	}
	for len(data) > 0 {
		n := len(data)
		if i := strings.IndexByte(string(data), '\n'); i >= 0 {
			n = i + 1
		}
		if n > inetdBufSize-1 {
			n = inetdBufSize - 1
		}
		chunk := string(data[:n])
		data = data[n:]
		if i := strings.IndexByte(chunk, 0); i >= 0 {
			chunk = chunk[:i]
		}
		c.ctxLine++
		for _, w := range chkTokens(chunk, " \t\r\n") {
			c.host(w)
			if c.spent { // a file named on this line was read
				c.spent = false
				break
			}
		}
	}
}

// dns is check_dns: the addresses of a name or numeric address as
// tcpdmatch finds them ([findInetAddr]), each with its name looked up and
// verified as libwrap does.
func (c *tcpdchk) dns(host string) int {
	addrs, ok := findInetAddr(c.res, host, c.warn)
	if !ok {
		return 0
	}
	for _, a := range addrs {
		_, lines := addrNameLog(c.p, Debian, c.res, a, c.ctxFile, c.ctxLine)
		c.out.Lines = append(c.out.Lines, lines...)
	}
	return len(addrs)
}

// options dry-runs the options of a rule against tcpdchk's fake request
// and returns the verdict.
func (c *tcpdchk) options(shCmd string, permit bool) (verdict bool) {
	// "::" is no longer than any rule's first two fields, so the line
	// fits where the rule did.
	t := Parse(c.ctxFile, []byte("::"+shCmd), Debian)
	var ln *Line
	for _, l := range t.Lines {
		if l.Kind == LineRule {
			ln = l
		}
	}
	if ln == nil {
		return permit
	}
	st := &evalState{pol: c.p, prof: Debian, res: c.res, d: &Decision{}, dryRun: true,
		ctxFile: c.ctxFile, ctxLine: c.ctxLine,
		daemon: "daemon_name", user: "user_name", userDone: true}
	// request_init sets the names and addresses as strings: known, never
	// looked up.
	st.client = hostState{name: "client_hostname", nameDone: true, addr: "client_addr", addrDone: true}
	st.server = hostState{name: "server_hostname", nameDone: true, addr: "server_addr", addrDone: true}
	verdict = permit
	dry := true
	func() {
		defer func() {
			if e := recover(); e != nil {
				j, ok := e.(jump)
				if !ok {
					panic(e)
				}
				switch j.access {
				case Granted:
					verdict = true
				case Denied:
					verdict = false
				}
				c.exited = j.exit
				// A jump (allow, deny, an error) or twist (which ends the dry
				// run) leaves no implicit allow.
				dry = false
			}
		}()
		st.runOptions(ln, permit)
	}()
	b := 0
	for i := 0; i <= len(st.d.Log); i++ {
		for b < len(st.d.stdout) && st.d.stdout[b].at == i {
			for _, l := range strings.SplitAfter(st.d.stdout[b].text, "\n") {
				if l != "" {
					if c.out.raw == nil {
						c.out.raw = map[int]string{}
					}
					c.out.raw[len(c.out.Lines)] = l
					c.print(strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r"))
				}
			}
			b++
		}
		// "option:" lines are logged in verbose mode only.
		if i < len(st.d.Log) && (c.o.Verbose || !strings.HasPrefix(st.d.Log[i], "option:   ")) {
			c.print(st.d.Log[i])
		}
	}
	if dry && permit && c.o.Implicit {
		c.warn(`implicit "allow" at end of rule`)
	}
	return verdict
}

// finish sets Stdout.
func (out *TcpdchkResult) finish() { out.Stdout = joinOutput(out.Lines, out.raw) }
