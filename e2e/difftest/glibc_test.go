//go:build linux

package difftest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine"
)

// textDriver decides requests whose client address is given as text
// (RQ_CLIENT_ADDR, the client's name preset to "unknown", so no lookup
// method runs), with the C library's own getaddrinfo: no nss_wrapper,
// whose getaddrinfo refuses every numeric address with a %scope. Each
// stdin line is "DAEMON ADDRESS"; each answer is the syslog lines, then
// "verdict: granted" or "verdict: denied".
const textDriver = `#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <syslog.h>
#include <tcpd.h>
int allow_severity = LOG_INFO, deny_severity = LOG_WARNING;
extern char *hosts_allow_table, *hosts_deny_table;
extern int hosts_access_verbose;
static void say(const char *fmt, va_list ap) { vprintf(fmt, ap); putchar('\n'); }
void syslog(int p, const char *f, ...) { va_list ap; va_start(ap, f); say(f, ap); va_end(ap); }
void vsyslog(int p, const char *f, va_list ap) { say(f, ap); }
void __syslog_chk(int p, int fl, const char *f, ...) { va_list ap; va_start(ap, f); say(f, ap); va_end(ap); }
void __vsyslog_chk(int p, int fl, const char *f, va_list ap) { say(f, ap); }
int main(void) {
	char line[512], daemon[256], addr[256];
	hosts_allow_table = "hosts.allow";
	hosts_deny_table = "hosts.deny";
	hosts_access_verbose = 2;
	while (fgets(line, sizeof line, stdin) && sscanf(line, "%255s %255s", daemon, addr) == 2) {
		struct request_info r;
		request_init(&r, RQ_DAEMON, daemon, RQ_CLIENT_ADDR, addr, RQ_CLIENT_NAME, "unknown", RQ_USER, "unknown", 0);
		printf("verdict: %s\n", hosts_access(&r) ? "granted" : "denied");
		fflush(stdout);
	}
	return 0;
}
`

// TestGlibcScopes compares the engine with libwrap on IPv6 patterns and
// client address texts with a %scope, which the sealed harness cannot
// show (its nss_wrapper refuses them): a small program linked with the
// real libwrap decides with glibc's getaddrinfo, in a network namespace
// of its own (so that "lo" is its only interface, as the engine assumes).
// Only numeric parsing is involved: no name is looked up.
func TestGlibcScopes(t *testing.T) {
	harness(t) // the same prerequisites (root, cc, libwrap0-dev)
	dir := t.TempDir()
	src := filepath.Join(dir, "textdriver.c")
	if err := os.WriteFile(src, []byte(textDriver), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "textdriver")
	if out, err := exec.Command("cc", "-O", "-o", bin, src, "-lwrap").CombinedOutput(); err != nil {
		t.Fatalf("cc: %v\n%s", err, out)
	}
	allow := "exact: [2001:db8::1%1]\nnet: [2001:db8::%2]/32\nll: [fe80::1%lo]\nnodelocal: [ff01::%lo]/0\n" +
		"mapped: [::ffff:169.254.0.0%lo]/0\neth: [fe80::1%eth0]\nbig: [2001:db8::1%4294967296]\n" +
		"zero: [2001:db8::1%01] [fe80::2%]\nsuffix: .1%lo\n"
	deny := "ALL: ALL\n"
	for name, text := range map[string]string{"hosts.allow": allow, "hosts.deny": deny} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var reqs []string
	for _, d := range []string{"exact", "net", "ll", "nodelocal", "mapped", "eth", "big", "zero", "suffix"} {
		for _, a := range []string{"2001:db8::1", "2001:db8::1%3", "2001:db8::7", "fe80::1", "fe80::1%lo", "fe80::1%1",
			"fe80::2", "2001:db9::1", "::1%lo"} {
			reqs = append(reqs, d+" "+a)
		}
	}
	cmd := exec.Command("unshare", "--net", "--", bin)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(strings.Join(reqs, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	var answers [][]string
	var cur []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		cur = append(cur, sc.Text())
		if strings.HasPrefix(sc.Text(), "verdict: ") {
			answers = append(answers, cur)
			cur = nil
		}
	}
	if len(answers) != len(reqs) {
		t.Fatalf("%d answers to %d requests:\n%s", len(answers), len(reqs), out)
	}
	p := policyFor(libwrap.Case{Allow: &allow, Deny: &deny}, engine.Debian)
	for i, r := range reqs {
		daemon, addr, _ := strings.Cut(r, " ")
		d := p.Evaluate(engine.Request{Daemon: daemon, Client: engine.Endpoint{Addr: addr, Name: "unknown"}})
		got := strings.Join(append(append([]string{}, d.Log...), "verdict: "+string(d.Access)), "\n")
		if want := strings.Join(answers[i], "\n"); got != want {
			t.Errorf("%s from %s:\n--- libwrap\n%s\n--- engine\n%s", daemon, addr, want, got)
		}
	}
	fmt.Printf("difftest: %d scoped requests compared with libwrap on glibc's getaddrinfo\n", len(reqs))
}
