// Package sarif checks that tcpwrap check --format sarif writes logs
// that validate against the SARIF 2.1.0 schema (with Node and ajv, from
// package.json; make install-deps installs them).
package sarif

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSARIFValidates(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(root, "node_modules", "ajv"))
	if err != nil || modErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node or node_modules missing in CI (run make install-deps): %v %v", err, modErr)
		}
		t.Skip("node or node_modules (npm install) missing")
	}
	dir := t.TempDir()
	tables := map[string]string{
		"hosts.allow": "sshd: ALL EXCEPT\n # ALL: ALL\nsshd, in.ftpd : 10.0.0.1/24 [::1/64] : spawn echo %h\nsshd: ALL:\n",
		"hosts.deny":  "ALL: .example.com\nss[hd: ALL\nALL: ALL",
	}
	for name, text := range tables {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A directory without tables: no findings.
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "tcpwrap")
	build := exec.Command("go", "build", "-o", bin, "./cmd/tcpwrap")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var files []string
	for i, args := range [][]string{
		{"check", "-d", dir, "--no-dns", "-a", "--paranoid", "--format", "sarif"},
		{"check", "-d", filepath.Join(dir, "empty"), "--format", "sarif"}, // no findings
	} {
		out, _ := exec.Command(bin, args...).Output()
		if !strings.Contains(string(out), `"version": "2.1.0"`) {
			t.Fatalf("%v: not a SARIF log:\n%s", args, out)
		}
		f := filepath.Join(dir, "log"+string(rune('0'+i))+".sarif")
		if err := os.WriteFile(f, out, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	cmd := exec.Command(node, append([]string{filepath.Join(root, "e2e/sarif/validate.mjs")}, files...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("SARIF validation failed: %v", err)
	}
	// The validator must be able to fail: a log without runs is invalid.
	bad := filepath.Join(dir, "bad.sarif")
	os.WriteFile(bad, []byte(`{"version": "2.1.0"}`), 0o644)
	if err := exec.Command(node, filepath.Join(root, "e2e/sarif/validate.mjs"), bad).Run(); err == nil {
		t.Fatal("the validator accepted a log without runs")
	}
}
