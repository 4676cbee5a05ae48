package main

import (
	"fmt"
	"io"

	"github.com/tcpwrap/tcpwrap/cmd/internal/getopt"
	"github.com/tcpwrap/tcpwrap/cmd/internal/sysdeps"
	"github.com/tcpwrap/tcpwrap/engine"
)

// name is the program name in messages: argv[0], as Debian prints it.
var name = "tcpdchk"

// usageText is Debian's usage message (standard error, exit status 1),
// then usageExtra.
const usageText = `usage: %s [-a] [-d] [-i inet_conf] [-v]
	-a: report rules with implicit "ALLOW" at end
	-d: use allow/deny files in current directory
	-i: location of inetd.conf file
	-v: list all rules
` + usageExtra

// usageExtra lists the options Debian's tcpdchk does not have, after its
// usage text (whose lines stay as they are).
const usageExtra = `	--hosts FILE: answer host lookups from FILE (/etc/hosts format)
	--netgroup FILE: answer netgroup lookups from FILE (/etc/netgroup format)
`

// The options, as getopt.Parse takes them: letters without an argument,
// letters with one, and the long options (each with an argument).
const (
	optFlags   = "adv"
	optWithArg = "i"
)

var optLong = []string{"hosts", "netgroup"}

// config is the parsed command line.
type config struct {
	implicit, local, verbose bool
	inetd                    string // -i FILE ("" = the default)
	hostsFile                string // --hosts FILE ("" = the system resolver)
	netgroupFile             string // --netgroup FILE
	operands                 []string
}

// usageError is a bad command line; its message (if any) precedes the
// usage text.
type usageError string

func (e usageError) Error() string { return string(e) }

// parseArgs reads the command line the way glibc's getopt("adi:v") does,
// plus the long options --hosts FILE and --netgroup FILE.
func parseArgs(args []string) (*config, error) {
	r, err := getopt.Parse(name, args, optFlags, optWithArg, optLong...)
	if err != nil {
		return nil, usageError(err.Error())
	}
	return &config{implicit: r.Flags['a'], local: r.Flags['d'], verbose: r.Flags['v'], inetd: r.Values['i'],
		hostsFile: r.Long["hosts"], netgroupFile: r.Long["netgroup"], operands: r.Operands}, nil
}

// run is the whole program: args are the arguments after the program
// name. It returns the exit status: 0 after the examination (warnings do
// not change it), 1 for a usage error or an -i, --hosts or --netgroup
// file that cannot be read.
func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args)
	if err == nil && len(cfg.operands) != 0 {
		err = usageError("")
	}
	if err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(stderr, msg)
		}
		fmt.Fprintf(stderr, usageText, name)
		return 1
	}
	allowPath, denyPath := "/etc/hosts.allow", "/etc/hosts.deny"
	if cfg.local {
		allowPath, denyPath = "hosts.allow", "hosts.deny"
	}
	res, err := sysdeps.LoadResolver(name, cfg.hostsFile, cfg.netgroupFile, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	p := &engine.Policy{Resolver: res, Files: sysdeps.Files{}, DryRun: true}
	r := p.Tcpdchk(&engine.TcpdchkOptions{Implicit: cfg.implicit, Verbose: cfg.verbose,
		InetdConf: cfg.inetd, AllowPath: allowPath, DenyPath: denyPath})
	if _, err := stdout.Write(r.Stdout); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	for _, l := range r.Stderr {
		fmt.Fprintln(stderr, l)
	}
	return r.ExitCode
}
