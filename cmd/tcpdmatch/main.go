// Command tcpdmatch is a drop-in for Debian's tcpdmatch (tcp_wrappers
// 7.6.q): it predicts how tcpd and libwrap would handle a connection from
// a client to a daemon, with the decisions of the tcpwrap engine.
//
//	tcpdmatch [-d] [-i inet_conf] [--hosts FILE] [--netgroup FILE] daemon[@server] [user@]client
//
// The flags, operands, output lines and exit statuses are Debian's (see
// the spec, §8). Unlike Debian's build, which loses them to syslog, it
// prints the matched:, option:, warning: and error: lines on standard
// output, interleaved as upstream designed them. --hosts FILE answers host
// lookups from an /etc/hosts-format file instead of the system resolver,
// and --netgroup FILE netgroups from an /etc/netgroup-format file.
// This file only reads the process's arguments; the work is done by run.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
