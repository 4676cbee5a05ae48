package engine

import "testing"

// The C library's parsers as libwrap uses them. Expected values were read
// from glibc 2.36 (inet_addr, getaddrinfo with AI_NUMERICHOST, strtoul) on
// this project's Debian machine.
func TestInetAton(t *testing.T) {
	for _, tc := range []struct {
		in    string
		exact bool
		want  uint32
		ok    bool
	}{
		{"10.0.0.1", false, 0x0a000001, true},
		{"10.0.0.1 x", false, 0x0a000001, true}, // inet_addr accepts text after white space
		{"10.0.0.1\fx", false, 0x0a000001, true},
		{"10.0.0.1 x", true, 0, false}, // getaddrinfo does not
		{"10.0.0.1x", false, 0, false},
		{"012.0.0.1", false, 0x0a000001, true}, // octal
		{"08.0.0.1", false, 0, false},
		{"0x0a.0.0.1", false, 0x0a000001, true},
		{"10.0.0.256", false, 0, false},
		{"1.2", false, 0x01000002, true},
		{"1234", false, 1234, true},
		{"10.0.0.1.", false, 0, false},
		{"0x", false, 0, false},
		{"4294967295", false, 0xffffffff, true},
		{"4294967296", false, 0, false},
	} {
		got, ok := inetAton(tc.in, tc.exact)
		if got != tc.want || ok != tc.ok {
			t.Errorf("inetAton(%q, %v) = %#x, %v; want %#x, %v", tc.in, tc.exact, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := dotQuadAddr("255.255.255.255"); ok {
		t.Error("255.255.255.255 is INADDR_NONE for libwrap")
	}
	if _, ok := dotQuadAddr("1.2"); ok {
		t.Error("dot_quad_addr wants four runs")
	}
}

func TestCNumbers(t *testing.T) {
	for in, want := range map[string]int32{"24": 24, "24junk": 24, "+24": 24, "\v24": 24, "-1": -1, "": 0, "x": 0,
		"4294967320": 24, "99999999999999999999": -1} {
		if got := cAtoi(in); got != want {
			t.Errorf("cAtoi(%q) = %d, want %d", in, got, want)
		}
	}
	for in, want := range map[string]bool{"5": true, "-5": true, "+3": true, " 7": true, "5x": false, "": false, "x": false, "5 ": false} {
		if _, ok := scanInt(in); ok != want {
			t.Errorf("scanInt(%q) ok = %v, want %v", in, ok, want)
		}
	}
	for in, want := range map[string]uint32{"077": 077, "-0": 0, "+7": 7, "1000": 01000} {
		if got, ok := scanOctal(in); !ok || got != want {
			t.Errorf("scanOctal(%q) = %o, %v; want %o", in, got, ok, want)
		}
	}
	for _, in := range []string{"08", "0x1", "", "7 x"} {
		if _, ok := scanOctal(in); ok {
			t.Errorf("scanOctal(%q) accepted", in)
		}
	}
	for in, want := range map[string]int32{"22": 22, "022": 22, "+22": 22, "\v22": 22, "-0": 0, "65535": 65535,
		// scanf's %u: strtoul to 64 bits, then truncation to 32.
		"4294967318": 22, "-4294967274": 22, "4294967296": 0, "18446744069414584342": 22} {
		if got, ok := portNumber(in); !ok || got != want {
			t.Errorf("portNumber(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"22x", "0x16", "65536", "-22", "22\f", "", "+",
		"18446744073709551616", "-18446744073709551616", "-4294967296000000000000"} {
		if _, ok := portNumber(in); ok {
			t.Errorf("portNumber(%q) accepted", in)
		}
	}
}

// TestNetgroupMembers checks the netgroup reader against what glibc's
// files backend makes of odd tables (e2e/difftest's TestNetgroupTables
// compares the same tables with libwrap).
func TestNetgroupMembers(t *testing.T) {
	for _, tc := range []struct {
		table string
		in    bool // good.example.com in g1
	}{
		{"g1 (good.example.com,,)\n", true},
		{"g1 (good.example.com)\n", false},                    // no commas: the list ends
		{"g1 (good.example.com,)\n", false},                   // one comma
		{"g1 (nosuch) (good.example.com,,)\n", false},         // its commas are found in the next triple
		{"g1 (nosuch,x) (good.example.com,,)\n", false},       // host "nosuch", user "x) (good.example.com"
		{"g1 ( good.example.com , , )\n", true},               // fields are stripped
		{"g1 (,,)\n", true},                                   // an empty host is any host
		{"g1 (-,,)\n", false},                                 // "-" is none
		{"g1 g2(good.example.com,,)\ng2 (nosuch,,)\n", false}, // a group name runs to white space
		{"g1 g2 (good.example.com,,)\ng2 (nosuch,,)\n", true}, // a group, then a triple
		{"g1 (nosuch,,) \\\n (good.example.com,,)\n", true},   // continued
		{"g1 (good.example.com\x00,,)\n", false},              // a NUL ends the line
		{"g1 (GOOD.EXAMPLE.COM,,)\n", true},                   // host names fold case
		{"g1 (good.example.com,,)\ng1 (nosuch,,)\n", true},    // the first line counts
		{"g1 (nosuch,,)\ng1 (good.example.com,,)\n", false},   // the first line counts
		{"g1\u00a0(good.example.com,,)\n", false},             // no space but C's
	} {
		r := NewHostsResolver("hosts", nil).WithNetgroups("netgroup", []byte(tc.table))
		if got := r.InNetgroup("g1", "good.example.com"); got != tc.in {
			t.Errorf("%q: good.example.com in g1 = %v, want %v", tc.table, got, tc.in)
		}
	}
}
