//go:build !wasip1

package filter

import (
	"io"
	"os"
)

// openTable opens a file named in the configuration.
func openTable(name string) (io.ReadCloser, error) { return os.Open(name) }
