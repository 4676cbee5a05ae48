//go:build linux

package tcpdchkdiff

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/e2e/realhunt"
)

// TestRealFileMutants runs the real tcpdchk and ours on mutated copies of
// the collected files (realhunt.Mutate; REALFILES_SEED, default 1,
// REALFILES_MUTANTS per file, default 4): each mutant as hosts.allow, as
// hosts.deny or as both, with a hosts and netgroup table for its names
// half the time, plain, with -v or with -a. Skipped unless REALFILES
// names directories of collected files; REALFILES_MATCH limits the
// files; REALFILES_DUMP=DIR writes the differing cases there.
func TestRealFileMutants(t *testing.T) {
	files := loadRealFiles(t)
	if m := os.Getenv("REALFILES_MATCH"); m != "" {
		var keep []realFile
		for _, f := range files {
			if strings.Contains(f.name, m) {
				keep = append(keep, f)
			}
		}
		files = keep
	}
	if len(files) == 0 {
		t.Skip("no real files: set REALFILES to directories of collected hosts.allow and hosts.deny files")
	}
	seed, mutants := int64(1), 4
	if v, err := strconv.ParseInt(os.Getenv("REALFILES_SEED"), 10, 64); err == nil {
		seed = v
	}
	if v, err := strconv.Atoi(os.Getenv("REALFILES_MUTANTS")); err == nil {
		mutants = v
	}
	h := harness(t)
	bin := build(t)
	r := rand.New(rand.NewSource(seed))
	flagSets := [][]string{{"-d", "-i", "/dev/null"}, {"-d", "-v", "-i", "/dev/null"}, {"-d", "-a", "-i", "/dev/null"}}
	runs, diffs := 0, 0
	for _, f := range files {
		for m := 0; m < mutants; m++ {
			text, did := realhunt.Mutate(f.data, r)
			name := fmt.Sprintf("%s mutant %d [%s]", f.name, m, strings.Join(did, "; "))
			var c libwrap.Case
			switch r.Intn(3) {
			case 0:
				c.Allow, name = &text, name+" as hosts.allow"
			case 1:
				c.Deny, name = &text, name+" as hosts.deny"
			default:
				c.Allow, c.Deny, name = &text, &text, name+" as both"
			}
			if r.Intn(2) == 0 {
				c.Hosts, c.Netgroup = fakeHosts(false, text), fakeNetgroups(text)
				name += ", hosts and netgroups"
			}
			c.Files = map[string]string{}
			args := flagSets[r.Intn(len(flagSets))]
			want, wantCode, err := h.Tcpdchk(c, args...)
			if err != nil {
				t.Fatal(err)
			}
			got, gotCode := runOurs(t, bin, c, args)
			runs++
			wantText := strings.Join(append(append([]string{}, want...), fmt.Sprintf("exit %d", wantCode)), "\n")
			gotText := strings.Join(append(got, fmt.Sprintf("exit %d", gotCode)), "\n")
			if wantText != gotText {
				diffs++
				if dir := os.Getenv("REALFILES_DUMP"); dir != "" {
					d := fmt.Sprintf("%s/%d", dir, diffs)
					os.MkdirAll(d, 0o755)
					if c.Allow != nil {
						os.WriteFile(d+"/hosts.allow", []byte(*c.Allow), 0o644)
					}
					if c.Deny != nil {
						os.WriteFile(d+"/hosts.deny", []byte(*c.Deny), 0o644)
					}
					os.WriteFile(d+"/hosts", []byte(c.Hosts), 0o644)
					os.WriteFile(d+"/netgroup", []byte(c.Netgroup), 0o644)
					os.WriteFile(d+"/name", []byte(fmt.Sprintf("%s %q\n", name, args)), 0o644)
				}
				if diffs <= 30 {
					t.Errorf("seed %d, %s, %q:\n%s", seed, name, args, lineDiff(want, wantCode, got, gotCode))
				}
			}
		}
	}
	t.Logf("seed %d: %d files, %d runs, %d differ", seed, len(files), runs, diffs)
}
