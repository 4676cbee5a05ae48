//go:build linux

package difftest

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// parseArchive reads a golden txtar case into its sections, decoding
// ".quoted" sections (a Go string literal). Same format as the engine's
// golden runner.
func parseArchive(s string) map[string]string {
	out := map[string]string{}
	name := ""
	var buf strings.Builder
	flush := func() {
		if name == "" {
			return
		}
		data := buf.String()
		if n, ok := strings.CutSuffix(name, ".quoted"); ok {
			q, err := strconv.Unquote(strings.TrimSpace(data))
			if err != nil {
				panic(err)
			}
			name, data = n, q
		}
		out[name] = data
	}
	for _, l := range strings.SplitAfter(s, "\n") {
		t := strings.TrimSuffix(l, "\n")
		if strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) >= 6 {
			flush()
			name = strings.TrimSpace(t[3 : len(t)-3])
			buf.Reset()
			continue
		}
		buf.WriteString(l)
	}
	flush()
	return out
}

func splitArgs(t *testing.T, line string) []string {
	var out []string
	for line = strings.TrimSpace(line); line != ""; line = strings.TrimSpace(line) {
		if line[0] == '"' {
			q, err := strconv.QuotedPrefix(line)
			if err != nil {
				t.Fatalf("bad quoted argument in %q", line)
			}
			s, _ := strconv.Unquote(q)
			out = append(out, s)
			line = line[len(q):]
			continue
		}
		w, rest, _ := strings.Cut(line, " ")
		out = append(out, w)
		line = rest
	}
	return out
}

func addrPort(t *testing.T, addr, port string) netip.AddrPort {
	if addr == "-" {
		return netip.AddrPort{}
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		t.Fatal(err)
	}
	return netip.AddrPortFrom(a, uint16(n))
}
