// Package sysdeps is what the commands share of the operating system: the
// engine's Files over the real file system and its Resolver over the
// system's resolver. The engine itself does no I/O.
package sysdeps

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/tcpwrap/tcpwrap/engine"
)

// MaxRuleFile bounds the files rules refer to (/path pattern lists and
// banner files): a larger file is refused as if it could not be opened
// ("File too large", EFBIG, as [engine.Files] asks), so that one rule
// cannot make tcpwrap read gigabytes on every request. libwrap itself has
// no limit.
const MaxRuleFile = engine.MaxTableSize

// Files is [engine.Files] over the real file system. It keeps no state:
// every use reads the file again, as libwrap does.
type Files struct{}

var _ engine.ModeFiles = Files{}

// ReadFile implements [engine.Files]: a directory reads as empty, and the
// errors are the os package's, so errors.Is(err, fs.ErrNotExist) holds for
// a missing file and the engine can print the errno text.
func (Files) ReadFile(name string) ([]byte, error) {
	data, err := ReadUpTo(name, MaxRuleFile+1)
	if err == nil && len(data) > MaxRuleFile {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errTooLarge}
	}
	return data, err
}

// Stat implements [engine.Files].
func (Files) Stat(name string) error {
	_, err := os.Stat(name)
	return err
}

// StatMode implements [engine.ModeFiles]: stat(2), following symbolic
// links, as libwrap's tools examine files.
func (Files) StatMode(name string) (fs.FileMode, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return 0, err
	}
	return fi.Mode(), nil
}

// errTooLarge is returned for a file over its size limit.
var errTooLarge = syscall.EFBIG

// ReadTable reads a hosts.allow or hosts.deny table. A table larger than
// engine.MaxTableSize is not read in part (its last line would lose its
// newline, which changes Debian's decisions): the error is then
// "NAME: table larger than 16 MiB (16777216 bytes): not read", for which
// errors.Is(err, engine.ErrTableTooLarge) holds. A directory reads as
// empty; the other errors are the os package's.
func ReadTable(name string) ([]byte, error) {
	data, err := ReadUpTo(name, engine.MaxTableSize+1)
	if err == nil && len(data) > engine.MaxTableSize {
		return nil, fmt.Errorf("%s: %w", name, engine.ErrTableTooLarge)
	}
	return data, err
}

// ReadUpTo reads at most limit bytes of the file at name. A directory
// reads as empty.
func ReadUpTo(name string, limit int64) ([]byte, error) {
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

// Strerror gives the C library's text for an error ("Permission denied",
// "No such file or directory"), as libwrap prints it with %m.
func Strerror(err error) string {
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
