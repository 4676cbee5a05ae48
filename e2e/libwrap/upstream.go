//go:build linux

package libwrap

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

//go:embed upstream_compat.c
var upstreamCompatSource []byte

// UpstreamEnv names the environment variable that gives the tests the
// directory of a pristine tcp_wrappers 7.6 source tree (as released: no
// IPv6 patches). Without it the upstream tests are skipped.
const UpstreamEnv = "UPSTREAM76"

// upstreamFlags are the compiler flags of tcp_wrappers 7.6's Makefile for
// `make REAL_DAEMON_DIR=/usr/sbin linux` with every default left as
// released: FACILITY, HOSTS_ACCESS, PARANOID, the BUGS line, the umask,
// REAL_DAEMON_DIR, SEVERITY, RFC931_TIMEOUT, the TABLES, the linux
// target's EXTRA_CFLAGS, VSYSLOG and HOSTNAME (ALWAYS_HOSTNAME). STYLE
// (PROCESS_OPTIONS), NETGROUP, AUTH, DOT and KILL_OPT are commented out or
// emptied there. The table paths stay /etc's: the driver points libwrap's
// table variables at the case directory, as for Debian, and tcpdmatch is
// run with -d.
var upstreamFlags = []string{
	"-O", "-DFACILITY=LOG_MAIL", "-DHOSTS_ACCESS", "-DPARANOID",
	"-DGETPEERNAME_BUG", "-DBROKEN_FGETS", "-DLIBC_CALLS_STRTOK",
	"-DDAEMON_UMASK=022", `-DREAL_DAEMON_DIR="/usr/sbin"`,
	"-DSEVERITY=LOG_INFO", "-DRFC931_TIMEOUT=10",
	`-DHOSTS_DENY="/etc/hosts.deny"`, `-DHOSTS_ALLOW="/etc/hosts.allow"`,
	"-DBROKEN_SO_LINGER", "-Dvsyslog=myvsyslog", "-DALWAYS_HOSTNAME",
}

// upstreamBuildFlags are this harness's additions, none of which changes
// what the code does: its K&R C read as the C of its time (a modern
// compiler's default dialect refuses some of it), position-independent
// objects (the driver needs libwrap as a shared object, as Debian's, to
// restore its data between requests), and no warnings.
var upstreamBuildFlags = []string{"-std=gnu89", "-fPIC", "-w"}

// upstreamLibObjects are the Makefile's LIB_OBJ for the linux target
// (AUX_OBJ=setenv.o, FROM_OBJ=fromhost.o), in its order.
var upstreamLibObjects = []string{"hosts_access", "options", "shell_cmd", "rfc931", "eval",
	"hosts_ctl", "refuse", "percent_x", "clean_exit", "setenv", "fromhost", "fix_options",
	"socket", "tli", "workarounds", "update", "misc", "diag", "percent_m", "myvsyslog"}

// upstreamTcpdmatchObjects are the Makefile's TCPDMATCH_OBJ.
var upstreamTcpdmatchObjects = []string{"tcpdmatch", "fakelog", "inetcf", "scaffold"}

var errNoUpstreamTcpdchk = errors.New("libwrap harness: the upstream harness builds no tcpdchk")

// NewUpstream is New for tcp_wrappers 7.6 as released: it builds libwrap
// and tcpdmatch from the pristine source tree in src, with the flags of
// its Makefile's linux target and every default option (upstreamFlags),
// into tmpdir, never touching src. Run drives that library with the same
// driver (built with -DTCPWRAP_UPSTREAM76: see driver.c), inside the same
// seal; Tcpdmatch runs that tcpdmatch. Tcpdchk and GlibcTcpdchk are not
// available. Requests with an IPv6 address are refused (7.6 has no IPv6).
func NewUpstream(tmpdir, src string) (*Harness, error) {
	return newFromTree(tmpdir, src, checkUpstreamSource, func(src string) (string, string) { return src, "" })
}

// checkUpstreamSource refuses a tree that is not 7.6 as released: its
// patchlevel must say 7.6, and its tcpd.h must know nothing of IPv6 (the
// distributions' patched trees do).
func checkUpstreamSource(src string) error {
	pl, err := os.ReadFile(filepath.Join(src, "patchlevel.h"))
	if err != nil {
		return fmt.Errorf("libwrap harness: %s is not a tcp_wrappers source tree: %v", src, err)
	}
	if !strings.Contains(string(pl), "patchlevel 7.6 ") {
		return fmt.Errorf("libwrap harness: %s/patchlevel.h is not 7.6's", src)
	}
	h, err := os.ReadFile(filepath.Join(src, "tcpd.h"))
	if err != nil {
		return fmt.Errorf("libwrap harness: %v", err)
	}
	if strings.Contains(string(h), "INET6") || strings.Contains(string(h), "sockaddr_in6") {
		return fmt.Errorf("libwrap harness: %s/tcpd.h mentions IPv6: not the released 7.6", src)
	}
	if _, err := os.Stat(filepath.Join(src, "ip6utils.c")); err == nil {
		return fmt.Errorf("libwrap harness: %s has ip6utils.c: not the released 7.6", src)
	}
	return nil
}

// buildUpstream compiles the upstream sources into h.dir/upstream: the
// library as libwrap.a (for tcpdmatch, linked statically as the Makefile
// does) and as libwrap.so (for the driver), and tcpdmatch. It returns the
// directory of libwrap.so and points h.tcpdmatch at the new tcpdmatch.
func (h *Harness) buildUpstream() (string, error) {
	out := filepath.Join(h.dir, "upstream")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	compat := filepath.Join(h.dir, "src", "upstream_compat.c")
	if err := os.WriteFile(compat, upstreamCompatSource, 0o644); err != nil {
		return "", err
	}
	var jobs [][]string
	var libObjs, matchObjs []string
	for _, n := range append(append([]string{}, upstreamLibObjects...), upstreamTcpdmatchObjects...) {
		obj := filepath.Join(out, n+".o")
		// In the source directory, as make runs: its headers are
		// found there, and it is only read.
		jobs = append(jobs, append(append(append([]string{}, upstreamFlags...), upstreamBuildFlags...),
			"-I", h.upstream, "-c", "-o", obj, filepath.Join(h.upstream, n+".c")))
		if len(libObjs) < len(upstreamLibObjects) {
			libObjs = append(libObjs, obj)
		} else {
			matchObjs = append(matchObjs, obj)
		}
	}
	compatObj := filepath.Join(out, "upstream_compat.o")
	libObjs = append(libObjs, compatObj)
	jobs = append(jobs, []string{"-O2", "-fPIC", "-c", "-o", compatObj, compat})
	if err := ccAll(jobs); err != nil {
		return "", err
	}
	archive := filepath.Join(out, "libwrap.a")
	os.Remove(archive)
	if b, err := exec.Command("ar", append([]string{"rc", archive}, libObjs...)...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("libwrap harness: ar: %v\n%s", err, b)
	}
	// The shared library's name starts with "libwrap.so", which is how the
	// driver finds the data it restores.
	if err := ccRun(append([]string{"-shared", "-o", filepath.Join(out, "libwrap.so")}, libObjs...)...); err != nil {
		return "", err
	}
	h.tcpdmatch = filepath.Join(out, "tcpdmatch")
	if err := ccRun(append(append([]string{"-o", h.tcpdmatch}, matchObjs...), archive)...); err != nil {
		return "", err
	}
	return out, nil
}

// newFromTree is the skeleton of NewUpstream and NewFreeBSD: the tree in
// src, made absolute and accepted by check, is given to newHarnessFor as
// the upstream or the FreeBSD tree, as trees says.
func newFromTree(tmpdir, src string, check func(string) error, trees func(src string) (upstream, freebsd string)) (*Harness, error) {
	src, err := filepath.Abs(src)
	if err != nil {
		return nil, err
	}
	if err := check(src); err != nil {
		return nil, err
	}
	upstream, freebsd := trees(src)
	return newHarnessFor(tmpdir, upstream, freebsd)
}

// ccRun runs cc with args.
func ccRun(args ...string) error {
	if b, err := exec.Command("cc", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("libwrap harness: cc %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return nil
}

// ccAll runs cc once per argument list in jobs, as many at a time as
// there are CPUs, and returns every error.
func ccAll(jobs [][]string) error {
	errs := make([]error, len(jobs))
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				errs[i] = ccRun(jobs[i]...)
			}
		}()
	}
	for i := range jobs {
		work <- i
	}
	close(work)
	wg.Wait()
	return errors.Join(errs...)
}
