package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tcpwrap/tcpwrap/web"
)

const serveUsage = `Usage:
  tcpwrap serve [--addr 127.0.0.1:8080] [--db tcpwrap.db] [--base-url URL]
                [--rate 20] [--burst 40]

Serves the tcpwrap playground at / (it evaluates in the browser; build its
files first with make assets), shared documents at /s/ID, the embeddable
widget's demo at /embed, a form that works without script at /form, and
the JSON API (POST /api/evaluate, /api/check, /api/format, /api/shares,
GET and DELETE /api/shares/ID). Shares are kept in an SQLite database. SIGINT or SIGTERM
stops the server after the requests in flight finish (at most 30 s).

Flags:
  --addr HOST:PORT   listen address (default 127.0.0.1:8080; port 0 picks a
                     free port, printed on standard error)
  --db FILE          SQLite database (default tcpwrap.db; created if missing)
  --base-url URL     public address used in share URLs (default: the
                     request's own scheme and Host)
  --rate N           requests a second each client IP may make on average
                     (default 20; 0 or less turns the limit off)
  --burst N          requests a client IP may make at once (default 40)
`

// shutdownTimeout bounds the wait for requests in flight at shutdown.
const shutdownTimeout = 30 * time.Second

// serveFlags are serve's flags (serveUsage lists them).
type serveFlags struct {
	addr, db, baseURL *string
	rate              *float64
	burst             *int
}

func newServeFlags() (*flag.FlagSet, serveFlags) {
	fs := newFlagSet("serve")
	return fs, serveFlags{
		addr:    fs.String("addr", "127.0.0.1:8080", ""),
		db:      fs.String("db", "tcpwrap.db", ""),
		baseURL: fs.String("base-url", "", ""),
		rate:    fs.Float64("rate", web.DefaultRate, ""),
		burst:   fs.Int("burst", web.DefaultBurst, ""),
	}
}

// runServe runs the server until SIGINT or SIGTERM.
func runServe(args []string, stdout, stderr io.Writer) int {
	fs, fl := newServeFlags()
	addr, db, baseURL, rate, burst := fl.addr, fl.db, fl.baseURL, fl.rate, fl.burst
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, serveUsage)
			return exitOK
		}
		return usageFail(stderr, "serve", err)
	}
	if *burst < 1 {
		return usageFailf(stderr, "serve", "--burst must be at least 1")
	}
	if fs.NArg() != 0 {
		return usageFailf(stderr, "serve", "unexpected operand %q", fs.Arg(0))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := web.Config{BaseURL: *baseURL, Rate: *rate, Burst: *burst}
	if cfg.Rate <= 0 {
		cfg.Rate = -1 // off
	}
	if err := serve(ctx, *addr, *db, cfg, stderr); err != nil {
		fmt.Fprintf(stderr, "tcpwrap serve: %v\n", err)
		return exitInput
	}
	return exitOK
}

// serve listens on addr and serves until ctx ends, then shuts down
// gracefully: it stops accepting, lets the requests in flight finish
// (every acknowledged share has committed before its answer was
// written), and closes the database.
func serve(ctx context.Context, addr, dbPath string, cfg web.Config, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	store, err := web.OpenStore(ctx, dbPath)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		store.Close()
		return err
	}
	cfg.Store, cfg.Log = store, log
	h := web.NewServer(cfg)
	srv := web.NewHTTPServer(addr, h)
	srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	fmt.Fprintf(stderr, "tcpwrap serve: listening on http://%s (database %s)\n", ln.Addr(), dbPath)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		store.Close()
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "tcpwrap serve: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if cerr := store.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	fmt.Fprintln(stderr, "tcpwrap serve: stopped")
	return nil
}
