// Package getopt reads a command line the way glibc's getopt does for the
// classic tcp_wrappers tools (tcpdmatch, tcpdchk): options and operands may
// be mixed, "--" ends the options, single-letter flags may be grouped
// ("-dv"), an option with an argument takes the rest of its word or the
// next word ("-ifile", "-i file"), and long options take "--name VALUE" or
// "--name=VALUE". Error messages are glibc's, with one addition: a long
// option written with one dash ("-hosts"), which getopt reads as letters,
// gets a hint after glibc's message.
package getopt

import (
	"fmt"
	"slices"
	"strings"
)

// Result is a parsed command line.
type Result struct {
	// Flags holds the single-letter options without an argument seen.
	Flags map[byte]bool
	// Values holds the single-letter options with an argument (the last
	// one given wins).
	Values map[byte]string
	// Long holds the long options (the last one given wins).
	Long map[string]string
	// Operands are the other words, in order.
	Operands []string
}

// Parse reads args for program prog: flags lists the letters that take no
// argument, withArg those that take one, long the long options (each takes
// an argument).
func Parse(prog string, args []string, flags, withArg string, long ...string) (*Result, error) {
	r := &Result{Flags: map[byte]bool{}, Values: map[byte]string{}, Long: map[string]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			r.Operands = append(r.Operands, args[i+1:]...)
			return r, nil
		case strings.HasPrefix(a, "--"):
			opt, val, hasVal := strings.Cut(a[2:], "=")
			known := false
			for _, l := range long {
				known = known || l == opt
			}
			if !known {
				// Debian's tools use getopt, not getopt_long: to them
				// "--bogus" is the option '-', which they do not know.
				return nil, fmt.Errorf("%s: invalid option -- '-'", prog)
			}
			if !hasVal {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("%s: option '--%s' requires an argument", prog, opt)
				}
				i++
				val = args[i]
			}
			r.Long[opt] = val
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				c := a[j]
				switch {
				case strings.IndexByte(flags, c) >= 0:
					r.Flags[c] = true
				case strings.IndexByte(withArg, c) >= 0:
					if j+1 < len(a) {
						r.Values[c] = a[j+1:]
					} else if i+1 < len(args) {
						i++
						r.Values[c] = args[i]
					} else {
						return nil, fmt.Errorf("%s: option requires an argument -- '%c'", prog, c)
					}
					j = len(a)
				default:
					err := fmt.Errorf("%s: invalid option -- '%c'", prog, c)
					if name, _, _ := strings.Cut(a[1:], "="); j == 1 && slices.Contains(long, name) {
						err = fmt.Errorf("%w (long options take two dashes: --%s)", err, name)
					}
					return nil, err
				}
			}
		default:
			r.Operands = append(r.Operands, a)
		}
	}
	return r, nil
}
