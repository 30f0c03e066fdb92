// Command handler is ProjectSync's Azure Functions custom handler. The
// Functions host starts it, passes the port in FUNCTIONS_CUSTOMHANDLER_PORT
// and forwards the ProjectSync and Health functions' requests to it.
//
// It reads its settings once at start-up and makes no network call before
// the first request.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"projectsync/internal/redact"
	"projectsync/internal/settings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv))
}

// run starts the handler and blocks until ctx ends or serving fails. It
// returns the process exit code: the Functions host restarts a handler
// that exits non-zero.
func run(ctx context.Context, args []string, getenv func(string) string) int {
	known := &redact.Known{}
	// The diagnose command prints its report on stdout; its logs go to
	// stderr so the two do not mix.
	out := os.Stdout
	if len(args) > 0 {
		out = os.Stderr
	}
	log := newLogger(out, known, zerolog.InfoLevel)

	s, err := settings.Load(getenv)
	if err != nil {
		log.Error().Str("code", "settings_invalid").Msg(err.Error())
		return 1
	}
	log = log.Level(s.LogLevel)
	routeSDKLogs(log, s.LogAzureSDK)

	app, err := newApp(s, getenv, known, log)
	if err != nil {
		log.Error().Err(err).Msg("start-up failed")
		return 1
	}

	if len(args) > 0 && args[0] == "diagnose" && !validDiagnoseArgs(args[1:]) {
		log.Error().Strs("args", args[1:]).Msg("usage: handler diagnose [-json]")
		return 2
	}
	if len(args) > 0 && args[0] == "diagnose" {
		return app.diagnose(ctx, args[1:], os.Stdout)
	}
	if len(args) > 0 {
		log.Error().Strs("args", args).Msg("unknown command; the only command is diagnose")
		return 2
	}
	return serve(ctx, s, app, log)
}

// serve listens on the loopback port the host chose and serves until ctx
// ends.
func serve(ctx context.Context, s settings.Settings, app *app, log zerolog.Logger) int {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", s.Port))
	if err != nil {
		log.Error().Err(err).Msg("listen failed")
		return 1
	}
	srv := &http.Server{
		Handler:           app.handler,
		ReadHeaderTimeout: 10 * time.Second,
		// Writing may take as long as the request's own deadline.
		WriteTimeout: s.RequestTimeout + 10*time.Second,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     nil,
	}
	log.Info().Str("addr", ln.Addr().String()).Str("business_module", s.BusinessModuleID).
		Msg("ProjectSync handler listening")

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		log.Error().Err(err).Msg("serve failed")
		return 1
	case <-ctx.Done():
	}

	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintln(os.Stderr, "handler: shutdown:", err)
	}
	log.Info().Msg("ProjectSync handler stopped")
	return 0
}

// validDiagnoseArgs reports whether args are the diagnose command's: none,
// or -json.
func validDiagnoseArgs(args []string) bool {
	for _, a := range args {
		if a != "-json" && a != "--json" {
			return false
		}
	}
	return true
}
