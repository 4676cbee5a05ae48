package main

import (
	"fmt"
	"io"
	"regexp"
	"strings"
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
  test     check the tables against expected verdicts (for CI)
  diff     list the connections whose verdict a change to the tables
           changes
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
var commands = map[string]bool{"match": true, "test": true, "serve": true, "check": true, "fmt": true, "envoy": true, "diff": true}

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
			fmt.Fprintf(stderr, "tcpwrap help: want one command, got %s (run \"tcpwrap -h\" for the list)\n", plural(len(args)-1, "command", "commands"))
		}
		return exitUsage
	case "match":
		return runMatch(args[1:], stdin, stdout, stderr, color)
	case "test":
		return runTest(args[1:], stdin, stdout, stderr)
	case "diff":
		return runDiff(args[1:], stdout, stderr)
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "check":
		return runCheck(args[1:], stdout, stderr)
	case "fmt":
		return runFmt(args[1:], stdout, stderr)
	case "envoy":
		return runEnvoy(args[1:], stdout, stderr)
	}
	if strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(stderr, "tcpwrap: %s before the command: flags go after it, as in \"tcpwrap match -d DIR ...\" (run \"tcpwrap -h\" for the list)\n", args[0])
		return exitUsage
	}
	fmt.Fprintf(stderr, "tcpwrap: unknown command %q (run \"tcpwrap -h\" for the list)\n", args[0])
	return exitUsage
}

// usageFail writes a usage error of command cmd, one line with the way
// to its flags, and returns exitUsage.
func usageFail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "tcpwrap %s: %s (see tcpwrap %s -h)\n", cmd, flagMessage(err), cmd)
	return exitUsage
}

// usageFailf is usageFail with a message of its own.
func usageFailf(stderr io.Writer, cmd, format string, args ...any) int {
	return usageFail(stderr, cmd, fmt.Errorf(format, args...))
}

// The flag package's messages, which name every flag with one dash.
var (
	flagUndefined = regexp.MustCompile(`^flag provided but not defined: -(.+)$`)
	flagNoValue   = regexp.MustCompile(`^flag needs an argument: -(.+)$`)
	flagBadValue  = regexp.MustCompile(`^invalid (boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-([^:]+): (.*)$`)
)

// flagMessage words an error of the flag package the way the usage texts
// name flags (--name, and -d for a letter); other errors keep their text.
func flagMessage(err error) string {
	msg := err.Error()
	if m := flagUndefined.FindStringSubmatch(msg); m != nil {
		return "unknown flag " + dashed(m[1])
	}
	if m := flagNoValue.FindStringSubmatch(msg); m != nil {
		return dashed(m[1]) + " needs a value"
	}
	if m := flagBadValue.FindStringSubmatch(msg); m != nil {
		why := m[4]
		switch {
		case m[1] != "" && why == "parse error":
			why = "want true or false"
		case why == "parse error":
			why = "not a number"
		case why == "value out of range":
			why = "out of range"
		}
		return dashed(m[3]) + " " + m[2] + ": " + why
	}
	return msg
}

// plural is n and the noun for n: "1 word", "3 words".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// dashed is a flag's name as the usage texts write it.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}
