//go:build linux

package libwrap

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// vectorsPath is the spec's vector file, kept in the repository (a copy
// of ../shared/spec/hosts_access_vectors.json, so that a clone anywhere
// runs these tests).
const vectorsPath = "testdata/hosts_access_vectors.json"

var (
	testHarness *Harness
	harnessErr  error
)

func TestMain(m *testing.M) {
	code := func() int {
		if Available() != nil {
			return m.Run() // every test skips or fails by itself
		}
		dir, err := os.MkdirTemp("", "libwrap-harness-")
		if err != nil {
			harnessErr = err
			return m.Run()
		}
		defer os.RemoveAll(dir)
		testHarness, harnessErr = New(dir)
		if testHarness != nil {
			defer testHarness.Close()
		}
		return m.Run()
	}()
	os.Exit(code)
}

// harness returns the shared harness, skipping the test when the harness
// cannot run here — except in CI, where a missing prerequisite fails.
func harness(t testing.TB) *Harness {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but the libwrap harness is unavailable: %v", err)
		}
		t.Skip(err.Error())
	}
	if harnessErr != nil {
		t.Fatalf("libwrap harness: %v", harnessErr)
	}
	return testHarness
}

func TestAvailable(t *testing.T) {
	err := Available()
	if err != nil && os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but the libwrap harness is unavailable: %v", err)
	}
	t.Logf("Available() = %v", err)
}

type vector struct {
	ID             string            `json:"id"`
	Tool           string            `json:"tool"`
	Allow          *string           `json:"hosts.allow"`
	Deny           *string           `json:"hosts.deny"`
	ExtraFiles     map[string]string `json:"extra_files"`
	Args           []string          `json:"args"`
	ExpectAccess   []string          `json:"expect_access"`
	ExpectMatched  []string          `json:"expect_matched"`
	ObservedOutput []string          `json:"observed_output"`
}

type vectorFile struct {
	Vectors    []vector `json:"vectors"`
	HostsTable []string `json:"hosts_table"`
}

func loadVectors(t *testing.T) vectorFile {
	t.Helper()
	data, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	var vf vectorFile
	if err := json.Unmarshal(data, &vf); err != nil {
		t.Fatalf("parse vectors: %v", err)
	}
	if len(vf.Vectors) == 0 || len(vf.HostsTable) == 0 {
		t.Fatalf("no vectors in %s", vectorsPath)
	}
	return vf
}

func (v vector) Case(hosts []string) Case {
	return Case{
		Allow: v.Allow,
		Deny:  v.Deny,
		Files: v.ExtraFiles,
		Hosts: strings.Join(hosts, "\n") + "\n",
	}
}

// inetdWarning is the one line the real tcpdmatch prints that the vectors
// do not contain (see README.md, "Deviations"): with -i /dev/null no daemon
// is listed, so tcpdmatch warns about every daemon name.
func inetdWarning(line string) bool {
	return strings.HasPrefix(line, "warning: ") && strings.HasSuffix(line, ": no such process name in /dev/null")
}

func TestTcpdmatchVectors(t *testing.T) {
	h := harness(t)
	vf := loadVectors(t)
	n := 0
	for _, v := range vf.Vectors {
		if v.Tool != "tcpdmatch -d -i /dev/null" {
			continue
		}
		n++
		t.Run(v.ID, func(t *testing.T) {
			t.Parallel()
			lines, code, err := h.Tcpdmatch(v.Case(vf.HostsTable), v.Args...)
			if err != nil {
				t.Fatal(err)
			}
			daemon, _, _ := strings.Cut(v.Args[0], "@")
			daemon = daemon[strings.LastIndexByte(daemon, '/')+1:]
			var got, dropped []string
			for _, l := range lines {
				if inetdWarning(l) {
					dropped = append(dropped, l)
				} else {
					got = append(got, l)
				}
			}
			if want := []string{"warning: " + daemon + ": no such process name in /dev/null"}; !reflect.DeepEqual(dropped, want) {
				t.Errorf("inetd warnings %q, want %q", dropped, want)
			}
			if !reflect.DeepEqual(got, v.ObservedOutput) {
				t.Errorf("tcpdmatch %q:\n got: %q\nwant: %q", v.Args, got, v.ObservedOutput)
			}
			if code != 0 {
				t.Errorf("exit code %d, want 0", code)
			}
		})
	}
	if n < 150 {
		t.Fatalf("only %d tcpdmatch vectors", n)
	}
}

// parseRealArgs reads "[-x EXPAND] daemon client_ip client_port server_ip
// server_port".
func parseRealArgs(t *testing.T, args []string) Request {
	t.Helper()
	var r Request
	if len(args) > 1 && args[0] == "-x" {
		r.Expand = args[1]
		args = args[2:]
	}
	if len(args) != 5 {
		t.Fatalf("bad harness args %q", args)
	}
	r.Daemon = args[0]
	ap := func(addr, port string) netip.AddrPort {
		p, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			t.Fatal(err)
		}
		return netip.AddrPortFrom(netip.MustParseAddr(addr), uint16(p))
	}
	r.Client = ap(args[1], args[2])
	r.Server = ap(args[3], args[4])
	return r
}

func matchedString(ms []Match) []string {
	var out []string
	for _, m := range ms {
		switch m.File {
		case "hosts.allow":
			out = append(out, "A:"+strconv.Itoa(m.Line))
		case "hosts.deny":
			out = append(out, "D:"+strconv.Itoa(m.Line))
		default:
			out = append(out, m.File+":"+strconv.Itoa(m.Line))
		}
	}
	return out
}

func optionLines(opts []Option) []string {
	var out []string
	for _, o := range opts {
		v := ""
		if o.Value != nil {
			v = *o.Value
		}
		out = append(out, "option:   "+o.Name+" "+v)
	}
	return out
}

func TestRealModeVectors(t *testing.T) {
	h := harness(t)
	vf := loadVectors(t)
	n := 0
	for _, v := range vf.Vectors {
		if !strings.HasPrefix(v.Tool, "libwrap harness (real mode)") {
			continue
		}
		n++
		t.Run(v.ID, func(t *testing.T) {
			t.Parallel()
			req := parseRealArgs(t, v.Args)
			res, err := h.Run(v.Case(vf.HostsTable), []Request{req})
			if err != nil {
				t.Fatal(err)
			}
			r := res[0]
			if len(v.ExpectAccess) != 1 || r.Access != v.ExpectAccess[0] {
				t.Errorf("access %q, want %q", r.Access, v.ExpectAccess)
			}
			if got := matchedString(r.Matched); !reflect.DeepEqual(got, nilIfEmpty(v.ExpectMatched)) {
				t.Errorf("matched %q, want %q", got, v.ExpectMatched)
			}
			var wantOpts []string
			for _, l := range v.ObservedOutput {
				if strings.HasPrefix(l, "option:   ") {
					wantOpts = append(wantOpts, l)
				}
			}
			if got := optionLines(r.Options); !reflect.DeepEqual(got, wantOpts) {
				t.Errorf("options %q, want %q", got, wantOpts)
			}
			// The whole observed output: every syslog line, the verdict
			// and the expansion.
			got := append([]string{}, r.Log...)
			got = append(got, "verdict: "+r.Access)
			if req.Expand != "" {
				got = append(got, "expand: "+r.Expand)
			}
			if !reflect.DeepEqual(got, v.ObservedOutput) {
				t.Errorf("output:\n got: %q\nwant: %q", got, v.ObservedOutput)
			}
			if !r.Sandboxed {
				t.Errorf("seccomp backstop not active")
			}
		})
	}
	if n != 12 {
		t.Fatalf("found %d real-mode vectors, want 12", n)
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func ptr(s string) *string { return &s }

// etcFingerprint describes the files of the real /etc that the seal hides.
func etcFingerprint(t *testing.T) map[string]string {
	t.Helper()
	fp := map[string]string{}
	for _, name := range []string{"hosts", "nsswitch.conf", "netgroup", "passwd", "group"} {
		data, err := os.ReadFile(filepath.Join("/etc", name))
		if err != nil {
			fp[name] = "error: " + err.Error()
			continue
		}
		fp[name] = fmt.Sprintf("%x", sha256.Sum256(data))
	}
	return fp
}

func TestSealing(t *testing.T) {
	h := harness(t)
	before := etcFingerprint(t)
	defer func() {
		if after := etcFingerprint(t); !reflect.DeepEqual(before, after) {
			t.Errorf("the real /etc changed:\nbefore %v\nafter  %v", before, after)
		}
	}()

	probe, err := h.probe()
	if err != nil {
		t.Fatal(err)
	}
	if want := "probe hosts=0 loopback=ENETUNREACH remote=ENETUNREACH"; probe != want {
		t.Errorf("probe = %q, want %q", probe, want)
	}
	// The seal's mounts stay in its own mount namespace.
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(mounts), "\n") {
		f := strings.Fields(l)
		if len(f) > 4 && (f[4] == "/etc" || strings.HasPrefix(f[4], h.work)) {
			t.Errorf("seal mount visible outside the seal: %s", l)
		}
	}

	c := Case{Hosts: "10.0.0.1 good.example.com\n"}
	names := []string{"localhost"}
	if hn, err := os.Hostname(); err == nil && hn != "" {
		names = append(names, hn)
	}
	for _, name := range names {
		lines, code, err := h.Tcpdmatch(c, "sshd", name)
		if err != nil {
			t.Fatal(err)
		}
		want := "warning: " + name + ": host not found"
		if code != 1 || !contains(lines, want) {
			t.Errorf("tcpdmatch sshd %s: exit %d, lines %q; want exit 1 and %q", name, code, lines, want)
		}
	}
	// Positive control: a name from the case table does resolve.
	lines, code, err := h.Tcpdmatch(c, "sshd", "good.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || !contains(lines, "client:   hostname good.example.com") {
		t.Errorf("tcpdmatch sshd good.example.com: exit %d, lines %q", code, lines)
	}

	// Real mode: 127.0.0.1 has a name in the machine's /etc/hosts, but
	// not in the case table, so its name stays "unknown".
	res, err := h.Run(Case{Deny: ptr("ALL: KNOWN\n"), Hosts: c.Hosts}, []Request{{
		Daemon: "sshd",
		Client: netip.MustParseAddrPort("127.0.0.1:5555"),
		Server: netip.MustParseAddrPort("127.0.0.1:22"),
		Expand: "%n/%N",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Access != "granted" || res[0].Expand != "unknown/unknown" {
		t.Errorf("127.0.0.1 inside the seal: access %q, %%n/%%N = %q; want granted, unknown/unknown", res[0].Access, res[0].Expand)
	}

	// Netgroups come from the case, and do not leak into the next case.
	ng := Case{Deny: ptr("ALL: @trusted\n"), Hosts: c.Hosts, Netgroup: "trusted (good.example.com,,)\n"}
	noNG := ng
	noNG.Netgroup = ""
	req := []Request{{Daemon: "sshd", Client: netip.MustParseAddrPort("10.0.0.1:1234"), Server: netip.MustParseAddrPort("10.0.0.2:22")}}
	batch, err := h.RunBatch([]Case{ng, noNG, ng, noNG}, [][]Request{req, req, req, req})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"denied", "granted", "denied", "granted"} {
		if got := batch[i][0].Access; got != want {
			t.Errorf("netgroup case %d: access %q, want %q", i, got, want)
		}
	}

	// passwd/group come from the case.
	userCase := Case{Allow: ptr("sshd: ALL: user alice.staff\n")}
	for _, tc := range []struct {
		passwd, group string
		want          string
	}{
		{"", "", "error: hosts.allow, line 1: unknown group: \"staff\""},
		{"", DefaultGroup + "staff:x:50:\n", "error: hosts.allow, line 1: unknown user: \"alice\""},
		{DefaultPasswd + "alice:x:1000:1000::/home/alice:/bin/sh\n", DefaultGroup + "staff:x:50:\n", ""},
	} {
		uc := userCase
		uc.Passwd, uc.Group = tc.passwd, tc.group
		res, err := h.Run(uc, []Request{{Daemon: "sshd", Client: netip.MustParseAddrPort("10.0.0.1:1")}})
		if err != nil {
			t.Fatal(err)
		}
		r := res[0]
		if tc.want == "" {
			if r.Access != "granted" || len(r.Calls) != 0 {
				t.Errorf("user alice.staff with tables: access %q, calls %q, log %q", r.Access, r.Calls, r.Log)
			}
		} else if r.Access != "denied" || !contains(r.Log, tc.want) {
			t.Errorf("user alice.staff: access %q, log %q; want denied and %q", r.Access, r.Log, tc.want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// wantDecision is what a request of a harness' own test must be decided.
type wantDecision struct {
	access   string
	matched  []Match
	commands []Command
}

// checkDecisions requires each of res, the results of reqs, to be as
// want says, decided inside the seccomp backstop, with tcpd's severities
// (6/4).
func checkDecisions(t *testing.T, reqs []Request, res []Result, want []wantDecision) {
	t.Helper()
	for i, w := range want {
		r := res[i]
		if r.Access != w.access || !reflect.DeepEqual(r.Matched, w.matched) || !reflect.DeepEqual(r.Commands, w.commands) {
			t.Errorf("request %d (%s): access %q matched %v commands %q; want %q %v %q (log %q)",
				i, reqs[i].Daemon, r.Access, r.Matched, r.Commands, w.access, w.matched, w.commands, r.Log)
		}
		if !r.Sandboxed {
			t.Errorf("request %d: seccomp backstop not active", i)
		}
		if r.AllowSeverity != 6 || r.DenySeverity != 4 {
			t.Errorf("request %d: severities %d/%d, want tcpd's 6/4", i, r.AllowSeverity, r.DenySeverity)
		}
	}
}

// checkNothingRan requires the directory target to be empty a moment
// after the commands were recorded: none of them ran.
func checkNothingRan(t *testing.T, target string) {
	t.Helper()
	time.Sleep(50 * time.Millisecond)
	entries, err := os.ReadDir(target)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s was created: a command ran", e.Name())
	}
}

func TestNoExec(t *testing.T) {
	h := harness(t)
	target := t.TempDir()
	allow := fmt.Sprintf("sshd: ALL: spawn touch %[1]s/pwned\n"+
		"in.ftpd: ALL: twist touch %[1]s/pwned2\n"+
		"in.telnetd: ALL: aclexec touch %[1]s/pwned3\n"+
		"in.rshd: ALL: aclexec /bin/false\n"+
		"ALL: ALL: spawn touch {DIR}/pwned4 : twist touch {DIR}/pwned5\n", target)
	c := Case{Allow: &allow, Deny: ptr("ALL: ALL\n")}
	client := netip.MustParseAddrPort("10.0.0.1:4000")
	server := netip.MustParseAddrPort("10.0.0.2:23")
	reqs := []Request{
		{Daemon: "sshd", Client: client, Server: server},
		{Daemon: "in.ftpd", Client: client, Server: server},
		{Daemon: "in.telnetd", Client: client, Server: server},
		{Daemon: "in.rshd", Client: client, Server: server},
		{Daemon: "other", Client: client, Server: server},
	}
	res, err := h.Run(c, reqs)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		access   string
		commands []Command
	}{
		{"granted", []Command{{"spawn", "touch " + target + "/pwned"}}},
		{"delegated", []Command{{"twist", "touch " + target + "/pwned2"}}},
		{"granted", []Command{{"aclexec", "touch " + target + "/pwned3"}}},
		{"denied", []Command{{"aclexec", "/bin/false"}}},
		{"delegated", []Command{{"spawn", "touch {DIR}/pwned4"}, {"twist", "touch {DIR}/pwned5"}}},
	}
	for i, w := range want {
		r := res[i]
		if r.Access != w.access || !reflect.DeepEqual(r.Commands, w.commands) {
			t.Errorf("request %d (%s): access %q commands %q; want %q %q (log %q)",
				i, reqs[i].Daemon, r.Access, r.Commands, w.access, w.commands, r.Log)
		}
		if !r.Sandboxed {
			t.Errorf("request %d: seccomp backstop not active", i)
		}
	}
	if !contains(res[1].Log, "twist 10.0.0.1 to touch "+target+"/pwned2") {
		t.Errorf("no twist log line: %q", res[1].Log)
	}
	if !contains(res[3].Log, "aclexec returned 1") {
		t.Errorf("failed aclexec not logged: %q", res[3].Log)
	}
	// tcpdmatch (dry run) must not run anything either.
	for _, d := range []string{"sshd", "in.ftpd", "in.telnetd", "other"} {
		if _, _, err := h.Tcpdmatch(c, d, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
	}
	checkNothingRan(t, target)
}

// TestTcpdmatchNoIdChange: with the shim, tcpdmatch's setuid/setgid
// succeed without doing anything, so Debian's dry-run user/group bug (the
// tool drops to nobody, then "setgid(nobody): Operation not permitted")
// does not show.
func TestTcpdmatchNoIdChange(t *testing.T) {
	h := harness(t)
	c := Case{Allow: ptr("sshd: ALL: user nobody\n"), Deny: ptr("ALL: ALL\n")}
	lines, code, err := h.Tcpdmatch(c, "sshd", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"warning: sshd: no such process name in /dev/null",
		"client:   address  10.0.0.1",
		"server:   process  sshd",
		"matched:  hosts.allow line 1",
		"option:   user nobody",
		"access:   granted",
	}
	if code != 0 || !reflect.DeepEqual(lines, want) {
		t.Errorf("tcpdmatch with user nobody: exit %d\n got %q\nwant %q", code, lines, want)
	}
	// Real mode: Debian's inverted check skips the id switch entirely.
	res, err := h.Run(c, []Request{{Daemon: "sshd", Client: netip.MustParseAddrPort("10.0.0.1:1")}})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Access != "granted" || len(r.Calls) != 0 {
		t.Errorf("real mode user nobody: access %q calls %q", r.Access, r.Calls)
	}
}

func TestLibraryExit(t *testing.T) {
	h := harness(t)
	// percent_x overflows its 8 KiB buffer: the library logs, sleeps 5 s
	// and calls exit(0); all three are intercepted.
	allow := "sshd: ALL: spawn " + strings.Repeat("%u", 70) + "\n"
	res, err := h.Run(Case{Allow: &allow}, []Request{{
		Daemon: "sshd",
		Client: netip.MustParseAddrPort("10.0.0.1:1"),
		User:   strings.Repeat("u", 120),
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if r.Exit == nil || *r.Exit != 0 || r.Access != "denied" || !reflect.DeepEqual(r.Calls, []string{"sleep(5)"}) {
		t.Errorf("overflow: exit %v access %q calls %q log %q", r.Exit, r.Access, r.Calls, r.Log)
	}
	wantLog := "warning: hosts.allow, line 1: percent_x: expansion too long: " + strings.Repeat("u", 30) + "..."
	if !contains(r.Log, wantLog) {
		t.Errorf("overflow log %q, want %q", r.Log, wantLog)
	}
}

func TestOptionsSideEffects(t *testing.T) {
	h := harness(t)
	allow := "sshd: ALL: nice -5 : umask 027 : keepalive : linger 7 : setenv FOO bar baz : severity local0.notice : banners {DIR}/ban : user nobody\n"
	c := Case{Allow: &allow, Files: map[string]string{"ban/sshd": "Hello %a from %d; bad=%u\n"}}
	res, err := h.Run(c, []Request{{
		Daemon: "sshd",
		Client: netip.MustParseAddrPort("10.0.0.1:1"),
		Server: netip.MustParseAddrPort("10.0.0.2:22"),
		User:   "x y",
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	wantCalls := []string{"nice(-5)", "umask(027)", "setsockopt(SO_KEEPALIVE)", "setsockopt(SO_LINGER,onoff=1,linger=7)", "setenv(FOO=bar baz)"}
	if r.Access != "granted" || !reflect.DeepEqual(r.Calls, wantCalls) {
		t.Errorf("access %q calls %q, want granted %q (log %q)", r.Access, r.Calls, wantCalls, r.Log)
	}
	if want := "Hello 10.0.0.1 from sshd; bad=x_y\r\n"; r.Banner != want {
		t.Errorf("banner %q, want %q", r.Banner, want)
	}
	if r.AllowSeverity != 16<<3|5 || r.DenySeverity != 16<<3|5 {
		t.Errorf("severities %d/%d, want local0.notice", r.AllowSeverity, r.DenySeverity)
	}
	var names []string
	for _, o := range r.Options {
		names = append(names, o.Name)
	}
	if want := []string{"nice", "umask", "keepalive", "linger", "setenv", "severity", "banners", "user"}; !reflect.DeepEqual(names, want) {
		t.Errorf("options %q, want %q", names, want)
	}
	if r.Options[2].Value != nil || r.Options[4].Value == nil || *r.Options[4].Value != "FOO bar baz" {
		t.Errorf("option values: %q", optionLines(r.Options))
	}
}

func TestNormalizeHosts(t *testing.T) {
	in := "# comment\n\n   \n10.0.0.1 Good.Example.COM good # trailing\n10.0.0.2\n" +
		"10.0.0.3\t-dash _under\r\nbogus name\n010.0.0.4 leading.zero\nfe80::1%eth0 zoned\n::ffff:1.2.3.4 mapped\n"
	want := "10.0.0.1 good.example.com good\n10.0.0.3 dash _under\n::ffff:1.2.3.4 mapped\n"
	if got := NormalizeHosts(in); got != want {
		t.Errorf("NormalizeHosts:\n got %q\nwant %q", got, want)
	}
}

// TestBatchCost measures RunBatch over 200 random-looking cases of five
// requests each and logs the cost per case.
func TestBatchCost(t *testing.T) {
	h := harness(t)
	cases, reqs := syntheticBatch(200)
	start := time.Now()
	res, err := h.RunBatch(cases, reqs)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	for i := range res {
		if len(res[i]) != len(reqs[i]) {
			t.Fatalf("case %d: %d results", i, len(res[i]))
		}
	}
	t.Logf("RunBatch: %d cases x %d requests in %v = %v per case (%d sessions)",
		len(cases), len(reqs[0]), elapsed.Round(time.Millisecond), (elapsed / time.Duration(len(cases))).Round(10*time.Microsecond), cap(h.slots))
}

func BenchmarkRunBatch(b *testing.B) {
	h := harness(b)
	cases, reqs := syntheticBatch(200)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.RunBatch(cases, reqs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(cases)), "µs/case")
}

func syntheticBatch(n int) ([]Case, [][]Request) {
	hosts := "10.0.0.1 good.example.com good\n10.0.0.2 host2.example.org\n10.0.0.3 nodots\n127.1.0.2 lo2\n"
	var cases []Case
	var reqs [][]Request
	for i := 0; i < n; i++ {
		allow := fmt.Sprintf("sshd: 10.0.0.%d\nin.ftpd: .example.com EXCEPT host%d.example.org\n", i%5, i%3)
		deny := fmt.Sprintf("ALL EXCEPT sshd: LOCAL\nALL: 10.0.0.0/255.255.255.%d : spawn echo %%h\nALL: KNOWN\n", 252+i%4)
		cases = append(cases, Case{Allow: ptr(allow), Deny: ptr(deny), Hosts: hosts})
		var rs []Request
		for j := 1; j <= 5; j++ {
			d := "sshd"
			if j%2 == 0 {
				d = "in.ftpd"
			}
			rs = append(rs, Request{
				Daemon: d,
				Client: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(j)}), uint16(1000+j)),
				Server: netip.MustParseAddrPort("127.1.0.2:22"),
			})
		}
		reqs = append(reqs, rs)
	}
	return cases, reqs
}

// withMode returns a harness sharing h's binaries but with its own sessions
// and the given isolation mode.
func withMode(t *testing.T, h *Harness, fork, noRestore bool) *Harness {
	t.Helper()
	work, err := workDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(work, "cases"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := &Harness{
		ForkPerRequest: fork,
		noRestore:      noRestore,
		dir:            h.dir,
		work:           work,
		driver:         h.driver,
		shim:           h.shim,
		sealer:         h.sealer,
		nssWrapper:     h.nssWrapper,
		slots:          make(chan struct{}, cap(h.slots)),
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// statefulBatch exercises libwrap's process-wide state: a failing aclexec
// leaves a flag that makes later option rules fail, and the second twist of
// a process is refused.
func statefulBatch() ([]Case, [][]Request) {
	allow := "sshd: ALL: aclexec /bin/false\n" +
		"in.ftpd: ALL: spawn echo %a : severity local1.err\n" +
		"in.telnetd: ALL: twist echo %d\n" +
		"in.rshd: ALL: banners {DIR}/ban : nice 3 : umask 077 : setenv A b\n" +
		"in.rlogind: ALL: rfc931 3 : keepalive : linger 2 : user nobody.nogroup\n"
	deny := "in.fingerd: ALL: aclexec false %u\nALL: KNOWN : spawn x %n\nALL: ALL: deny\n"
	c := Case{
		Allow: &allow, Deny: &deny,
		Files: map[string]string{"ban/in.rshd": "hi %u@%h\n"},
		Hosts: "10.0.0.1 good.example.com\n10.0.0.2 two.example.com\n",
	}
	var reqs []Request
	for _, d := range []string{"sshd", "in.ftpd", "in.telnetd", "in.telnetd", "in.fingerd", "in.ftpd",
		"in.rshd", "in.rlogind", "other", "sshd", "in.telnetd", "in.rshd"} {
		for _, client := range []string{"10.0.0.1:1000", "10.0.0.3:1001"} {
			reqs = append(reqs, Request{
				Daemon: d,
				Client: netip.MustParseAddrPort(client),
				Server: netip.MustParseAddrPort("10.0.0.2:22"),
				User:   "al ice",
				Expand: "%h %n %c %u",
			})
		}
	}
	return []Case{c}, [][]Request{reqs}
}

// TestModesAgree checks that reset mode (the default) decides exactly like
// fork mode (a fresh process per request), and that without the restore of
// libwrap's data the stateful batch would come out differently.
func TestModesAgree(t *testing.T) {
	h := harness(t)
	vf := loadVectors(t)
	var cases []Case
	var reqs [][]Request
	for _, v := range vf.Vectors {
		if strings.HasPrefix(v.Tool, "libwrap harness (real mode)") {
			cases = append(cases, v.Case(vf.HostsTable))
			reqs = append(reqs, []Request{parseRealArgs(t, v.Args)})
		}
	}
	sc, sr := syntheticBatch(20)
	cases, reqs = append(cases, sc...), append(reqs, sr...)
	stc, str := statefulBatch()
	cases, reqs = append(cases, stc...), append(reqs, str...)

	reset, err := h.RunBatch(cases, reqs)
	if err != nil {
		t.Fatal(err)
	}
	forked, err := withMode(t, h, true, false).RunBatch(cases, reqs)
	if err != nil {
		t.Fatal(err)
	}
	// The modes run in different processes: only the pids may differ.
	clearPIDs(reset)
	clearPIDs(forked)
	for i := range cases {
		for j := range reqs[i] {
			if !reflect.DeepEqual(reset[i][j], forked[i][j]) {
				t.Errorf("case %d request %d: reset mode %+v\nfork mode %+v", i, j, reset[i][j], forked[i][j])
			}
		}
	}
	noRestore, err := withMode(t, h, false, true).RunBatch(stc, str)
	if err != nil {
		t.Fatal(err)
	}
	clearPIDs(noRestore)
	if reflect.DeepEqual(noRestore[0], reset[len(reset)-1]) {
		t.Errorf("without the restore the stateful batch came out the same: the test proves nothing")
	}
	// What leaks without the restore: the second twist is refused.
	leaked := false
	for _, r := range noRestore[0] {
		if contains(r.Log, "error: hosts.allow, line 3: twist option in resident process") {
			leaked = true
		}
	}
	if !leaked {
		t.Errorf("expected a refused second twist without the restore")
	}
}

// clearPIDs zeroes the process ids of a batch's results.
func clearPIDs(rs [][]Result) {
	for i := range rs {
		for j := range rs[i] {
			rs[i][j].PID = 0
		}
	}
}

// TestTcpdchk runs the real tcpdchk through the seal: its own lines, the
// library's warnings through the shim (interleaved), the case's hosts
// table for its DNS checks, the case directory as {DIR}, and a usage
// error's exit status.
func TestTcpdchk(t *testing.T) {
	h := harness(t)
	c := Case{
		Allow: ptr("sshd: good.example.com nothere.example.com {DIR}/x/y : user nobody\n"),
		Deny:  ptr("ALL: ALL"),
		Files: map[string]string{"x": "a file\n"},
		Hosts: "10.0.0.1 good.example.com\n",
	}
	lines, code, err := h.Tcpdchk(c, "-d", "-v", "-i", "/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Using network configuration file: /dev/null",
		"",
		">>> Rule hosts.allow line 1:",
		"daemons:  sshd",
		"clients:  good.example.com nothere.example.com {DIR}/x/y",
		"warning: hosts.allow, line 1: nothere.example.com: host not found",
		"warning: hosts.allow, line 1: open {DIR}/x/y: Not a directory",
		"option:   user nobody",
		"access:   granted",
		"warning: hosts.deny, line 0: missing newline or line too long",
	}
	if code != 0 || !reflect.DeepEqual(lines, want) {
		t.Errorf("tcpdchk -d -v: exit %d\n got %q\nwant %q", code, lines, want)
	}
	lines, code, err = h.Tcpdchk(c, "-d", "operand")
	if err != nil {
		t.Fatal(err)
	}
	if code != 1 || len(lines) != 5 || lines[0] != "usage: "+TcpdchkPath+" [-a] [-d] [-i inet_conf] [-v]" {
		t.Errorf("tcpdchk with an operand: exit %d, %q", code, lines)
	}
}

// TestTcpdchkModes: Case.Modes reach the real tcpdchk (world-writable
// table, set-uid tcpd given as raw octal or as os.ModeSetgid, a directory
// made unsearchable after its files were written), and Case.AsNobody runs
// it without root's privileges (an unreadable table and pattern file),
// while the same case as root reads everything.
func TestTcpdchkModes(t *testing.T) {
	h := harness(t)
	c := Case{
		Allow: ptr("sshd: {DIR}/pat\n"),
		Files: map[string]string{
			"pat":        "10.0.0.1\n",
			"inetd.conf": "a stream tcp nowait root u/tcpd tcpdchk\nb stream tcp nowait root g/tcpd tcpdchk\nc stream tcp nowait root s/x/tcpd tcpdchk\n",
			"u/tcpd":     "", "g/tcpd": "", "s/x/tcpd": "",
		},
		Hosts: "10.0.0.1 a.example\n",
		Modes: map[string]os.FileMode{"hosts.allow": 0o666, "u/tcpd": 0o4755, "g/tcpd": 0o755 | os.ModeSetgid,
			"pat": 0, "s": 0o700},
	}
	lines, code, err := h.Tcpdchk(c, "-d", "-i", "inetd.conf")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"warning: inetd.conf, line 1: u/tcpd: file is set-uid or set-gid",
		"warning: inetd.conf, line 2: g/tcpd: file is set-uid or set-gid",
		"warning: inetd.conf, line 3: s/x/tcpd: not executable", // files are written 0644
		"warning: hosts.allow: world writable",
	}
	if code != 0 || !reflect.DeepEqual(lines, want) {
		t.Errorf("tcpdchk as root: exit %d\n got %q\nwant %q", code, lines, want)
	}
	c.AsNobody = true
	lines, code, err = h.Tcpdchk(c, "-d", "-i", "inetd.conf")
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		"warning: inetd.conf, line 1: u/tcpd: file is set-uid or set-gid",
		"warning: inetd.conf, line 2: g/tcpd: file is set-uid or set-gid",
		"warning: inetd.conf, line 3: s/x/tcpd: not found: Permission denied",
		"warning: hosts.allow: world writable",
		"warning: hosts.allow, line 1: open {DIR}/pat: Permission denied",
	}
	if code != 0 || !reflect.DeepEqual(lines, want) {
		t.Errorf("tcpdchk as nobody: exit %d\n got %q\nwant %q", code, lines, want)
	}
}

func TestParseModes(t *testing.T) {
	m, err := ParseModes("# comment\nbin/tcpd 4755\n\n. 777\n")
	if err != nil || len(m) != 2 || m["bin/tcpd"] != 0o4755 || m["."] != 0o777 {
		t.Errorf("ParseModes: %v, %v", m, err)
	}
	for _, bad := range []string{"x", "x 9", "x 17777", "x 1 2"} {
		if _, err := ParseModes(bad); err == nil {
			t.Errorf("ParseModes(%q): no error", bad)
		}
	}
	if m, err := ParseModes(""); err != nil || m != nil {
		t.Errorf("ParseModes(\"\"): %v, %v", m, err)
	}
}

// TestCtl calls the real hosts_ctl through the driver: the preset name is
// used without a lookup, an empty daemon stays empty, options that need
// the connection's descriptor fail (there is none), both modes agree, and
// a socket request for a daemon named "=ctl" is not read as a ctl call.
func TestCtl(t *testing.T) {
	h := harness(t)
	c := Case{
		Allow: ptr("sshd: ALL: spawn echo %h %c %d: keepalive\nin.ftpd: ALL: twist echo %h\n=ctl: ALL: allow\n"),
		Deny:  ptr("ALL: ALL\n"),
		Hosts: "10.0.0.1 good.example.com\n",
	}
	reqs := []Request{
		{Ctl: true, Daemon: "sshd", Name: "given.example", Addr: "10.0.0.1", User: "alice"},
		{Ctl: true, Daemon: "sshd", Addr: "10.0.0.1", Expand: "%n|%d|%u"},
		{Ctl: true, Daemon: "", Name: "-", Addr: "-", Expand: "[%d]|%n|%a"},
		{Ctl: true, Daemon: "in.ftpd", Name: "x", Addr: "10.0.0.1"},
		{Daemon: "=ctl", Client: netip.MustParseAddrPort("10.0.0.1:5555")},
	}
	got, err := h.Run(c, reqs)
	if err != nil {
		t.Fatal(err)
	}
	forked, err := withMode(t, h, true, false).Run(c, reqs)
	if err != nil {
		t.Fatal(err)
	}
	clearPIDs([][]Result{got, forked})
	if !reflect.DeepEqual(got, forked) {
		t.Errorf("reset mode %+v\nfork mode %+v", got, forked)
	}
	want := []string{"matched:  hosts.allow line 1", "option:   spawn echo given.example alice@given.example sshd",
		"option:   keepalive ", "warning: hosts.allow, line 1: setsockopt SO_KEEPALIVE: Bad file descriptor"}
	if !reflect.DeepEqual(got[0].Log, want) || got[0].Access != "granted" {
		t.Errorf("ctl with a name: %s %q, want granted %q", got[0].Access, got[0].Log, want)
	}
	if got[1].Expand != "unknown|sshd|unknown" {
		t.Errorf("ctl without a name: expansion %q, want the name unknown (never looked up)", got[1].Expand)
	}
	if got[2].Expand != "[]|-|-" || got[2].Access != "denied" {
		t.Errorf("ctl with an empty daemon and \"-\" strings: %s, expansion %q", got[2].Access, got[2].Expand)
	}
	if got[3].Exit == nil || len(got[3].Commands) != 0 ||
		!contains(got[3].Log, "warning: hosts.allow, line 2: twist_option: dup: Bad file descriptor") {
		t.Errorf("ctl twist: exit %v, commands %v, log %q; want an exit after a failed dup", got[3].Exit, got[3].Commands, got[3].Log)
	}
	if got[4].Access != "granted" || !contains(got[4].Log, "matched:  hosts.allow line 3") {
		t.Errorf("socket request for daemon =ctl: %s %q", got[4].Access, got[4].Log)
	}
}
