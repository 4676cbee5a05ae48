// Package static holds the server's static files, embedded in the
// binary: style.css (committed) and dist/, the front-end build output
// (git-ignored; a committed dist/.gitkeep keeps fresh clones building).
package static

import "embed"

// FS is the static file tree: style.css and dist/.
//
//go:embed style.css favicon.svg all:dist
var FS embed.FS
