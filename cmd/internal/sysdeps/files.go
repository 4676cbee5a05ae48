package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/tcpwrap/tcpwrap/engine"
)

// maxRuleFile bounds the files rules refer to (/path pattern lists and
// banner files): a larger file is refused as if it could not be opened
// ("File too large"), so that one rule cannot make tcpwrap read gigabytes
// on every request. libwrap itself has no limit.
const maxRuleFile = engine.MaxTableSize

// osFiles is [engine.Files] over the real file system. It keeps no state:
// every use reads the file again, as libwrap does.
type osFiles struct{}

var _ engine.Files = osFiles{}

// ReadFile implements [engine.Files]: a directory reads as empty, and the
// errors are the os package's, so errors.Is(err, fs.ErrNotExist) holds for
// a missing file and the engine can print the errno text.
func (osFiles) ReadFile(name string) ([]byte, error) {
	data, err := readUpTo(name, maxRuleFile+1)
	if err == nil && len(data) > maxRuleFile {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errTooLarge}
	}
	return data, err
}

// Stat implements [engine.Files].
func (osFiles) Stat(name string) error {
	_, err := os.Stat(name)
	return err
}

// errTooLarge is returned for a file over its size limit.
var errTooLarge = syscall.EFBIG

// readUpTo reads at most limit bytes of the file at name. A directory
// reads as empty.
func readUpTo(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, nil
	}
	return io.ReadAll(io.LimitReader(f, limit))
}

// strerror gives the C library's text for an error ("Permission denied",
// "No such file or directory"), as libwrap prints it with %m.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return capitalize(errno.Error())
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return capitalize(err.Error())
}

func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
