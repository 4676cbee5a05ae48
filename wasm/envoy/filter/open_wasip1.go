package filter

import (
	"io"
	"io/fs"
	"syscall"
)

// openTable opens a file named in the configuration with the bare WASI
// path_open call. os.Open would also link path_filestat_get, which
// Envoy's proxy-wasm host lacks (proxy-wasm-cpp-host added it in April
// 2026; Envoy had not taken that version yet, envoyproxy/envoy#44526),
// and a module importing a function its host lacks does not load
// (e2e/envoy's TestModuleLoadsInEnvoy).
func openTable(name string) (io.ReadCloser, error) {
	fd, err := syscall.Open(name, syscall.O_RDONLY, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return fdFile(fd), nil
}

// fdFile reads a WASI file descriptor.
type fdFile int

func (f fdFile) Read(b []byte) (int, error) {
	n, err := syscall.Read(int(f), b)
	if n == 0 && err == nil && len(b) > 0 {
		return 0, io.EOF
	}
	return n, err
}

func (f fdFile) Close() error { return syscall.Close(int(f)) }
