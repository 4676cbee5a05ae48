package engine

import (
	"context"
	"strconv"
	"strings"
	"unicode"
)

// CheckOptions configure [Check].
type CheckOptions struct {
	// Resolver, when set, lets Check look host names up ("host not
	// found") and list netgroups (if it implements [NetgroupLister]).
	Resolver Resolver
	// Files gives /path pattern files and banner directories.
	Files Files
	// ImplicitAllow reports hosts.allow rules that grant without an
	// explicit allow option (tcpdchk -a).
	ImplicitAllow bool
	// Paranoid reports host-name patterns when no rule denies PARANOID
	// clients (opt-in: many setups rely on DNS on purpose).
	Paranoid bool
	// NoReach skips the analysis of rules no request can reach (see
	// [Reach]).
	NoReach bool
	// Resident lists daemons that decide more than once per process (a
	// twist there fails); nil means DefaultResident.
	Resident []string
}

// DefaultResident lists daemons known to call libwrap from a long-lived
// process, where twist is refused from the second connection on.
var DefaultResident = []string{"sshd", "sockd", "vsftpd", "proftpd", "rpcbind", "portmap", "xinetd", "stunnel", "exim4", "sendmail"}

// NetgroupLister is implemented by resolvers that know their netgroups:
// whether one has any member, and the host names it names (Reach builds
// requests from them; without them, a rule naming a netgroup is found to
// match no request).
type NetgroupLister interface {
	NetgroupExists(name string) bool
	// NetgroupHosts lists the host names named in group and the groups
	// it includes.
	NetgroupHosts(group string) []string
}

// CheckDocs documents every code Check reports, one line each.
var CheckDocs = map[string]string{
	"missing-newline":        "The last line has no newline: libwrap ignores it (Debian: and treats the table as broken; in hosts.deny every request not matched before is denied).",
	"line-too-long":          "A logical line longer than 2,046 bytes: libwrap ignores it (Debian: and every line after it).",
	"missing-separator":      "No ':' outside brackets: libwrap warns and skips the line.",
	"nul-byte":               "A NUL byte: libwrap drops the rest of the physical line and glues the next one on; later line numbers are off by one.",
	"table-too-large":        "The table is larger than tcpwrap reads (16 MiB): none of it is read or checked, the rules of the other table are not checked against it, and tcpwrap decides nothing with it (libwrap reads it whole).",
	"empty-daemon-list":      "The daemon list is empty or ends in EXCEPT: the rule never matches.",
	"empty-client-list":      "The client list is empty or ends in EXCEPT: the rule never matches.",
	"implicit-allow":         "A hosts.allow rule grants without an explicit allow option (tcpdchk -a).",
	"pattern-begins-at":      "A daemon or user pattern starting with '@' is a literal name, not a netgroup.",
	"pattern-begins-slash":   "A daemon or user pattern starting with '/' is a literal name, not a pattern file.",
	"pattern-begins-dot":     "A daemon or user pattern starting with '.' is a suffix match on names.",
	"pattern-ends-dot":       "A pattern ending in '.' is a prefix match.",
	"fail-keyword":           "FAIL is no longer recognized: use EXCEPT or a deny option.",
	"reserved-word":          "KNOWN, paranoid and LOCAL have special or literal meanings as daemon or user names.",
	"unknown-netgroup":       "The netgroup is unknown or empty: the pattern never matches.",
	"netgroups-disabled":     "The profile's libwrap is built without netgroup support (upstream 7.6's default): an @group pattern never matches, and libwrap warns each time it meets one.",
	"pattern-file-open":      "A /path pattern file exists but cannot be read: libwrap warns and the pattern never matches.",
	"pattern-file-too-large": "A /path pattern file is larger than tcpwrap reads (16 MiB): libwrap would read it whole, so a decision that reaches it is denied with an error rather than guessed.",
	"pattern-file-missing":   "A /path pattern file does not exist: the pattern silently never matches.",
	"bad-netmask":            "Not a valid net/mask pattern: it never matches.",
	"netmask-host-bits":      "An IPv4 net/mask whose network has bits outside the mask never matches (libwrap does not mask the network).",
	"v6-prefix-in-brackets":  "[v6/nn] is not a prefix pattern; write [v6]/nn.",
	"domain-ends-dot":        "A name pattern ending in '.' is a prefix match, not a fully qualified name.",
	"network-begins-dot":     "A numeric pattern starting with '.' is an address suffix.",
	"host-not-found":         "The host name in the pattern does not resolve.",
	"indented-comment":       "'#' is a comment only in column 1: this line is a rule whose first pattern is '#'.",
	"trailing-comment":       "'#' in a list is a pattern, not a comment: the words after it are live patterns.",
	"comment-continued":      "A comment ending in a backslash joins the next line to it: that line is part of the comment.",
	"backslash-blank":        "A backslash followed by blanks or a CR does not continue the line: the next line is read on its own.",
	"unbalanced-brackets":    "An unbalanced '[' or ']' hides every later ':' of the line.",
	"trailing-colon":         "A ':' at the end of a rule is an empty option: libwrap reports an error and denies when the rule matches.",
	"option-error":           "An option libwrap rejects: when the rule matches, libwrap logs an error and denies.",
	"option-redundant":       "allow in hosts.allow and deny in hosts.deny only restate what the table does.",
	"twist-resident":         "twist in a daemon that stays resident is refused from its second connection on.",
	"ids-not-switched":       "Debian's libwrap looks a user or group option's name up but changes no ids (its fix for tcpdmatch's dry run inverted the test): a daemon that counts on the option to drop root keeps running as root.",
	"sockd-option":           "Dante's sockd only makes sense of spawn (and harmless options) in hosts.allow/deny.",
	"attacker-controlled":    "%h, %n and %u in a command carry values the client chooses through DNS or ident.",
	"invisible-character":    "A pattern holds a byte order mark, a zero-width or direction-control character, or a non-ASCII blank: it looks like another pattern but never matches like it.",
	"unknown-expansion":      "A '%' followed by a letter libwrap does not know expands to nothing, with a warning.",
	"dns-fails-open":         "A host-name pattern in hosts.deny does not match when DNS fails: the request is not denied by it.",
	"dns-fails-closed":       "A host-name pattern in hosts.allow does not match when DNS fails: the request is not granted by it.",
	"name-without-paranoid":  "Host-name patterns with no rule denying PARANOID clients: a client whose name does not verify escapes them.",
	"shadowed-rule":          "Every request the rule matches is decided by earlier rules: it never decides anything.",
	"rule-never-matches":     "No request matches the rule at all.",
	"reach-skipped":          "The tables are too large for the reachability analysis (engine.MaxReachRequests, engine.MaxReachWork, engine.MaxPatternFileWords), name a pattern file too large to read, or have daemon@host patterns that read the server's host name under a resolver that cannot list its names (the system's DNS rather than a hosts table).",
	"hosts-bad-address":      "A hosts-table line whose first word is not an IP address: the line is ignored.",
	"hosts-no-name":          "A hosts-table line with an address and no name: the line is ignored.",
	"unreadable-table":       "The table exists but cannot be read: libwrap warns (Debian: an unreadable hosts.deny denies everything hosts.allow does not grant).",
}

type checker struct {
	opts  CheckOptions
	diags Diagnostics
	done  <-chan struct{} // the context's: polled per line and per Reach step
}

// Check reports problems of a pair of tables: everything tcpdchk reports
// about the rules (with tcpdchk's wording) and the traps tcpdchk does not
// see. allow or deny may be nil.
func Check(allow, deny *Table, opts CheckOptions) Diagnostics { return check(nil, allow, deny, opts) }

// CheckContext is [Check] until ctx is done: then it stops and returns no
// diagnostics and an error matching [ErrCanceled]. It looks at ctx at
// every line and every step of the reach analysis.
func CheckContext(ctx context.Context, allow, deny *Table, opts CheckOptions) (diags Diagnostics, err error) {
	defer recoverCanceled(ctx, &err)
	return check(ctx.Done(), allow, deny, opts), nil
}

// check is Check polling done.
func check(done <-chan struct{}, allow, deny *Table, opts CheckOptions) Diagnostics {
	c := &checker{opts: opts, done: done}
	if c.opts.Resident == nil {
		c.opts.Resident = DefaultResident
	}
	for _, t := range []*Table{allow, deny} {
		if t == nil {
			continue
		}
		c.table(t, t == allow)
	}
	// A table too large to read leaves nothing to compare the other
	// one with: its table-too-large error says so.
	if unread := allow != nil && allow.TooLarge || deny != nil && deny.TooLarge; !unread {
		if opts.Paranoid {
			c.paranoid(allow, deny)
		}
		if !opts.NoReach {
			c.reach(allow, deny)
		}
	}
	c.diags.Sort()
	return c.diags
}

func (c *checker) add(t *Table, span Span, sev Severity, code, format string, args ...any) {
	c.diags.add(Diagnostic{File: t.Name, Span: span, Severity: sev, Code: code, Msg: sprintf(format, args...)})
}

func (c *checker) table(t *Table, allow bool) {
	if t.OpenError != "" {
		c.add(t, Span{}, SeverityError, "unreadable-table", "cannot open %s: %s", t.Name, t.OpenError)
	}
	c.diags = append(c.diags, t.Diagnostics...)
	for _, ln := range t.Lines {
		poll(c.done)
		if ln.Kind == LineNoSeparator && (strings.Contains(ln.Text, "[") || strings.Contains(ln.Text, "]")) && strings.Contains(ln.Text, ":") {
			c.add(t, ln.TextSpan, SeverityError, "unbalanced-brackets", "unbalanced brackets hide the ':' separator: the line is skipped")
		}
		c.continued(t, ln)
		c.backslashBlank(t, ln)
		if ln.Kind != LineRule {
			continue
		}
		c.rule(t, ln, allow)
	}
}

// commentAt returns the index in ln's text where a comment starts (0 for
// a comment line, FreeBSD's '#' cut otherwise), or -1.
func commentAt(t *Table, ln *Line) int {
	switch {
	case ln.Kind == LineComment:
		return 0
	case ln.Kind == LineUnterminated:
		return -1
	case t.Profile.hashComments():
		return hashCut(ln.Text)
	}
	return -1
}

// continued reports physical lines a comment swallows: a backslash at the
// end of a comment (or a NUL byte in it) joins the next physical line to
// the comment, rule or not. Joined lines that are blank or comments
// themselves change nothing.
func (c *checker) continued(t *Table, ln *Line) {
	at := commentAt(t, ln)
	if at < 0 {
		return
	}
	for _, k := range ln.conts {
		if k.at <= at {
			continue
		}
		s := strings.TrimLeft(ln.Text[k.at:k.end], " \t\r")
		if s == "" || s[0] == '#' {
			continue
		}
		why := "ends in a backslash"
		if k.afterNUL {
			why = "holds a NUL byte"
		}
		c.add(t, k.span, SeverityWarning, "comment-continued",
			"line %d is part of the comment above it: line %d %s, which joins the next line to it",
			k.span.Start.Line, k.span.Start.Line-1, why)
	}
}

// backslashBlank reports a line whose last byte but blanks is a
// backslash: libwrap joins lines only at a backslash right before the
// newline, so this one ends there (spec F13: backslash, CR, LF).
func (c *checker) backslashBlank(t *Table, ln *Line) {
	if ln.Kind == LineComment || ln.Kind == LineUnterminated || ln.NUL {
		return
	}
	trimmed := strings.TrimRight(ln.Text, " \t\r")
	i := len(trimmed) - 1
	if i < 0 || i == len(ln.Text)-1 || trimmed[i] != '\\' {
		return
	}
	if at := commentAt(t, ln); at >= 0 && at < i {
		return // FreeBSD: the backslash is in a comment
	}
	span := ln.TextSpan
	if n := len(ln.conts); n == 0 || ln.conts[n-1].at <= i {
		// The backslash is on the last physical line, k bytes before its end.
		k, end := len(ln.Text)-i, ln.TextSpan.End
		span.Start = Pos{Offset: end.Offset - k, Line: end.Line, Col: end.Col - k}
	}
	what := "blanks"
	if rest := ln.Text[i+1:]; strings.Trim(rest, "\r") == "" {
		what = "a carriage return"
	} else if strings.Contains(rest, "\r") {
		what = "blanks and a carriage return"
	}
	c.add(t, span, SeverityWarning, "backslash-blank",
		"this backslash is followed by %s, so it does not continue the line: the next line is read on its own", what)
}

func lastIsExcept(l *List) bool {
	return len(l.Tokens) == 0 || l.Tokens[len(l.Tokens)-1].Except
}

func (c *checker) rule(t *Table, ln *Line, allow bool) {
	if strings.HasPrefix(strings.TrimLeft(ln.Text, " \t"), "#") {
		c.add(t, ln.TextSpan, SeverityError, "indented-comment", "an indented '#' does not start a comment: this line is a rule")
	}
	if lastIsExcept(ln.Daemons) {
		c.add(t, ln.Daemons.Span, SeverityWarning, "empty-daemon-list", "daemon list is empty or ends in EXCEPT")
	}
	if lastIsExcept(ln.Clients) {
		c.add(t, ln.Clients.Span, SeverityWarning, "empty-client-list", "client list is empty or ends in EXCEPT")
	}
	for i, tok := range ln.Daemons.Tokens {
		if tok.Except {
			continue
		}
		c.daemonToken(t, tok)
		c.commentToken(t, tok, i, ln)
		c.invisible(t, tok)
	}
	for i, tok := range ln.Clients.Tokens {
		if tok.Except {
			continue
		}
		c.clientToken(t, tok)
		c.commentToken(t, tok, i+len(ln.Daemons.Tokens), ln)
		c.invisible(t, tok)
	}
	c.options(t, ln, allow)
	c.dns(t, ln, allow)
}

// invisible flags a pattern holding a character that does not show, or
// shows as a blank: a byte order mark, a zero-width or direction-control
// character (Unicode Cf), or a space other than the ASCII blank (Zs, such
// as a no-break space). libwrap compares bytes and splits words only at
// ASCII blanks, so "sshd\u200b" or "sshd\u00a0x" is one pattern that
// looks like another and matches nothing it seems to.
func (c *checker) invisible(t *Table, tok *Token) {
	for _, r := range tok.Text {
		if r != ' ' && (unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zs, r)) {
			kind := "an invisible"
			if unicode.Is(unicode.Zs, r) {
				kind = "a non-ASCII blank"
			}
			hex := strings.ToUpper(strconv.FormatInt(int64(r), 16))
			hex = strings.Repeat("0", max(0, 4-len(hex))) + hex
			c.add(t, tok.Span, SeverityWarning, "invisible-character",
				"%q holds %s character, U+%s: libwrap compares bytes, so the pattern is not what it looks like", tok.Text, kind, hex)
			return
		}
	}
}

// commentToken flags a '#' token that is not the first of the line: a
// "trailing comment" that libwrap reads as patterns.
func (c *checker) commentToken(t *Table, tok *Token, index int, ln *Line) {
	if strings.HasPrefix(tok.Text, "#") && index > 0 {
		c.add(t, tok.Span, SeverityError, "trailing-comment", "%q is a pattern, not a comment: the words after it are live patterns", tok.Text)
	}
}

func (c *checker) namePattern(t *Table, tok *Token, text, kind string) {
	switch {
	case strings.HasPrefix(text, "@"):
		c.add(t, tok.Span, SeverityWarning, "pattern-begins-at", "%s: %s name begins with \"@\"", text, kind)
	case strings.HasPrefix(text, "/"):
		c.add(t, tok.Span, SeverityWarning, "pattern-begins-slash", "%s: %s name begins with \"/\"", text, kind)
	case strings.HasPrefix(text, "."):
		c.add(t, tok.Span, SeverityWarning, "pattern-begins-dot", "%s: %s name begins with dot", text, kind)
	case strings.HasSuffix(text, "."):
		c.add(t, tok.Span, SeverityWarning, "pattern-ends-dot", "%s: %s name ends in dot", text, kind)
	case asciiEqualFold(text, "FAIL"):
		c.add(t, tok.Span, SeverityWarning, "fail-keyword", "FAIL is no longer recognized (use EXCEPT or DENY instead)")
	case kind == "daemon" && (asciiEqualFold(text, "KNOWN") || asciiEqualFold(text, "paranoid") || asciiEqualFold(text, "LOCAL")),
		kind == "user" && (asciiEqualFold(text, "paranoid") || asciiEqualFold(text, "LOCAL")):
		c.add(t, tok.Span, SeverityWarning, "reserved-word", "%s: %s name may be reserved word", text, kind)
	}
}

func (c *checker) daemonToken(t *Table, tok *Token) {
	name := tok.Text
	host := ""
	if i := atSplit(tok.Text, t.Profile); i >= 0 {
		name, host = tok.Text[:i], tok.Text[i+1:]
	}
	c.namePattern(t, tok, name, "daemon")
	if tok.pat.daemon.hasHost {
		c.hostPattern(t, tok, host)
	}
}

func (c *checker) clientToken(t *Table, tok *Token) {
	host := tok.Text
	if i := atSplit(tok.Text, t.Profile); i >= 0 {
		c.namePattern(t, tok, tok.Text[:i], "user")
		host = tok.Text[i+1:]
	}
	c.hostPattern(t, tok, host)
}

func (c *checker) hostPattern(t *Table, tok *Token, text string) {
	if strings.HasPrefix(text, "#") {
		return // reported as a comment that is not one
	}
	hp := compileHost(text, t.Profile)
	switch hp.kind {
	case hostNetgroup:
		if !t.Profile.netgroups() {
			c.add(t, tok.Span, SeverityWarning, "netgroups-disabled",
				"%s: this build has no netgroup support: the pattern never matches, and every evaluation of it logs \"netgroup support is disabled\"", text)
			return
		}
		if l, ok := c.opts.Resolver.(NetgroupLister); ok && !l.NetgroupExists(text[1:]) {
			c.add(t, tok.Span, SeverityWarning, "unknown-netgroup", "%s: unknown or empty netgroup", text[1:])
		}
		return
	case hostFile:
		if c.opts.Files == nil {
			return
		}
		if _, err := c.opts.Files.ReadFile(text); err != nil {
			switch {
			case isNotExist(err):
				c.add(t, tok.Span, SeverityInfo, "pattern-file-missing", "%s does not exist: the pattern never matches", text)
			case isTooLarge(err):
				c.add(t, tok.Span, SeverityError, "pattern-file-too-large", "%s: %s: a decision that reads it is denied with an error", text, strerror(err))
			default:
				c.add(t, tok.Span, SeverityWarning, "pattern-file-open", "open %s: %s", text, strerror(err))
			}
		}
		return
	case hostKnown, hostLocal:
		return
	case hostNetmask:
		if !hp.v4ok && !hp.v6ok {
			c.add(t, tok.Span, SeverityError, "bad-netmask", "%s/%s: bad net/mask pattern", hp.netText, hp.maskText)
		} else if hp.v4ok && hp.net4&^hp.mask4 != 0 {
			c.add(t, tok.Span, SeverityError, "netmask-host-bits", "%s/%s: the network has bits outside the mask, so the pattern never matches", hp.netText, hp.maskText)
		}
		return
	}
	if asciiEqualFold(text, "FAIL") {
		c.add(t, tok.Span, SeverityWarning, "fail-keyword", "FAIL is no longer recognized (use EXCEPT or DENY instead)")
		return
	}
	if strings.HasPrefix(text, "[") && strings.Contains(text, "/") && strings.HasSuffix(text, "]") {
		c.add(t, tok.Span, SeverityError, "v6-prefix-in-brackets", "%s is not a prefix pattern: write [address]/length", text)
		return
	}
	if strings.Count(text, "[") != strings.Count(text, "]") {
		c.add(t, tok.Span, SeverityWarning, "unbalanced-brackets", "%s: unbalanced brackets change where libwrap splits the line", text)
	}
	if hp.sp.kind == strBracket {
		if !hp.sp.v6ok {
			c.add(t, tok.Span, SeverityError, "bad-netmask", "%s: not an IPv6 address: the pattern never matches", text)
		}
		return
	}
	switch hp.sp.kind {
	case strAll, strKnown:
		return
	}
	if asciiEqualFold(text, unknown) || asciiEqualFold(text, paranoid) {
		return
	}
	if notInaddr(text) {
		if strings.HasSuffix(text, ".") {
			c.add(t, tok.Span, SeverityWarning, "domain-ends-dot", "%s: domain or host name ends in dot", text)
			return
		}
		if !strings.HasPrefix(text, ".") && hp.sp.kind == strExact && c.opts.Resolver != nil {
			_, a4, ok4 := c.opts.Resolver.LookupHost(text, false)
			_, a6, ok6 := c.opts.Resolver.LookupHost(text, true)
			if !ok4 && !ok6 && len(a4)+len(a6) == 0 {
				c.add(t, tok.Span, SeverityWarning, "host-not-found", "%s: host not found", text)
			}
		}
		return
	}
	if strings.HasPrefix(text, ".") {
		c.add(t, tok.Span, SeverityInfo, "network-begins-dot", "%s: network number begins with dot", text)
	}
}

// options dry-runs the options of a rule the way tcpdchk does, without a
// request, and checks where they stand.
func (c *checker) options(t *Table, ln *Line, allow bool) {
	if ln.Third == nil {
		if allow && c.opts.ImplicitAllow {
			c.add(t, ln.TextSpan, SeverityInfo, "implicit-allow", "implicit \"allow\" at end of rule")
		}
		return
	}
	if !t.Profile.options() {
		c.expansions(t, ln.Third.Span, "shell", ln.Third.Text, ln.Third.pcts, true)
		return
	}
	jumped := false
	for i, f := range ln.Options {
		last := i+1 == len(ln.Options)
		if f.Name == "" {
			code, msg := "option-error", "missing option name"
			if last && chop(f.Raw) == "" {
				code, msg = "trailing-colon", "a ':' at the end of the rule is an empty option: libwrap denies when the rule matches"
			}
			c.add(t, f.Span, SeverityError, code, "%s", msg)
			return
		}
		op := lookupOption(t.Profile, f.Name)
		if op == nil {
			c.add(t, f.Span, SeverityError, "option-error", "bad option name: \"%s\"", f.Name)
			return
		}
		switch {
		case f.Value == nil && op.flags&optNeedArg != 0:
			c.add(t, f.Span, SeverityError, "option-error", "option \"%s\" requires value", f.Name)
			return
		case f.Value != nil && op.flags&(optNeedArg|optOptArg) == 0:
			c.add(t, f.Span, SeverityError, "option-error", "option \"%s\" requires no value", f.Name)
			return
		case !last && op.flags&optLast != 0:
			c.add(t, f.Span, SeverityError, "option-error", "option \"%s\" must be at end", f.Name)
			return
		}
		if msg := c.optionValue(op.name, f.Value, t.Profile); msg != "" {
			c.add(t, f.Span, SeverityError, "option-error", "%s", msg)
			return
		}
		name := strings.ToLower(op.name)
		switch name {
		case "allow", "deny", "twist":
			jumped = true
		}
		if (name == "allow" && allow) || (name == "deny" && !allow) {
			c.add(t, f.Span, SeverityInfo, "option-redundant", "%s in %s restates what the table does", name, t.Name)
		}
		if op.flags&optExpand != 0 && f.Value != nil {
			c.expansions(t, f.Span, name, *f.Value, f.pcts, name != "setenv")
		}
		if name == "twist" {
			for _, d := range ln.Daemons.Tokens {
				if !d.Except && d.Depth == 0 && c.resident(d.Text) {
					c.add(t, f.Span, SeverityWarning, "twist-resident", "twist for %s: a resident daemon refuses twist from its second connection on", d.Text)
				}
			}
		}
		if (name == "user" || name == "group") && !t.Profile.SwitchesIDs() {
			c.add(t, f.Span, SeverityWarning, "ids-not-switched", "%s %s: Debian's libwrap looks the name up but never switches to it: the daemon keeps its own ids", name, *f.Value)
		}
		if name != "spawn" && name != "severity" && name != "setenv" && name != "nice" && name != "umask" {
			for _, d := range ln.Daemons.Tokens {
				if !d.Except && asciiEqualFold(d.Text, "sockd") {
					c.add(t, f.Span, SeverityWarning, "sockd-option", "%s for sockd: Dante only makes sense of spawn", name)
				}
			}
		}
	}
	if allow && c.opts.ImplicitAllow && !jumped {
		c.add(t, ln.TextSpan, SeverityInfo, "implicit-allow", "implicit \"allow\" at end of rule")
	}
}

// expansions checks the %-sequences of v, the value of the option called
// name (or, without options, the shell command): a letter libwrap does not
// know, and, in a command, the values the client chooses. pcts are the
// sequences' own spans in the source (percentSpans): each unknown
// sequence is reported where it is, every time it appears, as libwrap
// warns at each expansion, so that an editor can mark exactly the
// sequences the checker reports.
func (c *checker) expansions(t *Table, span Span, name, v string, pcts []Span, command bool) {
	var client [3]bool // %h, %n, %u
	k := 0             // the sequence's index in pcts
	percentCodes(v, func(ch byte) {
		switch {
		case !knownPercent(ch, t.Profile):
			at := span
			if k < len(pcts) {
				at = pcts[k]
			}
			seq := strconv.Quote("%" + string([]byte{ch}))
			c.add(t, at, SeverityWarning, "unknown-expansion", "%s in %s: libwrap knows no such sequence; it warns \"unrecognized\" and expands it to nothing", seq, name)
		case ch == 'h':
			client[0] = true
		case ch == 'n':
			client[1] = true
		case ch == 'u':
			client[2] = true
		}
		k++
	})
	if !command {
		return
	}
	for i, seq := range []string{"%h", "%n", "%u"} {
		if client[i] {
			c.add(t, span, SeverityWarning, "attacker-controlled", "%s in a %s command: the client chooses its value (DNS or ident); libwrap replaces unsafe characters, but not every meaning", seq, name)
		}
	}
}

func (c *checker) resident(daemon string) bool {
	for _, r := range c.opts.Resident {
		if asciiEqualFold(r, daemon) {
			return true
		}
	}
	return false
}

// optionValue checks an option's value as the option itself would,
// returning libwrap's error text.
func (c *checker) optionValue(name string, v *string, p Profile) string {
	st := &evalState{prof: p, res: c.opts.Resolver, d: &Decision{}}
	if st.res == nil {
		st.res = emptyResolver{}
	}
	msg := ""
	func() {
		defer func() {
			if e := recover(); e != nil {
				if _, ok := e.(jump); !ok {
					panic(e)
				}
				if n := len(st.d.Warnings); n > 0 {
					msg = strings.TrimPrefix(st.d.Warnings[n-1], "error: ")
				}
			}
		}()
		switch strings.ToLower(name) {
		case "user":
			st.userOption(v, false)
		case "group":
			st.groupOption(v, false)
		case "umask":
			st.umaskOption(v, false)
		case "linger":
			st.lingerOption(v, false)
		case "nice":
			st.niceOption(v, false)
		case "rfc931":
			st.rfc931Option(v, false)
		case "severity":
			st.severityOption(v, false)
		}
	}()
	return msg
}

// namePattern reports whether a client token compares host names (and so
// depends on DNS): an exact, suffix, prefix or wildcard host pattern with
// a character other than digits and dots, not a sentinel word.
func namePattern(tok *Token) bool {
	hp := tok.pat.client.host
	if hp.kind != hostString || !hp.nameToo || strings.HasPrefix(tok.Text, "#") {
		return false
	}
	switch hp.sp.kind {
	case strExact, strSuffix, strPrefix, strWild:
		return !asciiEqualFold(hp.text, unknown) && !asciiEqualFold(hp.text, paranoid)
	}
	return false
}

// dns reports host-name patterns whose result depends on DNS working.
func (c *checker) dns(t *Table, ln *Line, allow bool) {
	for _, tok := range ln.Clients.Tokens {
		if tok.Except || tok.Depth > 0 {
			continue
		}
		if namePattern(tok) {
			if allow {
				c.add(t, tok.Span, SeverityInfo, "dns-fails-closed", "%s matches a host name: when DNS fails, this rule does not grant", tok.Text)
			} else {
				c.add(t, tok.Span, SeverityWarning, "dns-fails-open", "%s matches a host name: when DNS fails, this rule does not deny", tok.Text)
			}
		}
	}
}

// paranoid reports host-name patterns when no rule denies PARANOID
// clients: a client whose name does not verify is nameless to every name
// pattern, so it escapes name-based denials and EXCEPT clauses.
func (c *checker) paranoid(allow, deny *Table) {
	guard := false
	for _, t := range []*Table{allow, deny} {
		if t == nil {
			continue
		}
		for _, ln := range t.Lines {
			if ln.Kind != LineRule {
				continue
			}
			denies := t == deny
			for _, f := range ln.Options {
				if asciiEqualFold(f.Name, "deny") {
					denies = true
				}
			}
			for _, tok := range ln.Clients.Tokens {
				if denies && tok.Depth == 0 && asciiEqualFold(tok.Text, paranoid) {
					guard = true
				}
			}
		}
	}
	if guard {
		return
	}
	for _, t := range []*Table{allow, deny} {
		if t == nil {
			continue
		}
		for _, ln := range t.Lines {
			if ln.Kind != LineRule {
				continue
			}
			for _, tok := range ln.Clients.Tokens {
				if tok.Except {
					continue
				}
				if namePattern(tok) {
					c.add(t, tok.Span, SeverityInfo, "name-without-paranoid",
						"%s matches host names, and no rule denies PARANOID clients: a client whose name does not verify escapes name patterns", tok.Text)
				}
			}
		}
	}
}

// reach reports rules that no request can reach.
func (c *checker) reach(allow, deny *Table) {
	p := &Policy{Allow: allow, Deny: deny, Resolver: c.opts.Resolver, Files: c.opts.Files}
	rules, _, ok := reach(p, c.done, MaxReachWork)
	if !ok {
		t := allow
		if t == nil {
			t = deny
		}
		switch {
		case t == nil:
		case unlistedServerNames(p):
			c.add(t, Span{}, SeverityInfo, "reach-skipped",
				"daemon@host patterns read the server's host name, and the resolver cannot list the names it gives addresses (a hosts table can): rules no request reaches were not looked for")
		default:
			c.add(t, Span{}, SeverityInfo, "reach-skipped",
				"tables too large to look for rules no request reaches (over %d representatives, %d steps, or %d pattern-file words)",
				MaxReachRequests, MaxReachWork, MaxPatternFileWords)
		}
		return
	}
	for _, r := range rules {
		t := deny
		if allow != nil && r.Rule.File == allow.Name {
			t = allow
		}
		switch {
		case r.Never:
			c.add(t, r.Rule.Span, SeverityWarning, "rule-never-matches", "no request matches this rule")
		case r.Witness == nil:
			var by []string
			for _, b := range r.ShadowedBy {
				by = append(by, sprintf("%s:%d", b.File, b.Line))
			}
			c.add(t, r.Rule.Span, SeverityWarning, "shadowed-rule", "this rule never decides: every request it matches is decided before by %s", strings.Join(by, ", "))
		}
	}
}
