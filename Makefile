# tcpwrap's build and test targets. Go must already be installed: the
# targets use the go on PATH, or /usr/local/go/bin/go.
#
#   make build         bin/tcpwrap
#   make test          go vet, go test ./..., and the engine's tests under
#                      Node (GOOS=js) and wazero (GOOS=wasip1)
#   make check         gofmt, go vet, engine uses only the standard library,
#                      engine cross-builds for js/wasm and wasip1/wasm
#   make e2e           the libwrap harness and the differential test against
#                      the real Debian libwrap (root; prints the random seed)
#   make ci            install-deps + check + test + e2e
#   make bench         go test -bench, and libwrap's own loop beside the
#                      engine on the same tables (e2e/bench)
#   make fuzz (FUZZTIME=20s per target), make install-deps

GO       ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
GOROOT   := $(shell $(GO) env GOROOT)
MODULE   := $(shell $(GO) list -m)
WASMEXEC := $(GOROOT)/lib/wasm
BIN      := $(CURDIR)/bin
FUZZTIME ?= 20s

# Tests and tools may run go themselves.
export PATH := $(GOROOT)/bin:$(PATH)

.PHONY: all build test vet test-go test-js test-wasip1 check bench fuzz install-deps e2e ci

all: build

build:
	$(GO) build -o $(BIN)/tcpwrap ./cmd/tcpwrap

test: vet test-go test-js test-wasip1

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

$(BIN)/wazero: go.mod go.sum
	$(GO) build -o $@ github.com/tetratelabs/wazero/cmd/wazero

check:
	@files=$$($(GOROOT)/bin/gofmt -l .); \
	if [ -n "$$files" ]; then echo "gofmt -l: these files are not formatted:"; echo "$$files"; exit 1; fi
	$(GO) vet ./...
	@deps=$$($(GO) list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' ./engine); \
	if [ "$$deps" != "$(MODULE)/engine" ]; then \
		echo "engine must import only the standard library; it depends on:"; echo "$$deps"; exit 1; fi
	GOOS=js GOARCH=wasm $(GO) build ./engine
	GOOS=wasip1 GOARCH=wasm $(GO) build ./engine

bench:
	$(GO) test -run='^$$' -bench=. -benchmem $$($(GO) list ./... | grep -v /e2e/)
	$(GO) run ./e2e/bench

fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./engine
	$(GO) test -run='^$$' -fuzz='^FuzzEvaluate$$' -fuzztime=$(FUZZTIME) ./engine

install-deps:
	bash .ci/install-deps

# The sealed libwrap harness, then the engine against it: the whole golden
# corpus and TCPWRAP_DIFF_CASES (default 2,000) fresh random cases, whose
# seed is printed (TCPWRAP_DIFF_SEED=N reproduces a run). -count=1: a random
# run must never come from the test cache.
e2e:
	$(GO) test -count=1 ./e2e/libwrap/...
	$(GO) test -count=1 -v ./e2e/difftest/...

# Sequential on purpose: the packages must be there before the tests.
ci:
	$(MAKE) install-deps
	$(MAKE) check
	$(MAKE) test
	$(MAKE) e2e
