//go:build linux

package libwrap

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// commandTimeout bounds one exchange with a sealed session (one case).
const commandTimeout = 2 * time.Minute

// session is one sealed helper (sealer.c running under unshare --mount
// --net) plus its control directory. It serves one command at a time.
type session struct {
	h       *Harness
	ctl     string // control files: hosts, netgroup, passwd, group, requests, out, err
	scratch string // tmpfs mount point inside the namespace
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	stdout  *bufio.Reader
	stderr  *lockedBuffer
	broken  atomic.Bool
	tables  map[string]string // control tables as last written
	exited  chan struct{}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() < 1<<16 {
		b.buf.Write(p)
	}
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startSession(h *Harness, id int) (*session, error) {
	s := &session{
		h:       h,
		ctl:     filepath.Join(h.work, fmt.Sprintf("ctl-%d", id)),
		scratch: filepath.Join(h.work, fmt.Sprintf("seal-%d", id)),
		stderr:  &lockedBuffer{},
		exited:  make(chan struct{}),
	}
	for _, d := range []string{s.ctl, s.scratch} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	// The control tables are read by the programs run, which may run as
	// nobody (Case.AsNobody).
	if err := os.Chmod(s.ctl, 0o755); err != nil {
		return nil, err
	}
	s.cmd = exec.Command("unshare", "--mount", "--net", "--propagation", "private", "--",
		h.sealer, s.scratch, h.driver, h.shimRun, h.nssWrapper, h.tcpdmatch, h.tcpdchk)
	s.cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	s.cmd.Dir = "/"
	s.cmd.Stderr = s.stderr
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var err error
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s.stdout = bufio.NewReader(out)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("libwrap harness: start sealed session: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	line, err := s.readLine()
	if err != nil || line != "ready" {
		s.kill()
		return nil, fmt.Errorf("libwrap harness: sealed session did not start (%q, %v): %s", line, err, s.stderr.String())
	}
	return s, nil
}

// readLine reads one reply line, killing the session on timeout.
func (s *session) readLine() (string, error) {
	timer := time.AfterFunc(commandTimeout, s.kill)
	defer timer.Stop()
	line, err := s.stdout.ReadString('\n')
	if err != nil {
		s.broken.Store(true)
		return strings.TrimSuffix(line, "\n"), fmt.Errorf("sealed session: %v; stderr: %s", err, s.stderr.String())
	}
	return strings.TrimSuffix(line, "\n"), nil
}

func (s *session) kill() {
	s.broken.Store(true)
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
}

func (s *session) close() error {
	_ = s.stdin.Close()
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.kill()
		<-s.exited
	}
	_ = os.RemoveAll(s.ctl)
	_ = os.Remove(s.scratch)
	return nil
}

// command sends one command (fields are escaped here) and returns the reply.
func (s *session) command(fields ...string) (string, error) {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		if f == "" {
			b.WriteString(`\e`)
			continue
		}
		enc, err := escapeField(f)
		if err != nil {
			return "", err
		}
		b.WriteString(enc)
	}
	b.WriteByte('\n')
	if _, err := io.WriteString(s.stdin, b.String()); err != nil {
		s.broken.Store(true)
		return "", fmt.Errorf("sealed session: %v; stderr: %s", err, s.stderr.String())
	}
	return s.readLine()
}

// runCommand sends a run/tcpdmatch command and returns the exit status.
func (s *session) runCommand(fields ...string) (int, error) {
	reply, err := s.command(fields...)
	if err != nil {
		return 0, err
	}
	code, ok := strings.CutPrefix(reply, "done ")
	if !ok {
		// Unexpected: do not reuse this session.
		s.broken.Store(true)
		return 0, fmt.Errorf("sealed session: %s; stderr: %s", reply, s.stderr.String())
	}
	return strconv.Atoi(code)
}

// escapeField encodes a field for the driver and the sealer: bytes that are
// blank, control, non-ASCII or a backslash become \xHH (a backslash \\).
func escapeField(f string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c == 0:
			return "", fmt.Errorf("libwrap harness: NUL byte in %q", f)
		case c == '\\':
			b.WriteString(`\\`)
		case c <= ' ' || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// requestField encodes an optional driver field: "" becomes "-", and a
// literal "-" is escaped.
func requestField(f string) (string, error) {
	if f == "" {
		return "-", nil
	}
	if f == "-" {
		return `\x2d`, nil
	}
	if strings.HasPrefix(f, "=") {
		// A leading "=" marks a driver keyword ("=ctl").
		e, err := escapeField(f[1:])
		return `\x3d` + e, err
	}
	return escapeField(f)
}

func endpoint(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return "- 0"
	}
	return ap.Addr().String() + " " + strconv.Itoa(int(ap.Port()))
}

// prepare writes the case directory and the session's control tables.
func (s *session) prepare(c Case) (string, error) {
	caseDir, err := os.MkdirTemp(filepath.Join(s.h.work, "cases"), "case-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(caseDir, 0o755); err != nil {
		return caseDir, err
	}
	subst := func(v string) string { return strings.ReplaceAll(v, DirPlaceholder, caseDir) }
	names := make([]string, 0, len(c.Files))
	for name := range c.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		clean := path.Clean(name)
		if name == "" || path.IsAbs(name) || clean == "." || clean == ".." || strings.HasPrefix(clean, "../") {
			return caseDir, fmt.Errorf("libwrap harness: bad file name %q", name)
		}
		p := filepath.Join(caseDir, filepath.FromSlash(clean))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return caseDir, err
		}
		if err := os.WriteFile(p, []byte(subst(c.Files[name])), 0o644); err != nil {
			return caseDir, err
		}
	}
	for _, t := range []struct {
		name    string
		content *string
	}{{"hosts.allow", c.Allow}, {"hosts.deny", c.Deny}} {
		if t.content == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(caseDir, t.name), []byte(subst(*t.content)), 0o644); err != nil {
			return caseDir, fmt.Errorf("libwrap harness: write %s: %v", t.name, err)
		}
	}
	if err := ApplyModes(caseDir, c.Modes); err != nil {
		return caseDir, err
	}
	passwd, group := c.Passwd, c.Group
	if passwd == "" {
		passwd = DefaultPasswd
	}
	if group == "" {
		group = DefaultGroup
	}
	if s.tables == nil {
		s.tables = map[string]string{}
	}
	for name, content := range map[string]string{
		"hosts":    NormalizeHosts(c.Hosts),
		"netgroup": c.Netgroup,
		"passwd":   passwd,
		"group":    group,
	} {
		if old, ok := s.tables[name]; ok && old == content {
			continue
		}
		delete(s.tables, name)
		if err := os.WriteFile(filepath.Join(s.ctl, name), []byte(content), 0o644); err != nil {
			return caseDir, err
		}
		s.tables[name] = content
	}
	return caseDir, nil
}

// ApplyModes sets the permission bits of a Case.Modes map on the files
// below caseDir with chmod(2), deepest paths first (so that a directory
// made unsearchable does not hide its files). "." is caseDir itself. The harness
// calls it after writing a case; tests that rebuild a case directory for
// another tool call it too.
func ApplyModes(caseDir string, modes map[string]os.FileMode) error {
	names := make([]string, 0, len(modes))
	for name := range modes {
		clean := path.Clean(name)
		if name == "" || path.IsAbs(name) || clean == ".." || strings.HasPrefix(clean, "../") {
			return fmt.Errorf("libwrap harness: bad mode path %q", name)
		}
		names = append(names, name)
	}
	depth := func(n string) int {
		if c := path.Clean(n); c != "." {
			return strings.Count(c, "/") + 1
		}
		return 0
	}
	sort.Slice(names, func(i, j int) bool {
		if di, dj := depth(names[i]), depth(names[j]); di != dj {
			return di > dj
		}
		return names[i] < names[j]
	})
	for _, name := range names {
		p := filepath.Join(caseDir, filepath.FromSlash(path.Clean(name)))
		if err := syscall.Chmod(p, unixMode(modes[name])); err != nil {
			return fmt.Errorf("libwrap harness: mode of %s: %v", name, err)
		}
	}
	return nil
}

// unixMode converts a Case.Modes value to chmod(2) bits: the permission
// bits, os.ModeSetuid/ModeSetgid/ModeSticky, and also the raw octal bits
// 04000, 02000 and 01000 (so that os.FileMode(0o4755) means what it says).
func unixMode(m os.FileMode) uint32 {
	bits := uint32(m.Perm()) | uint32(m)&0o7000
	if m&os.ModeSetuid != 0 {
		bits |= syscall.S_ISUID
	}
	if m&os.ModeSetgid != 0 {
		bits |= syscall.S_ISGID
	}
	if m&os.ModeSticky != 0 {
		bits |= syscall.S_ISVTX
	}
	return bits
}

func (s *session) run(c Case, reqs []Request) ([]Result, error) {
	caseDir, err := s.prepare(c)
	if caseDir != "" {
		defer os.RemoveAll(caseDir)
	}
	if err != nil {
		return nil, err
	}
	var in strings.Builder
	for i, r := range reqs {
		daemon, err1 := requestField(r.Daemon)
		user, err2 := requestField(r.User)
		tmpl, err3 := requestField(r.Expand)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("request %d: %v", i, err)
		}
		if r.Ctl {
			name, err1 := requestField(r.Name)
			addr, err2 := requestField(r.Addr)
			if err := errors.Join(err1, err2); err != nil {
				return nil, fmt.Errorf("request %d: %v", i, err)
			}
			fmt.Fprintf(&in, "=ctl %s %s %s %s %s\n", daemon, name, addr, user, tmpl)
			continue
		}
		fmt.Fprintf(&in, "%s %s %s %s %s\n", daemon, endpoint(r.Client), endpoint(r.Server), user, tmpl)
	}
	if err := os.WriteFile(filepath.Join(s.ctl, "requests"), []byte(in.String()), 0o644); err != nil {
		return nil, err
	}
	cmd := []string{"run", s.ctl, caseDir}
	if s.h.ForkPerRequest {
		cmd = append(cmd, "-f")
	} else if s.h.noRestore {
		cmd = append(cmd, "-n")
	}
	code, err := s.runCommand(cmd...)
	if err != nil {
		return nil, err
	}
	out, _ := os.ReadFile(filepath.Join(s.ctl, "out"))
	if code != 0 {
		stderr, _ := os.ReadFile(filepath.Join(s.ctl, "err"))
		return nil, fmt.Errorf("libwrap harness: driver exited with status %d: %s%s", code, stderr, out)
	}
	lines := bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n"))
	if len(out) == 0 {
		lines = nil
	}
	if len(lines) != len(reqs) {
		return nil, fmt.Errorf("libwrap harness: %d requests but %d results: %s", len(reqs), len(lines), out)
	}
	results := make([]Result, len(reqs))
	for i, l := range lines {
		if results[i], err = decodeResult(l, caseDir); err != nil {
			return nil, fmt.Errorf("request %d: %v", i, err)
		}
	}
	return results, nil
}

func (s *session) tcpdmatch(c Case, args []string) ([]string, int, error) {
	return s.tool("tcpdmatch", c, args)
}

// tool runs the sealer command cmd ("tcpdmatch" or "tcpdchk") on a case.
func (s *session) tool(cmd string, c Case, args []string) ([]string, int, error) {
	caseDir, err := s.prepare(c)
	if caseDir != "" {
		defer os.RemoveAll(caseDir)
	}
	if err != nil {
		return nil, 0, err
	}
	code, err := s.runCommand(append([]string{cmd, s.ctl, caseDir}, args...)...)
	if err != nil {
		return nil, 0, err
	}
	out, err := os.ReadFile(filepath.Join(s.ctl, "out"))
	if err != nil {
		return nil, code, err
	}
	text := undir(string(out), caseDir)
	text = strings.TrimSuffix(text, "\n")
	if text == "" && len(out) == 0 {
		return nil, code, nil
	}
	return outputLines(text), code, nil
}

// outputLines splits a tool's output, its last newline cut, into lines
// without their CR.
func outputLines(text string) []string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// CaseFromSections builds the Case of a corpus case (cmd/tcpdchk's
// format) from its txtar sections: hosts.allow and hosts.deny (absent: no
// file), hosts, netgroup, files/PATH, modes (see ParseModes) and nobody
// (present: run as nobody).
func CaseFromSections(s map[string]string) (Case, error) {
	c := Case{Files: map[string]string{}, Hosts: s["hosts"], Netgroup: s["netgroup"]}
	if v, ok := s["hosts.allow"]; ok {
		c.Allow = &v
	}
	if v, ok := s["hosts.deny"]; ok {
		c.Deny = &v
	}
	for k, v := range s {
		if rest, ok := strings.CutPrefix(k, "files/"); ok {
			c.Files[rest] = v
		}
	}
	var err error
	c.Modes, err = ParseModes(s["modes"])
	_, c.AsNobody = s["nobody"]
	return c, err
}

// CaseFromSectionsAt is CaseFromSections of sections that name the case
// directory as dir (the engine's corpus, engine/testdata, writes it
// "/case"): dir becomes DirPlaceholder in each.
func CaseFromSectionsAt(s map[string]string, dir string) (Case, error) {
	at := make(map[string]string, len(s))
	for k, v := range s {
		at[k] = strings.ReplaceAll(v, dir, DirPlaceholder)
	}
	return CaseFromSections(at)
}

// ParseModes reads a Case.Modes map from lines "PATH OCTAL" (e.g.
// "bin/tcpd 4755", ". 777"); blank lines and lines starting with # are
// skipped. The octal value may carry the set-uid, set-gid and sticky bits.
func ParseModes(text string) (map[string]os.FileMode, error) {
	var modes map[string]os.FileMode
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("modes line %d: want PATH OCTAL, got %q", i+1, line)
		}
		v, err := strconv.ParseUint(f[1], 8, 32)
		if err != nil || v > 0o7777 {
			return nil, fmt.Errorf("modes line %d: bad octal mode %q", i+1, f[1])
		}
		if modes == nil {
			modes = map[string]os.FileMode{}
		}
		modes[f[0]] = os.FileMode(v)
	}
	return modes, nil
}
