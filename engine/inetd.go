package engine

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"
)

// This file is tcpdmatch's examination of the inetd configuration and of
// the files it names (spec §8.3; upstream inetcf.c and scaffold.c's
// check_path, as Debian 7.6.q builds them).

// ModeFiles is a [Files] that can also report a file's mode, as stat(2)
// does (following symbolic links). tcpdmatch needs it for its checks of
// the inetd configuration: executables, set-uid bits, world-writable files
// and directories.
type ModeFiles interface {
	Files
	// StatMode returns the mode of name (type bits, permissions, set-uid
	// and set-gid) or the error of stat(2).
	StatMode(name string) (fs.FileMode, error)
}

// RealDaemonDir is Debian's REAL_DAEMON_DIR, where tcpd looks for the real
// daemons.
const RealDaemonDir = "/usr/sbin"

// DefaultInetdConf is the inetd configuration Debian's tcpdmatch reads
// without -i; when it cannot be opened the analysis is skipped silently.
const DefaultInetdConf = "/etc/inetd.conf"

// inetdBufSize is the line buffer of inet_cfg (BUFSIZ).
const inetdBufSize = 8192

// WrapStatus is what the inetd analysis concluded about a service.
type WrapStatus int

// The wrap statuses of inetcf.h.
const (
	WrapUnknown WrapStatus = -1 // not in the inetd configuration
	WrapNot     WrapStatus = 1  // may not be wrapped
	WrapMaybe   WrapStatus = 2  // may be wrapped
	WrapYes     WrapStatus = 3  // wrapped (run through tcpd or miscd)
)

// inetdServices is inet_cfg's list of services. inet_get compares names
// without case and finds the most recent registration first, so the list
// is a map from the lower-case name to the status set last.
type inetdServices map[string]WrapStatus

// set is inet_set.
func (s inetdServices) set(name string, w WrapStatus) { s[toLowerASCII(name)] = w }

// get is inet_get: the status of name, WrapUnknown when it was never
// set, and WrapMaybe for every name when nothing was ever set.
func (s inetdServices) get(name string) WrapStatus {
	if len(s) == 0 {
		return WrapMaybe
	}
	if w, ok := s[toLowerASCII(name)]; ok {
		return w
	}
	return WrapUnknown
}

// pathChecker performs scaffold.c's check_path over a ModeFiles (or, when
// the Files cannot report modes, a plain existence check).
type pathChecker struct {
	files Files
	warn  func(format string, args ...any)
}

// check stats path, warns when it or (for an absolute path) one of its
// parent directories is world writable, and returns the mode of path.
func (c pathChecker) check(path string) (fs.FileMode, error) {
	mode, err := c.stat(path)
	if err != nil {
		return 0, err
	}
	if mode.Perm()&0o002 != 0 {
		c.warn("%s: world writable", path)
	}
	if len(path) > 1 && path[0] == '/' {
		parent := path[:strings.LastIndexByte(path, '/')]
		if parent == "" {
			parent = "/"
		}
		_, _ = c.check(parent)
	}
	return mode, nil
}

func (c pathChecker) stat(path string) (fs.FileMode, error) {
	if c.files == nil {
		return 0, &fs.PathError{Op: "stat", Path: path, Err: fs.ErrNotExist}
	}
	if mf, ok := c.files.(ModeFiles); ok {
		return mf.StatMode(path)
	}
	// Without modes: an existing file counts as an executable, not
	// world-writable file (and a directory as a directory).
	if err := c.files.Stat(path); err != nil {
		return 0, err
	}
	if _, err := c.files.ReadFile(path); err == nil {
		return 0o755, nil
	}
	return fs.ModeDir | 0o755, nil
}

// readInetd is inet_cfg: it reads the inetd configuration conf ("" means
// the default, skipped silently when it cannot be opened) and returns the
// services and the name to print for it ("(null)" when there was none).
// An explicit file that cannot be opened gives errLine, the message
// tcpdmatch prints on standard error before exiting with status 1.
func readInetd(files Files, conf string, warn func(format string, args ...any)) (services inetdServices, name, errLine string) {
	services = inetdServices{}
	check := pathChecker{files: files, warn: warn}
	var data []byte
	var err error
	if files == nil {
		err = &fs.PathError{Op: "open", Path: conf, Err: fs.ErrNotExist}
	}
	if conf != "" {
		if files != nil {
			data, err = files.ReadFile(conf)
		}
		if err != nil {
			return nil, "", sprintf("open %s: %s", conf, strerror(err))
		}
	} else {
		conf = DefaultInetdConf
		if files != nil {
			data, err = files.ReadFile(conf)
		}
		if err != nil {
			// Debian's patch "ignore_missing_inetdconf": carry on without.
			return services, "(null)", ""
		}
		_, _ = check.check(conf)
	}
	line := 0
	lineWarn := func(format string, args ...any) {
		warn("%s, line %d: %s", conf, line, sprintf(format, args...))
	}
	check.warn = lineWarn
	r := xgetsReader{src: data}
	for {
		text, n, ok := r.next()
		if !ok {
			break
		}
		line = n
		words := strings.FieldsFunc(string(text), func(c rune) bool {
			return c == ' ' || c == '\t' || c == '\r' || c == '\n'
		})
		next := func() (string, bool) {
			if len(words) == 0 {
				return "", false
			}
			w := words[0]
			words = words[1:]
			return w, true
		}
		service, ok := next()
		if !ok || service[0] == '#' {
			continue
		}
		// inet_cfg compares its words with STR_EQ/STR_NE, without case
		// (cmd/tcpdchk/testdata/inetd_case_v.txtar).
		if !asciiEqualFold(service, "stream") && !asciiEqualFold(service, "dgram") {
			next() // socket type
		}
		protocol, _ := next()
		next() // wait flag
		user, ok := next()
		if !ok {
			continue
		}
		path := user
		if user[0] != '/' {
			if path, ok = next(); !ok {
				continue
			}
		}
		path = strings.TrimPrefix(path, "?") // IRIX optional service
		if asciiEqualFold(path, "internal") {
			continue
		}
		if strings.Trim(path, "-0123456789") == "" { // RPC version
			if path, ok = next(); !ok {
				continue
			}
		}
		arg0, ok := next()
		if !ok {
			lineWarn("incomplete line")
			continue
		}
		if strings.Trim(arg0, "0123456789") == "" { // tlid.conf argument count
			if arg0, ok = next(); !ok {
				lineWarn("incomplete line")
				continue
			}
		}
		arg1, _ := next()
		inetCheck(check, services, protocol, path, arg0, arg1)
	}
	return services, conf, ""
}

// inetCheck is inet_chk: it examines one entry and registers its service.
func inetCheck(check pathChecker, services inetdServices, protocol, path, arg0, arg1 string) {
	warn := check.warn
	baseName := func(s string) string { return s[strings.LastIndexByte(s, '/')+1:] }
	basePath := baseName(path)
	procName := arg0
	if arg0[0] == '/' {
		procName = baseName(arg0)
	}
	mode, err := check.check(path)
	if err != nil {
		warn("%s: not found: %s", path, strerror(err))
	} else if mode.Perm()&0o100 == 0 {
		warn("%s: not executable", path)
	}
	if asciiEqualFold(basePath, "miscd") {
		services.set(arg0, WrapYes)
		return
	}
	if asciiEqualFold(procName, "rexd") || asciiEqualFold(procName, "rpc.rexd") {
		warn("%s may be an insecure service", procName)
	}
	status := WrapMaybe
	daemon := RealDaemonDir + "/" + arg0
	if asciiEqualFold(basePath, "tcpd") {
		if asciiEqualFold(procName, "tcpd") {
			warn("%s is recursively calling itself", procName)
		}
		status = WrapYes
		if mode&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
			warn("%s: file is set-uid or set-gid", path)
		}
		if arg0[0] == '/' && asciiEqualFold(procName, baseName(arg1)) {
			warn("%s inserted before %s", path, arg0)
		}
		if arg0[0] == '/' {
			if m, err := check.check(arg0); err != nil {
				warn("%s: not found: %s", arg0, strerror(err))
			} else if m.Perm()&0o100 == 0 {
				warn("%s: not executable", arg0)
			}
		} else {
			if m, err := check.check(daemon); err != nil {
				warn("%s: not found in %s: %s", arg0, RealDaemonDir, strerror(err))
			} else if m.Perm()&0o100 == 0 {
				warn("%s: not executable", daemon)
			}
		}
	} else {
		if asciiEqualFold(path, daemon) {
			status = WrapNot
		} else if _, err := check.check(daemon); err == nil {
			status = WrapMaybe
		} else if isNotExist(err) && !errors.Is(err, syscall.ENOTDIR) {
			status = WrapNot
		} else {
			warn("%s: file lookup: %s", daemon, strerror(err))
			status = WrapMaybe
		}
	}
	if status == WrapYes && asciiEqualFold(protocol, "rpc/tcp") {
		warn("%s: cannot wrap rpc/tcp services", procName)
	}
	services.set(procName, status)
}

// xgetsReader reads logical lines as libwrap's xgets does into inet_cfg's
// BUFSIZ buffer: backslash-newline joins lines, a NUL byte ends a physical
// line early, every newline read counts, a full buffer returns what it has
// (Debian's fix) and the rest of the physical line is the next line.
type xgetsReader struct {
	src  []byte
	pos  int
	lfs  int
	size int // the buffer's size; 0 means inetdBufSize
}

func (r *xgetsReader) next() (text []byte, line int, ok bool) {
	budget := inetdBufSize
	if r.size > 0 {
		budget = r.size
	}
	for budget > 1 && r.pos < len(r.src) {
		end := r.pos
		for end < len(r.src) && end-r.pos < budget-1 {
			c := r.src[end]
			end++
			if c == '\n' {
				break
			}
		}
		chunk := r.src[r.pos:end]
		r.pos = end
		got := len(chunk)
		if i := strings.IndexByte(string(chunk), 0); i >= 0 {
			got = i
		}
		if got >= 1 && chunk[got-1] == '\n' {
			r.lfs++
			if got >= 2 && chunk[got-2] == '\\' {
				got -= 2
			} else {
				return append(text, chunk[:got]...), r.lfs, true
			}
		}
		text = append(text, chunk[:got]...)
		budget -= got
	}
	return text, r.lfs, len(text) > 0
}
