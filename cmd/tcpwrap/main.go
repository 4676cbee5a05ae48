// Command tcpwrap predicts the decisions of TCP Wrappers (libwrap,
// hosts.allow and hosts.deny) exactly as Debian's libwrap 7.6.q makes them.
//
//	tcpwrap match [flags] DAEMON[@SERVER] [USER@]CLIENT
//	tcpwrap match [flags] --batch FILE|- [--summary]
//
// Run "tcpwrap -h" and "tcpwrap match -h" for the details. This file only
// reads the process's arguments and environment; the work is done by run.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, wantColor()))
}

// wantColor reports whether text output may use ANSI colours: only when
// standard output is a terminal and NO_COLOR is not set to a non-empty
// value (https://no-color.org).
func wantColor() bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	fi, err := os.Stdout.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
