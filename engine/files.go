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
	clean, err := m.resolve(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if s, ok := m[clean]; ok {
		return []byte(s), nil
	}
	if m.isDir(clean) {
		return nil, nil
	}
	if m.parentIsFile(clean) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.ENOTDIR}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// Stat implements [Files].
func (m MapFiles) Stat(name string) error {
	clean, err := m.resolve(name)
	if err != nil {
		return &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	if _, ok := m[clean]; ok || m.isDir(clean) {
		return nil
	}
	if m.parentIsFile(clean) {
		return &fs.PathError{Op: "stat", Path: name, Err: syscall.ENOTDIR}
	}
	return &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

// resolve follows an absolute name component by component, as the kernel
// does, to the entry it names: "//" and "/./" are "/", ".." goes up from a
// directory, and a component followed by a slash must be a directory
// (ENOTDIR when it is a file, ENOENT when it does not exist), so that
// "/d//f", "/d/./f" and "/d/x/../f" name "/d/f" only when "/d/x" is a
// directory, and "/d/f/" is not a file. Names are as long as Linux takes
// them: a name of PATH_MAX (4096) bytes or more, or a component longer
// than NAME_MAX (255) bytes reached by the walk, is ENAMETOOLONG. A
// relative name is kept as it is.
func (m MapFiles) resolve(name string) (string, error) {
	if !strings.HasPrefix(name, "/") {
		return name, nil
	}
	if len(name) >= pathMax {
		return "", syscall.ENAMETOOLONG
	}
	cur := "/"
	comps := strings.Split(name[1:], "/")
	for i, c := range comps {
		switch c {
		case "", ".":
			continue // cur is a directory
		case "..":
			cur = path.Dir(cur)
			continue
		}
		if len(c) > nameMax {
			return "", syscall.ENAMETOOLONG
		}
		next := path.Join(cur, c)
		if i == len(comps)-1 {
			return next, nil
		}
		if _, ok := m[next]; ok {
			return "", syscall.ENOTDIR
		}
		if !m.isDir(next) {
			return "", fs.ErrNotExist
		}
		cur = next
	}
	return cur, nil
}

// Linux's limits on names (PATH_MAX counts the terminating NUL).
const (
	pathMax = 4096
	nameMax = 255
)

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

// isTooLarge reports a file Files refuse for its size ([Files]).
func isTooLarge(err error) bool { return errors.Is(err, syscall.EFBIG) }

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
