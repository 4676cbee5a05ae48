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
  serve    serve the playground: a form, shared documents and the JSON API
  check    report problems in the tables (tcpdchk's and more), as text,
           JSON or SARIF
  fmt      rewrite tables in a canonical layout that keeps every decision
  envoy    print the Envoy filter's plugin configuration with the tables
           on this machine in it

Run "tcpwrap COMMAND -h" for a command's flags.
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
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "check":
		return runCheck(args[1:], stdout, stderr)
	case "fmt":
		return runFmt(args[1:], stdout, stderr)
	case "envoy":
		return runEnvoy(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "tcpwrap: unknown command %q (run \"tcpwrap -h\" for the list)\n", args[0])
	return exitUsage
}
