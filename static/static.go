//go:build !externalassets

// Package static holds the server's static files, embedded in the
// binary: style.css and favicon.svg (committed) and dist/, the front-end
// build output (git-ignored, made by `make assets`; a committed
// dist/.gitkeep keeps fresh clones building).
//
// Built with -tags externalassets (the Cloudflare Worker), dist/ is left
// out: the platform serves it from its own asset store, and the binary
// stays small.
package static

import "embed"

// FS is the static file tree: style.css, favicon.svg and dist/.
//
//go:embed style.css favicon.svg all:dist
var FS embed.FS
