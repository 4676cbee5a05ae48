//go:build linux

package libwrap

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

//go:embed freebsd_compat.c
var freebsdCompatSource []byte

//go:embed freebsd_watchdog.c
var freebsdWatchdogSource []byte

// FreeBSDEnv names the environment variable that gives the tests the
// directory of FreeBSD's sources: a tree holding contrib/tcp_wrappers
// and lib/libwrap (libvars.c) as freebsd-src has them. Without it the
// FreeBSD tests are skipped.
const FreeBSDEnv = "FREEBSD_TCPW"

// freebsdLibFlags are lib/libwrap/Makefile's CFLAGS with FreeBSD's
// defaults: MK_NIS on (so no -DUSE_GETDOMAIN: the NIS domain comes from
// libc's yp_get_default_domain), MK_INET6_SUPPORT on (-DINET6), and
// LIBEXECDIR /usr/libexec. PROCESS_OPTIONS is given twice there.
var freebsdLibFlags = []string{
	"-DFACILITY=LOG_AUTH", "-DHOSTS_ACCESS", "-DNETGROUP", "-DDAEMON_UMASK=022",
	`-DREAL_DAEMON_DIR="/usr/libexec"`, "-DPROCESS_OPTIONS",
	"-DSEVERITY=LOG_INFO", "-DRFC931_TIMEOUT=10",
	`-DHOSTS_DENY="/etc/hosts.deny"`, `-DHOSTS_ALLOW="/etc/hosts.allow"`,
	"-DSYS_ERRLIST_DEFINED", "-DALWAYS_HOSTNAME", "-DUSE_STRSEP", "-DPROCESS_OPTIONS",
	"-DINET6",
}

// freebsdTcpdmatchFlags are usr.sbin/tcpdmatch/Makefile's CFLAGS (no
// PROCESS_OPTIONS, no NETGROUP: tcpdmatch.c tests neither).
var freebsdTcpdmatchFlags = []string{
	`-DREAL_DAEMON_DIR="/usr/libexec"`, "-DSEVERITY=LOG_INFO", "-DRFC931_TIMEOUT=10", "-DINET6",
}

// freebsdTcpdchkFlags are usr.sbin/tcpdchk/Makefile's CFLAGS: options
// are processed, but NETGROUP is not defined, so tcpdchk says "netgroup
// support disabled" for every @group.
var freebsdTcpdchkFlags = []string{
	`-DREAL_DAEMON_DIR="/usr/libexec"`, "-DSEVERITY=LOG_INFO", "-DRFC931_TIMEOUT=10", "-DPROCESS_OPTIONS",
	`-DHOSTS_DENY="/etc/hosts.deny"`, `-DHOSTS_ALLOW="/etc/hosts.allow"`, "-DINET6",
}

// freebsdBuildFlags: FreeBSD's default optimisation and C dialect
// (bsd.sys.mk's -O2 and gnu99; WARNS=0, so no warnings), position-
// independent objects (the library is a shared object there too), no
// _FORTIFY_SOURCE (FreeBSD's syslog has no _chk variants for the driver
// to catch), and the compatibility header (freebsdCompatHeader).
var freebsdBuildFlags = []string{"-O2", "-std=gnu99", "-fPIC", "-w", "-U_FORTIFY_SOURCE"}

// freebsdCompatHeader is included before every FreeBSD source: what
// FreeBSD's headers declare and glibc's do not.
const freebsdCompatHeader = `/* NewFreeBSD: included before each FreeBSD source (cc -include). */
/* FreeBSD's stdio.h defines this once FILE is declared; tcpd.h tests it. */
#define _STDFILE_DECLARED 1
/* FreeBSD's stdio.h declares these (the Makefile's -DSYS_ERRLIST_DEFINED). */
extern char *sys_errlist[];
extern int sys_nerr;
`

// freebsdInetcfHeader is included before inetcf.c, the one source that
// tests __FreeBSD__ (a file in the daemon directory named like its
// daemon is "maybe wrapped" there, "not wrapped" elsewhere). FreeBSD's
// cc predefines it; glibc's headers must not see it (gcc's stddef.h then
// asks for FreeBSD's sys/_types.h), so it is defined after inetcf.c's
// system headers, which their guards then keep from being read again.
const freebsdInetcfHeader = `/* NewFreeBSD: included before inetcf.c (cc -include). */
#include <sys/types.h>
#include <sys/stat.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#define __FreeBSD__ 14
`

// freebsdLibSources are lib/libwrap/Makefile's SRCS in its order, less
// tli.c (all of it is under #ifdef TLI, which FreeBSD does not define).
// libvars.c is lib/libwrap's own, the rest contrib/tcp_wrappers'.
var freebsdLibSources = []string{"clean_exit", "diag", "eval", "fix_options", "fromhost",
	"hosts_access", "hosts_ctl", "misc", "myvsyslog", "options", "percent_m", "percent_x",
	"refuse", "rfc931", "shell_cmd", "socket", "update", "workarounds", "libvars"}

// freebsdToolSources are the SRCS of usr.sbin/tcpdmatch and
// usr.sbin/tcpdchk but the first (the program's own).
var freebsdToolSources = []string{"fakelog", "inetcf", "scaffold"}

// NewFreeBSD is New for FreeBSD's libwrap: it builds libwrap.so,
// tcpdmatch and tcpdchk from the FreeBSD tree in src (FreeBSDEnv) with
// the flags of their Makefiles, plus freebsd_compat.c and
// upstream_compat.c for what glibc lacks, into the harness' work
// directory, never touching src. Run drives that library with the same
// driver (built with -DTCPWRAP_FREEBSD: see driver.c) inside the same
// seal; Tcpdmatch and Tcpdchk run its tcpdmatch and tcpdchk (each built
// with a watchdog, freebsd_watchdog.c). Whatever comes from the C library
// is glibc's there (see e2e/libwrap/README.md, "FreeBSD's libwrap").
func NewFreeBSD(tmpdir, src string) (*Harness, error) {
	return newFromTree(tmpdir, src, checkFreeBSDSource, func(src string) (string, string) { return "", src })
}

// checkFreeBSDSource refuses a tree that is not FreeBSD's: its
// hosts_access.c must cut comments at an unescaped '#' (FreeBSD's own
// change) and lib/libwrap must have libvars.c.
func checkFreeBSDSource(src string) error {
	b, err := os.ReadFile(filepath.Join(src, "contrib", "tcp_wrappers", "hosts_access.c"))
	if err != nil {
		return fmt.Errorf("libwrap harness: %s is not a FreeBSD source tree: %v", src, err)
	}
	if !strings.Contains(string(b), "unescaped #") || !strings.Contains(string(b), "xgets(") {
		return fmt.Errorf("libwrap harness: %s/contrib/tcp_wrappers/hosts_access.c is not FreeBSD's", src)
	}
	if _, err := os.Stat(filepath.Join(src, "lib", "libwrap", "libvars.c")); err != nil {
		return fmt.Errorf("libwrap harness: %v", err)
	}
	return nil
}

// buildFreeBSD compiles the FreeBSD sources into work/freebsd (the work
// directory is searchable by everyone, so a Case.AsNobody tcpdchk finds
// the library through its run path). It returns that directory and
// points h.tcpdmatch and h.tcpdchk at the programs built.
func (h *Harness) buildFreeBSD() (string, error) {
	out := filepath.Join(h.work, "freebsd")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	contrib := filepath.Join(h.freebsd, "contrib", "tcp_wrappers")
	srcDir := filepath.Join(h.dir, "src")
	files := map[string][]byte{
		"freebsd_compat.h":   []byte(freebsdCompatHeader),
		"freebsd_inetcf.h":   []byte(freebsdInetcfHeader),
		"freebsd_compat.c":   freebsdCompatSource,
		"upstream_compat.c":  upstreamCompatSource,
		"freebsd_watchdog.c": freebsdWatchdogSource,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(srcDir, name), data, 0o644); err != nil {
			return "", err
		}
	}
	base := append(append([]string{}, freebsdBuildFlags...), "-include", filepath.Join(srcDir, "freebsd_compat.h"), "-I", contrib)
	var jobs [][]string
	add := func(src, obj string, flags []string, extra ...string) string {
		o := filepath.Join(out, obj+".o")
		args := append(append(append(append([]string{}, base...), extra...), flags...), "-c", "-o", o, src)
		jobs = append(jobs, args)
		return o
	}
	scaffold, err := freebsdScaffold(contrib, srcDir)
	if err != nil {
		return "", err
	}
	var libObjs []string
	for _, n := range freebsdLibSources {
		src := filepath.Join(contrib, n+".c")
		if n == "libvars" {
			src = filepath.Join(h.freebsd, "lib", "libwrap", "libvars.c")
		}
		libObjs = append(libObjs, add(src, n, freebsdLibFlags))
	}
	for _, c := range []string{"freebsd_compat", "upstream_compat"} {
		o := filepath.Join(out, c+".o")
		jobs = append(jobs, []string{"-O2", "-fPIC", "-c", "-o", o, filepath.Join(srcDir, c+".c")})
		libObjs = append(libObjs, o)
	}
	watchdog := filepath.Join(out, "freebsd_watchdog.o")
	jobs = append(jobs, []string{"-O2", "-c", "-o", watchdog, filepath.Join(srcDir, "freebsd_watchdog.c")})
	tools := map[string][]string{}
	for prog, flags := range map[string][]string{"tcpdmatch": freebsdTcpdmatchFlags, "tcpdchk": freebsdTcpdchkFlags} {
		objs := []string{add(filepath.Join(contrib, prog+".c"), prog, flags)}
		for _, n := range freebsdToolSources {
			var extra []string
			if n == "inetcf" {
				extra = []string{"-include", filepath.Join(srcDir, "freebsd_inetcf.h")}
			}
			src := filepath.Join(contrib, n+".c")
			if n == "scaffold" {
				src = scaffold
			}
			objs = append(objs, add(src, prog+"-"+n, flags, extra...))
		}
		tools[prog] = append(objs, watchdog)
	}
	if err := ccAll(jobs); err != nil {
		return "", err
	}
	// The shared library's name starts with "libwrap.so", which is how the
	// driver finds the data it restores.
	if err := ccRun(append([]string{"-shared", "-o", filepath.Join(out, "libwrap.so")}, libObjs...)...); err != nil {
		return "", err
	}
	// The programs link the library as FreeBSD's do (LIBADD=wrap): shared,
	// so that scaffold.c's shell_cmd, clean_exit and rfc931 and tcpdchk's
	// own table variables take the place of the library's.
	for prog, objs := range tools {
		bin := filepath.Join(out, prog)
		args := append(append([]string{"-o", bin}, objs...), "-L", out, "-Wl,-rpath,"+out, "-lwrap")
		if err := ccRun(args...); err != nil {
			return "", err
		}
	}
	h.tcpdmatch = filepath.Join(out, "tcpdmatch")
	h.tcpdchk = filepath.Join(out, "tcpdchk")
	return out, nil
}

// freebsdScaffoldRFC931 is the old-style definition of scaffold.c's
// rfc931() dummy, whose one parameter (a request) disagrees with the
// prototype tcpd.h declares (two socket addresses and a buffer), so that
// a compiler refuses the file.
const freebsdScaffoldRFC931 = "void    rfc931(request)\nstruct request_info *request;\n"

// freebsdScaffold returns the scaffold.c the programs are built from. The
// stored scaffold.c predates tcpd.h's prototypes (see freebsdScaffoldRFC931),
// so when it has that definition, a copy in srcDir names it otherwise:
// the library's rfc931() is then not replaced in the programs, which
// changes nothing, since neither ever calls it (tcpdmatch and tcpdchk
// give every request a user name, and eval_user asks rfc931 only when
// there is none).
func freebsdScaffold(contrib, srcDir string) (string, error) {
	src := filepath.Join(contrib, "scaffold.c")
	b, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	h, err := os.ReadFile(filepath.Join(contrib, "tcpd.h"))
	if err != nil {
		return "", err
	}
	if !strings.Contains(string(b), freebsdScaffoldRFC931) || !strings.Contains(string(h), "void rfc931(TCPD_SOCKADDR *") {
		return src, nil
	}
	fixed := strings.Replace(string(b), freebsdScaffoldRFC931, strings.Replace(freebsdScaffoldRFC931, "rfc931(", "scaffold_rfc931_unused(", 1), 1)
	copyPath := filepath.Join(srcDir, "scaffold.c")
	return copyPath, os.WriteFile(copyPath, []byte(fixed), 0o644)
}
