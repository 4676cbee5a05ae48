//go:build externalassets

package static

import "embed"

// FS is the static file tree without dist/ (see the package comment).
//
//go:embed style.css favicon.svg
var FS embed.FS
