package wire

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestCheckAndFormat(t *testing.T) {
	in := `{"allow": "sshd: 10.0.0.1/24\nsshd,in.ftpd : 10.0.0.2\n", "deny": "ALL: ALL:\n", "hosts": "10.0.0.1 a.example\n"}`
	var c CheckOutput
	if err := json.Unmarshal(CheckJSON([]byte(in)), &c); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, d := range c.Diagnostics {
		codes = append(codes, d.File+":"+d.Code)
		if d.Doc == "" || d.Line == 0 {
			t.Errorf("diagnostic without doc or line: %+v", d)
		}
	}
	if got, want := strings.Join(codes, " "), "/etc/hosts.allow:rule-never-matches /etc/hosts.allow:netmask-host-bits /etc/hosts.deny:trailing-colon"; got != want {
		t.Errorf("codes %q, want %q", got, want)
	}
	var f FormatOutput
	if err := json.Unmarshal(FormatJSON([]byte(in)), &f); err != nil {
		t.Fatal(err)
	}
	if f.Allow == nil || *f.Allow != "sshd: 10.0.0.1/24\nsshd, in.ftpd: 10.0.0.2\n" || f.Deny == nil || *f.Deny != "ALL: ALL:\n" {
		t.Errorf("format: %+v", f)
	}
	for _, bad := range []string{`{`, `{"profile": "bsd"}`, `[]`, `{"files": {"rel": ""}}`} {
		if out := string(CheckJSON([]byte(bad))); !strings.Contains(out, `"error"`) {
			t.Errorf("check %q: %s", bad, out)
		}
		if out := string(FormatJSON([]byte(bad))); !strings.Contains(out, `"error"`) {
			t.Errorf("format %q: %s", bad, out)
		}
	}
}

// TestCheckHostsTable: the hosts table's unreadable lines are diagnosed
// with the tables', in file order, as tcpwrap check --hosts does.
func TestCheckHostsTable(t *testing.T) {
	in := `{"allow": "sshd: a.example.com\n", "hosts": "notanip a.example.com\n10.0.0.1\n10.0.0.2 a.example.com\n"}`
	var c CheckOutput
	if err := json.Unmarshal(CheckJSON([]byte(in)), &c); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range c.Diagnostics {
		if d.Doc == "" {
			t.Errorf("%s has no doc", d.Code)
		}
		got = append(got, fmt.Sprintf("%s:%d:%d:%s", d.File, d.Line, d.Col, d.Code))
	}
	want := "/etc/hosts:1:1:hosts-bad-address /etc/hosts:2:1:hosts-no-name"
	if g := strings.Join(got, " "); !strings.HasPrefix(g, want) {
		t.Errorf("diagnostics %q, want them to begin %q", g, want)
	}
}
