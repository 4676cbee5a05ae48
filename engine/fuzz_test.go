package engine

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine/golden"
)

// seedTables adds every table text of the golden corpus to f.
func seedTables(f *testing.F, add func(allow, deny string)) {
	paths, _ := filepath.Glob("testdata/*/*.txtar")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		a := golden.Parse(b)
		allow, _ := file(f, a, "hosts.allow")
		deny, _ := file(f, a, "hosts.deny")
		add(allow, deny)
	}
}

// spanIn fails unless s lies inside src and each end's line and column
// are those of its offset (the file:line:col a diagnostic prints), or s
// is the zero span (no position).
func spanIn(t *testing.T, s Span, src string) {
	t.Helper()
	if s == (Span{}) {
		return
	}
	if s.Start.Offset < 0 || s.End.Offset > len(src) || s.Start.Offset > s.End.Offset {
		t.Fatalf("span %v outside the %d-byte input", s, len(src))
	}
	for _, p := range []Pos{s.Start, s.End} {
		lineStart := strings.LastIndexByte(src[:p.Offset], '\n') + 1
		if want := (Pos{Offset: p.Offset, Line: strings.Count(src[:p.Offset], "\n") + 1, Col: p.Offset - lineStart + 1}); p != want {
			t.Fatalf("span %v: position %+v, want %+v", s, p, want)
		}
	}
}

// checkSpans fails unless every position in t lies inside src.
func checkSpans(t *testing.T, tab *Table, src []byte) {
	in := func(s Span) { spanIn(t, s, string(src)) }
	for _, ln := range tab.Lines {
		in(ln.Span)
		for _, l := range []*List{ln.Daemons, ln.Clients} {
			if l == nil {
				continue
			}
			in(l.Span)
			for _, tok := range l.Tokens {
				in(tok.Span)
			}
		}
		for _, o := range ln.Options {
			in(o.Span)
		}
	}
	for _, d := range tab.Diagnostics {
		in(d.Span)
		if d.File != tab.Name || d.Code == "" || !isPrintable(d.Msg) {
			t.Fatalf("diagnostic %#v: not of file %q, without a code or with a message not printable", d, tab.Name)
		}
		if _, ok := CheckDocs[d.Code]; !ok {
			t.Fatalf("undocumented code %q", d.Code)
		}
	}
}

// FuzzParse: parsing never panics, every position is inside the input,
// and parsing is deterministic.
func FuzzParse(f *testing.F) {
	seedTables(f, func(allow, deny string) { f.Add([]byte(allow)); f.Add([]byte(deny)) })
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, p := range []Profile{Debian, Upstream, FreeBSD} {
			a := Parse("hosts.allow", src, p)
			checkSpans(t, a, src)
			b := Parse("hosts.allow", src, p)
			if !reflect.DeepEqual(a.Lines, b.Lines) || !reflect.DeepEqual(a.Diagnostics, b.Diagnostics) {
				t.Fatal("Parse is not deterministic")
			}
		}
	})
}

var fuzzHosts = []byte(`10.0.0.1 good.example.com good
10.0.0.2 host2.example.org
10.0.0.9 127.0.0.5
10.0.0.7 canon.example.com alias.example.com
2001:db8::1 v6host.example.com
127.1.0.2 lo2
`)

// fuzzResolver answers the fuzz targets' lookups: fuzzHosts and a
// netgroup g with a host and a user.
func fuzzResolver() *HostsResolver {
	return NewHostsResolver("hosts", fuzzHosts).WithNetgroups("netgroup", []byte("g (good.example.com,,) (,alice,)\n"))
}

// fuzzFiles are the fuzz targets' pattern and banner files, one of which
// names itself.
func fuzzFiles() MapFiles {
	return MapFiles{"/case/list": "10.0.0.1 .example.com\n", "/case/self": "/case/self\n", "/case/ban/sshd": "hi %a\n"}
}

// FuzzEvaluate: deciding never panics, Evaluate and Decide agree, and the
// same request gives the same decision twice.
func FuzzEvaluate(f *testing.F) {
	seedTables(f, func(allow, deny string) { f.Add(allow, deny, "sshd", "10.0.0.1", uint16(22)) })
	f.Add("ALL: /case/self\n", "", "sshd", "10.0.0.1", uint16(22))
	f.Fuzz(func(t *testing.T, allow, deny, daemon, client string, port uint16) {
		res, files := fuzzResolver(), fuzzFiles()
		for _, prof := range []Profile{Debian, Upstream, FreeBSD} {
			p := &Policy{Allow: Parse("hosts.allow", []byte(allow), prof), Deny: Parse("hosts.deny", []byte(deny), prof),
				Resolver: res, Files: files}
			req := Request{Daemon: daemon, User: "alice"}
			if a, err := netip.ParseAddr(client); err == nil {
				req.Client.Socket = netip.AddrPortFrom(a, 4000)
			} else {
				req.Client.Name = client
			}
			req.Server.Socket = netip.AddrPortFrom(netip.MustParseAddr("127.1.0.1"), port)
			d1 := p.Evaluate(req)
			d2 := p.Decide(req)
			if d1.Access != d2.Access || !reflect.DeepEqual(d1.Matched, d2.Matched) || !reflect.DeepEqual(d1.Log, d2.Log) {
				t.Fatalf("Evaluate and Decide disagree: %v %v / %v %v", d1.Access, d1.Log, d2.Access, d2.Log)
			}
			d3 := p.Evaluate(req)
			if !reflect.DeepEqual(d1, d3) {
				t.Fatal("Evaluate is not deterministic")
			}
			// A Decider remembers per daemon which lines can match it:
			// after requests for other daemons (more than it keeps, and
			// variants of the fuzzed one), for the same daemon on another
			// server port, and twice in a row, it still answers as
			// Evaluate does.
			z := p.NewDecider()
			others := []string{"other", daemon + "x", strings.ToUpper(daemon), "", "ALL", "in.telnetd", daemon}
			for i := 0; i < 2; i++ {
				for j, o := range others {
					r := req
					r.Daemon = o
					if j == len(others)-1 { // the same daemon on another port
						r.Server.Socket = netip.AddrPortFrom(r.Server.Socket.Addr(), port+1)
					}
					z.Decide(r)
				}
				d4 := z.Decide(req)
				if d1.Access != d4.Access || !reflect.DeepEqual(d1.Matched, d4.Matched) || fmt.Sprint(d1.Log) != fmt.Sprint(d4.Log) {
					t.Fatalf("Evaluate and a Decider disagree on %q %q %s: %v %v %v / %v %v %v", allow, deny, prof, d1.Access, d1.Matched, d1.Log, d4.Access, d4.Matched, d4.Log)
				}
			}
			switch d1.Access {
			case Granted, Denied, Delegated:
			default:
				t.Fatalf("undefined access %q", d1.Access)
			}
		}
	})
}

// TestDeciderReuse: a Decider gives the same answers as Decide, request
// after request, though it reuses its memory.
func TestDeciderReuse(t *testing.T) {
	res := NewHostsResolver("hosts", fuzzHosts)
	p := &Policy{
		Allow:    Parse("hosts.allow", []byte("sshd: 10.0.0.1 : spawn echo %h\nsshd: .example.com EXCEPT good.example.com\n"), Debian),
		Deny:     Parse("hosts.deny", []byte("ALL: 10.0.0.2 : severity nosuch\nALL: ALL : twist echo %a\n"), Debian),
		Resolver: res,
	}
	z := p.NewDecider()
	for round := 0; round < 3; round++ {
		for i, c := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.7", "2001:db8::1", "10.9.9.9"} {
			req := Request{Daemon: "sshd", Client: Endpoint{Socket: netip.AddrPortFrom(netip.MustParseAddr(c), 1)}}
			// Every other request primes and probes, which leave state
			// behind in the Decision a reset must clear.
			if (i+round)%2 == 0 {
				req.Prime, req.Probe, req.User = true, "%u@%h %d", "root"
			}
			want := p.Decide(req)
			got := z.Decide(req)
			if !reflect.DeepEqual(want.Access, got.Access) || !reflect.DeepEqual(want.Matched, got.Matched) ||
				render(want) != render(got) {
				t.Fatalf("%s: Decider gave %v %v %q, Decide %v %v %q", c, got.Access, got.Matched, got.Log, want.Access, want.Matched, want.Log)
			}
			if w, g := emptyAsNil(*want), emptyAsNil(*got); !reflect.DeepEqual(w, g) {
				t.Fatalf("%s: Decider's decision differs from Decide's:\n%+v\n%+v", c, g, w)
			}
		}
	}
}

// emptyAsNil returns d with its empty slices nil, as a fresh decision has
// them (a Decider keeps their memory).
func emptyAsNil(d Decision) Decision {
	v := reflect.ValueOf(&d).Elem()
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Slice && f.Len() == 0 && f.CanSet() {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	return d
}

// TestResetClearsEverything: resetting a Decision or an evalState that a
// decision filled leaves every field zero, so no field added later can
// leak from one decision into the next.
func TestResetClearsEverything(t *testing.T) {
	p := &Policy{
		Allow: Parse("hosts.allow", []byte("sshd: 10.0.0.1 : spawn echo %h : banners /b : setenv A b : severity auth.info\n"), Debian),
		Deny:  Parse("hosts.deny", []byte("ALL: ALL : twist echo %a\n"), Debian),
		Files: MapFiles{"/b/sshd": "hello\n"},
	}
	z := p.NewDecider()
	for _, c := range []string{"10.0.0.1", "10.0.0.2"} {
		d := z.Decide(Request{Daemon: "sshd", User: "u", Prime: true, Probe: "%h", PID: 7,
			Client: Endpoint{Socket: netip.AddrPortFrom(netip.MustParseAddr(c), 1)}})
		if d.Matched == nil || len(d.Log) == 0 || d.Probe == "" {
			t.Fatalf("%s: the decision did not fill the fields the test relies on: %+v", c, d)
		}
		z.d.reset()
		z.st.reset(false)
		for name, v := range map[string]reflect.Value{"Decision": reflect.ValueOf(z.d), "evalState": reflect.ValueOf(z.st)} {
			for i := 0; i < v.NumField(); i++ {
				f, field := v.Field(i), v.Type().Field(i).Name
				if field == "cursor" || field == "daemonLines" {
					continue // reset by each table scan; kept on purpose
				}
				if f.Kind() == reflect.Slice && f.Len() == 0 || f.IsZero() {
					continue
				}
				t.Errorf("%s: %s.%s is %v after reset", c, name, field, f)
			}
		}
	}
}

// render prints the parts of a decision a Decider reuses memory for.
func render(d *Decision) string {
	s := fmt.Sprint(d.Log, d.Commands, d.Warnings, d.Matches)
	for _, o := range d.Options {
		s += " " + o.Name
		if o.Value != nil {
			s += "=" + *o.Value
		}
	}
	return s
}

// TestDeciderQuiet: a quiet Decider gives the same verdict, rule and
// options with no log.
func TestDeciderQuiet(t *testing.T) {
	p := &Policy{
		Allow:    Parse("hosts.allow", []byte("sshd: 10.0.0.1 : spawn echo %h\nsshd: .example.com EXCEPT good.example.com\n"), Debian),
		Deny:     Parse("hosts.deny", []byte("ALL: 10.0.0.2 : severity nosuch\nALL: ALL : twist echo %a\n"), Debian),
		Resolver: NewHostsResolver("hosts", fuzzHosts),
	}
	z := p.NewDecider()
	z.Quiet = true
	for _, c := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.7", "2001:db8::1", "10.9.9.9"} {
		req := Request{Daemon: "sshd", Client: Endpoint{Socket: netip.AddrPortFrom(netip.MustParseAddr(c), 1)}}
		want := p.Decide(req)
		got := z.Decide(req)
		if got.Access != want.Access || !reflect.DeepEqual(got.Matched, want.Matched) || len(got.Options) != len(want.Options) || len(got.Log) != 0 {
			t.Fatalf("%s: quiet gave %v %v %d options %q; Decide %v %v %d options", c, got.Access, got.Matched, len(got.Options), got.Log, want.Access, want.Matched, len(want.Options))
		}
	}
}

// TestDaemonLinesBounded: a Decider remembers the lines for a daemon only
// for tables of at most maxDaemonLinesSize generic lines, and answers the
// same either way.
func TestDaemonLinesBounded(t *testing.T) {
	for _, n := range []int{10, maxDaemonLinesSize/2 + 1} { // KNOWN lines are generic in both phases
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "d%d: KNOWN\n", i)
		}
		b.WriteString("sshd: 10.0.0.7\n")
		p := &Policy{Allow: Parse("hosts.allow", []byte(b.String()), Debian), Resolver: NewHostsResolver("hosts", fuzzHosts)}
		z := p.NewDecider()
		req := Request{Daemon: "sshd", Client: Endpoint{Socket: netip.MustParseAddrPort("10.0.0.7:1")}}
		for i := 0; i < 2; i++ {
			got, want := z.Decide(req), p.Decide(req)
			if got.Access != want.Access || !reflect.DeepEqual(got.Matched, want.Matched) {
				t.Fatalf("%d lines: Decider %v %v, Decide %v %v", n, got.Access, got.Matched, want.Access, want.Matched)
			}
		}
		if kept := len(z.st.daemonLines) > 0; kept != (n == 10) {
			t.Errorf("%d generic lines: daemon lines kept = %v", 2*n, kept)
		}
	}
}

// FuzzCheck: checking never panics, every diagnostic lies inside its
// table (an unknown-expansion on its own %-sequence) and has a printable
// message, the list comes out sorted, and checking is deterministic.
func FuzzCheck(f *testing.F) {
	seedTables(f, func(allow, deny string) { f.Add(allow, deny, true) })
	f.Fuzz(func(t *testing.T, allow, deny string, paranoid bool) {
		res, files := fuzzResolver(), fuzzFiles()
		for _, prof := range []Profile{Debian, Upstream, FreeBSD} {
			a, d := Parse("hosts.allow", []byte(allow), prof), Parse("hosts.deny", []byte(deny), prof)
			opts := CheckOptions{Resolver: res, Files: files, Paranoid: paranoid, ImplicitAllow: paranoid}
			diags := Check(a, d, opts)
			for _, dg := range diags {
				src := allow
				if dg.File == "hosts.deny" {
					src = deny
				} else if dg.File != "hosts.allow" {
					t.Fatalf("diagnostic in unknown file %q: %v", dg.File, dg)
				}
				spanIn(t, dg.Span, src)
				if dg.Code == "unknown-expansion" && (dg.Span.End.Offset-dg.Span.Start.Offset < 2 || src[dg.Span.Start.Offset] != '%') {
					t.Fatalf("unknown-expansion not on its %%-sequence: %v (%q)", dg, src[dg.Span.Start.Offset:dg.Span.End.Offset])
				}
				if dg.Msg == "" || dg.Code == "" {
					t.Fatalf("diagnostic without a message or code: %#v", dg)
				}
				if !isPrintable(dg.Msg) {
					t.Fatalf("message not printable: %q", dg.Msg)
				}
				if _, ok := CheckDocs[dg.Code]; !ok {
					t.Fatalf("undocumented code %q", dg.Code)
				}
			}
			sorted := append(Diagnostics(nil), diags...)
			sorted.Sort()
			if !reflect.DeepEqual(sorted, diags) {
				t.Fatal("Check's diagnostics are not sorted")
			}
			if again := Check(a, d, opts); !reflect.DeepEqual(again, diags) {
				t.Fatal("Check is not deterministic")
			}
		}
	})
}

// FuzzFormat: formatting never panics, a second Format changes nothing,
// the physical lines, the logical lines' kinds and numbers and the
// reading diagnostics' lines stay, and the formatted tables decide a few
// requests (some for the daemons the table names) as the originals do.
func FuzzFormat(f *testing.F) {
	seedTables(f, func(allow, deny string) { f.Add(allow); f.Add(deny) })
	res, files := fuzzResolver(), fuzzFiles()
	var reqs []Request
	for _, daemon := range []string{"sshd", "in.telnetd", "ftpd"} {
		for _, c := range []string{"10.0.0.1:4000", "10.0.0.2:4000", "10.0.0.7:4000", "192.168.1.9:4000", "[2001:db8::1]:4000", "[::1]:4000"} {
			reqs = append(reqs, Request{Daemon: daemon, User: "alice",
				Client: Endpoint{Socket: netip.MustParseAddrPort(c)},
				Server: Endpoint{Socket: netip.MustParseAddrPort("127.1.0.1:22")}})
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, prof := range []Profile{Debian, Upstream, FreeBSD} {
			// Besides the fixed requests, one for each of the first
			// daemon names the table spells, so that the rules the
			// fuzzer writes get to decide.
			rs := reqs
			for _, ln := range Parse("hosts.allow", []byte(text), prof).Lines {
				if ln.Daemons == nil || len(rs) >= len(reqs)+16 {
					continue
				}
				for _, tok := range ln.Daemons.Tokens[:min(len(ln.Daemons.Tokens), 4)] {
					for _, c := range []string{"10.0.0.1:4000", "[2001:db8::1]:4000"} {
						rs = append(rs, Request{Daemon: tok.Text, User: "alice", Client: Endpoint{Socket: netip.MustParseAddrPort(c)},
							Server: Endpoint{Socket: netip.MustParseAddrPort("127.1.0.1:22")}})
					}
				}
			}
			formatKeeps(t, text, prof, rs, res, files)
		}
	})
}

// FuzzResolver: reading hosts, netgroup, passwd and group tables and
// asking them anything never panics nor hangs (netgroups may nest in
// cycles), answers the same twice, and tcpdmatch's operands are read
// against them without a panic.
func FuzzResolver(f *testing.F) {
	f.Add(string(fuzzHosts), "g (good.example.com,,) (,alice,)\nh g (-,bob,)\n", "alice:x:1:1::/:/bin/sh\n", "staff:x:50:\n", "g", "good.example.com")
	f.Add("10.0.0.1 a b a\n::1 localhost\n", "a b\nb a\nc (a,b,c\n", "", "", "a", "10.0.0.1")
	f.Add("fe80::1%eth0 x\n10.0.0.1\n# c\n", "x (\\\n,y,)\n", "root\n", "wheel\n", "x", "x")
	f.Fuzz(func(t *testing.T, hosts, netgroup, passwd, group, name, client string) {
		r := NewHostsResolver("hosts", []byte(hosts)).WithNetgroups("netgroup", []byte(netgroup)).WithUsers([]byte(passwd), []byte(group))
		ask := func() string {
			var b strings.Builder
			for _, v6 := range []bool{false, true} {
				c, addrs, ok := r.LookupHost(name, v6)
				fmt.Fprint(&b, c, addrs, ok)
			}
			c, addrs, ok := r.LookupHostAny(client)
			fmt.Fprint(&b, c, addrs, ok)
			if a, err := netip.ParseAddr(client); err == nil {
				n, ok := r.LookupAddr(a)
				fmt.Fprint(&b, n, ok)
			}
			fmt.Fprint(&b, r.InNetgroup(name, client), r.NetgroupExists(name), r.NetgroupHasMembers(name),
				r.LookupUser(name), r.LookupGroup(name))
			return b.String()
		}
		if a, b := ask(), ask(); a != b {
			t.Fatalf("the resolver answered differently twice:\n%s\n%s", a, b)
		}
		for _, d := range r.Diagnostics {
			spanIn(t, d.Span, hosts)
			if !isPrintable(d.Msg) {
				t.Fatalf("message not printable: %q", d.Msg)
			}
		}
		p := &Policy{Allow: Parse("hosts.allow", []byte("ALL: @"+name+" "+client+" KNOWN PARANOID\n"), Debian),
			Deny: Parse("hosts.deny", []byte("ALL: ALL: spawn echo %a %A %c %d %h %H %n %N %s %u\n"), Debian), Resolver: r}
		res := p.Tcpdmatch(name, client)
		if res.ExitCode != 0 && len(res.Stderr) == 0 && len(res.Lines) == 0 {
			t.Fatalf("tcpdmatch %q %q: exit %d with no message", name, client, res.ExitCode)
		}
	})
}

// FuzzTcpdchk: tcpdchk's emulation never panics nor hangs on any tables
// and inetd.conf, prints the same twice, one line at a time, and exits 0,
// or 1 with a message.
func FuzzTcpdchk(f *testing.F) {
	seedTables(f, func(allow, deny string) {
		f.Add(allow, deny, "telnet stream tcp nowait root /usr/sbin/tcpd in.telnetd\n", false)
	})
	f.Add("ALL: /case/list\n", "ALL: ALL: banners /case/ban\n", "ftp stream tcp nowait root /usr/sbin/tcpd /case/list\n", true)
	f.Fuzz(func(t *testing.T, allow, deny, inetd string, flags bool) {
		res, files := fuzzResolver(), fuzzFiles()
		files["/case/hosts.allow"], files["/case/hosts.deny"], files["/case/inetd.conf"] = allow, deny, inetd
		for _, prof := range []Profile{Debian, Upstream, FreeBSD} {
			p := &Policy{Allow: Parse("/case/hosts.allow", []byte(allow), prof), Deny: Parse("/case/hosts.deny", []byte(deny), prof),
				Resolver: res, Files: files}
			o := &TcpdchkOptions{Implicit: flags, Verbose: !flags, InetdConf: "/case/inetd.conf",
				AllowPath: "/case/hosts.allow", DenyPath: "/case/hosts.deny"}
			a, b := p.Tcpdchk(o), p.Tcpdchk(o)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%v: tcpdchk printed differently twice", prof)
			}
			if a.ExitCode != 0 && (a.ExitCode != 1 || len(a.Stderr) == 0) {
				t.Fatalf("%v: exit %d with stderr %q", prof, a.ExitCode, a.Stderr)
			}
			for _, l := range a.Lines {
				if strings.Contains(l, "\n") {
					t.Fatalf("%v: output line %q holds a newline", prof, l)
				}
			}
		}
	})
}
