// Package wasmtest checks tcpwrap's two WebAssembly modules end to end:
// it builds wasm/js (GOOS=js) and the wasm/wasip1 reactor with go build,
// runs the js module under Node and the reactor under wazero (wasm/host)
// and under Node's node:wasi, and compares every answer with package
// wire run natively: the whole golden corpus of engine/testdata, bad
// input of every kind, and the memory of a long run of decisions. It also
// holds each module to at most 1,150,000 bytes with gzip -9
// (TestModuleSize) and wire's own JSON codec to encoding/json's bytes on
// the corpus (TestCorpusJSONAsEncodingJSON).
//
// Run it with go test ./e2e/wasm (make test-wasm); it needs node on PATH
// for the Node parts. The benchmark is go run ./e2e/wasm/bench.
package wasmtest
