package funchost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// HostVersion is the Functions host version the imitation reports in the
// X-Azure-Functions-HostVersion and User-Agent headers.
const HostVersion = "4.1037.0"

// What a chunked request without Content-Length does, for
// [Options].ChunkedRequests.
const (
	ChunkedFail  = "fail"  // answer 500 without calling the handler
	ChunkedEmpty = "empty" // forward the request without its body
)

const (
	defaultAddr         = "127.0.0.1:0"
	defaultReadyTimeout = 30 * time.Second
	defaultBodyLimit    = 100 * 1024 * 1024
	bodyLimitSetting    = "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"
	homepageSetting     = "AzureWebJobsDisableHomepage"
)

// Options configures [Start]. The zero value runs like `func start`: a
// front door on a free loopback port, no key checks, the environment of
// this process.
type Options struct {
	// Env is the handler's environment: the app settings, in "NAME=value"
	// form. If nil, the handler inherits this process's environment, as
	// the handler of `func start` inherits the shell's. The host adds its
	// own variables (FUNCTIONS_CUSTOMHANDLER_PORT and the others) on top.
	// FUNCTIONS_REQUEST_BODY_SIZE_LIMIT and AzureWebJobsDisableHomepage
	// are read from it as the host reads them.
	Env []string

	// Addr is the front door's listen address. If empty, 127.0.0.1:0.
	Addr string

	// Auth enforces authLevel as Azure and `func start --enableAuth` do:
	// function and admin functions need one of Keys, else 401. There is no
	// separate master key: any of Keys opens an admin function too. If
	// false, no key is checked, as under a plain `func start`.
	Auth bool

	// Keys are the accepted function keys, sent in the x-functions-key
	// header or the code query parameter.
	Keys []string

	// ChunkedRequests is what a chunked request without Content-Length
	// does: ChunkedFail (the default when empty) answers 500, as the host
	// most likely does; ChunkedEmpty forwards it without its body.
	ChunkedRequests string

	// Logs, if set, receives a copy of every log line, one per write.
	Logs io.Writer

	// ReadyTimeout is how long one start of the handler may take to answer
	// GET / before it is killed and counted as a failure. If zero, 30 s.
	ReadyTimeout time.Duration
}

// Host is a running imitation of the Functions host: the handler process
// and the front door in front of it. Its methods are safe for concurrent
// use.
type Host struct {
	app       *App
	opts      Options
	routes    routeTable
	port      int
	bodyLimit int64
	homepage  bool

	book     logBook
	client   *http.Client // forwards invocations
	listener net.Listener
	server   *http.Server
	served   chan struct{} // closed when the front door has stopped serving

	stop       context.CancelFunc // ends the supervisor
	supervised chan struct{}      // closed when the supervisor has returned
	closeOnce  sync.Once
	closeErr   error

	mu         sync.Mutex
	state      hostState
	changed    chan struct{} // closed and replaced at every state change
	done       chan struct{} // closed when the state becomes final
	current    *process
	restarts   int
	failures   int
	lastFail   time.Time
	readyAfter time.Duration
	err        error
}

// Start validates app, starts its handler as the host does and opens the
// front door. It returns once the handler has answered GET /, or with an
// error when the host gives up on it (three failed starts) or ctx ends
// first. The host then runs until [Host.Close].
func Start(ctx context.Context, app *App, opts Options) (*Host, error) {
	h, err := newHost(app, opts)
	if err != nil {
		return nil, err
	}

	ln, err := net.Listen("tcp", h.opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("funchost: listen on %s: %w", h.opts.Addr, err)
	}
	h.listener = ln
	h.server = &http.Server{
		Handler:           http.HandlerFunc(h.handleRequest),
		ReadHeaderTimeout: 30 * time.Second,
	}
	go func() {
		defer close(h.served)
		_ = h.server.Serve(ln)
	}()

	supervise, stop := context.WithCancel(context.Background())
	h.stop = stop
	go h.supervise(supervise)

	if err := h.awaitFirstStart(ctx); err != nil {
		_ = h.Close()
		return nil, err
	}
	return h, nil
}

// newHost checks app and opts and fills in defaults.
func newHost(app *App, opts Options) (*Host, error) {
	switch {
	case app == nil:
		return nil, errors.New("funchost: start: nil app")
	case app.Proxying:
		return nil, errors.New("funchost: start: enableProxyingHttpRequest is not imitated")
	case !app.Forwarding:
		return nil, errors.New("funchost: start: enableForwardingHttpRequest is off; " +
			"payload mode is not imitated")
	case len(app.Functions) == 0:
		return nil, errors.New("funchost: start: the app has no functions, " +
			"so the host would not start the handler")
	}

	switch opts.ChunkedRequests {
	case "":
		opts.ChunkedRequests = ChunkedFail
	case ChunkedFail, ChunkedEmpty:
	default:
		return nil, fmt.Errorf("funchost: start: ChunkedRequests %q is not %q or %q",
			opts.ChunkedRequests, ChunkedFail, ChunkedEmpty)
	}
	if opts.Addr == "" {
		opts.Addr = defaultAddr
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = defaultReadyTimeout
	}
	if opts.Env == nil {
		opts.Env = os.Environ()
	}

	routes, err := newRouteTable(app)
	if err != nil {
		return nil, err
	}
	limit, err := bodyLimit(opts.Env)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}

	h := &Host{
		app:        app,
		opts:       opts,
		routes:     routes,
		port:       port,
		bodyLimit:  limit,
		homepage:   lookupEnv(opts.Env, homepageSetting) != "true",
		client:     newForwardClient(),
		served:     make(chan struct{}),
		supervised: make(chan struct{}),
		changed:    make(chan struct{}),
		done:       make(chan struct{}),
	}
	h.book.tee = opts.Logs
	return h, nil
}

// awaitFirstStart waits until the handler is ready or the host gives up.
func (h *Host) awaitFirstStart(ctx context.Context) error {
	for {
		h.mu.Lock()
		state, changed, err := h.state, h.changed, h.err
		h.mu.Unlock()

		switch state {
		case stateReady:
			return nil
		case stateStopped:
			return errors.New("funchost: start: the handler exited with code 0 " +
				"before answering GET /")
		case stateShutdown:
			return fmt.Errorf("funchost: start: %w", err)
		case stateClosed:
			return fmt.Errorf("funchost: start: %w", errHostClosing)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("funchost: start: wait for the handler: %w", ctx.Err())
		}
	}
}

// URL returns the front door's base URL, such as http://127.0.0.1:7071.
func (h *Host) URL() string {
	return "http://" + h.listener.Addr().String()
}

// HandlerURL returns the handler's own base URL, http://127.0.0.1:<port>.
func (h *Host) HandlerURL() string {
	return "http://127.0.0.1:" + strconv.Itoa(h.port)
}

// ReadyAfter returns how long the latest successful start of the handler
// took, from starting the process to its first answer on GET /.
func (h *Host) ReadyAfter() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.readyAfter
}

// Logs returns a copy of the log lines so far: the handler's stdout and
// stderr lines and the host's own events, oldest first. Only the latest
// 10,000 lines are kept.
func (h *Host) Logs() []LogLine {
	return h.book.snapshot()
}

// Restarts returns how many times the handler was started again after its
// first start.
func (h *Host) Restarts() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.restarts
}

// Done returns a channel that is closed when the host has stopped: because
// the handler failed three times, so that every invocation answers 500, or
// because of [Host.Close]. A command can wait on it as `func start` exits
// when its host shuts down.
func (h *Host) Done() <-chan struct{} {
	return h.done
}

// Err returns why the host shut itself down, or nil while it runs and
// after a plain [Host.Close].
func (h *Host) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == stateShutdown {
		return h.err
	}
	return nil
}

// Close kills the handler with SIGKILL, as the host does, waits for it to
// exit, and stops the front door. Invocations still waiting get 500.
// Close is safe to call more than once.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		h.mu.Lock()
		if h.state != stateShutdown {
			h.setState(stateClosed)
		}
		if h.current != nil {
			h.current.kill()
		}
		h.mu.Unlock()

		h.stop()
		<-h.supervised

		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.server.Shutdown(ctx); err != nil {
			h.closeErr = fmt.Errorf("funchost: close front door: %w", err)
			_ = h.server.Close()
		}
		<-h.served
		h.client.CloseIdleConnections()
	})
	return h.closeErr
}

// freePort asks the system for a free loopback port, once per host, as the
// host does; restarts of the handler reuse it.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("funchost: pick a port for the handler: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return 0, fmt.Errorf("funchost: pick a port for the handler: %w", err)
	}
	return port, nil
}

// bodyLimit reads FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, in bytes, from env.
func bodyLimit(env []string) (int64, error) {
	v := lookupEnv(env, bodyLimitSetting)
	if v == "" {
		return defaultBodyLimit, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("funchost: start: %s=%q is not a positive byte count",
			bodyLimitSetting, v)
	}
	return n, nil
}

// lookupEnv returns the last value of name in env, "" if it is absent.
func lookupEnv(env []string, name string) string {
	value := ""
	for _, kv := range env {
		if k, v, ok := cutEnv(kv); ok && k == name {
			value = v
		}
	}
	return value
}

func cutEnv(kv string) (name, value string, ok bool) {
	for i := 1; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return "", "", false
}
