//go:build !(js && wasm)

// Command worker is tcpwrap's playground server as a Cloudflare Worker;
// it is built only for GOOS=js GOARCH=wasm (make worker). This native
// stub says so.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "cmd/worker is a Cloudflare Worker: build it with GOOS=js GOARCH=wasm (make worker) and run it with wrangler")
	os.Exit(2)
}
