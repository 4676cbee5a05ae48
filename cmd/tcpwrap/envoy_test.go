package main

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/tcpwrap/tcpwrap/engine"
	"github.com/tcpwrap/tcpwrap/wasm/envoy/filter"
)

// TestEnvoy: tcpwrap envoy puts the tables on disk into a plugin
// configuration the filter accepts and decides with as the tables say,
// as JSON and as the YAML configuration block.
func TestEnvoy(t *testing.T) {
	allow := "sshd: bastion.example.org 10.0.1.\t# <&> \"quoted\"\n"
	dir := setup(t, map[string]string{"etc/hosts.allow": allow, "etc/hosts.deny": "ALL: ALL\n", "hosts": "10.0.0.5 bastion.example.org\n"})
	r := tcpwrap(t, dir, "", false, "envoy", "-d", "DIR/etc", "--hosts", "DIR/hosts", "--daemon", "sshd", "--shadow")
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var conf map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &conf); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if conf["allow"] != allow || conf["deny"] != "ALL: ALL\n" || conf["daemon"] != "sshd" || conf["shadow"] != true || conf["filter"] != "network" {
		t.Errorf("configuration %v", conf)
	}
	f, err := filter.New([]byte(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	server := netip.MustParseAddrPort("10.9.9.9:22")
	for c, want := range map[string]string{"10.0.0.5:1": "hosts.allow:1", "10.0.1.9:1": "hosts.allow:1", "10.0.0.6:1": "hosts.deny:1"} {
		if got := f.Decide(netip.MustParseAddrPort(c), server); got.Rule != want || got.Close {
			t.Errorf("%s: %s (close %v), want %s in shadow mode", c, got.Rule, got.Close, want)
		}
	}

	// The YAML block holds the same JSON as a StringValue.
	y := tcpwrap(t, dir, "", false, "envoy", "-d", "DIR/etc", "--hosts", "DIR/hosts", "--daemon", "sshd", "--shadow", "--yaml")
	var block struct {
		Configuration struct {
			Type  string `json:"@type"`
			Value string `json:"value"`
		} `json:"configuration"`
	}
	if err := yaml.Unmarshal([]byte(y.stdout), &block); err != nil || y.code != exitOK {
		t.Fatalf("--yaml: exit %d, %v\n%s", y.code, err, y.stdout)
	}
	if block.Configuration.Type != "type.googleapis.com/google.protobuf.StringValue" || block.Configuration.Value != r.stdout {
		t.Errorf("--yaml block %+v, want the JSON %q as a StringValue", block, r.stdout)
	}

	// Tables missing from -d DIR are empty ones, said on stderr; the HTTP
	// filter.
	if err := os.Mkdir(filepath.Join(dir, "none"), 0o755); err != nil {
		t.Fatal(err)
	}
	empty := tcpwrap(t, dir, "", false, "envoy", "-d", "DIR/none", "--filter", "http")
	if empty.code != exitOK || strings.Count(empty.stderr, "does not exist: an empty table") != 2 || empty.stdout != `{"daemon":"envoy","filter":"http","profile":"debian"}`+"\n" {
		t.Errorf("missing tables: exit %d, stdout %q, stderr %q", empty.code, empty.stdout, empty.stderr)
	}
	// A table the filter warns about is printed, with the warning.
	warn := setup(t, map[string]string{"hosts.allow": "sshd 10.0.0.1\n"})
	if w := tcpwrap(t, warn, "", false, "envoy", "-d", "DIR"); w.code != exitOK || !strings.Contains(w.stderr, "warning: hosts.allow:1:") {
		t.Errorf("table with a problem: exit %d, stderr %q", w.code, w.stderr)
	}

	big := setup(t, map[string]string{"hosts.allow": strings.Repeat("#", engine.MaxTableSize+1)})
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--hosts", "DIR/nosuch"}, exitInput, "DIR/nosuch: "},
		// A -d DIR, --allow, --deny or --hosts that is not there is not
		// an empty table (QA: -d /nonexistent printed an allow-everything
		// configuration and exited 0).
		{[]string{"-d", "DIR/nosuch"}, exitInput, "tcpwrap envoy: -d DIR/nosuch: No such file or directory\n"},
		{[]string{"-d", "DIR/hosts"}, exitInput, "tcpwrap envoy: -d DIR/hosts: Not a directory\n"},
		{[]string{"--allow", "DIR/nosuch"}, exitInput, "tcpwrap envoy: DIR/nosuch: No such file or directory\n"},
		{[]string{"--deny", "DIR/etc"}, exitInput, "tcpwrap envoy: DIR/etc: Is a directory\n"},
		{[]string{"--hosts", "DIR/etc"}, exitInput, "tcpwrap envoy: DIR/etc: Is a directory\n"},
		{[]string{"--allow", big + "/hosts.allow"}, exitInput, big + "/hosts.allow: table larger than 16 MiB (16777216 bytes): not read"},
		{[]string{"--daemon", "two words"}, exitInput, "the filter refuses this configuration"},
		{[]string{"--profile", "solaris"}, exitUsage, "solaris"},
		{[]string{"--filter", "tls"}, exitUsage, "--filter \"tls\""},
		{[]string{"extra"}, exitUsage, "unexpected operand"},
	} {
		r := tcpwrap(t, dir, "", false, append([]string{"envoy", "-d", "DIR/etc"}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, strings.ReplaceAll(c.msg, "DIR", dir)) || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", c.args, r.code, r.stdout, r.stderr, c.code, c.msg)
		}
	}
}
