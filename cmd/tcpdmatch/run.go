package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/tcpwrap/tcpwrap/cmd/internal/sysdeps"
	"github.com/tcpwrap/tcpwrap/engine"
)

// name is the program name in messages.
const name = "tcpdmatch"

// usageText is printed (on standard error, exit status 1) for a usage
// error: three lines, as Debian's tcpdmatch prints.
const usageText = `usage: tcpdmatch [-d] [-i inet_conf] [--hosts FILE] daemon[@server] [user@]client
	-d: read hosts.allow and hosts.deny in the current directory, not in /etc
	-i: the inetd.conf file to examine (default /etc/inetd.conf, if any)
`

// config is the parsed command line.
type config struct {
	local     bool   // -d
	inetd     string // -i FILE ("" = the default)
	hostsFile string // --hosts FILE ("" = the system resolver)
	operands  []string
}

// usageError is a bad command line; its message (if any) precedes the
// usage text.
type usageError string

// parseArgs reads the command line the way glibc's getopt("di:") does
// (options and operands may be mixed; "--" ends the options; "-i" takes
// the rest of its word or the next word), plus the long option --hosts
// FILE (or --hosts=FILE).
func parseArgs(args []string) (*config, error) {
	cfg := &config{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			cfg.operands = append(cfg.operands, args[i+1:]...)
			return cfg, nil
		case strings.HasPrefix(a, "--"):
			opt, val, hasVal := strings.Cut(a[2:], "=")
			if opt != "hosts" {
				return nil, usageError(fmt.Sprintf("%s: unrecognized option '%s'", name, a))
			}
			if !hasVal {
				if i+1 >= len(args) {
					return nil, usageError(fmt.Sprintf("%s: option '--hosts' requires an argument", name))
				}
				i++
				val = args[i]
			}
			cfg.hostsFile = val
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				switch a[j] {
				case 'd':
					cfg.local = true
				case 'i':
					if j+1 < len(a) {
						cfg.inetd = a[j+1:]
					} else if i+1 < len(args) {
						i++
						cfg.inetd = args[i]
					} else {
						return nil, usageError(fmt.Sprintf("%s: option requires an argument -- 'i'", name))
					}
					j = len(a)
				default:
					return nil, usageError(fmt.Sprintf("%s: invalid option -- '%c'", name, a[j]))
				}
			}
		default:
			cfg.operands = append(cfg.operands, a)
		}
	}
	return cfg, nil
}

func (e usageError) Error() string { return string(e) }

// run is the whole program: args are the arguments after the program
// name. It returns the exit status: 0 after a verdict, 1 for a usage error,
// an unreadable -i or --hosts file, or a client or server that cannot be
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
	var res engine.Resolver
	if cfg.hostsFile != "" {
		data, err := os.ReadFile(cfg.hostsFile)
		if err != nil {
			fmt.Fprintf(stderr, "%s: --hosts %s: %s\n", name, cfg.hostsFile, sysdeps.Strerror(err))
			return 1
		}
		hr := engine.NewHostsResolver(cfg.hostsFile, data)
		for _, d := range hr.Diagnostics {
			fmt.Fprintf(stderr, "%s: %s: %s\n", name, d.Severity, d.Error())
		}
		res = hr
	} else {
		res = sysdeps.NewResolver(nil)
	}
	p := &engine.Policy{
		Allow:    loadTable(allowPath, stderr),
		Deny:     loadTable(denyPath, stderr),
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
// directory reads as empty.
func loadTable(path string, stderr io.Writer) *engine.Table {
	data, err := sysdeps.ReadUpTo(path, engine.MaxTableSize+1)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return engine.MissingTable(path, engine.Debian)
	case err != nil:
		return engine.UnreadableTable(path, sysdeps.Strerror(err), engine.Debian)
	}
	if len(data) > engine.MaxTableSize {
		fmt.Fprintf(stderr, "%s: warning: %s is larger than %d bytes: only the start is read\n", name, path, engine.MaxTableSize)
	}
	return engine.Parse(path, data, engine.Debian)
}
