package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tcpwrap/tcpwrap/cmd/internal/sysdeps"
	"github.com/tcpwrap/tcpwrap/engine"
)

const fmtUsage = `Usage:
  tcpwrap fmt [-w] [--check] [--profile NAME] FILE...

Writes each table in tcpwrap's canonical layout: tokens joined by ", ",
EXCEPT in capitals, ": " between fields. Comments, continued lines and
anything whose reading a new layout could change are kept as they are, and
no line moves, so every decision, line number and log line stays the same.

Flags:
  -w               rewrite the files instead of printing them
  --check          print the names of files that are not formatted; exit 1
                   if there is one
  --profile NAME   debian (default), upstream or freebsd

Exit status: 0 done (or all formatted), 1 a file that does not exist, is
a directory or cannot be read (or, with --check, a file to format), 2
usage.
`

// fmtFlags defines fmt's flags (fmtUsage lists them).
func fmtFlags() (fs *flag.FlagSet, write, check *bool, profile *string) {
	fs = newFlagSet("fmt")
	write = fs.Bool("w", false, "")
	check = fs.Bool("check", false, "")
	profile = fs.String("profile", "debian", "")
	return fs, write, check, profile
}

func runFmt(args []string, stdout, stderr io.Writer) int {
	fs, write, check, profile := fmtFlags()
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, fmtUsage)
			return exitOK
		}
		return usageFail(stderr, "fmt", err)
	}
	prof, err := engine.ParseProfile(*profile)
	if err != nil {
		return usageFail(stderr, "fmt", err)
	}
	if fs.NArg() == 0 {
		return usageFailf(stderr, "fmt", "no files")
	}
	if *write && *check {
		return usageFailf(stderr, "fmt", "-w and --check do not go together")
	}
	status := exitOK
	for _, name := range fs.Args() {
		// A directory would read as empty, and so as formatted.
		if err := statFile(name); err != nil {
			fmt.Fprintf(stderr, "tcpwrap fmt: %v\n", err)
			status = exitInput
			continue
		}
		src, err := sysdeps.ReadTable(name)
		switch {
		case errors.Is(err, engine.ErrTableTooLarge):
			fmt.Fprintf(stderr, "tcpwrap fmt: %v\n", err)
		case err != nil:
			fmt.Fprintf(stderr, "tcpwrap fmt: %s: %s\n", name, sysdeps.Strerror(err))
		}
		if err != nil {
			status = exitInput
			continue
		}
		out := engine.Format(src, prof)
		switch {
		case *check:
			if !bytes.Equal(out, src) {
				fmt.Fprintln(stdout, name)
				status = exitInput
			}
		case *write:
			if bytes.Equal(out, src) {
				continue
			}
			fi, err := os.Stat(name)
			if err == nil {
				err = os.WriteFile(name, out, fi.Mode().Perm())
			}
			if err != nil {
				fmt.Fprintf(stderr, "tcpwrap fmt: %s: %s\n", name, sysdeps.Strerror(err))
				status = exitInput
			}
		default:
			if _, err := stdout.Write(out); err != nil {
				return writeFailed(stderr, err)
			}
		}
	}
	return status
}
