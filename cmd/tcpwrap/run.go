package main

import (
	"fmt"
	"io"
)

// Exit statuses.
const (
	exitOK    = 0 // verdicts were printed
	exitInput = 1 // unreadable input: a table, hosts file, batch file, or an unresolvable host
	exitUsage = 2 // bad flags or operands
)

const usageText = `tcpwrap predicts TCP Wrappers (hosts.allow / hosts.deny) decisions
exactly as Debian's libwrap 7.6.q makes them.

Usage:
  tcpwrap <command> [flags] [operands]

Commands:
  match    decide one connection (or a batch of them) against the tables
           and explain the verdict

Run "tcpwrap match -h" for the flags of match. Not built yet: serve (the
playground server), check (a tcpdchk-style linter) and fmt.
`

// run is the whole program: args are the arguments after the program
// name, color says whether text output may use ANSI colours (main decides:
// stdout is a terminal and NO_COLOR is unset). It returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, color bool) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usageText)
		return exitOK
	case "match":
		return runMatch(args[1:], stdin, stdout, stderr, color)
	}
	fmt.Fprintf(stderr, "tcpwrap: unknown command %q (run \"tcpwrap -h\" for the list)\n", args[0])
	return exitUsage
}
