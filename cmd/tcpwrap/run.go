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

Run "tcpwrap help COMMAND" (or "tcpwrap COMMAND -h") for a command's
flags.
`

// commands are the command names run knows, for "tcpwrap help COMMAND".
var commands = map[string]bool{"match": true, "serve": true, "check": true, "fmt": true, "envoy": true}

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
		switch len(args) {
		case 1:
			fmt.Fprint(stdout, usageText)
			return exitOK
		case 2:
			if _, ok := commands[args[1]]; ok {
				// Each command prints its usage for -h, exit 0.
				return run([]string{args[1], "-h"}, stdin, stdout, stderr, color)
			}
			fmt.Fprintf(stderr, "tcpwrap help: unknown command %q (run \"tcpwrap -h\" for the list)\n", args[1])
		default:
			fmt.Fprintf(stderr, "tcpwrap help: want one command, got %d (run \"tcpwrap -h\" for the list)\n", len(args)-1)
		}
		return exitUsage
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
