//go:build linux

package tcpdchkdiff

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/e2e/realhunt"
)

// realFileDirs are where real-world hosts.allow and hosts.deny files were
// collected for TestRealFiles (never committed: they are other people's
// files): REALFILES, colon-separated. Opt-in, so that what a
// machine happens to hold in some directory never changes what CI runs.
func realFileDirs() []string {
	if v := os.Getenv("REALFILES"); v != "" {
		return strings.Split(v, ":")
	}
	return nil
}

// hostWord is a word of a rule that the name service may be asked about:
// a name or a numeric address, not a pattern tcpdchk judges by itself.
var hostWord = regexp.MustCompile(`^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$`)

// hostWords are the name-like words of tables, lower case, sorted.
func hostWords(tables ...string) []string {
	seen := map[string]bool{}
	var names []string
	for _, t := range tables {
		for _, line := range strings.Split(t, "\n") {
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			for _, w := range strings.FieldsFunc(line, func(r rune) bool { return strings.ContainsRune(" \t\r,:=@", r) }) {
				lw := strings.ToLower(w)
				if !hostWord.MatchString(w) || seen[lw] || strings.Trim(w, "0123456789.") == "" ||
					strings.EqualFold(w, "ALL") || strings.EqualFold(w, "LOCAL") || strings.EqualFold(w, "EXCEPT") {
					continue
				}
				seen[lw] = true
				names = append(names, lw)
			}
		}
	}
	sort.Strings(names)
	return names
}

// fakeHosts is a hosts table giving every name-like word of the tables
// an address. tricky false: the address's name is the word (lookups and
// double checks succeed). tricky true: every other word is an alias of
// an official name, and the others' addresses belong first to another
// name (name/name mismatches).
func fakeHosts(tricky bool, tables ...string) string {
	var b strings.Builder
	for i, n := range hostWords(tables...) {
		addr := fmt.Sprintf("10.%d.%d.%d", 100+i/65536, i/256%256, i%256)
		switch {
		case !tricky:
			fmt.Fprintf(&b, "%s %s\n", addr, n)
		case i%2 == 0:
			fmt.Fprintf(&b, "%s official-%d.example.org %s\n", addr, i, n)
		default:
			fmt.Fprintf(&b, "%s other-%d.example.org\n%s %s\n", addr, i, addr, n)
		}
	}
	return b.String()
}

// fakeNetgroups gives every @group of the tables one member.
func fakeNetgroups(tables ...string) string {
	seen := map[string]bool{}
	var b strings.Builder
	for _, t := range tables {
		for _, m := range regexp.MustCompile(`@([A-Za-z0-9_.-]+)`).FindAllStringSubmatch(t, -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				fmt.Fprintf(&b, "%s (host.example.org,user,)\n", m[1])
			}
		}
	}
	return b.String()
}

// realFile is one collected table.
type realFile struct{ name, data string }

func loadRealFiles(t *testing.T) []realFile {
	var out []realFile
	for _, d := range realFileDirs() {
		_ = filepath.Walk(d, func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() || !fi.Mode().IsRegular() || fi.Name() == "INDEX" || fi.Name() == "DONE" || fi.Size() > 1<<20 {
				return nil
			}
			b, err := os.ReadFile(p)
			if err == nil {
				// %p is 0 in cmd/tcpdchk, tcpdchk's pid in Debian's (README.md).
				out = append(out, realFile{name: p, data: realhunt.NoPID(string(b))})
			}
			return nil
		})
	}
	return out
}

// realUnit is one run's tables: a file as hosts.allow, as hosts.deny, as
// both, or a collected pair (NAME...hosts.allow with NAME...hosts.deny).
type realUnit struct {
	name        string
	allow, deny *string
}

func realUnits(files []realFile) []realUnit {
	var out []realUnit
	byName := map[string]*string{}
	for i := range files {
		byName[files[i].name] = &files[i].data
	}
	for i := range files {
		f := &files[i]
		out = append(out, realUnit{f.name + " as hosts.allow", &f.data, nil},
			realUnit{f.name + " as hosts.deny", nil, &f.data},
			realUnit{f.name + " as both", &f.data, &f.data})
		if strings.HasSuffix(f.name, "hosts.allow") {
			if d, ok := byName[strings.TrimSuffix(f.name, "allow")+"deny"]; ok {
				out = append(out, realUnit{f.name + " paired with its hosts.deny", &f.data, d})
			}
		}
	}
	return out
}

// TestRealFiles runs the real tcpdchk and ours on every collected file:
// as hosts.allow, as hosts.deny, as both, and paired with the hosts.deny
// collected beside it; plain, with -v and with -a, with and without a
// hosts table giving its names addresses (and a netgroup table giving its
// netgroups a member), plain with a hosts table of aliases and
// mismatched names; a hosts.allow alone also with CRLF line ends and
// without its final newline (always -d: the case's tables).
// Skipped unless REALFILES names directories of collected files
// (e.g. /tmp/realfiles:/tmp/realfiles_c). REALFILES_MATCH limits it
// to files whose name contains that string.
func TestRealFiles(t *testing.T) {
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
	h := harness(t)
	bin := build(t)
	flagSets := [][]string{{"-d", "-i", "/dev/null"}, {"-d", "-v", "-i", "/dev/null"}, {"-d", "-a", "-i", "/dev/null"}}
	runs, diffs := 0, 0
	for _, u := range realUnits(files) {
		var tables []string
		for _, p := range []*string{u.allow, u.deny} {
			if p != nil {
				tables = append(tables, *p)
			}
		}
		type variant struct {
			name  string
			c     libwrap.Case
			flags [][]string
		}
		variants := []variant{
			{"no hosts table", libwrap.Case{Allow: u.allow, Deny: u.deny}, flagSets},
			{"hosts and netgroups", libwrap.Case{Allow: u.allow, Deny: u.deny, Hosts: fakeHosts(false, tables...),
				Netgroup: fakeNetgroups(tables...)}, flagSets},
			{"aliases and mismatches", libwrap.Case{Allow: u.allow, Deny: u.deny, Hosts: fakeHosts(true, tables...)},
				flagSets[:1]},
		}
		if u.allow != nil && u.deny == nil {
			crlf := strings.ReplaceAll(strings.ReplaceAll(*u.allow, "\r\n", "\n"), "\n", "\r\n")
			noNL := strings.TrimRight(*u.allow, "\n")
			variants = append(variants,
				variant{"CRLF", libwrap.Case{Allow: &crlf, Hosts: fakeHosts(false, tables...)}, flagSets[:2]},
				variant{"no final newline", libwrap.Case{Allow: &noNL}, flagSets[:1]})
		}
		for _, v := range variants {
			v.c.Files = map[string]string{}
			for _, args := range v.flags {
				want, wantCode, err := h.Tcpdchk(v.c, args...)
				if err != nil {
					t.Fatal(err)
				}
				got, gotCode := runOurs(t, bin, v.c, args)
				runs++
				wantText := strings.Join(append(append([]string{}, want...), fmt.Sprintf("exit %d", wantCode)), "\n")
				gotText := strings.Join(append(got, fmt.Sprintf("exit %d", gotCode)), "\n")
				if wantText != gotText {
					diffs++
					t.Errorf("%s, %s, %q:\n%s", u.name, v.name, args, lineDiff(want, wantCode, got, gotCode))
				}
			}
		}
	}
	t.Logf("%d files, %d runs, %d differ", len(files), runs, diffs)
}

// lineDiff shows the lines that differ.
func lineDiff(want []string, wantCode int, got []string, gotCode int) string {
	var b strings.Builder
	n := max(len(want), len(got))
	for i := 0; i < n; i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			fmt.Fprintf(&b, "  line %d\n    real: %q\n    ours: %q\n", i+1, w, g)
		}
	}
	if wantCode != gotCode {
		fmt.Fprintf(&b, "  exit real %d, ours %d\n", wantCode, gotCode)
	}
	return b.String()
}

// TestProbe runs the corpus-format cases named by TCPDCHK_PROBE (a
// colon-separated list of txtar files) through both and prints both
// outputs: a tool for minimising a difference.
func TestProbe(t *testing.T) {
	v := os.Getenv("TCPDCHK_PROBE")
	if v == "" {
		t.Skip("TCPDCHK_PROBE not set")
	}
	h := harness(t)
	bin := build(t)
	for _, p := range strings.Split(v, ":") {
		cc := readCorpusCase(t, p)
		c, args := cc.c, cc.args
		want, wantCode, err := h.Tcpdchk(c, args...)
		if err != nil {
			t.Fatal(err)
		}
		got, gotCode := runOurs(t, bin, c, args)
		same := strings.Join(want, "\n") == strings.Join(got, "\n") && wantCode == gotCode
		fmt.Printf("=== %s same=%v\n--- real (exit %d)\n%s\n--- ours (exit %d)\n%s\n", p, same, wantCode, q(want), gotCode, q(got))
	}
}

func q(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%q\n", l)
	}
	return b.String()
}
