// Package optionhunt generates the family of rules that the option hunts
// of e2e/difftest, e2e/tcpdmatchdiff and e2e/tcpdchkdiff compare with
// Debian's libwrap, tcpdmatch and tcpdchk: the third and later fields of
// a rule (hosts_options(5)) written every which way. Keyword case and
// spelling, "=" and blanks between keyword and value, empty fields,
// allow and deny not last, backslashes and escaped colons, %-sequences
// in every option that expands them, each option's argument checks,
// continuations and over-long lines, and seeded random combinations.
//
// Options and Random are option texts, which the hunts put after rule
// heads of their own (every hunt's head matches its requests); Lines are
// whole table lines. Names used by the user and group options are
// those of the harness' default passwd and group tables that every
// Debian system also has (root, daemon, bin, sys, nobody; root, adm,
// nogroup), or names no system has. No rule uses %p (the pid differs).
package optionhunt

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tcpwrap/tcpwrap/e2e/realhunt"
)

// Hosts is the hosts table the hunts use: the client 10.0.0.1 and the
// server 127.1.0.1 have names, multi.example.com two addresses.
const Hosts = "10.0.0.1 good.example.com good\n127.1.0.1 lo1.example.com\n" +
	"10.0.0.11 multi.example.com\n10.0.0.12 multi.example.com\n"

// Files are the extra files of every case: banner directories with
// banners for sshd (odd bytes, long lines, %-sequences, an expansion
// that overflows), a plain file named like a directory, an empty banner
// directory, one whose sshd is a directory, one for another daemon; and
// banners for tcpdchk's stand-in daemon, daemon_name.
func Files() map[string]string {
	x := func(n int) string { return strings.Repeat("x", n) }
	return map[string]string{
		"ban/sshd":    "Hello %d from %h [%a]\\\nsecond line %%\n",
		"plain":       "not a directory\n",
		"empty/.keep": "",
		"pct%d/sshd":  "literal %%d directory\n",
		"ban:x/sshd":  "escaped colon directory\n",
		// fgets reads at most 8,190 bytes of a line at a time
		"long/sshd": x(8188) + "\n" + x(8189) + "\n" + x(8190) + "\n" + x(8191) + "\n" + x(8189) + "%d\n" + x(8188) + "[\n",
		// an expansion longer than the 16 KiB output buffer
		"over/sshd":      "first\n" + strings.Repeat("%h", 4100) + "\nnever\n",
		"crlf/sshd":      "a %d\r\nb\r\n\r\n",
		"nonl/sshd":      "no newline %d",
		"pct/sshd":       "%a %A %c %d %h %H %n %N %s %u %r %R %z %% %\n%\n% \n%%%\n",
		"nul/sshd":       "\x00\x00\x00x\x00y\n\x00\nz %d\n",
		"bin/sshd":       "\x80\xff\xe9 %d \x01\x7f\n",
		"dir/sshd/.keep": "",
		// tcpdchk's stand-in daemon
		"ban/daemon_name":  "checked %d %h %u\n",
		"over/daemon_name": "first\n" + strings.Repeat("%h", 4100) + "\nnever\n",
		"pct/daemon_name":  "%a %A %c %d %h %H %n %N %s %u %r %R %z %% %\n",
		"only/other":       "another daemon's banner\n",
	}
}

// Options are the option texts of the family: what follows "ALL: ALL:"
// on a rule's line.
func Options() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s ...string) {
		for _, o := range s {
			if !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
	}

	// One option with one good value each, for the spellings below.
	base := []struct{ kw, val string }{
		{"allow", ""}, {"deny", ""}, {"keepalive", ""}, {"spawn", "echo %d"}, {"twist", "echo %h"},
		{"aclexec", "echo %a"}, {"setenv", "FOO bar"}, {"banners", "{DIR}/ban"}, {"user", "nobody"},
		{"group", "nogroup"}, {"umask", "022"}, {"nice", "5"}, {"linger", "5"}, {"rfc931", "5"},
		{"severity", "auth.info"}, {"rfc931", ""}, {"nice", ""},
	}
	// Keyword case and spelling.
	for _, b := range base {
		for _, kw := range []string{b.kw, strings.ToUpper(b.kw), strings.ToUpper(b.kw[:1]) + b.kw[1:],
			b.kw + "x", b.kw[:len(b.kw)-1]} {
			if b.val == "" {
				add(kw)
			} else {
				add(kw + " " + b.val)
			}
		}
	}
	add("bogus", "bogus value", "rfc1413", "rfc1413 5", "ALLOWED", "spawn2 echo", "allow-x", "-allow", "=allow",
		"= allow", "=", "==", "= =", "x=y", "allow allow", "allow\\", "\\allow", "al\\low", "all\\ow\\: x")
	// Blanks and '=' between keyword and value, around the field.
	seps := []string{" ", "  ", "\t", " \t ", "=", " =", "= ", " = ", "\t=\t", "==", " = = ", "=\t", " =  =", "\v", "\f", " \v", "\r"}
	for _, b := range base {
		for _, sep := range seps {
			add(b.kw + sep + b.val)
		}
		for _, tail := range []string{" ", "\t", "  \t ", "\v", "\f", "\r", " \r"} {
			if b.val == "" {
				add(b.kw + tail)
			} else {
				add(b.kw + " " + b.val + tail)
			}
			add(tail + b.kw + " " + b.val)
		}
	}
	// Values where none is wanted, none where one is needed.
	for _, kw := range []string{"allow", "deny", "keepalive", "ALLOW", "Deny"} {
		add(kw+" x", kw+"=x", kw+" =", kw+"=", kw+" = ", kw+" 0", kw+" \\:")
	}
	for _, kw := range []string{"spawn", "twist", "aclexec", "setenv", "banners", "user", "group", "umask",
		"linger", "severity", "Spawn", "SETENV"} {
		add(kw, kw+" ", kw+"=", kw+" = ", kw+"\t")
	}
	// Empty fields, allow and deny not last, several of them.
	add("", " ", "\t", ": allow", " : allow", "allow :", "allow : ", "allow :: deny", "spawn echo a : : allow",
		"spawn echo a :: allow", "allow : deny", "deny : allow", "allow : allow", "deny : deny",
		"allow : spawn echo x", "deny : spawn echo x", "twist echo x : allow", "twist echo x : spawn echo y",
		"twist echo x : twist echo y", "spawn echo x : twist echo y", "spawn echo x : allow : deny",
		"spawn echo a : spawn echo b : deny", "ALLOW : DENY", "Deny", "keepalive : allow", "allow: ",
		"allow :\t", "deny :\v", "allow:", "deny : ", "spawn echo x :", "spawn echo x : ", "nice : nice 3 : nice -3",
		"severity auth.info : severity mail.err", "severity auth.info : deny", "severity local0.notice : allow",
		"setenv A 1 : setenv A 2 : setenv B", "setenv A 1 : setenv B %d : spawn echo %d", "rfc931 : rfc931 5 : allow",
		"user nobody : group nogroup : allow", "umask 022 : umask 077", "linger 1 : linger 0 : keepalive",
		"aclexec /bin/false : allow", "aclexec /bin/false : deny", "aclexec /bin/false", "aclexec false x",
		"aclexec /bin/false : spawn echo after", "aclexec echo ok : aclexec /bin/false", "aclexec /bin/false : aclexec echo ok",
		"aclexec /bin/false : twist echo t", "banners {DIR}/ban : banners {DIR}/ban", "banners {DIR}/ban : deny",
		"bogus : allow", "allow : bogus", "umask 99 : allow", "spawn echo %z : allow", "twist echo %z",
		"user nosuch : allow", "severity bogus : spawn echo never")
	// Backslashes and escaped colons.
	for _, v := range []string{"a\\:b", "a\\\\:b", "a\\b", "a\\", "\\:", "\\", "a \\: b", "a\\:\\:b", "\\\\", "a\\\\\\:b",
		"\\a", "a\\ b", "a\\tb", "a\\%d", "%\\:", "a\\:%d"} {
		add("spawn echo "+v, "twist echo "+v, "setenv X "+v, "aclexec echo "+v, "spawn echo "+v+" : allow", "spawn echo "+v+" : deny")
	}
	add("setenv X\\:Y v", "setenv \\:X v", "user nobody\\:x", "group nogroup\\:x", "umask 02\\:2", "severity auth\\:info",
		"banners {DIR}/ban\\:x", "banners {DIR}/ban\\", "spawn\\: echo", "allow\\:", "deny\\: x", "sp\\:awn echo")
	// %-sequences, everywhere they are expanded (and where they are not).
	pcts := []string{"%a", "%A", "%c", "%d", "%h", "%H", "%n", "%N", "%s", "%u", "%%", "%", "x%", "%r", "%R", "%z",
		"%Z", "%1", "%-", "% ", "%\t", "%:", "%%%", "%%d", "%=", "%.", "%/", "%@", "%,", "%\\", "%a%A%c%d%h%H%n%N%s%u",
		"100%", "%x%y", "%v"}
	for _, p := range pcts {
		add("spawn echo "+p, "twist echo "+p, "setenv V "+p, "setenv "+p+" v", "aclexec echo "+p)
	}
	for _, p := range []string{"%d", "%%", "%z", "%"} {
		add("banners {DIR}/pct"+p, "user "+p, "group "+p, "umask "+p, "nice "+p, "linger "+p, "rfc931 "+p,
			"severity "+p, "banners {DIR}/"+p)
	}
	// Characters an expansion replaces (everything but letters, digits
	// and "!@%-_=+:,./"): in the text itself they stay.
	for _, c := range []string{";", "`", "$", "|", "&", "<", ">", "'", "\"", "(", ")", "*", "?", "[", "]", "{", "}",
		"~", "#", "^", "\x01", "\x7f", "\xe9", "\t", "\v"} {
		add("spawn echo a"+c+"b %d", "setenv V a"+c+"b", "setenv V"+c+"W x")
	}
	// Each option's argument checks.
	for _, v := range []string{"auth.info", "AUTH.INFO", "Auth.Info", "info", "INFO", "warn", "warning", "error", "err",
		"panic", "emerg", "debug", "none", "authpriv.info", "security.info", "local0.debug", "local7.emerg",
		"local8.info", "mail.notice", "kern.emerg", "user.alert", "daemon.crit", "lpr.err", "news.info",
		"uucp.info", "cron.info", "syslog.info", "ftp.info", "4", "13", "0", "auth.4", "38.info", "auth.", ".info",
		".", "auth..info", "auth.info.x", "auth info", "auth.info x", "auth .info", " auth.info", "auth.bogus",
		"bogus.info", "bogus", "-1", "local0.notice ", "\tinfo", "info\\"} {
		add("severity " + v)
	}
	for _, v := range []string{"022", "0", "00", "777", "0777", "1000", "0400", "7777", "08", "9", "22x", "x", "-1",
		"+22", "-0", " 022", "0x12", "00000000000000022", "4294967296", "4294967295", "37777777777",
		"40000000000", "99999999999", "1e3", "022 ", "0 22", "02\t2", "", "0777777777777777777777"} {
		add("umask " + v)
	}
	for _, v := range []string{"5", "-5", "+5", "0", "-0", "19", "20", "-20", "-21", "100", "x", "5x", "x5", "5 ",
		" 5", "5 6", "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296", "99999999999999999999",
		"0x10", "010", "--5", "+-5", "-", "+", "5.0"} {
		add("nice "+v, "linger "+v, "rfc931 "+v)
	}
	for _, v := range []string{"root", "nobody", "daemon", "bin", "sys", "nosuch", "0", "65534", "Root", "NOBODY",
		"root.root", "nobody.nogroup", "nobody.adm", "nobody.nosuch", "nosuch.nogroup", "nosuch.nosuch",
		"nobody.", ".nogroup", ".", "..", "nobody..nogroup", "nobody.nogroup.x", "nobody.0", "nobody.65534",
		"nobody nogroup", "nobody:nogroup", "nobody\\:nogroup", "nobody,nogroup", "nobody.nogroup ", "root.adm",
		"daemon.daemon", " root", "bin.sys"} {
		add("user " + v)
	}
	for _, v := range []string{"root", "nogroup", "adm", "daemon", "sys", "nosuch", "0", "65534", "Root",
		"nogroup.x", "nogroup x", ".", "nogroup.", ".nogroup"} {
		add("group " + v)
	}
	for _, v := range []string{"FOO bar", "FOO", "FOO ", "FOO  bar  baz ", "FOO\tbar", "FOO\t\tbar", "FOO=bar",
		"FOO=bar baz", "=FOO bar", "FOO= bar", "FOO =bar", "FOO = bar", "F-O bar", "F.O bar", "1FOO bar",
		"FOO bar=baz", "FOO \"bar baz\"", "FOO %d", "%d %h", "%d", "%u", "%d=%h x", "FOO\vbar", "FOO\fbar",
		"FOO\rbar", "PATH /x", "HOME", "TZ UTC", "LD_PRELOAD /x.so", "FOO %%", "FOO %", "FOO\\ bar", "FOO \\:bar"} {
		add("setenv " + v)
	}
	for _, v := range []string{"{DIR}/ban", "{DIR}/ban/", "{DIR}/ban//", "{DIR}//ban", "{DIR}/nosuch", "{DIR}/nosuch/",
		"{DIR}/plain", "{DIR}/plain/", "{DIR}/empty", "{DIR}/empty/", "{DIR}", "{DIR}/", "/", "relative",
		"ban", "{DIR}/ban x", "{DIR}/ban\t", "{DIR}/BAN", "{DIR}/ban/sshd", "{DIR}/nosuch/deeper", "/nonexistent",
		"{DIR}/ban :", "{DIR}/ban : allow", "{DIR}/long", "{DIR}/over", "{DIR}/over : allow", "{DIR}/crlf",
		"{DIR}/nonl", "{DIR}/pct", "{DIR}/nul", "{DIR}/bin", "{DIR}/dir", "{DIR}/only", "{DIR}/ban/.",
		"{DIR}/./ban", "{DIR}/only/../ban", "{DIR}/plain/../ban", "{DIR}/ban : banners {DIR}/pct",
		"{DIR}/ban : banners {DIR}/over : deny"} {
		add("banners " + v)
	}
	for _, v := range []string{"echo x", "echo", "/bin/echo x y z", "echo 'a b' \"c d\"", "(echo x) &", "echo x | cat",
		"echo x; echo y", "echo $HOME", "echo `id`", "echo x > /dev/null", "echo %d %h %a %u %c %s %n %H %A %N",
		"  echo   spaced  ", "echo\ttab", "echo x\\", "echo \\\\", "echo ~", "echo #x", "exec /bin/true"} {
		add("spawn "+v, "twist "+v, "aclexec "+v)
	}
	for _, v := range []string{"/bin/false", "false", "/usr/bin/false x", "FALSE", "/bin/true", "false%d", "%d false",
		"  false", "/bin/false : allow", "/bin/false : deny"} {
		add("aclexec " + v)
	}
	for _, v := range []string{"keepalive", "keepalive x", "keepalive=", "keepalive : keepalive", "linger 0 : keepalive"} {
		add(v)
	}
	return out
}

// Lines are rules beyond one ordinary line: continuations inside and
// between options, and lines near and past libwrap's 2,047-byte buffer
// (a logical line longer than the buffer is cut, the rest read as a new
// line). Some end the process (Ends).
func Lines() []string {
	long := func(n int) string { return strings.Repeat("x", n) }
	out := []string{
		"ALL: ALL: spawn echo a \\\n b\n",
		"ALL: ALL: spawn echo a\\\nb : allow\n",
		"ALL: ALL: spa\\\nwn echo x\n",
		"ALL: ALL: spawn echo x \\\n: allow\n",
		"ALL: ALL: spawn echo x :\\\n allow\n",
		"ALL: ALL: \\\nallow\n",
		"ALL: ALL: allow \\\n\n",
		"ALL: ALL: allow\\\n",
		"ALL: ALL: deny \\\n: spawn echo x\n",
		"ALL: ALL: setenv A \\\n B\n",
		"ALL: ALL: spawn echo a\\\\\nALL: ALL: spawn echo next\n",
		"ALL: ALL: spawn echo a\\\\\\\nb\n",
		"ALL: ALL: spawn echo a\\\r\nb\n",
		"ALL: ALL: spawn echo a \\\\\n",
		"ALL: ALL: severity \\\nauth.info\n",
		"ALL: ALL: twist echo \\\n\\\n x\n",
	}
	for _, n := range []int{1000, 2000, 2020, 2025, 2026, 2027, 2028, 2030, 2040, 2100, 4000, 8200, 8300} {
		out = append(out, "ALL: ALL: spawn echo "+long(n)+"\n",
			"ALL: ALL: spawn echo "+long(n)+" : deny\n",
			"ALL: ALL: spawn echo "+long(n)+" %d : allow\n")
	}
	for _, n := range []int{2000, 2026, 2030} {
		out = append(out, "ALL: ALL: spawn echo "+long(n/2)+" \\\n"+long(n/2)+" : allow\n",
			fmt.Sprintf("ALL: ALL: setenv V %s : deny\n", long(n)),
			fmt.Sprintf("ALL: ALL: %s : allow\n", strings.Repeat("keepalive : ", n/12)),
			fmt.Sprintf("ALL: ALL: spawn echo %s\n", strings.Repeat("%d", n/2)),
			fmt.Sprintf("ALL: ALL: spawn echo %s\n", strings.Repeat("%h", n/2)))
	}
	return out
}

// Rules are the whole family as table lines: every option text of
// Options on its own line, then Lines.
func Rules() []string {
	var out []string
	for _, o := range Options() {
		out = append(out, "ALL: ALL: "+o+"\n")
	}
	return append(out, Lines()...)
}

// Random returns n option texts drawn from seed: one to four fields,
// each a keyword of the table (or a near miss) in a random case, joined
// to a value of its kind (or of another kind) by one of the separators,
// with backslashes, escaped colons, %-sequences and odd bytes inserted
// at random places, the fields joined by colons with blanks or none,
// now and then an empty one.
func Random(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, 0x0971))
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	keywords := []string{"allow", "deny", "keepalive", "spawn", "twist", "aclexec", "setenv", "banners", "user",
		"group", "umask", "nice", "linger", "rfc931", "severity"}
	values := map[string][]string{
		"spawn":    {"echo %d %h", "echo x", "echo %", "echo a\\:b", "/nonexistent/false", "echo %u@%c", "echo %z%%"},
		"setenv":   {"FOO bar", "FOO", "A=B c", "%d %h", "X %u", "=x y", "FOO\tbar baz"},
		"banners":  {"{DIR}/ban", "{DIR}/nosuch", "{DIR}/plain", "{DIR}/empty", "ban", "{DIR}/pct%d"},
		"user":     {"nobody", "root", "nobody.nogroup", "nosuch", "nobody.nosuch", "0", "[nobody].x"},
		"group":    {"nogroup", "root", "nosuch", "adm", "0"},
		"umask":    {"022", "077", "0", "08", "1000", "-1", "+7", "7x"},
		"nice":     {"5", "-5", "+3", "x", "2147483648", "0"},
		"linger":   {"0", "5", "-1", "x", "4294967306"},
		"rfc931":   {"1", "0", "-1", "5x", "30"},
		"severity": {"auth.info", "info", "warn", "local0.notice", "bogus", "mail.err.x", "3", "AUTH.CRIT"},
	}
	values["twist"] = values["spawn"]
	values["aclexec"] = append([]string{"/nonexistent/false", "false %d", "true"}, values["spawn"]...)
	seps := []string{" ", " ", " ", "=", " = ", "\t", "  ", "= ", " =", "==", "\v", "\r", "\t=\t"}
	junk := []string{"\\", "\\:", ":", "%", "%d", "%z", "%%", " ", "\t", "\r", "\v", "\f", "=", "[", "]", ".", "\xe9",
		"\x01", ";", "'", "\"", "$", "\\\\", "%\\:", "#"}
	field := func() string {
		kw := pick(keywords)
		if r.IntN(12) == 0 {
			kw = pick([]string{"bogus", "rfc1413", kw + "s", kw[1:], "ALL", "except"})
		}
		switch r.IntN(6) {
		case 0:
			kw = strings.ToUpper(kw)
		case 1:
			kw = strings.ToUpper(kw[:1]) + kw[1:]
		}
		f := kw
		vals := values[strings.ToLower(kw)]
		if r.IntN(8) == 0 || len(vals) == 0 && r.IntN(4) == 0 {
			vals = values[pick(keywords[3:])]
		}
		if len(vals) > 0 && r.IntN(10) != 0 {
			f += pick(seps) + pick(vals)
		}
		for k := r.IntN(3); k > 0; k-- {
			at := r.IntN(len(f) + 1)
			if d := strings.Index(f, "{DIR}"); d >= 0 && at >= d && at < d+len("{DIR}") {
				// not in or just before the placeholder: a '%' there
				// would expand the case directory's first byte
				continue
			}
			f = f[:at] + pick(junk) + f[at:]
		}
		if r.IntN(5) == 0 {
			f = pick([]string{" ", "\t", "  ", "\r", "\v"}) + f
		}
		if r.IntN(5) == 0 {
			f += pick([]string{" ", "\t", "  ", "\r", "\v", "\f"})
		}
		// A '%' put before a 'p' ("{DIR}/pct%d", "spawn") makes a %p,
		// which the hunts cannot compare (the pid differs): "%%" then.
		return realhunt.NoPID(f)
	}
	out := make([]string, 0, n)
	for len(out) < n {
		var fs []string
		for k := 1 + r.IntN(4); k > 0; k-- {
			if r.IntN(20) == 0 {
				fs = append(fs, pick([]string{"", " ", "\t"}))
			} else {
				fs = append(fs, field())
			}
		}
		s := fs[0]
		for _, f := range fs[1:] {
			s += pick([]string{":", " : ", ": ", " :", "\t:\t"}) + f
		}
		if strings.ContainsAny(s, "\n\x00") {
			continue
		}
		out = append(out, s)
	}
	return out
}

// RandomFromEnv gives the seed and number of the random option texts a
// hunt adds to the fixed family: OPTIONHUNT_SEED (default: the clock)
// and OPTIONHUNT_RANDOM (default def).
func RandomFromEnv(def int) (seed uint64, n int) {
	seed = uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("OPTIONHUNT_SEED"), 10, 64); err == nil {
		seed = v
	}
	n = def
	if v, err := strconv.Atoi(os.Getenv("OPTIONHUNT_RANDOM")); err == nil {
		n = v
	}
	return seed, n
}

// Ends reports whether a rule of the family may end the process that
// checks it (an expansion that overflows, in a command or a banner), so
// that a table of many rules should not hold it.
func Ends(rule string) bool {
	return strings.Contains(rule, "%d%d") || strings.Contains(rule, "%h%h") ||
		strings.Contains(rule, "{DIR}/over")
}

// BannerDaemons are daemon names that banners join to their directory
// as they are: with slashes, dots, a '%', a path into another directory,
// upper case, empty.
var BannerDaemons = []string{"../plain", "../ban/sshd", "x/../sshd", "sshd/", ".", "..", "", "SSHD", "%d", "sshd%",
	"../only/other", "other", "./sshd", "/sshd", "../dir/sshd"}

// BannerRules are the rules the BannerDaemons are decided against.
var BannerRules = []string{"ALL: ALL: banners {DIR}/ban\n", "ALL: ALL: banners {DIR}/ban/\n",
	"ALL: ALL: banners {DIR}/only\n", "ALL: ALL: banners {DIR}\n", "ALL: ALL: banners {DIR}/nosuch : spawn echo %d\n"}
