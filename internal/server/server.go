// Package server is ProjectSync's HTTP edge: the routes the Functions host
// forwards to, body limits, the one log line per request, and the answers.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"projectsync/internal/problem"
	"projectsync/internal/project"
	"projectsync/internal/redact"
)

// Headers the Functions host and the callers send, read for logs.
const (
	HeaderInvocationID = "X-Azure-Functions-InvocationId"
	HeaderFlowRunID    = "x-ms-workflow-run-id"
	HeaderWorkflowName = "x-ms-workflow-name"
)

// Syncer creates the entity a request describes; *project.Service is one.
type Syncer interface {
	Sync(ctx context.Context, req project.Request) (project.Result, error)
}

var _ Syncer = (*project.Service)(nil)

// Options configures a [Server]. The zero value is ready to use.
type Options struct {
	// MaxBodyBytes is the largest body read. Zero means 1 MiB.
	MaxBodyBytes int64
	// RequestTimeout bounds each request. Zero means 60 seconds.
	RequestTimeout time.Duration
	// Health, when set, serves GET /api/Health.
	Health http.Handler
	// RuntimeStats serves GET /debug/runtime: goroutines and heap, for
	// load tests. No function routes there, so the Functions host never
	// forwards it; it is off unless set.
	RuntimeStats bool
	// CallerAuth is "easyauth" when App Service Authentication runs in
	// front of the function: ProjectSync and Health then answer only
	// callers whose X-MS-CLIENT-PRINCIPAL names an id in AllowedCallers.
	// Empty or "none" reads no Easy Auth header at all: a forged one is
	// neither trusted nor logged. Any other value is taken as "easyauth",
	// so a mistyped value refuses callers instead of admitting them.
	CallerAuth string
	// AllowedCallers are the application (client) ids and object ids that
	// may call when CallerAuth is "easyauth"; empty refuses every caller.
	AllowedCallers []string
}

// Server routes the forwarded requests. It is an http.Handler.
type Server struct {
	sync    Syncer
	log     zerolog.Logger
	opts    Options
	callers *CallerCheck // nil when CallerAuth is none
}

// New returns a Server that creates entities with s and logs to log.
func New(s Syncer, log zerolog.Logger, opts Options) *Server {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 60 * time.Second
	}
	srv := &Server{sync: s, log: log, opts: opts}
	mode := strings.TrimSpace(opts.CallerAuth)
	if mode != "" && !strings.EqualFold(mode, CallerAuthNone) {
		srv.callers = NewCallerCheck(opts.AllowedCallers)
	}
	return srv
}

// ServeHTTP answers the host's readiness probe on "/" and the functions
// under /api. Paths are matched without regard to case or a trailing
// slash, as the Functions host matches routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.ToLower(strings.TrimSuffix(r.URL.Path, "/"))
	switch path {
	case "":
		// The host's readiness probe and periodic ping: answer at once.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ProjectSync is running\n")
		return
	case "/api/projectsync":
		s.edge(w, r, http.MethodPost, s.handleProjectSync)
	case "/api/health":
		if s.opts.Health == nil {
			s.edge(w, r, "", nil)
			return
		}
		s.edge(w, r, http.MethodGet, func(w http.ResponseWriter, r *http.Request) *problem.Problem {
			s.opts.Health.ServeHTTP(w, r)
			return nil
		})
	case "/debug/runtime":
		if !s.opts.RuntimeStats {
			s.edge(w, r, "", nil)
			return
		}
		writeJSON(w, http.StatusOK, runtimeStats())
	default:
		s.edge(w, r, "", nil)
	}
}

// RuntimeStats is the answer of GET /debug/runtime.
type RuntimeStats struct {
	Goroutines int    `json:"goroutines"`
	HeapInuse  uint64 `json:"heapInuseBytes"`
	HeapSys    uint64 `json:"heapSysBytes"`
	Sys        uint64 `json:"sysBytes"`
	NumGC      uint32 `json:"numGC"`
}

func runtimeStats() RuntimeStats {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return RuntimeStats{Goroutines: runtime.NumGoroutine(), HeapInuse: m.HeapInuse,
		HeapSys: m.HeapSys, Sys: m.Sys, NumGC: m.NumGC}
}

// handler serves one function and returns the problem it answered with,
// nil on success.
type handler func(w http.ResponseWriter, r *http.Request) *problem.Problem

// edge wraps a function with what every request gets: a deadline, a
// request logger, the method check and the one log line.
func (s *Server) edge(w http.ResponseWriter, r *http.Request, method string, h handler) {
	start := time.Now()
	invocation := r.Header.Get(HeaderInvocationID)
	log := s.log.With().
		Str("invocation_id", invocation).
		Str("flow_run_id", r.Header.Get(HeaderFlowRunID)).
		Logger()

	ctx, cancel := context.WithTimeout(r.Context(), s.opts.RequestTimeout)
	defer cancel()
	ctx = log.WithContext(ctx)
	r = r.WithContext(ctx)

	rec := &recorder{ResponseWriter: w}
	caller, p := s.admit(w, r, method, h)
	if p == nil {
		p = h(rec, r)
	}
	if p != nil {
		p.InvocationID = invocation
		p.Write(rec)
	}

	ev := log.Info()
	if p != nil {
		switch {
		case p.Status >= 500 && !p.Retryable:
			ev = log.Error()
		case p.Status >= 400:
			ev = log.Warn()
		}
		ev = ev.Str("code", string(p.Code))
		if p.Upstream != nil {
			ev = ev.Str("upstream", p.Upstream.Service).Str("upstream_code", p.Upstream.Code).
				Int("upstream_status", p.Upstream.Status).Str("detail", p.Detail)
			if p.Upstream.TraceID != "" {
				ev = ev.Str("upstream_trace_id", p.Upstream.TraceID).
					Str("upstream_correlation_id", p.Upstream.CorrelationID)
			}
		}
	}
	if caller.AppID != "" {
		ev = ev.Str("caller_app_id", caller.AppID)
	}
	ev.Str("method", r.Method).
		Str("path", redact.Path(r.URL)).
		Str("workflow", r.Header.Get(HeaderWorkflowName)).
		Int("status", rec.status()).
		Str("outcome", outcome(rec.status())).
		Dur("duration_ms", time.Since(start)).
		Msg("request")
}

// admit returns the problem of a request no function serves: an unknown
// path, a caller the caller check refuses, or a wrong method. It returns
// the caller the check read, if any.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, method string,
	h handler) (Caller, *problem.Problem) {
	if h == nil {
		return Caller{}, problem.New(problem.NotFound,
			"No function answers "+redact.Path(r.URL)+".")
	}
	caller, p := s.callers.Check(r.Header)
	if p != nil {
		return caller, p
	}
	if r.Method != method {
		w.Header().Set("Allow", method)
		return caller, problem.New(problem.MethodNotAllowed,
			r.Method+" is not allowed; use "+method+".")
	}
	return caller, nil
}

// handleProjectSync reads the body, decodes it and creates the entity.
func (s *Server) handleProjectSync(w http.ResponseWriter, r *http.Request) *problem.Problem {
	body, p := s.readBody(w, r)
	if p != nil {
		return p
	}

	req, err := project.DecodeColumns(r.Header.Get("Content-Type"), body)
	if err != nil {
		return problem.FromError(err)
	}
	if req.IdempotencyKey, p = idempotencyKey(r.Header); p != nil {
		return p
	}
	zerolog.Ctx(r.Context()).Debug().Str("shape", string(req.Shape)).Str("source_id", req.SourceID).
		Int("fields", len(req.Fields)).Int("columns", len(req.Columns)).Msg("request decoded")

	res, err := s.sync.Sync(r.Context(), req)
	if err != nil {
		p := problem.FromError(err)
		zerolog.Ctx(r.Context()).Debug().Err(err).Msg("sync failed")
		return p
	}

	status := http.StatusCreated
	if !res.Created {
		status = http.StatusOK
	}
	writeJSON(w, status, res)
	return nil
}

// HeaderIdempotencyKey names the request's idempotency key.
const HeaderIdempotencyKey = "Idempotency-Key"

// idempotencyKey reads the Idempotency-Key header: at most 255 printable
// ASCII characters.
func idempotencyKey(h http.Header) (string, *problem.Problem) {
	k := strings.TrimSpace(h.Get(HeaderIdempotencyKey))
	printable := strings.IndexFunc(k, func(r rune) bool { return r < 0x21 || r > 0x7e }) < 0
	if len(k) > 255 || !printable {
		p := problem.New(problem.InvalidField, "The Idempotency-Key header must be at most 255 "+
			"printable ASCII characters without spaces.")
		p.Field = HeaderIdempotencyKey
		return "", p
	}
	return k, nil
}

// readBody reads the whole body, whatever its framing, up to the limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *problem.Problem) {
	if r.ContentLength > s.opts.MaxBodyBytes {
		return nil, tooLarge(s.opts.MaxBodyBytes)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge(s.opts.MaxBodyBytes)
	case err != nil:
		return nil, problem.New(problem.InvalidJSON, "The body could not be read: "+err.Error()+".")
	}
	return body, nil
}

func tooLarge(limit int64) *problem.Problem {
	return problem.FromError(&project.InputError{Kind: project.KindTooLarge,
		Want: strconv.FormatInt(limit, 10) + " bytes"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func outcome(status int) string {
	switch {
	case status < 300:
		return "success"
	case status < 500:
		return "refused"
	}
	return "failed"
}

// recorder remembers the status written through it.
type recorder struct {
	http.ResponseWriter
	code int
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}
