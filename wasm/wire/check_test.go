package wire

import (
	"encoding/json"
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
