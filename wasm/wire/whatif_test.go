package wire

import (
	"strings"
	"testing"
)

// TestDNSWhatIf decides the same request under each what-if of the
// playground's DNS switch.
func TestDNSWhatIf(t *testing.T) {
	allow, deny := "sshd: .example.com\n", "ALL: ALL\n"
	policy := Policy{Allow: &allow, Deny: &deny, Hosts: "10.0.0.1 good.example.com\n10.0.0.2 other.example.com\n"}
	cases := []struct {
		client string
		dns    *DNS
		access string
		name   string // the client name the decision saw
		warn   string // a warning it must carry
	}{
		{"10.0.0.1", nil, "granted", "good.example.com", ""},
		{"10.0.0.1", &DNS{Mode: "missing"}, "denied", "", ""},
		{"10.0.0.1", &DNS{Mode: "lying"}, "denied", "paranoid", "host name/address mismatch"},
		{"10.0.0.1", &DNS{Mode: "consistent"}, "granted", "good.example.com", ""},
		{"10.0.0.1", &DNS{Mode: "consistent", Name: "evil.example.org"}, "denied", "evil.example.org", ""},
		{"10.0.0.1", &DNS{Mode: "lying", Name: "OTHER.example.com"}, "denied", "paranoid", "host name/address mismatch"},
		// No name in the table: the default name answers.
		{"10.0.0.7", nil, "denied", "", ""},
		{"10.0.0.7", &DNS{Mode: "consistent"}, "granted", DefaultWhatIfName, ""},
		{"10.0.0.7", &DNS{Mode: "lying"}, "denied", "paranoid", "host name/address mismatch"},
		// A client given by name keeps the table's address.
		{"good.example.com", &DNS{Mode: "lying"}, "denied", "paranoid", "10.0.0.1"},
		{"good.example.com", &DNS{Mode: "missing"}, "denied", "", ""},
		// IPv6.
		{"2001:db8::5", &DNS{Mode: "consistent", Name: "v6.example.com"}, "granted", "v6.example.com", ""},
		{"2001:db8::5", &DNS{Mode: "lying", Name: "v6.example.com"}, "denied", "paranoid", "mismatch: 2001:db8::5 != v6.example.com"},
	}
	for _, c := range cases {
		in := Input{Policy: policy, Requests: []Request{{Daemon: "sshd", Client: c.client}}, DNS: c.dns}
		out := Evaluate(in)
		what := c.client + " " + dnsMode(c.dns)
		if out.Error != "" || out.Results[0].Error != "" || len(out.Results[0].Predictions) != 1 {
			t.Errorf("%s: %q %+v", what, out.Error, out.Results)
			continue
		}
		p := out.Results[0].Predictions[0]
		name := ""
		if p.Client.Name != nil {
			name = *p.Client.Name
		}
		if p.Access != c.access || (c.name != "" && name != c.name) || (c.name == "" && name != "" && name != "unknown") {
			t.Errorf("%s: %s, client name %q; want %s, %q", what, p.Access, name, c.access, c.name)
		}
		if c.warn != "" && !strings.Contains(strings.Join(append(p.Warnings, p.Log...), "\n"), c.warn) {
			t.Errorf("%s: no %q in warnings %q / log %q", what, c.warn, p.Warnings, p.Log)
		}
	}
	// The server's lookups and the rules' own names are the table's.
	out := Evaluate(Input{Policy: policy, Requests: []Request{{Daemon: "sshd", Server: "10.0.0.2", Client: "10.0.0.1"}},
		DNS: &DNS{Mode: "missing"}})
	if p := out.Results[0].Predictions[0]; p.Server.Name != nil && *p.Server.Name != "other.example.com" {
		t.Errorf("server name %q under a client what-if", *p.Server.Name)
	}
}

func TestDNSWhatIfBad(t *testing.T) {
	allow := "ALL: ALL\n"
	for _, d := range []DNS{{Mode: ""}, {Mode: "lies"}, {Mode: "lying", Name: "a b"}, {Mode: "lying", Name: strings.Repeat("a", 256)}} {
		out := Evaluate(Input{Policy: Policy{Allow: &allow}, Requests: []Request{{Daemon: "sshd", Client: "10.0.0.1"}}, DNS: &d})
		if !strings.HasPrefix(out.Error, "dns: ") {
			t.Errorf("%+v: error %q", d, out.Error)
		}
	}
	// Through JSON, as the playground sends it.
	got := string(EvaluateJSON([]byte(`{"allow":"sshd: .example.com\n","deny":"ALL: ALL\n","hosts":"10.0.0.1 a.example.com\n","dns":{"mode":"missing"},"requests":[{"daemon":"sshd","client":"10.0.0.1"}],"noTrace":true}`)))
	if !strings.Contains(got, `"access":"denied"`) {
		t.Errorf("JSON what-if: %s", got)
	}
}

func dnsMode(d *DNS) string {
	if d == nil {
		return "table"
	}
	return d.Mode + "/" + d.Name
}
