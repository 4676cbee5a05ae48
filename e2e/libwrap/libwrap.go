//go:build linux

package libwrap

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
)

//go:embed driver.c
var driverSource []byte

//go:embed shim.c
var shimSource []byte

//go:embed scoped.h
var scopedSource []byte

//go:embed sealer.c
var sealerSource []byte

// TcpdmatchPath is the Debian tcpdmatch binary run by Harness.Tcpdmatch.
const TcpdmatchPath = "/usr/sbin/tcpdmatch"

// TcpdchkPath is the Debian tcpdchk binary run by Harness.Tcpdchk.
const TcpdchkPath = "/usr/sbin/tcpdchk"

// DirPlaceholder stands for the absolute path of the case directory. It is
// replaced by that path in Case.Allow, Case.Deny and every Case.Files value,
// and every occurrence of that path in results (log lines, option values,
// commands, banners, expansions, tcpdmatch output) is replaced back by it.
const DirPlaceholder = "{DIR}"

// Case is one configuration: the two tables, extra files and the name
// service tables seen by the library.
type Case struct {
	// Allow and Deny are the contents of hosts.allow and hosts.deny in the
	// case directory; nil means the file does not exist.
	Allow, Deny *string
	// Files are extra files, by path relative to the case directory
	// (e.g. "list", "ban/sshd"). Parent directories are created, so
	// "hosts.allow/.keep" makes hosts.allow a directory.
	Files map[string]string
	// Hosts is an /etc/hosts-format table, passed through NormalizeHosts
	// before libnss_wrapper reads it. It is the ONLY source of names.
	Hosts string
	// Netgroup is the /etc/netgroup table seen by innetgr().
	Netgroup string
	// Passwd and Group are the passwd(5) and group(5) tables; "" means
	// DefaultPasswd / DefaultGroup.
	Passwd, Group string
	// Modes sets permission bits (including set-uid, set-gid and sticky,
	// given as os.ModeSetuid, os.ModeSetgid, os.ModeSticky or as the raw
	// octal bits 04000, 02000, 01000) with chmod(2) after every file was
	// written, by path relative to the case directory ("." is the case
	// directory itself), deepest paths first. Without it files are 0644
	// and directories 0755.
	Modes map[string]os.FileMode
	// AsNobody runs the real tcpdchk (Harness.Tcpdchk only) as uid 65534,
	// gid 65534 and no supplementary groups, so that file permissions
	// apply to it (as root they would not).
	AsNobody bool
}

// Request is one connection presented to hosts_access() in real mode.
type Request struct {
	// Daemon is the process name (RQ_DAEMON); "" leaves libwrap's default
	// "unknown" (with Ctl: the empty name).
	Daemon string
	// Client is the client socket address (RQ_CLIENT_SIN). The zero value
	// means no client socket address at all.
	Client netip.AddrPort
	// Server is the server socket address (RQ_SERVER_SIN); the zero value
	// means no server socket (server unknown).
	Server netip.AddrPort
	// User presets the client user name (RQ_USER); "" presets "unknown".
	// Either way no IDENT query is ever made.
	User string
	// Expand, if not empty, is a %-template expanded with percent_x() for
	// the same request after hosts_access() returned (Result.Expand).
	Expand string
	// Ctl makes the request a hosts_ctl(Daemon, Name, Addr, User) call,
	// the interface of daemons that hand libwrap strings rather than a
	// socket: the four strings are passed exactly as given ("" is the
	// empty string: libwrap reads an empty name, address or user as
	// "unknown" when it first needs it, and keeps an empty daemon name),
	// with no descriptor, no socket address and no lookup methods.
	// Client and Server are ignored.
	Ctl bool
	// Name and Addr are hosts_ctl's client name and address strings
	// (used only with Ctl).
	Name, Addr string
}

// Match is one "matched:  FILE line N" debug line; File is the base name.
type Match struct {
	File string
	Line int
}

// Option is one "option:   NAME VALUE" debug line. Value is nil when the
// line carries no value (libwrap then logs "option:   NAME " with a
// trailing space; an option whose value %-expanded to nothing looks the
// same).
type Option struct {
	Name  string
	Value *string
}

// Command is a command libwrap tried to run; it was NOT run.
type Command struct {
	// Kind is "spawn", "aclexec" or "twist" (from the option that ran it)
	// or "sh" when no such option preceded it.
	Kind string
	// Command is the shell command text after %-expansion.
	Command string
}

// Result is what libwrap decided for one Request.
type Result struct {
	// Access is "granted" (hosts_access returned 1), "denied" (returned 0,
	// or the library ended the process, see Exit) or "delegated" (a twist
	// command reached exec).
	Access string
	// Matched lists the matched: lines in order (a failed aclexec gives
	// two, e.g. hosts.allow:1 then hosts.deny:1).
	Matched []Match
	// Options lists the option: lines in order.
	Options []Option
	// Log is every syslog message in order, formatted as syslog would
	// (%m expanded), including the matched:/option: debug lines.
	Log []string
	// LogPriority is the syslog priority of each Log entry.
	LogPriority []int
	// Commands lists the commands libwrap tried to run, in order.
	Commands []Command
	// Calls lists other interposed calls in order, e.g. "sleep(5)",
	// "nice(10)", "umask(077)", "setenv(FOO=bar)", "setuid(65534)",
	// "setsockopt(SO_KEEPALIVE)", "setsockopt(SO_LINGER,onoff=1,linger=5)".
	Calls []string
	// Banner is every byte written to the client descriptor (banners).
	Banner string
	// Expand is the expansion of Request.Expand ("" when not asked for, or
	// when the expansion made the library exit).
	Expand string
	// Exit is the status passed to exit() by the library (percent_x
	// overflow, clean_exit), nil when it did not exit.
	Exit *int
	// AllowSeverity and DenySeverity are libwrap's allow_severity and
	// deny_severity after the decision (the severity option changes them).
	AllowSeverity, DenySeverity int
	// Sandboxed reports that the seccomp backstop was active.
	Sandboxed bool
	// PID is the process id the library ran in (what %p expanded to).
	PID int
}

var (
	availOnce sync.Once
	availErr  error
)

// Available reports why the harness cannot run here (not root, cc missing,
// tcpd/libwrap0-dev/libnss-wrapper missing, unshare not permitted), or nil.
func Available() error {
	availOnce.Do(func() { availErr = checkAvailable() })
	return availErr
}

func checkAvailable() error {
	if os.Geteuid() != 0 {
		return errors.New("libwrap harness: must run as root (unshare, mount)")
	}
	if _, err := exec.LookPath("cc"); err != nil {
		return errors.New("libwrap harness: cc not found (install gcc)")
	}
	if _, err := os.Stat(TcpdmatchPath); err != nil {
		return errors.New("libwrap harness: " + TcpdmatchPath + " missing (install tcpd)")
	}
	if _, err := os.Stat("/usr/include/tcpd.h"); err != nil {
		return errors.New("libwrap harness: /usr/include/tcpd.h missing (install libwrap0-dev)")
	}
	if findLib("libwrap.so") == "" {
		return errors.New("libwrap harness: libwrap.so missing (install libwrap0-dev)")
	}
	if findLib("libnss_wrapper.so") == "" {
		return errors.New("libwrap harness: libnss_wrapper.so missing (install libnss-wrapper)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		return errors.New("libwrap harness: unshare not found (install util-linux)")
	}
	out, err := exec.Command("unshare", "--mount", "--net", "--propagation", "private", "--", "true").CombinedOutput()
	if err != nil {
		return fmt.Errorf("libwrap harness: unshare --mount --net not permitted: %v: %s", err, bytes.TrimSpace(out))
	}
	// The seal also needs a tmpfs and an overlay on /etc (in the new mount
	// namespace only).
	dir, err := os.MkdirTemp("", "libwrap-check-")
	if err != nil {
		return fmt.Errorf("libwrap harness: %v", err)
	}
	defer os.RemoveAll(dir)
	script := `mount -t tmpfs tmpfs "$1" && mkdir "$1/u" "$1/w" && ` +
		`mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/u,workdir=$1/w" /etc`
	out, err = exec.Command("unshare", "--mount", "--net", "--propagation", "private", "--",
		"sh", "-c", script, "sh", dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("libwrap harness: cannot mount tmpfs and an overlay on /etc inside unshare: %v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// findLib finds a shared library in the usual Debian directories.
func findLib(name string) string {
	candidates := []string{"/usr/lib/x86_64-linux-gnu/" + name}
	for _, pattern := range []string{"/usr/lib/*/" + name, "/lib/*/" + name, "/usr/lib/" + name, "/lib/" + name} {
		m, _ := filepath.Glob(pattern)
		sort.Strings(m)
		candidates = append(candidates, m...)
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c
		}
	}
	return ""
}

// Harness runs cases against the real libwrap. It is safe for concurrent
// use; it keeps up to one sealed session per CPU.
type Harness struct {
	// ForkPerRequest makes the driver decide every request in a fresh
	// fork()ed child (fork mode) instead of in one process that restores
	// libwrap's writable data before each request (reset mode, the
	// default, about 50 times faster here). Both give the same results;
	// set it before the first Run.
	ForkPerRequest bool
	noRestore      bool // tests only: reset mode without the restore

	dir        string // absolute tmpdir given to New: sources and binaries
	upstream   string // NewUpstream: the tcp_wrappers 7.6 source directory
	freebsd    string // NewFreeBSD: the FreeBSD source tree
	tcpdmatch  string // the tcpdmatch Tcpdmatch runs
	tcpdchk    string // the tcpdchk Tcpdchk runs
	work       string // case, control and scratch directories (tmpfs if possible)
	driver     string
	shim       string
	shimRun    string // the copy of shim in work that sessions preload
	sealer     string
	nssWrapper string

	slots chan struct{} // one token per session that may exist
	mu    sync.Mutex
	idle  []*session
	all   []*session
	next  int
	done  bool
}

// New builds the driver, the shim and the sealer with cc into tmpdir and
// returns a harness. Case directories are fresh temporary directories below
// a work directory in /dev/shm when that is a tmpfs (else below tmpdir),
// removed after each case; Close removes the work directory. Sealed
// sessions are started on first use.
func New(tmpdir string) (*Harness, error) {
	return newHarnessFor(tmpdir, "", "")
}

// newHarnessFor builds a harness around Debian's libwrap, or around the
// library built from upstream's tree (NewUpstream) or FreeBSD's
// (NewFreeBSD) when that directory is given.
func newHarnessFor(tmpdir, upstream, freebsd string) (*Harness, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(tmpdir)
	if err != nil {
		return nil, err
	}
	h := &Harness{
		dir:        dir,
		upstream:   upstream,
		freebsd:    freebsd,
		tcpdmatch:  TcpdmatchPath,
		tcpdchk:    TcpdchkPath,
		driver:     filepath.Join(dir, "bin", "driver"),
		shim:       filepath.Join(dir, "bin", "shim.so"),
		sealer:     filepath.Join(dir, "bin", "sealer"),
		nssWrapper: findLib("libnss_wrapper.so"),
	}
	for _, d := range []string{"bin", "src"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	if h.work, err = workDir(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(h.work, "cases"), 0o755); err != nil {
		return nil, err
	}
	// A Case.AsNobody tcpdchk must reach the case directory, the control
	// tables and the shim: the work directory is searchable by everyone
	// and holds a world-readable copy of the shim (tmpdir may not be).
	if err := os.Chmod(h.work, 0o711); err != nil {
		return nil, err
	}
	h.shimRun = filepath.Join(h.work, "shim.so")
	type build struct {
		name string
		src  []byte
		args []string
	}
	driverArgs := []string{"-O2", "-DINET6", "-U_FORTIFY_SOURCE", "-rdynamic", "-o", h.driver}
	if upstream != "" {
		lib, err := h.buildUpstream()
		if err != nil {
			return nil, err
		}
		// Upstream's tcpd.h, found before /usr/include's; the library
		// built from its sources, found through the run path.
		driverArgs = []string{"-O2", "-DTCPWRAP_UPSTREAM76", "-U_FORTIFY_SOURCE", "-rdynamic", "-I", upstream,
			"-L", lib, "-Wl,-rpath," + lib, "-o", h.driver}
	}
	if freebsd != "" {
		lib, err := h.buildFreeBSD()
		if err != nil {
			return nil, err
		}
		// FreeBSD's tcpd.h (which wants FILE declared by a stdio.h that
		// says so), found before /usr/include's; its library through the
		// run path.
		driverArgs = []string{"-O2", "-DINET6", "-DTCPWRAP_FREEBSD", "-D_STDFILE_DECLARED", "-U_FORTIFY_SOURCE",
			"-rdynamic", "-I", filepath.Join(freebsd, "contrib", "tcp_wrappers"),
			"-L", lib, "-Wl,-rpath," + lib, "-o", h.driver}
	}
	builds := []build{
		{"driver.c", driverSource, driverArgs},
		{"shim.c", shimSource, []string{"-O2", "-shared", "-fPIC", "-U_FORTIFY_SOURCE", "-o", h.shim}},
		{"sealer.c", sealerSource, []string{"-O2", "-o", h.sealer}},
	}
	// driver.c and shim.c include scoped.h from beside them.
	if err := os.WriteFile(filepath.Join(dir, "src", "scoped.h"), scopedSource, 0o644); err != nil {
		return nil, err
	}
	errs := make([]error, len(builds))
	var wg sync.WaitGroup
	for i, b := range builds {
		src := filepath.Join(dir, "src", b.name)
		if err := os.WriteFile(src, b.src, 0o644); err != nil {
			return nil, err
		}
		args := append(append([]string{}, b.args...), src)
		if b.name == "driver.c" {
			args = append(args, "-lwrap")
		}
		wg.Add(1)
		go func(i int, args []string) {
			defer wg.Done()
			if out, err := exec.Command("cc", args...).CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("libwrap harness: cc %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}(i, args)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	shim, err := os.ReadFile(h.shim)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(h.shimRun, shim, 0o755); err != nil {
		return nil, err
	}
	n := runtime.NumCPU()
	if n > 8 {
		n = 8
	}
	if n < 1 {
		n = 1
	}
	h.slots = make(chan struct{}, n)
	return h, nil
}

// Close stops every sealed session and removes the case and control
// directories (the built sources and binaries stay in tmpdir).
func (h *Harness) Close() error {
	h.mu.Lock()
	h.done = true
	all := h.all
	h.all, h.idle = nil, nil
	h.mu.Unlock()
	var errs []error
	for _, s := range all {
		if err := s.close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(h.work); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// workDir picks the directory for case, control and scratch directories:
// a fresh directory in /dev/shm when that is a writable tmpfs (creating and
// removing a case directory there costs ~0.2 ms instead of ~2 ms on the CI
// VM's ext4), else one below tmpdir.
func workDir(tmpdir string) (string, error) {
	var st syscall.Statfs_t
	if syscall.Statfs("/dev/shm", &st) == nil && st.Type == 0x01021994 { // TMPFS_MAGIC
		if d, err := os.MkdirTemp("/dev/shm", "libwrap-harness-"); err == nil {
			return d, nil
		}
	}
	return os.MkdirTemp(tmpdir, "work-")
}

// acquire returns an idle session or starts a new one.
func (h *Harness) acquire() (*session, error) {
	h.slots <- struct{}{}
	h.mu.Lock()
	if h.done {
		h.mu.Unlock()
		<-h.slots
		return nil, errors.New("libwrap harness: closed")
	}
	if n := len(h.idle); n > 0 {
		s := h.idle[n-1]
		h.idle = h.idle[:n-1]
		h.mu.Unlock()
		return s, nil
	}
	id := h.next
	h.next++
	h.mu.Unlock()
	s, err := startSession(h, id)
	if err != nil {
		<-h.slots
		return nil, err
	}
	h.mu.Lock()
	h.all = append(h.all, s)
	h.mu.Unlock()
	return s, nil
}

// release returns a session to the pool (or drops it if it broke).
func (h *Harness) release(s *session) {
	h.mu.Lock()
	if s.broken.Load() || h.done {
		for i, t := range h.all {
			if t == s {
				h.all = append(h.all[:i], h.all[i+1:]...)
				break
			}
		}
		h.mu.Unlock()
		s.close()
	} else {
		h.idle = append(h.idle, s)
		h.mu.Unlock()
	}
	<-h.slots
}

// Run decides every request of one case with the real library (real mode,
// driver.c), inside the seal.
func (h *Harness) Run(c Case, reqs []Request) ([]Result, error) {
	s, err := h.acquire()
	if err != nil {
		return nil, err
	}
	defer h.release(s)
	return s.run(c, reqs)
}

// RunBatch runs many cases, spread over the sealed sessions (one per CPU).
// results[i] belongs to cases[i] and reqs[i].
func (h *Harness) RunBatch(cases []Case, reqs [][]Request) ([][]Result, error) {
	if len(cases) != len(reqs) {
		return nil, fmt.Errorf("libwrap harness: %d cases but %d request lists", len(cases), len(reqs))
	}
	results := make([][]Result, len(cases))
	errs := make([]error, len(cases))
	work := make(chan int)
	var wg sync.WaitGroup
	workers := cap(h.slots)
	if workers > len(cases) {
		workers = len(cases)
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				results[i], errs[i] = h.Run(cases[i], reqs[i])
			}
		}()
	}
	for i := range cases {
		work <- i
	}
	close(work)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return results, fmt.Errorf("case %d: %w", i, err)
		}
	}
	return results, nil
}

// Tcpdmatch runs the real `tcpdmatch -d -i /dev/null ARGS...` (a
// NewUpstream harness: the tcpdmatch built from its sources) in the case
// directory, inside the seal, with the shim preloaded after libnss_wrapper.
// lines is its standard output and standard error, in the order written,
// split at LF (a CR before the LF is removed: banners end in CRLF), with
// the case directory replaced by "{DIR}". exitCode is tcpdmatch's exit
// status (128+N if killed by signal N).
func (h *Harness) Tcpdmatch(c Case, args ...string) (lines []string, exitCode int, err error) {
	s, err := h.acquire()
	if err != nil {
		return nil, 0, err
	}
	defer h.release(s)
	return s.tcpdmatch(c, args)
}

// Tcpdchk runs the real `tcpdchk ARGS...` (no flags added: pass -d to
// read the case's tables, and -i FILE) in the case directory, inside the
// seal, exactly as Tcpdmatch runs tcpdmatch: the shim preloaded after
// libnss_wrapper (so the library's warnings appear on standard output and
// set*id calls succeed without changing ids), the case's hosts, netgroup,
// passwd and group tables. lines and exitCode are as for Tcpdmatch.
func (h *Harness) Tcpdchk(c Case, args ...string) (lines []string, exitCode int, err error) {
	if h.upstream != "" {
		return nil, 0, errNoUpstreamTcpdchk
	}
	if _, err := os.Stat(h.tcpdchk); err != nil {
		return nil, 0, errors.New("libwrap harness: " + h.tcpdchk + " missing (install tcpd)")
	}
	s, err := h.acquire()
	if err != nil {
		return nil, 0, err
	}
	defer h.release(s)
	if c.AsNobody {
		return s.tool("tcpdchk-nobody", c, args)
	}
	return s.tool("tcpdchk", c, args)
}

// probe asks a sealed session about its view of the world (tests only).
func (h *Harness) probe() (string, error) {
	s, err := h.acquire()
	if err != nil {
		return "", err
	}
	defer h.release(s)
	return s.command("probe")
}

// rawResult is the driver's JSON for one request.
type rawResult struct {
	Error   string   `json:"error"`
	Access  string   `json:"access"`
	Log     []string `json:"log"`
	Prio    []int    `json:"prio"`
	Matched []Match  `json:"matched"`
	Options []struct {
		Name  string  `json:"name"`
		Value *string `json:"value"`
	} `json:"options"`
	Commands []struct {
		Kind    string `json:"kind"`
		Command string `json:"command"`
	} `json:"commands"`
	Calls         []string `json:"calls"`
	Banner        string   `json:"banner"`
	Expand        *string  `json:"expand"`
	Exit          *int     `json:"exit"`
	AllowSeverity int      `json:"allow_severity"`
	DenySeverity  int      `json:"deny_severity"`
	Seccomp       bool     `json:"seccomp"`
	PID           int      `json:"pid"`
}

// decodeResult converts one JSON line of the driver into a Result. The
// driver writes bytes >= 0x80 as \u00XX, so every rune of a decoded string
// is < 256 and stands for one byte.
func decodeResult(line []byte, caseDir string) (Result, error) {
	var raw rawResult
	if err := json.Unmarshal(line, &raw); err != nil {
		return Result{}, fmt.Errorf("driver output %q: %v", line, err)
	}
	if raw.Error != "" {
		return Result{}, fmt.Errorf("driver: %s", raw.Error)
	}
	str := func(s string) string { return undir(latin1(s), caseDir) }
	r := Result{
		Access:        raw.Access,
		LogPriority:   raw.Prio,
		Banner:        str(raw.Banner),
		Exit:          raw.Exit,
		AllowSeverity: raw.AllowSeverity,
		DenySeverity:  raw.DenySeverity,
		Sandboxed:     raw.Seccomp,
		PID:           raw.PID,
	}
	for _, l := range raw.Log {
		r.Log = append(r.Log, str(l))
	}
	for _, m := range raw.Matched {
		r.Matched = append(r.Matched, Match{File: str(m.File), Line: m.Line})
	}
	for _, o := range raw.Options {
		opt := Option{Name: str(o.Name)}
		if o.Value != nil {
			v := str(*o.Value)
			opt.Value = &v
		}
		r.Options = append(r.Options, opt)
	}
	for _, c := range raw.Commands {
		r.Commands = append(r.Commands, Command{Kind: c.Kind, Command: str(c.Command)})
	}
	for _, c := range raw.Calls {
		r.Calls = append(r.Calls, str(c))
	}
	if raw.Expand != nil {
		r.Expand = str(*raw.Expand)
	}
	return r, nil
}

// latin1 maps every rune (< 256 by construction) back to one byte.
func latin1(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}

// undir replaces the absolute case directory by DirPlaceholder.
func undir(s, caseDir string) string {
	if caseDir == "" {
		return s
	}
	return strings.ReplaceAll(s, caseDir, DirPlaceholder)
}
