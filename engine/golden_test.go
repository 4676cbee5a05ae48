package engine

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/engine/golden"
)

// file returns a section of a golden case.
func file(t testing.TB, a *golden.Archive, name string) (string, bool) {
	s, ok, err := a.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return s, ok
}

var update = flag.Bool("update", false, "rewrite the want sections of testdata/**/*.txtar")

// caseDir stands for the directory of a test case's files ({DIR} in the
// spec's vectors).
const caseDir = "/case"

// loadCase builds the policy of a golden case.
func loadCase(t testing.TB, a *golden.Archive) *Policy {
	prof := Debian
	if s, ok := file(t, a, "profile"); ok {
		var err error
		if prof, err = ParseProfile(strings.TrimSpace(s)); err != nil {
			t.Fatal(err)
		}
	}
	files := MapFiles{}
	for _, f := range a.Files {
		if rel, ok := strings.CutPrefix(f.Name, "files/"); ok {
			rel = strings.TrimSuffix(rel, ".quoted")
			data, _ := file(t, a, "files/"+rel)
			files[path.Join(caseDir, rel)] = data
		}
	}
	table := func(name string) *Table {
		if s, ok := file(t, a, name); ok {
			return Parse(name, []byte(s), prof)
		}
		if files.isDir(path.Join(caseDir, name)) {
			return Parse(name, nil, prof) // a directory reads as empty
		}
		return MissingTable(name, prof)
	}
	hosts, _ := file(t, a, "hosts")
	res := NewHostsResolver("hosts", []byte(hosts))
	if ng, ok := file(t, a, "netgroup"); ok {
		res = res.WithNetgroups("netgroup", []byte(ng))
	}
	return &Policy{Allow: table("hosts.allow"), Deny: table("hosts.deny"), Resolver: res, Files: files,
		Aclexec: simulatedAclexec}
}

// simulatedAclexec is the differential harness's rule for command exit
// status: a command whose first word is (a path to) "false" fails.
func simulatedAclexec(cmd string) bool {
	f := strings.Fields(cmd)
	return len(f) == 0 || path.Base(f[0]) != "false"
}

func splitArgs(t testing.TB, line string) []string {
	args, err := golden.SplitArgs(line)
	if err != nil {
		t.Fatal(err)
	}
	return args
}

// runRequest evaluates one request line and renders the output the way
// the spec's vectors record it.
func runRequest(t testing.TB, p *Policy, line string) []string {
	args := splitArgs(t, line)
	switch args[0] {
	case "tcpdmatch":
		if len(args) != 3 {
			t.Fatalf("tcpdmatch wants 2 operands: %q", line)
		}
		pp := *p
		pp.DryRun = true
		r := pp.Tcpdmatch(args[1], args[2])
		return append(r.Lines, r.Stderr...)
	case "harness":
		req := harnessRequest(t, args[1:])
		probe := req.Probe
		d := p.Evaluate(req)
		out := append([]string{}, d.Log...)
		out = append(out, "verdict: "+string(d.Access))
		for _, e := range d.Effects {
			out = append(out, "effect: "+e.String())
		}
		if d.Banner != "" {
			out = append(out, "banner: "+strconv.Quote(d.Banner))
		}
		if probe != "" {
			out = append(out, "expand: "+d.Probe)
		}
		return out
	}
	t.Fatalf("unknown request kind %q", args[0])
	return nil
}

// harnessRequest reads the operands of a "harness" request line, the
// differential harness's two forms:
//
//	harness [-x TEMPLATE] DAEMON CLIENT_ADDR CLIENT_PORT SERVER_ADDR|- SERVER_PORT
//	harness [-x TEMPLATE] ctl DAEMON NAME ADDR USER
//
// The first is a connection from socket addresses (as tcpd has it), the
// second a hosts_ctl(DAEMON, NAME, ADDR, USER) call (the strings as
// given, "" written as ""; see CtlRequest). A socket request for a
// daemon named "ctl" cannot be written.
func harnessRequest(t testing.TB, args []string) Request {
	probe := ""
	if len(args) > 1 && args[0] == "-x" {
		probe, args = args[1], args[2:]
	}
	if len(args) > 0 && args[0] == "ctl" {
		if len(args) != 5 {
			t.Fatalf("harness ctl wants daemon name addr user: %q", args)
		}
		req := CtlRequest(args[1], args[2], args[3], args[4])
		req.Probe = probe
		return req
	}
	if len(args) != 5 {
		t.Fatalf("harness wants daemon client port server port: %q", args)
	}
	req := Request{Daemon: args[0], Probe: probe}
	req.Client.Socket = addrPort(t, args[1], args[2])
	if args[3] != "-" {
		req.Server.Socket = addrPort(t, args[3], args[4])
	}
	return req
}

func addrPort(t testing.TB, addr, port string) netip.AddrPort {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		t.Fatal(err)
	}
	return netip.AddrPortFrom(a, uint16(n))
}

// TestGolden runs every testdata/**/*.txtar case: its requests must give
// exactly its want section.
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/*/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 195 {
		t.Fatalf("found %d golden cases, want at least the 195 spec vectors", len(paths))
	}
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a := golden.Parse(b)
			p := loadCase(t, a)
			reqs, ok := file(t, a, "request")
			if !ok {
				t.Fatal("no request section")
			}
			var got []string
			for i, line := range strings.Split(strings.TrimSpace(reqs), "\n") {
				if i > 0 {
					got = append(got, "----")
				}
				got = append(got, runRequest(t, p, line)...)
				// Decide must agree with Evaluate (the indexed path).
				checkDecideAgrees(t, p, line)
			}
			gotText := strings.Join(got, "\n") + "\n"
			want, _ := file(t, a, "want")
			if *update {
				for i := range a.Files {
					if a.Files[i].Name == "want" {
						a.Files[i].Data = gotText
					}
				}
				if err := os.WriteFile(path, a.Format(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if gotText != want {
				t.Errorf("output differs\n--- got\n%s--- want\n%s", gotText, want)
			}
		})
	}
}

// checkDecideAgrees compares the traced and the indexed evaluation, and
// each with its form under a context that is never done (which polls the
// context at every line and pattern-file word).
func checkDecideAgrees(t *testing.T, p *Policy, line string) {
	args := splitArgs(t, line)
	if args[0] != "harness" {
		return
	}
	req := harnessRequest(t, args[1:])
	req.Probe = ""
	a, b := p.Evaluate(req), p.Decide(req)
	if fmt.Sprint(a.Access, a.Matched, a.Log) != fmt.Sprint(b.Access, b.Matched, b.Log) {
		t.Errorf("Decide differs from Evaluate:\n%v %v %q\n%v %v %q", a.Access, a.Matched, a.Log, b.Access, b.Matched, b.Log)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if c, err := p.EvaluateContext(ctx, req); err != nil || !reflect.DeepEqual(c, a) {
		t.Errorf("EvaluateContext differs from Evaluate (err %v)", err)
	}
	if c, err := p.DecideContext(ctx, req); err != nil || !reflect.DeepEqual(c, b) {
		t.Errorf("DecideContext differs from Decide (err %v)", err)
	}
}
