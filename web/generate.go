package web

// The front end: web/ts/*.ts bundled by esbuild's Go API, and the
// wasm/js module, into static/dist/ (git-ignored; `make assets`).
//go:generate go run ./internal/bundle
