package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"runtime"
	"time"
)

// Environment of the bare proxy (benchrun floor), besides the stand-ins'
// network settings (HTTPS_PROXY, SSL_CERT_FILE) and the handler's own
// WORKPOINT_SOLUTION_URL and WORKPOINT_BUSINESS_MODULE_ID.
const (
	EnvFloorToken  = "BENCH_FLOOR_TOKEN"
	EnvFloorAPIURL = "BENCH_FLOOR_API_URL"
	envPort        = "FUNCTIONS_CUSTOMHANDLER_PORT"
	envSolutionURL = "WORKPOINT_SOLUTION_URL"
	envModuleID    = "WORKPOINT_BUSINESS_MODULE_ID"
)

// floorIdleConns is the bare proxy's idle connection pool per host: more
// than the highest concurrency, so that it never opens a tunnel twice.
const floorIdleConns = 1024

// Floor is the bare reverse proxy: it forwards POST /api/ProjectSync, whose
// body is already a WorkPoint create body, to the WorkPoint create route
// with a static bearer token and the solution header, and answers what
// WorkPoint answers.
type Floor struct {
	APIURL      *url.URL // https://api.workpoint365.com
	SolutionURL string
	ModuleID    string
	Token       string
	// Transport reaches WorkPoint. If nil, a clone of
	// http.DefaultTransport with floorIdleConns idle connections is used.
	Transport http.RoundTripper
}

// Handler returns the bare proxy's routes: the readiness probe GET /, GET
// /debug/runtime as the handler has it, and the forwarded create.
func (f *Floor) Handler() http.Handler {
	rt := f.Transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns, t.MaxIdleConnsPerHost = floorIdleConns, floorIdleConns
		rt = t
	}
	createPath := "/api/Entity/" + url.PathEscape(f.ModuleID) + "/Create/false"
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(f.APIURL)
			pr.Out.URL.Path, pr.Out.URL.RawPath, pr.Out.URL.RawQuery = createPath, "", ""
			pr.Out.Host = ""
			h := pr.Out.Header
			h.Set("Authorization", "Bearer "+f.Token)
			h.Set("WorkPoint365Url", f.SolutionURL)
			h.Set("Accept", "application/json")
			h.Set("Content-Type", "application/json")
		},
		Transport: rt,
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("bare proxy\n"))
	})
	mux.HandleFunc("GET /debug/runtime", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int{"goroutines": runtime.NumGoroutine()})
	})
	mux.Handle("POST /api/ProjectSync", rp)
	return mux
}

// ServeFloor runs the bare proxy on the loopback port named by
// FUNCTIONS_CUSTOMHANDLER_PORT until ctx ends.
func ServeFloor(ctx context.Context, getenv func(string) string) error {
	api := getenv(EnvFloorAPIURL)
	if api == "" {
		api = "https://api.workpoint365.com"
	}
	u, err := url.Parse(api)
	if err != nil {
		return fmt.Errorf("bench: floor: parse %s: %w", EnvFloorAPIURL, err)
	}
	f := &Floor{APIURL: u, SolutionURL: getenv(envSolutionURL), ModuleID: getenv(envModuleID),
		Token: getenv(EnvFloorToken)}
	if f.SolutionURL == "" || f.ModuleID == "" || f.Token == "" || getenv(envPort) == "" {
		return fmt.Errorf("bench: floor: %s, %s, %s and %s must be set",
			envPort, envSolutionURL, envModuleID, EnvFloorToken)
	}

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", getenv(envPort)))
	if err != nil {
		return fmt.Errorf("bench: floor: listen: %w", err)
	}
	srv := &http.Server{Handler: f.Handler(), ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("bench: floor: serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("bench: floor: shut down: %w", err)
	}
	return nil
}
