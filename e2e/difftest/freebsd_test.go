//go:build linux

package difftest

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/engine/tablegen"
)

// The FreeBSD hunt: the engine's freebsd profile against FreeBSD's
// libwrap, tcpdmatch built from the FreeBSD tree FREEBSD_TCPW names
// (libwrap.NewFreeBSD; skipped without it):
//
//	FREEBSD_TCPW=/path/to/freebsd-src CI=true go test ./e2e/difftest -run 'TestFreeBSD'
//
// The library runs on Linux, so whatever it takes from the C library is
// glibc's (and nss_wrapper's), not FreeBSD's libc: e2e/libwrap/README.md
// lists those points. Two of them reach the comparison and are handled
// here: the syslog name tables (freebsdSyslogArtefact, freebsdSeverity)
// and the over-long line, on which FreeBSD's reader never returns (the
// harness reports "hang"; the engine skips the line: freebsdHang).

// freebsdHarness is the FreeBSD harness shared by the package's tests.
func freebsdHarness(t *testing.T) *libwrap.Harness { return libwrap.SharedFreeBSD(t) }

// freebsdFacilities are FreeBSD's syslog.h facility values, the ones the
// engine's freebsd profile accepts; glibcFacilities are what the library
// built on glibc reads instead where glibc's table differs: glibc has no
// "console" and no "ntp", and its "security" is LOG_AUTH.
var (
	freebsdFacilities = map[string]int{"kern": 0, "user": 8, "mail": 16, "daemon": 24, "auth": 32,
		"syslog": 40, "lpr": 48, "news": 56, "uucp": 64, "cron": 72, "authpriv": 80, "ftp": 88,
		"ntp": 96, "security": 104, "console": 112, "mark": 192, "local0": 128, "local1": 136,
		"local2": 144, "local3": 152, "local4": 160, "local5": 168, "local6": 176, "local7": 184}
	glibcFacilities = map[string]int{"security": 32}
	freebsdLevels   = map[string]int{"emerg": 0, "panic": 0, "alert": 1, "crit": 2, "err": 3, "error": 3,
		"warning": 4, "warn": 4, "notice": 5, "info": 6, "debug": 7, "none": 16}
)

// freebsdSeverity gives the allow and deny severities after a decision
// whose last severity option was s, as the library built on glibc sets
// them (glibc's value for "security").
func freebsdSeverity(s string) (allow, deny int) {
	if s == "" {
		return 6, 4
	}
	var v int
	if f, l, ok := strings.Cut(strings.ToLower(s), "."); ok {
		fv, glibc := glibcFacilities[f]
		if !glibc {
			fv = freebsdFacilities[f]
		}
		v = fv | freebsdLevels[l]
	} else {
		v = freebsdLevels[strings.ToLower(s)]
	}
	return v, v
}

// glibcOnlyFacility matches the error of a severity option whose facility
// FreeBSD's syslog.h knows and glibc's does not.
var glibcOnlyFacility = regexp.MustCompile(`(?i)bad syslog facility or severity: "(console|ntp)"$`)

// freebsdSyslogArtefact reports whether lw's decision ended on a
// facility glibc's table lacks: FreeBSD's library reads FreeBSD's table,
// as the engine does, so this request says nothing about either.
func freebsdSyslogArtefact(lw libwrap.Result) bool {
	for _, l := range lw.Log {
		if glibcOnlyFacility.MatchString(l) {
			return true
		}
	}
	return false
}

// otherFamilyName matches libwrap's warning of a forward lookup that
// failed.
var otherFamilyName = regexp.MustCompile(`can't verify hostname: getaddrinfo\((.*), (AF_INET6?)\) failed$`)

// freebsdGaiArtefact reports whether lw's decision failed to verify a
// host name that is a numeric address of the other family (an IPv6 text
// for an IPv4 client, a dotted quad for an IPv6 one): glibc's
// getaddrinfo (nss_wrapper's, under the harness) refuses such a name
// before any name service is asked (found/F30), while FreeBSD's reads a
// number only in the family asked for and looks anything else up as a
// name, as the engine's freebsd profile does.
func freebsdGaiArtefact(lw libwrap.Result) bool {
	for _, l := range lw.Log {
		m := otherFamilyName.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		name, _, _ := strings.Cut(m[1], "%")
		a, err := netip.ParseAddr(name)
		if m[2] == "AF_INET" && err == nil && a.Is6() {
			return true
		}
		if m[2] == "AF_INET6" && strings.Trim(name, "0123456789.xXabcdefABCDEF") == "" {
			return true
		}
	}
	return false
}

// freebsdHang reports whether the engine's decision d read an over-long
// line of p's tables: its warning names a line of 2,047 bytes or more.
// FreeBSD's reader never returns there (spec §2.2); the engine warns and
// skips the line instead (engine/doc.go), so such a request must hang in
// the library and is otherwise not compared.
func freebsdHang(p *engine.Policy, d *engine.Decision) bool {
	for _, t := range []*engine.Table{p.Allow, p.Deny} {
		if t == nil {
			continue
		}
		for _, ln := range t.Lines {
			if !ln.Overlong {
				continue
			}
			w := fmt.Sprintf("warning: %s, line %d: missing newline or line too long", t.Name, ln.Num)
			for _, l := range d.Log {
				if l == w {
					return true
				}
			}
		}
	}
	return false
}

// freebsdDiffs is fullDiffs with FreeBSD's severities.
func freebsdDiffs(lw libwrap.Result, d *engine.Decision) []string {
	var diffs []string
	for _, s := range fullDiffs(lw, d) {
		if !strings.HasPrefix(s, "severities: ") {
			diffs = append(diffs, s)
		}
	}
	if as, ds := freebsdSeverity(d.Severity); lw.AllowSeverity != as || lw.DenySeverity != ds {
		diffs = append(diffs, fmt.Sprintf("severities: libwrap %d/%d, engine %d/%d (%q)", lw.AllowSeverity, lw.DenySeverity, as, ds, d.Severity))
	}
	return diffs
}

// freebsdCompare compares one request's two decisions. It returns the
// differences, and what kind of request it was: "hang" (both saw an
// over-long line), "syslog" or "getaddrinfo" (harness artefacts: glibc's
// tables and getaddrinfo), or "".
func freebsdCompare(lw libwrap.Result, p *engine.Policy, d *engine.Decision) (diffs []string, kind string) {
	hang := freebsdHang(p, d)
	switch {
	case hang && lw.Access == "hang":
		return nil, "hang"
	case hang:
		return []string{fmt.Sprintf("the engine read an over-long line; libwrap did not hang (%s)", lw.Access)}, ""
	case lw.Access == "hang":
		return []string{"libwrap hung; the engine read no over-long line"}, ""
	case freebsdSyslogArtefact(lw):
		return nil, "syslog"
	case freebsdGaiArtefact(lw):
		return nil, "getaddrinfo"
	}
	return freebsdDiffs(lw, d), ""
}

// freebsdHunt is the FreeBSD hunt's description: every request, compared
// by freebsdCompare (FreeBSD's severities; hangs and harness artefacts
// counted apart), and no tcpdmatch run on a table with an over-long line.
var freebsdHunt = profileHunt{
	name:    "freebsd",
	real:    "FreeBSD's libwrap",
	harness: freebsdHarness,
	profile: engine.FreeBSD,
	compare: freebsdCompare,
	skipTcpdmatch: func(p *engine.Policy, _, _ string) string {
		if freebsdTablesOverlong(p) {
			// FreeBSD's tcpdmatch would never finish (its
			// watchdog ends it); the library's hang is
			// compared by harness requests.
			return "hang"
		}
		return ""
	},
	details: func(g tablegen.Case) string { return fmt.Sprintf("\nhosts: %q\nnetgroup: %q", g.Hosts, g.Netgroup) },
}

// TestFreeBSDRandom is TestRandom for the freebsd profile:
// TCPWRAP_DIFF_CASES random cases (default 2,000) from TCPWRAP_DIFF_SEED
// (default: the clock), decided by FreeBSD's libwrap and by the engine
// under engine.FreeBSD, compared in access, matched rules, options,
// commands, severities, banners, setenv and the complete log.
func TestFreeBSDRandom(t *testing.T) {
	freebsdHunt.random(t, func(seed uint64, f huntFigures) {
		fmt.Printf("freebsd difftest: seed %d: %d cases, %d requests in %v (FreeBSD side); %d hang on an over-long line in both; %d left out (glibc's syslog table or getaddrinfo); %d mismatches\n",
			seed, f.cases, f.requests, f.elapsed.Round(time.Millisecond), f.kinds["hang"], f.kinds["syslog"]+f.kinds["getaddrinfo"], f.bad)
	})
}

// TestFreeBSDCorpus runs every golden case (but glibc/'s) through
// FreeBSD's libwrap and tcpdmatch and through the engine under
// engine.FreeBSD, whatever profile the case was written for: the FreeBSD
// cases (derived/X01–X11, X20 on) must agree, and so must every other
// table, read the FreeBSD way. tcpdmatch requests run FreeBSD's own
// tcpdmatch (on glibc's resolver as well when nss_wrapper's answer
// differs); harness requests its library.
func TestFreeBSDCorpus(t *testing.T) {
	freebsdHunt.corpus(t, func(f huntFigures) {
		fmt.Printf("freebsd difftest: %d golden requests compared with FreeBSD's libwrap (%d hang on an over-long line, %d left out: glibc's syslog table or getaddrinfo); %d agree only on glibc's resolver; %d differ\n",
			f.requests, f.kinds["hang"], f.kinds["syslog"]+f.kinds["getaddrinfo"], f.onGlibc, f.bad)
	})
}

// freebsdTablesOverlong reports whether a table of p has an over-long
// line.
func freebsdTablesOverlong(p *engine.Policy) bool {
	for _, t := range []*engine.Table{p.Allow, p.Deny} {
		if t == nil {
			continue
		}
		for _, ln := range t.Lines {
			if ln.Overlong {
				return true
			}
		}
	}
	return false
}
