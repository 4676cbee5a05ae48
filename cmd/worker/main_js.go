//go:build js && wasm

// Command worker is tcpwrap's playground server (package web) as a
// Cloudflare Worker, built with github.com/syumai/workers: the same
// handler, with shares in Cloudflare D1 (binding DB) instead of an SQLite
// file. Build and run it with make worker / wrangler dev (see README).
//
// syumai/workers starts a new Go instance for every request, so nothing
// in memory outlives a request: the per-IP rate limit would start from a
// full bucket each time and is turned off here (use Cloudflare's own rate
// limiting rules in front of the worker), and the limit on evaluations at
// once bounds only the one request of its instance. The schema is
// brought up to date by the store's own migrations on the first use of
// each instance (one query when it is current).
//
// Built with -tags externalassets: the playground's front end
// (static/dist, /sw.js) is not in the module but in Cloudflare's asset
// store (wrangler.toml [assets], filled by make worker), which answers
// those paths before the worker runs.
package main

import (
	"database/sql"
	"log/slog"
	"net/http"
	"os"
	"sync"

	"github.com/syumai/workers"
	_ "github.com/syumai/workers/cloudflare/d1" // the "d1" database/sql driver

	"github.com/tcpwrap/tcpwrap/web"
)

// binding is the D1 binding's name in wrangler.toml.
const binding = "DB"

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var (
		once sync.Once
		h    http.Handler
	)
	// The D1 binding is reachable only from a request's runtime context,
	// so the store and the handler are made on the first request.
	workers.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			db, err := sql.Open("d1", binding)
			if err == nil {
				var st *web.Store
				st, err = web.NewStore(r.Context(), db, web.D1)
				if err == nil {
					h = web.NewServer(web.Config{Store: st, Rate: -1, Log: log, ExternalAssets: true})
					return
				}
			}
			log.Error("opening the share store", "binding", binding, "err", err)
		})
		if h == nil {
			http.Error(w, `{"error":"share store unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
}
