// Command tcpdchk is a drop-in for Debian's tcpdchk (tcp_wrappers 7.6.q):
// it examines every rule of hosts.allow and hosts.deny, and the inetd
// configuration, and reports what looks wrong, with the words, order and
// exit statuses of Debian's tcpdchk (spec §9).
//
//	tcpdchk [-a] [-d] [-i inet_conf] [-v] [--hosts FILE] [--netgroup FILE]
//
// --hosts FILE answers host lookups from an /etc/hosts-format file instead
// of the system resolver; --netgroup FILE answers netgroup queries from
// an /etc/netgroup-format file (without it every netgroup is unknown).
// This file only reads the process's arguments; the work is done by run.
package main

import "os"

func main() {
	if len(os.Args) > 0 {
		name = os.Args[0]
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
