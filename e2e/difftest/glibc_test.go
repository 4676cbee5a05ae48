//go:build linux

package difftest

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpwrap/tcpwrap/e2e/libwrap"
	"github.com/tcpwrap/tcpwrap/engine"
)

// syslogToStdout is the drivers' libwrap globals and a syslog that
// prints each message as a line on stdout.
const syslogToStdout = `int allow_severity = LOG_INFO, deny_severity = LOG_WARNING;
extern char *hosts_allow_table, *hosts_deny_table;
extern int hosts_access_verbose;
static void say(const char *fmt, va_list ap) { vprintf(fmt, ap); putchar('\n'); }
void syslog(int p, const char *f, ...) { va_list ap; va_start(ap, f); say(f, ap); va_end(ap); }
void vsyslog(int p, const char *f, va_list ap) { say(f, ap); }
void __syslog_chk(int p, int fl, const char *f, ...) { va_list ap; va_start(ap, f); say(f, ap); va_end(ap); }
void __vsyslog_chk(int p, int fl, const char *f, va_list ap) { say(f, ap); }
`

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
` + syslogToStdout + `int main(void) {
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

// buildDriver compiles the C program src, linked with libwrap, into a
// temporary directory and returns the binary's path.
func buildDriver(t *testing.T, name, src string) string {
	t.Helper()
	dir := t.TempDir()
	c := filepath.Join(dir, name+".c")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, name)
	if out, err := exec.Command("cc", "-O", "-o", bin, c, "-lwrap").CombinedOutput(); err != nil {
		t.Fatalf("cc: %v\n%s", err, out)
	}
	return bin
}

// TestGlibcScopes compares the engine with libwrap on IPv6 patterns and
// client address texts with a %scope, which the sealed harness cannot
// show (its nss_wrapper refuses them): a small program linked with the
// real libwrap decides with glibc's getaddrinfo, in a network namespace
// of its own (so that "lo" is its only interface, as the engine assumes).
// Only numeric parsing is involved: no name is looked up.
func TestGlibcScopes(t *testing.T) {
	harness(t) // the same prerequisites (root, cc, libwrap0-dev)
	dir, bin := t.TempDir(), buildDriver(t, "textdriver", textDriver)
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

// sockDriver decides requests from socket addresses with the lookup
// methods tcpd installs (sock_methods), so that names are looked up
// through the C library: each stdin line is "DAEMON ADDRESS" (the client,
// port 5555; the server is 127.1.0.1 or ::1, port 22) or "cd DIR" (the
// directory of the next requests' hosts.allow and hosts.deny). Each answer
// is the syslog lines, then "verdict: granted" or "verdict: denied". No
// table may hold an option: a spawn would really fork.
const sockDriver = `#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <tcpd.h>
` + syslogToStdout + `int main(void) {
	char line[4096], daemon[256], addr[4096];
	hosts_allow_table = "hosts.allow";
	hosts_deny_table = "hosts.deny";
	hosts_access_verbose = 2;
	while (fgets(line, sizeof line, stdin) && sscanf(line, "%255s %4095s", daemon, addr) == 2) {
		struct request_info r;
		struct sockaddr_in c4 = {0}, s4 = {0};
		struct sockaddr_in6 c6 = {0}, s6 = {0};
		if (strcmp(daemon, "cd") == 0) {
			if (chdir(addr) != 0) return 1;
			continue;
		}
		if (inet_pton(AF_INET, addr, &c4.sin_addr) == 1) {
			c4.sin_family = AF_INET; c4.sin_port = htons(5555);
			s4.sin_family = AF_INET; s4.sin_port = htons(22); inet_pton(AF_INET, "127.1.0.1", &s4.sin_addr);
			request_init(&r, RQ_DAEMON, daemon, RQ_CLIENT_SIN, &c4, RQ_SERVER_SIN, &s4, RQ_USER, "unknown", 0);
		} else if (inet_pton(AF_INET6, addr, &c6.sin6_addr) == 1) {
			c6.sin6_family = AF_INET6; c6.sin6_port = htons(5555);
			s6.sin6_family = AF_INET6; s6.sin6_port = htons(22); inet_pton(AF_INET6, "::1", &s6.sin6_addr);
			request_init(&r, RQ_DAEMON, daemon, RQ_CLIENT_SIN, &c6, RQ_SERVER_SIN, &s6, RQ_USER, "unknown", 0);
		} else {
			return 1;
		}
		sock_methods(&r);
		printf("verdict: %s\n", hosts_access(&r) ? "granted" : "denied");
		fflush(stdout);
	}
	return 0;
}
`

// TestGlibcNames compares the engine with libwrap on the names of
// libwrap.GlibcHosts, looked up through glibc itself: a small program linked with
// the real libwrap, in mount and network namespaces of its own where
// /etc/hosts is that table and nsswitch.conf says "hosts: files".
func TestGlibcNames(t *testing.T) {
	harness(t) // the same prerequisites (root, cc, libwrap0-dev)
	dir, bin := t.TempDir(), buildDriver(t, "sockdriver", sockDriver)
	var clients []string
	for _, line := range strings.Split(strings.TrimSpace(libwrap.GlibcHosts), "\n") {
		a, _, _ := strings.Cut(line, " ")
		clients = append(clients, a)
	}
	clients = append(clients, "::ffff:10.0.1.1", "::ffff:10.0.1.6", "10.0.2.1")
	patterns := []string{"KNOWN", "LOCAL", "PARANOID", "UNKNOWN", ".example.com", ".example.com.", ".com.", ".",
		"trail.", "trail.example.com", "trail.example.com.", "TRAIL.EXAMPLE.COM.", "nodot", "nodot.", "upper3.example.com.",
		"010.0.1.6", "10.1", "0x0a.0.1.8", "1234", "2001:db8::10", "[2001:db8::10]", "10.0.1.12.", "-dash.example",
		".dot.example", "dash.example", "*.", "*.example", "localhost", "localhost.", "fe80::1%lo", "1.2.3.4%lo", "0x",
		"alias44", "10.0.1.44"}
	var in strings.Builder
	var reqs [][2]string
	for i, p := range patterns {
		cdir, deny := filepath.Join(dir, fmt.Sprint(i)), "ALL: "+p+"\n"
		if err := os.Mkdir(cdir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cdir, "hosts.deny"), []byte(deny), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&in, "cd %s\n", cdir)
		for _, a := range clients {
			fmt.Fprintf(&in, "sshd %s\n", a)
			reqs = append(reqs, [2]string{deny, a})
		}
	}
	// A private mount namespace: the bind mounts are gone with the
	// process, and the machine's /etc is never written.
	cmd, err := libwrap.GlibcCommand(dir, libwrap.GlibcHosts, bin)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = strings.NewReader(in.String())
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
	bad := 0
	for i, r := range reqs {
		deny := r[0]
		p := policyFor(libwrap.Case{Deny: &deny, Hosts: libwrap.GlibcHosts}, engine.Debian)
		client := netip.MustParseAddr(r[1])
		server := netip.MustParseAddr("127.1.0.1")
		if client.Is6() {
			server = netip.MustParseAddr("::1")
		}
		d := p.Evaluate(engine.Request{Daemon: "sshd", Client: engine.Endpoint{Socket: netip.AddrPortFrom(client, 5555)},
			Server: engine.Endpoint{Socket: netip.AddrPortFrom(server, 22)}})
		got := strings.Join(append(append([]string{}, d.Log...), "verdict: "+string(d.Access)), "\n")
		if want := strings.Join(answers[i], "\n"); got != want {
			bad++
			t.Errorf("hosts.deny %q, sshd from %s:\n--- libwrap\n%s\n--- engine\n%s", deny, r[1], want, got)
		}
	}
	fmt.Printf("difftest: %d requests compared with libwrap on glibc's files backend, %d differ\n", len(reqs), bad)
}
