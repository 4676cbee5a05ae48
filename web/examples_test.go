package web

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/wasm/wire"
)

// TestExamples pins what each example of the playground's menu shows:
// its requests' verdicts and deciding rules, that every request carries
// an expected verdict and meets it (what the expect column shows on a
// first visit), and that the checker finds no error in it. An example
// that stops demonstrating its point fails here.
func TestExamples(t *testing.T) {
	want := map[string][]string{
		"webmaster-telnet": {"granted hosts.allow:2", "denied hosts.deny:1", "granted -"},
		"deny-all":         {"granted hosts.allow:2", "denied hosts.deny:1", "granted hosts.allow:3"},
		"all-except":       {"granted hosts.allow:1", "denied hosts.deny:1", "denied hosts.deny:1"},
		"paranoid":         {"granted hosts.allow:3", "granted hosts.allow:3", "denied hosts.allow:2"},
		"dante-sockd":      {"granted hosts.allow:1", "denied hosts.deny:1"},
		"freebsd":          {"granted hosts.allow:3", "denied hosts.allow:4", "granted hosts.allow:5"},
	}
	seen := map[string]bool{}
	for _, ex := range playgroundExamples {
		t.Run(ex.ID, func(t *testing.T) {
			if seen[ex.ID] {
				t.Fatalf("duplicate example id %q", ex.ID)
			}
			seen[ex.ID] = true
			d := *ex.Doc
			if err := d.normalize(); err != nil {
				t.Fatal(err)
			}
			out := wire.Evaluate(d.input())
			if out.Error != "" {
				t.Fatal(out.Error)
			}
			var got []string
			for i, rr := range out.Results {
				if rr.Error != "" || len(rr.Predictions) != 1 {
					t.Fatalf("request %d: error %q, %d predictions", i, rr.Error, len(rr.Predictions))
				}
				p := rr.Predictions[0]
				rule := "-"
				if p.Matched != nil {
					rule = p.Matched.File + ":" + strconv.Itoa(p.Matched.Line)
				}
				got = append(got, p.Access+" "+rule)
				req := d.Requests[i]
				switch {
				case req.Expect == nil:
					t.Errorf("request %d (%s): no expected verdict", i+1, requestLabel(req))
				case rr.Expect == nil || !rr.Expect.Met:
					t.Errorf("request %d (%s): expected %s, got %+v", i+1, requestLabel(req), req.Expect, rr.Expect)
				}
			}
			if strings.Join(got, ", ") != strings.Join(want[ex.ID], ", ") {
				t.Errorf("verdicts\n got %s\nwant %s", strings.Join(got, ", "), strings.Join(want[ex.ID], ", "))
			}
			for _, diag := range wire.Check(d.policy()).Diagnostics {
				if diag.Severity == "error" {
					t.Errorf("checker error: %s:%d: %s", diag.File, diag.Line, diag.Message)
				}
			}
		})
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("example %q is gone from the menu", id)
		}
	}
}

// TestExampleTxtar checks that the embed demo's examples carry their
// expectations as lines of tcpwrap test, after the requests section's
// header, which parseRequests (the form's reader of the same lines)
// reads back to the example's requests.
func TestExampleTxtar(t *testing.T) {
	for _, ex := range playgroundExamples {
		txt := exampleTxtar(ex.Doc)
		_, reqs, ok := strings.Cut(txt, "-- requests --\n")
		if !ok || strings.Contains(reqs, "\n-- ") {
			t.Fatalf("%s: the requests section is not last:\n%s", ex.ID, txt)
		}
		got, err := parseRequests(reqs)
		if err != nil {
			t.Fatalf("%s: %v", ex.ID, err)
		}
		if !reflect.DeepEqual(got, ex.Doc.Requests) {
			t.Errorf("%s: requests read back\n got %+v\nwant %+v", ex.ID, got, ex.Doc.Requests)
		}
	}
	if txt := exampleTxtar(playgroundExamples[0].Doc); !strings.Contains(txt, "\ndenied in.telnetd 192.0.2.20 by hosts.deny:1\n") {
		t.Errorf("no expectation line in\n%s", txt)
	}
}
