// Command bundle builds the playground's front end into static/dist/,
// which the server embeds (static.FS). It is a step of
// `go generate ./web` and all of `make assets`:
//
//   - tcpwrap.wasm: the GOOS=js module (wasm/js), built with the go
//     command on PATH;
//   - app.js, worker.js, embed.js, sw.js: web/ts/*.ts bundled by esbuild's
//     Go API (github.com/evanw/esbuild/pkg/api), minified, with source
//     maps. wasm_exec.js comes from the same toolchain's lib/wasm and is
//     bundled into worker.js and embed.js (never committed);
//   - sw.js gets, through esbuild's define, the list of files it caches
//     for offline use (OFFLINE) and a hash of them (BUILD_ID), after
//     which its cache is named.
//
// Nothing here is committed: static/dist/ is git-ignored, and a fresh
// clone builds it with `make assets` (make serve, build and check do).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bundle:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	dist := filepath.Join(root, "static", "dist")
	gen := filepath.Join(root, "web", "ts", "gen")
	for _, d := range []string{dist, gen} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	// The go command on PATH (go generate and make put the running
	// toolchain's first), else the usual install location.
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = "/usr/local/go/bin/go"
	}
	goroot, err := exec.Command(goCmd, "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %v", err)
	}
	wasmExec, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return err
	}
	if err := writeIfChanged(filepath.Join(gen, "wasm_exec.js"), wasmExec); err != nil {
		return err
	}

	build := exec.Command(goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dist, "tcpwrap.wasm"), "./wasm/js")
	build.Dir = root
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building wasm/js: %v", err)
	}

	ts := filepath.Join(root, "web", "ts")
	entries := []struct {
		name   string
		format api.Format
	}{
		{"app", api.FormatESModule},
		{"worker", api.FormatIIFE},
		{"embed", api.FormatIIFE},
	}
	for _, e := range entries {
		if err := bundle(filepath.Join(ts, e.name+".ts"), filepath.Join(dist, e.name+".js"), e.format, nil); err != nil {
			return err
		}
	}

	// The service worker caches what the playground needs offline (the
	// list is given to it here, one source for both); its cache is named
	// after a hash of those files, so a new build replaces the old cache.
	offline := []string{"style.css", "favicon.svg", "dist/app.js", "dist/worker.js", "dist/tcpwrap.wasm"}
	urls := []string{"/"}
	h := sha256.New()
	for _, f := range offline {
		b, err := os.ReadFile(filepath.Join(root, "static", f))
		if err != nil {
			return err
		}
		h.Write(b)
		urls = append(urls, "/static/"+f)
	}
	urlsJSON, _ := json.Marshal(urls)
	define := map[string]string{
		"BUILD_ID": fmt.Sprintf("%q", hex.EncodeToString(h.Sum(nil))[:16]),
		"OFFLINE":  string(urlsJSON),
	}
	return bundle(filepath.Join(ts, "sw.ts"), filepath.Join(dist, "sw.js"), api.FormatIIFE, define)
}

// bundle runs esbuild on one entry point.
func bundle(entry, out string, format api.Format, define map[string]string) error {
	res := api.Build(api.BuildOptions{
		EntryPoints:       []string{entry},
		Outfile:           out,
		Bundle:            true,
		Write:             true,
		Format:            format,
		Target:            api.ES2020,
		Platform:          api.PlatformBrowser,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		Sourcemap:         api.SourceMapLinked,
		Define:            define,
		LogLevel:          api.LogLevelWarning,
	})
	if len(res.Errors) > 0 {
		msgs := api.FormatMessages(res.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
		return fmt.Errorf("esbuild %s:\n%s", filepath.Base(entry), strings.Join(msgs, ""))
	}
	return nil
}

func writeIfChanged(name string, b []byte) error {
	if old, err := os.ReadFile(name); err == nil && string(old) == string(b) {
		return nil
	}
	return os.WriteFile(name, b, 0o644)
}

// moduleRoot is the directory holding go.mod, from the working directory
// up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
