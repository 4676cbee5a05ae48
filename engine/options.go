package engine

import (
	"errors"
	"strconv"
	"strings"
)

// Option flags, as in libwrap's option table.
const (
	optNeedArg = 1 << iota
	optOptArg
	optExpand
	optLast
)

type optionDef struct {
	name  string
	flags int
	run   func(st *evalState, value *string, allow bool)
}

// optionTable returns libwrap's option table for the profile (spec §7.4).
func optionTable(p Profile) []optionDef {
	t := []optionDef{
		{"user", optNeedArg, (*evalState).userOption},
		{"group", optNeedArg, (*evalState).groupOption},
		{"umask", optNeedArg, (*evalState).umaskOption},
		{"linger", optNeedArg, (*evalState).lingerOption},
		{"keepalive", 0, (*evalState).keepaliveOption},
		{"spawn", optNeedArg | optExpand, (*evalState).spawnOption},
		{"twist", optNeedArg | optExpand | optLast, (*evalState).twistOption},
		{"rfc931", optOptArg, (*evalState).rfc931Option},
		{"setenv", optNeedArg | optExpand, (*evalState).setenvOption},
		{"nice", optOptArg, (*evalState).niceOption},
		{"severity", optNeedArg, (*evalState).severityOption},
		{"allow", optLast, func(st *evalState, _ *string, _ bool) {
			panic(jump{access: Granted, reason: sprintf("%s line %d matched and its allow option grants access", st.ctxFile, st.ctxLine)})
		}},
		{"deny", optLast, func(st *evalState, _ *string, _ bool) {
			panic(jump{access: Denied, reason: sprintf("%s line %d matched and its deny option denies access", st.ctxFile, st.ctxLine)})
		}},
		{"banners", optNeedArg, (*evalState).bannersOption},
	}
	if p.aclexec() {
		t = append(t, optionDef{"aclexec", optNeedArg | optExpand, (*evalState).aclexecOption})
	}
	return t
}

var optionTables = [...][]optionDef{Debian: optionTable(Debian), Upstream: optionTable(Upstream), FreeBSD: optionTable(FreeBSD)}

func lookupOption(p Profile, name string) *optionDef {
	t := optionTables[p]
	for i := range t {
		if asciiEqualFold(t[i].name, name) {
			return &t[i]
		}
	}
	return nil
}

// runOptions processes the options of a matched rule like libwrap's
// process_options: checks, expansion, a log line, then the effect, one
// option at a time; an error ends the decision with a denial.
func (st *evalState) runOptions(ln *Line, allow bool) {
	fields := ln.Options
	if len(fields) > 0 && fields[0].EndsInColon {
		st.warn(`rule ends in ":"`)
	}
	for i, f := range fields {
		if i+1 < len(fields) && fields[i+1].EndsInColon {
			st.warn(`rule ends in ":"`)
		}
		if f.Name == "" {
			st.fail("missing option name")
		}
		op := lookupOption(st.prof, f.Name)
		if op == nil {
			st.fail("bad option name: \"%s\"", f.Name)
		}
		if f.Value == nil && op.flags&optNeedArg != 0 {
			st.fail("option \"%s\" requires value", f.Name)
		}
		if f.Value != nil && op.flags&(optNeedArg|optOptArg) == 0 {
			st.fail("option \"%s\" requires no value", f.Name)
		}
		if i+1 < len(fields) && op.flags&optLast != 0 {
			st.fail("option \"%s\" must be at end", f.Name)
		}
		value := f.Value
		if value != nil && op.flags&optExpand != 0 {
			v := chop(st.percentX(*value, 8192))
			value = &v
		}
		shown := ""
		if value != nil {
			shown = *value
		}
		st.log(sprintf("option:   %s %s", f.Name, shown))
		st.d.Options = append(st.d.Options, OptionRun{Name: f.Name, Value: value, Span: f.Span})
		op.run(st, value, allow)
	}
}

func (st *evalState) spawnOption(v *string, _ bool) {
	st.d.Commands = append(st.d.Commands, Command{Kind: "spawn", Command: *v})
}

func (st *evalState) twistOption(v *string, _ bool) {
	if !st.dryRun {
		st.log(sprintf("twist %s to %s", st.clientInfo(), *v))
	}
	if !st.dryRun && st.noFD {
		// Standard input, output and error cannot become the client's
		// descriptor: libwrap warns, pauses and exits
		// (engine/testdata/found/F51.txtar).
		st.warn("twist_option: dup: Bad file descriptor")
		msg := "twist cannot hand a connection without a descriptor (hosts_ctl) to a command: libwrap pauses 5 seconds and exits without a decision"
		panic(jump{access: Denied, reason: msg, err: msg, exit: true})
	}
	st.d.Commands = append(st.d.Commands, Command{Kind: "twist", Command: *v})
	panic(jump{access: Delegated, reason: sprintf("%s line %d matched and its twist option hands the connection to a command", st.ctxFile, st.ctxLine)})
}

// clientInfo is libwrap's eval_client without sanitising.
func (st *evalState) clientInfo() string {
	p := st.hostinfo(&st.client)
	if !st.userDone || asciiEqualFold(st.evalUser(), unknown) {
		return *p
	}
	return st.user + "@" + *p
}

func (st *evalState) aclexecOption(v *string, _ bool) {
	st.d.Commands = append(st.d.Commands, Command{Kind: "aclexec", Command: *v})
	if st.dryRun {
		return
	}
	ok := true
	if st.pol.Aclexec != nil {
		ok = st.pol.Aclexec(*v)
	}
	st.aclexecFailed = !ok
}

func (st *evalState) userOption(v *string, allow bool) {
	name := *v
	// split_at(value, '.'): a dot inside square brackets (or after a
	// stray bracket) does not split (engine/testdata/found/F08.txtar).
	if i := splitAt(name, 0, '.', st.prof.ipv6()); i >= 0 {
		group := name[i+1:]
		name = name[:i]
		st.groupOption(&group, allow)
	}
	if !st.res.LookupUser(name) {
		st.fail("unknown user: \"%s\"", name)
	}
	if st.prof.SwitchesIDs() {
		st.effect("user", name)
	}
}

func (st *evalState) groupOption(v *string, _ bool) {
	if !st.res.LookupGroup(*v) {
		st.fail("unknown group: \"%s\"", *v)
	}
	if st.prof.SwitchesIDs() {
		st.effect("group", *v)
	}
}

// effect records one of the options' changes to the process or the
// connection; tcpdmatch (dry run) makes none but the umask.
func (st *evalState) effect(kind, value string) {
	if !st.dryRun || kind == "umask" {
		st.d.Effects = append(st.d.Effects, Effect{Kind: kind, Value: value})
	}
}

func (st *evalState) umaskOption(v *string, _ bool) {
	m, ok := scanOctal(*v)
	if !ok || m&0777 != m {
		st.fail("bad umask value: \"%s\"", *v)
	}
	o := strconv.FormatUint(uint64(m), 8)
	st.effect("umask", strings.Repeat("0", max(0, 3-len(o)))+o)
}

// keepaliveOption and lingerOption set a socket option on the caller's
// descriptor; without one (hosts_ctl) setsockopt fails and libwrap warns
// (engine/testdata/found/F51.txtar).
func (st *evalState) keepaliveOption(_ *string, _ bool) {
	st.effect("keepalive", "")
	if !st.dryRun && st.noFD {
		st.warn("setsockopt SO_KEEPALIVE: Bad file descriptor")
	}
}

func (st *evalState) lingerOption(v *string, _ bool) {
	n, ok := scanInt(*v)
	if !ok || n < 0 {
		st.fail("bad linger value: \"%s\"", *v)
	}
	st.effect("linger", strconv.Itoa(int(n)))
	if !st.dryRun && st.noFD {
		st.warn("setsockopt SO_LINGER %d: Bad file descriptor", n)
	}
}

func (st *evalState) niceOption(v *string, _ bool) {
	n := int32(10)
	if v != nil {
		var ok bool
		if n, ok = scanInt(*v); !ok {
			st.fail("bad nice value: \"%s\"", *v)
		}
	}
	st.effect("nice", strconv.Itoa(int(n)))
}

func (st *evalState) rfc931Option(v *string, _ bool) {
	if n, ok := scanIntPtr(v); v != nil && (!ok || n <= 0) {
		st.fail("bad rfc931 timeout: \"%s\"", *v)
	}
	st.evalUser()
}

func (st *evalState) setenvOption(v *string, _ bool) {
	s := *v
	k := strings.IndexAny(s, " \t\r\n")
	name, val := s, ""
	if k >= 0 {
		name, val = s[:k], s[k+1:]
	}
	name, val = chop(name), chop(val)
	if name == "" || strings.Contains(name, "=") {
		// glibc's setenv refuses such names with EINVAL.
		st.fail("memory allocation failure")
	}
	st.d.Env = append(st.d.Env, EnvVar{Name: name, Value: val})
}

var (
	shortFacilities = []string{"kern", "user", "mail", "daemon", "auth", "lpr", "news", "uucp", "cron",
		"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}
	shortLevels = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}
	// FreeBSD's syslog.h tables.
	fullFacilities = []string{"auth", "authpriv", "console", "cron", "daemon", "ftp", "kern", "lpr", "mail",
		"mark", "news", "ntp", "security", "syslog", "user", "uucp",
		"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}
	fullLevels = []string{"alert", "crit", "debug", "emerg", "err", "error", "info", "none", "notice",
		"panic", "warn", "warning"}
)

func (st *evalState) severityOption(v *string, _ bool) {
	facs, levels := shortFacilities, shortLevels
	if st.prof.fullSyslog() {
		facs, levels = fullFacilities, fullLevels
	}
	known := func(table []string, name string) {
		for _, n := range table {
			if asciiEqualFold(n, name) {
				return
			}
		}
		st.fail("bad syslog facility or severity: \"%s\"", name)
	}
	s := *v
	if i := splitAt(s, 0, '.', st.prof.ipv6()); i >= 0 { // split_at, as for user
		known(facs, s[:i])
		known(levels, s[i+1:])
	} else {
		known(levels, s)
	}
	st.d.Severity = s
}

// bannersOption sends DIR/daemon to the client: leading NUL bytes raw,
// then each line %-expanded with its newline turned into CR LF. libwrap
// writes each line as soon as it is expanded: after the warnings of its
// expansion (engine/testdata/found/F61.txtar), and the lines before one
// whose expansion overflows (which ends the process) reach the client
// (F60).
func (st *evalState) bannersOption(v *string, _ bool) {
	dir := *v
	path := dir + "/" + st.daemon
	var data []byte
	var err error
	if st.pol.Files == nil {
		err = errNotExist
	} else {
		data, err = st.pol.Files.ReadFile(path)
	}
	if err != nil {
		serr := errNotExist
		if st.pol.Files != nil {
			serr = st.pol.Files.Stat(dir)
		}
		if serr != nil {
			st.warn("%s: %s", dir, strerror(serr))
		}
		return
	}
	// The text written so far goes to the output at the log position
	// where it was written: a line's warnings (an unknown %-sequence)
	// come before the line, and when an expansion overflows, the lines
	// before it were written, the overflowing one was not.
	var out strings.Builder
	at, from := len(st.d.Log), 0
	flush := func() {
		if out.Len() > from && !st.noFD { // no descriptor: nothing arrives
			st.d.stdout = append(st.d.stdout, outChunk{at: at, text: out.String()[from:]})
			from = out.Len()
		}
		at = len(st.d.Log)
	}
	defer func() {
		flush()
		if !st.noFD {
			st.d.Banner += out.String()
		}
	}()
	i := 0
	for i < len(data) && data[i] == 0 {
		out.WriteByte(0)
		i++
	}
	for i < len(data) {
		// fgets(ibuf, BUFSIZ - 1, fp): at most 8190 bytes, through '\n'.
		j := i
		for j < len(data) && j-i < 8190 {
			j++
			if data[j-1] == '\n' {
				break
			}
		}
		line := data[i:j]
		i = j
		if k := indexByte(line, 0); k >= 0 {
			line = line[:k]
		}
		s := string(line)
		// split_at(ibuf, '\n'): in IPv6 builds it skips a newline inside
		// square brackets, so after a stray '[' or ']' the line keeps its
		// bare LF (engine/testdata/found/F07.txtar).
		if k := splitAt(s, 0, '\n', st.prof.ipv6()); k >= 0 {
			s = s[:k] + "\r\n"
		}
		x := st.percentX(s, 16384)
		if len(st.d.Log) != at {
			flush()
		}
		out.WriteString(x)
	}
}

var errNotExist = errors.New("no such file or directory")

func scanIntPtr(v *string) (int32, bool) {
	if v == nil {
		return 0, false
	}
	return scanInt(*v)
}
