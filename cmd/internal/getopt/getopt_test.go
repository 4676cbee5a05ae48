package getopt

import (
	"fmt"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-dv", "x", "-ifile", "y"}, "flags map[100:true 118:true] values map[105:file] long map[] operands [x y]"},
		{[]string{"-i", "f", "--hosts=h", "--netgroup", "n", "--", "-d"}, "flags map[] values map[105:f] long map[hosts:h netgroup:n] operands [-d]"},
		{[]string{"-", "x"}, "flags map[] values map[] long map[] operands [- x]"},
		{[]string{"-x"}, "error p: invalid option -- 'x'"},
		{[]string{"-i"}, "error p: option requires an argument -- 'i'"},
		{[]string{"--bogus"}, "error p: invalid option -- '-'"},
		{[]string{"--hosts"}, "error p: option '--hosts' requires an argument"},
		// A long option with one dash is read as letters, as by glibc, with
		// a hint (QA: "-hosts FILE" said only "invalid option -- 'h'").
		{[]string{"-hosts", "f"}, "error p: invalid option -- 'h' (long options take two dashes: --hosts)"},
		{[]string{"-netgroup=f"}, "error p: invalid option -- 'n' (long options take two dashes: --netgroup)"},
		{[]string{"-hostsx"}, "error p: invalid option -- 'h'"},
		{[]string{"-dhosts"}, "error p: invalid option -- 'h'"},
	} {
		r, err := Parse("p", tc.args, "adv", "i", "hosts", "netgroup")
		got := ""
		if err != nil {
			got = "error " + err.Error()
		} else {
			got = fmt.Sprintf("flags %v values %v long %v operands %v", r.Flags, r.Values, r.Long, r.Operands)
		}
		if got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.args, got, tc.want)
		}
	}
}
