// Package realhunt derives differential cases from real-world hosts.allow
// and hosts.deny files kept outside the repository (they are other
// people's files): the directories named by REALFILES, colon-separated,
// read recursively. A hunt tool for e2e/difftest and e2e/tcpdmatchdiff's
// TestRealWorldHunt and this package's TestRobust, which skip without it.
package realhunt

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// File is one collected file.
type File struct {
	Name string // its path under its directory: repo__path
	Repo string
	Kind string // "allow", "deny" or "other"
	Text string
}

// Load reads every collected file (at most 1 MiB each; INDEX and DONE are
// bookkeeping) under the directories REALFILES names.
func Load() ([]File, error) {
	dirs := os.Getenv("REALFILES")
	if dirs == "" {
		return nil, errors.New("REALFILES names no directory of collected files")
	}
	var out []File
	for _, dir := range strings.Split(dirs, ":") {
		err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !e.Type().IsRegular() || e.Name() == "INDEX" || e.Name() == "DONE" {
				return nil
			}
			if fi, err := e.Info(); err != nil || fi.Size() > 1<<20 {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			repo, path, _ := strings.Cut(filepath.Base(p), "__")
			kind := "other"
			switch {
			case strings.Contains(path, "allow"):
				kind = "allow"
			case strings.Contains(path, "deny"):
				kind = "deny"
			}
			out = append(out, File{Name: rel, Repo: repo, Kind: kind, Text: string(b)})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) == 0 {
		return nil, fmt.Errorf("no files under %s", dirs)
	}
	return out, nil
}

// Request is a derived request.
type Request struct {
	Daemon string
	Client netip.AddrPort
	Server netip.AddrPort
	User   string
}

// Case is one derived case.
type Case struct {
	Name        string
	Allow, Deny *string
	Hosts       string
	Netgroup    string
	Files       map[string]string
	Requests    []Request
	// Tcpdmatch lists tcpdmatch operand pairs (daemon[@server], [user@]client).
	Tcpdmatch [][2]string
}

// BaseHosts are names every case knows (read alike by glibc's files
// backend and nss_wrapper).
var BaseHosts = []string{
	"10.0.0.1 good.example.com good",
	"10.0.0.3 nodots",
	"10.0.0.6 liar.example.com",
	"10.0.0.5 liar.example.com",
	"10.0.0.7 canon.example.com alias.example.com",
	"10.0.0.9 127.0.0.5",
	"127.0.0.1 localhost",
	"::1 ip6-localhost ip6-loopback",
	"2001:db8::1 v6host.example.com",
	"10.0.0.11 multi.example.com",
	"10.0.0.12 multi.example.com",
}

// logical splits a table into logical lines (backslash-newline joined),
// skipping comments as libwrap does (first character '#').
func logical(text string) []string {
	var out []string
	var cur strings.Builder
	for _, l := range strings.SplitAfter(text, "\n") {
		l = strings.TrimSuffix(l, "\n")
		if strings.HasSuffix(l, "\\") {
			cur.WriteString(strings.TrimSuffix(l, "\\"))
			continue
		}
		cur.WriteString(l)
		s := cur.String()
		cur.Reset()
		if strings.HasPrefix(s, "#") || strings.TrimSpace(s) == "" {
			continue
		}
		out = append(out, s)
	}
	return out
}

// RuleLines returns the physical line numbers (1-based) where logical rule
// lines start.
func RuleLines(text string) []int {
	var out []int
	lines := strings.Split(text, "\n")
	cont := false
	for i, l := range lines {
		start := !cont
		cont = strings.HasSuffix(l, "\\")
		if start && !strings.HasPrefix(l, "#") && strings.TrimSpace(l) != "" {
			out = append(out, i+1)
		}
	}
	return out
}

// BlankBefore blanks every physical line before line n (keeping line
// numbers), so the rule starting at n is the first one read.
func BlankBefore(text string, n int) string {
	lines := strings.Split(text, "\n")
	for i := 0; i < n-1 && i < len(lines); i++ {
		lines[i] = ""
	}
	return strings.Join(lines, "\n")
}

var (
	v4re   = regexp.MustCompile(`^\d{1,3}(\.\d{1,3}){3}$`)
	pfxre  = regexp.MustCompile(`^\d{1,3}(\.\d{1,3}){0,2}\.$`)
	namere = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)
	v6re   = regexp.MustCompile(`[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}`)
)

func splitTokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '\r' })
}

// fields splits a logical line at colons outside brackets.
func fields(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case ':':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

type deriver struct {
	daemons  []string
	servers  []netip.Addr
	clients  []netip.Addr
	users    []string
	hosts    []string
	seenAddr map[netip.Addr]bool
	seenD    map[string]bool
	names    map[string]bool
	next     int
}

func (d *deriver) daemon(s string) {
	if s == "" || d.seenD[s] || len(d.daemons) >= 10 {
		return
	}
	d.seenD[s] = true
	d.daemons = append(d.daemons, s)
}

func (d *deriver) client(a netip.Addr) {
	if !a.IsValid() || d.seenAddr[a] || len(d.clients) >= 40 {
		return
	}
	d.seenAddr[a] = true
	d.clients = append(d.clients, a)
}

// name gives a host name an address in the hosts table (once) and makes
// that address a client.
func (d *deriver) name(n string) netip.Addr {
	n = strings.ToLower(strings.TrimSuffix(n, "."))
	if n == "" || !namere.MatchString(n) || d.names[n] || len(d.names) >= 25 {
		return netip.Addr{}
	}
	// nss_wrapper and glibc read all-digit or numeric-looking names apart.
	if strings.Trim(n, "0123456789.") == "" {
		return netip.Addr{}
	}
	d.names[n] = true
	d.next++
	a := netip.AddrFrom4([4]byte{203, 0, 113, byte(d.next)})
	d.hosts = append(d.hosts, a.String()+" "+n)
	d.client(a)
	return a
}

func v4add(a netip.Addr, delta int64) netip.Addr {
	b := a.As4()
	v := int64(b[0])<<24 | int64(b[1])<<16 | int64(b[2])<<8 | int64(b[3])
	v += delta
	if v < 0 || v > 0xffffffff {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func (d *deriver) hostToken(tok string) {
	if at := strings.LastIndexByte(tok, '@'); at >= 0 {
		if u := tok[:at]; u != "" && !strings.EqualFold(u, "ALL") && namere.MatchString(u) {
			d.users = append(d.users, u)
		}
		tok = tok[at+1:]
	}
	up := strings.ToUpper(tok)
	switch up {
	case "ALL", "EXCEPT", "LOCAL", "KNOWN", "UNKNOWN", "PARANOID", "":
		return
	}
	if strings.HasPrefix(tok, "@") {
		return
	}
	if strings.HasPrefix(tok, "[") {
		inner := strings.TrimPrefix(tok, "[")
		inner, rest, _ := strings.Cut(inner, "]")
		inner, _, _ = strings.Cut(inner, "/")
		inner, _, _ = strings.Cut(inner, "%")
		if a, err := netip.ParseAddr(inner); err == nil {
			d.client(a)
			b := a.As16()
			b[15] ^= 1
			d.client(netip.AddrFrom16(b))
			if strings.HasPrefix(rest, "/") {
				var n int
				fmt.Sscanf(rest[1:], "%d", &n)
				if n > 0 && n <= 128 {
					b := a.As16()
					b[(n-1)/8] ^= 1 << (7 - uint((n-1)%8))
					d.client(netip.AddrFrom16(b))
				}
			}
		}
		return
	}
	if net, mask, ok := strings.Cut(tok, "/"); ok {
		a, err := netip.ParseAddr(net)
		if err != nil || !a.Is4() {
			return
		}
		var size int64 = 1
		if m, err := netip.ParseAddr(mask); err == nil && m.Is4() {
			mb := m.As4()
			inv := ^(uint32(mb[0])<<24 | uint32(mb[1])<<16 | uint32(mb[2])<<8 | uint32(mb[3]))
			size = int64(inv) + 1
			nb := a.As4()
			nv := uint32(nb[0])<<24 | uint32(nb[1])<<16 | uint32(nb[2])<<8 | uint32(nb[3])
			base := nv &^ inv
			d.client(netip.AddrFrom4([4]byte{byte(base >> 24), byte(base >> 16), byte(base >> 8), byte(base)}))
		} else {
			var n int
			if _, err := fmt.Sscanf(mask, "%d", &n); err == nil && n >= 0 && n <= 32 {
				size = int64(1) << (32 - n)
				if p, err := a.Prefix(n); err == nil {
					d.client(p.Addr())
					d.client(v4add(p.Addr(), size-1))
					d.client(v4add(p.Addr(), size))
				}
			}
		}
		d.client(a)
		d.client(v4add(a, 1))
		d.client(v4add(a, size-1))
		d.client(v4add(a, size))
		d.client(v4add(a, -1))
		return
	}
	if v4re.MatchString(tok) {
		if a, err := netip.ParseAddr(tok); err == nil {
			d.client(a)
			d.client(v4add(a, 1))
		}
		return
	}
	if pfxre.MatchString(tok) {
		parts := strings.Split(strings.TrimSuffix(tok, "."), ".")
		full := append([]string{}, parts...)
		for len(full) < 4 {
			full = append(full, "7")
		}
		if a, err := netip.ParseAddr(strings.Join(full, ".")); err == nil {
			d.client(a)
			// just outside: bump the last given octet
			parts2 := append([]string{}, full...)
			var o int
			fmt.Sscanf(parts[len(parts)-1], "%d", &o)
			parts2[len(parts)-1] = fmt.Sprint((o + 1) % 256)
			if b, err := netip.ParseAddr(strings.Join(parts2, ".")); err == nil {
				d.client(b)
			}
		}
		return
	}
	if strings.ContainsAny(tok, "*?") {
		s := strings.NewReplacer("*", "7", "?", "5").Replace(tok)
		if a, err := netip.ParseAddr(s); err == nil {
			d.client(a)
			return
		}
		if namere.MatchString(s) {
			d.name(s)
		}
		return
	}
	if strings.HasPrefix(tok, ".") {
		d.name("host" + tok)
		d.name("x" + strings.TrimPrefix(tok, "."))
		return
	}
	if strings.HasSuffix(tok, ".") {
		d.name(tok + "example")
		return
	}
	if namere.MatchString(tok) && strings.IndexFunc(tok, func(r rune) bool { return r >= 'A' && r <= 'z' }) >= 0 {
		d.name(tok)
	}
}

// Derive builds the requests, hosts table and tcpdmatch operands for a
// pair of tables.
func Derive(texts ...string) (reqs []Request, hosts string, tcpd [][2]string) {
	d := &deriver{seenAddr: map[netip.Addr]bool{}, seenD: map[string]bool{}, names: map[string]bool{}}
	for _, text := range texts {
		for _, l := range logical(text) {
			f := fields(l)
			for _, tok := range splitTokens(f[0]) {
				up := strings.ToUpper(tok)
				if up == "ALL" || up == "EXCEPT" || up == "LOCAL" || up == "KNOWN" {
					continue
				}
				name, server, hasServer := strings.Cut(tok, "@")
				d.daemon(name)
				if hasServer {
					if a, err := netip.ParseAddr(server); err == nil {
						d.servers = append(d.servers, a)
					} else if a := d.name(server); a.IsValid() {
						d.servers = append(d.servers, a)
					}
				}
			}
			if len(f) > 1 {
				for _, tok := range splitTokens(f[1]) {
					d.hostToken(tok)
				}
			}
			for _, m := range v6re.FindAllString(l, -1) {
				if a, err := netip.ParseAddr(m); err == nil {
					d.client(a)
				} else if a, err := netip.ParseAddr(m + "1"); err == nil {
					d.client(a)
				}
			}
		}
	}
	for _, s := range []string{"sshd", "in.telnetd", "vsftpd", "sendmail", "portmap"} {
		d.daemon(s)
	}
	if len(d.daemons) > 12 {
		d.daemons = d.daemons[:12]
	}
	for _, s := range []string{"10.0.0.1", "10.0.0.3", "10.0.0.5", "10.0.0.7", "10.0.0.9", "127.0.0.1", "192.0.2.77",
		"::1", "2001:db8::1", "2001:db8::99", "::ffff:127.0.0.1", "fe80::1"} {
		d.client(netip.MustParseAddr(s))
	}
	hostsLines := append(append([]string{}, BaseHosts...), d.hosts...)
	hosts = strings.Join(hostsLines, "\n") + "\n"
	users := []string{"", "root"}
	for _, u := range d.users {
		if len(users) < 4 && u != "root" {
			users = append(users, u)
		}
	}
	i := 0
	for _, dm := range d.daemons {
		for _, c := range d.clients {
			r := Request{Daemon: dm, Client: netip.AddrPortFrom(c, 40000)}
			switch i % 5 {
			case 1:
				r.Server = netip.AddrPortFrom(netip.MustParseAddr("10.9.9.9"), 22)
			case 2:
				if len(d.servers) > 0 {
					r.Server = netip.AddrPortFrom(d.servers[i%len(d.servers)], 22)
				}
			case 3:
				r.User = users[i%len(users)]
			}
			reqs = append(reqs, r)
			i++
		}
	}
	// tcpdmatch operands: every daemon with a few clients; names too.
	var names []string
	for n := range d.names {
		names = append(names, n)
	}
	sort.Strings(names)
	ops := []string{"10.0.0.1", "unknown", "paranoid", "good.example.com", "liar.example.com", "multi.example.com", "::1"}
	for _, c := range d.clients {
		if len(ops) > 22 {
			break
		}
		ops = append(ops, c.String())
	}
	for j, n := range names {
		if j >= 6 {
			break
		}
		ops = append(ops, n)
	}
	k := 0
	for _, dm := range d.daemons {
		for _, op := range ops {
			k++
			if k%3 != 0 && dm != "sshd" {
				continue
			}
			daemon := dm
			client := op
			if k%7 == 0 {
				daemon += "@10.9.9.9"
			}
			if k%5 == 0 && len(users) > 1 {
				client = users[1+k%(len(users)-1)] + "@" + client
			}
			tcpd = append(tcpd, [2]string{daemon, client})
		}
	}
	return reqs, hosts, tcpd
}

// Cases builds every case for the harvested files.
func Cases(files []File) []Case {
	var out []Case
	deny := "ALL: ALL\n"
	byRepo := map[string][]File{}
	for _, f := range files {
		byRepo[f.Repo] = append(byRepo[f.Repo], f)
	}
	add := func(name string, allow, denyT *string) {
		var texts []string
		if allow != nil {
			texts = append(texts, *allow)
		}
		if denyT != nil {
			texts = append(texts, *denyT)
		}
		reqs, hosts, tcpd := Derive(texts...)
		out = append(out, Case{Name: name, Allow: allow, Deny: denyT, Hosts: hosts, Requests: reqs, Tcpdmatch: tcpd,
			Netgroup: "trusted (good.example.com,,) (,alice,)\nwheel (good.example.com,,)\n",
			Files:    map[string]string{}})
	}
	pathre := regexp.MustCompile(`/(etc|tmp|usr|var)/[A-Za-z0-9._/-]*`)
	for _, f := range files {
		t := f.Text
		if os.Getenv("REALFILES_PATHS") != "" {
			paths := pathre.FindAllString(t, -1)
			if len(paths) == 0 {
				continue
			}
			r := pathre.ReplaceAllStringFunc(t, func(m string) string { return "{DIR}" + m })
			files := map[string]string{}
			for _, pth := range paths {
				rel := strings.TrimPrefix(pth, "/")
				if strings.Contains(t, "banners "+pth) {
					for _, dm := range []string{"sshd", "in.telnetd", "vsftpd", "sendmail", "portmap", "fingerd", "ftpd"} {
						files[rel+"/"+dm] = "Hello %h (%a) to %d\r\nsecond line %u\n"
					}
					continue
				}
				files[rel] = "10.0.0.1\n.example.com 192.0.2.0/255.255.255.0\n[::1]\n"
			}
			for k := range files {
				for k2 := range files {
					if k2 != k && strings.HasPrefix(k2, strings.TrimSuffix(k, "/")+"/") {
						delete(files, k)
						break
					}
				}
				if strings.HasSuffix(k, "/") {
					delete(files, k)
				}
			}
			for _, v := range []struct {
				name string
				a, d *string
			}{{" paths as allow", &r, &deny}, {" paths as deny", nil, &r}} {
				add(f.Name+v.name, v.a, v.d)
				for k, x := range files {
					out[len(out)-1].Files[k] = x
				}
			}
			continue
		}
		add(f.Name+" as allow", &t, nil)
		add(f.Name+" as allow, deny ALL", &t, &deny)
		add(f.Name+" as deny", nil, &t)
		rl := RuleLines(t)
		step := 1
		if len(rl) > 12 {
			step = len(rl) / 12
		}
		for i := 1; i < len(rl); i += step {
			s := BlankBefore(t, rl[i])
			add(fmt.Sprintf("%s from line %d as allow, deny ALL", f.Name, rl[i]), &s, &deny)
			s2 := s
			add(fmt.Sprintf("%s from line %d as deny", f.Name, rl[i]), nil, &s2)
		}
	}
	var repos []string
	for r := range byRepo {
		repos = append(repos, r)
	}
	sort.Strings(repos)
	for _, r := range repos {
		var a, dn *File
		for i := range byRepo[r] {
			f := &byRepo[r][i]
			if f.Kind == "allow" && a == nil {
				a = f
			}
			if f.Kind == "deny" && dn == nil {
				dn = f
			}
		}
		if a != nil && dn != nil {
			at, dt := a.Text, dn.Text
			add(r+" pair", &at, &dt)
		}
	}
	return out
}

// WithoutPID returns c with every %p sequence of its tables and files
// turned into %% (NoPID).
func (c Case) WithoutPID() Case {
	for _, t := range []**string{&c.Allow, &c.Deny} {
		if *t != nil {
			s := NoPID(**t)
			*t = &s
		}
	}
	files := map[string]string{}
	for k, v := range c.Files {
		files[k] = NoPID(v)
	}
	c.Files = files
	return c
}

// NoPID turns every %p sequence of a table into %% (the same length:
// line lengths stay as they were). cmd/tcpdmatch and cmd/tcpdchk expand
// %p as 0 where Debian's tools print their own process id, a documented
// difference (README.md), which the tcpdmatch and tcpdchk hunts leave out.
func NoPID(s string) string {
	if !strings.Contains(s, "%p") {
		return s
	}
	b := []byte(s)
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '%' {
			if b[i+1] == 'p' {
				b[i+1] = '%'
			}
			i++ // the character after a % is never the start of a sequence
		}
	}
	return string(b)
}
