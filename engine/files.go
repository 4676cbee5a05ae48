package engine

import (
	"errors"
	"io/fs"
	"path"
	"strings"
	"syscall"
)

// MapFiles is an in-memory [Files]: absolute paths to contents. A path
// that is a prefix directory of another entry exists as a directory.
type MapFiles map[string]string

// ReadFile implements [Files].
func (m MapFiles) ReadFile(name string) ([]byte, error) {
	if s, ok := m[name]; ok {
		return []byte(s), nil
	}
	if m.isDir(name) {
		return nil, nil
	}
	if m.parentIsFile(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.ENOTDIR}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// Stat implements [Files].
func (m MapFiles) Stat(name string) error {
	if _, ok := m[name]; ok || m.isDir(name) {
		return nil
	}
	if m.parentIsFile(name) {
		return &fs.PathError{Op: "stat", Path: name, Err: syscall.ENOTDIR}
	}
	return &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

func (m MapFiles) isDir(name string) bool {
	if name == "/" {
		return true
	}
	prefix := strings.TrimSuffix(name, "/") + "/"
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func (m MapFiles) parentIsFile(name string) bool {
	for d := path.Dir(name); d != "/" && d != "."; d = path.Dir(d) {
		if _, ok := m[d]; ok {
			return true
		}
	}
	return false
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// strerror gives the C library's message for an error, as libwrap's %m
// would print it.
func strerror(err error) string {
	var errno syscall.Errno
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "Permission denied"
	case errors.As(err, &errno):
		s := errno.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}
