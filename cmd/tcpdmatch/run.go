package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/tcpwrap/tcpwrap/cmd/internal/getopt"
	"github.com/tcpwrap/tcpwrap/cmd/internal/sysdeps"
	"github.com/tcpwrap/tcpwrap/engine"
)

// name is the program name in messages.
const name = "tcpdmatch"

// usageText is printed (on standard error, exit status 1) for a usage
// error: three lines, as Debian's tcpdmatch prints.
const usageText = `usage: tcpdmatch [-d] [-i inet_conf] [--hosts FILE] [--netgroup FILE] daemon[@server] [user@]client
	-d: read hosts.allow and hosts.deny in the current directory, not in /etc
	-i: the inetd.conf file to examine (default /etc/inetd.conf, if any)
`

// The options, as getopt.Parse takes them: letters without an argument,
// letters with one, and the long options (each with an argument).
const (
	optFlags   = "d"
	optWithArg = "i"
)

var optLong = []string{"hosts", "netgroup"}

// config is the parsed command line.
type config struct {
	local        bool   // -d
	inetd        string // -i FILE ("" = the default)
	hostsFile    string // --hosts FILE ("" = the system resolver)
	netgroupFile string // --netgroup FILE ("" = no netgroups)
	operands     []string
}

// usageError is a bad command line; its message (if any) precedes the
// usage text.
type usageError string

// parseArgs reads the command line the way glibc's getopt("di:") does,
// plus the long options --hosts FILE and --netgroup FILE.
func parseArgs(args []string) (*config, error) {
	r, err := getopt.Parse(name, args, optFlags, optWithArg, optLong...)
	if err != nil {
		return nil, usageError(err.Error())
	}
	return &config{local: r.Flags['d'], inetd: r.Values['i'], hostsFile: r.Long["hosts"],
		netgroupFile: r.Long["netgroup"], operands: r.Operands}, nil
}

func (e usageError) Error() string { return string(e) }

// run is the whole program: args are the arguments after the program
// name. It returns the exit status: 0 after a verdict, 1 for a usage error,
// an unreadable -i, --hosts or --netgroup file, or a client or server that cannot be
// resolved (tcpdmatch's statuses).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	_ = stdin
	cfg, err := parseArgs(args)
	if err == nil && len(cfg.operands) != 2 {
		err = usageError("")
	}
	if err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(stderr, msg)
		}
		fmt.Fprint(stderr, usageText)
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
	var tables [2]*engine.Table
	for i, path := range []string{allowPath, denyPath} {
		if tables[i], err = loadTable(path); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	p := &engine.Policy{
		Allow:    tables[0],
		Deny:     tables[1],
		Resolver: res,
		Files:    sysdeps.Files{},
		DryRun:   true,
	}
	r := p.TcpdmatchWith(&engine.TcpdmatchOptions{InetdConf: cfg.inetd, AllowPath: allowPath, DenyPath: denyPath},
		cfg.operands[0], cfg.operands[1])
	if _, err := stdout.Write(r.Stdout); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	for _, l := range r.Stderr {
		fmt.Fprintln(stderr, l)
	}
	return r.ExitCode
}

// loadTable opens one table as libwrap does: a missing file reads as
// empty, a file that cannot be opened is libwrap's error case, a
// directory reads as empty. A table larger than engine.MaxTableSize is an
// error ("hosts.allow: table larger than 16 MiB (16777216 bytes): not
// read"): the real tcpdmatch reads it whole, so no verdict on part of it,
// nor on none of it as if it could not be opened, is sure to be its
// verdict.
func loadTable(path string) (*engine.Table, error) {
	data, err := sysdeps.ReadTable(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return engine.MissingTable(path, engine.Debian), nil
	case errors.Is(err, engine.ErrTableTooLarge):
		return nil, err
	case err != nil:
		return engine.UnreadableTable(path, sysdeps.Strerror(err), engine.Debian), nil
	}
	return engine.Parse(path, data, engine.Debian), nil
}
