package engine

import "errors"

// A Profile selects which TCP Wrappers build the engine reproduces. The
// zero value is [Debian], the reference.
type Profile int

const (
	// Debian is libwrap 7.6.q as shipped by Debian (7.6.q-32): options
	// language with aclexec, IPv6, CIDR masks, wildcards, /file pattern
	// lists, port numbers as daemon patterns, %r/%R, and "an error in a
	// table stops it" semantics.
	Debian Profile = iota
	// Upstream is tcp_wrappers 7.6 as released with its default Makefile:
	// no IPv6, no options (the third field is a shell command), PARANOID
	// mode and ALWAYS_HOSTNAME compiled in.
	Upstream
	// FreeBSD is FreeBSD's libwrap: options without aclexec, IPv6,
	// "#" comments anywhere, no wildcards, no CIDR, full syslog tables.
	FreeBSD
)

// Profiles lists every profile in a stable order.
var profileNames = [...]string{Debian: "debian", Upstream: "upstream", FreeBSD: "freebsd"}

func (p Profile) String() string {
	if p < 0 || int(p) >= len(profileNames) {
		return sprintf("Profile(%d)", int(p))
	}
	return profileNames[p]
}

// MarshalText encodes a profile as its name.
func (p Profile) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText decodes a profile name.
func (p *Profile) UnmarshalText(b []byte) error {
	q, err := ParseProfile(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// ParseProfile returns the profile called name ("debian", "upstream" or
// "freebsd"; "" means debian).
func ParseProfile(name string) (Profile, error) {
	switch name {
	case "", "debian":
		return Debian, nil
	case "upstream":
		return Upstream, nil
	case "freebsd":
		return FreeBSD, nil
	}
	return Debian, errors.New(sprintf("unknown profile %q (want debian, upstream or freebsd)", name))
}

// Feature switches. Each names the spec's tag table row (§11.1).
func (p Profile) ipv6() bool           { return p != Upstream }
func (p Profile) wildcards() bool      { return p == Debian }
func (p Profile) cidr() bool           { return p == Debian }
func (p Profile) portPatterns() bool   { return p == Debian }
func (p Profile) patternFiles() bool   { return p != Upstream }
func (p Profile) netgroups() bool      { return p != Upstream }
func (p Profile) options() bool        { return p != Upstream }
func (p Profile) aclexec() bool        { return p == Debian }
func (p Profile) percentPorts() bool   { return p == Debian }
func (p Profile) tableErrors() bool    { return p == Debian }
func (p Profile) hashComments() bool   { return p == FreeBSD }
func (p Profile) alwaysHostname() bool { return p != Debian }
func (p Profile) paranoidMode() bool   { return p == Upstream }
func (p Profile) colonNoName() bool    { return p == FreeBSD }
func (p Profile) fullSyslog() bool     { return p == FreeBSD }
func (p Profile) scopedPatterns() bool { return p == FreeBSD }

// SwitchesIDs reports whether the user and group options change the
// process's ids (setgid, setuid: [Effect]s). Debian's libwrap only looks
// the names up: its patch meant to skip the switch in tcpdmatch's dry
// run inverted the test, so a daemon never switches (and tcpdmatch does,
// which the engine does not emulate).
func (p Profile) SwitchesIDs() bool { return p != Debian }

// brokenFgets: upstream's default Makefile (its BUGS line) reads tables
// through its own fgets, which gives nothing when asked for no bytes: an
// over-long line ends with a full buffer and the next read carries on with
// the rest of it (engine/testdata/derived/X16). FreeBSD's libc fgets gives
// an empty string instead, and its reader loops forever there.
func (p Profile) brokenFgets() bool { return p == Upstream }
