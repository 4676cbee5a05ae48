// Package libwrap is a differential-test harness around the REAL Debian
// libwrap (tcp_wrappers 7.6.q) and its tcpdmatch and tcpdchk tools.
//
// It builds three small C programs at test time (never committed as
// binaries): driver.c, which links -lwrap and calls hosts_access() in real
// (non-dry-run) mode for requests built from socket addresses; shim.c, an
// LD_PRELOAD library that makes /usr/sbin/tcpdmatch and /usr/sbin/tcpdchk
// print the library's syslog lines; and sealer.c, a long-lived helper that runs both inside
// `unshare --mount --net` with an overlay on /etc, so that name lookups see
// only the case's tables (through libnss_wrapper) and never the machine's
// own files or the network. No command from a rule ever runs: fork, exec,
// exit, sleep, set*id and friends are interposed, and a seccomp filter
// refuses process creation and exec as a backstop.
//
// The harness needs Linux, root, cc, and the Debian packages tcpd,
// libwrap0-dev and libnss-wrapper; Available reports what is missing. See
// README.md for details and for how to reproduce one case by hand.
package libwrap
