package funchost

import (
	"context"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// guidText matches a version 4 GUID in lower case.
var guidText = regexp.MustCompile(
	`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestStart_ReadyWhenRootAnswers404(t *testing.T) {
	t.Parallel()
	h := startHost(t, appDir, Options{}, nil)

	if got := get(t, h.HandlerURL(), "/"); got.status != http.StatusNotFound {
		t.Errorf("handler GET /: got %d, want 404", got.status)
	}
	if h.ReadyAfter() <= 0 {
		t.Errorf("ReadyAfter: got %s, want > 0", h.ReadyAfter())
	}
	if got := get(t, h.URL(), "/"); got.status != http.StatusOK ||
		!strings.Contains(got.body, "up and running") {
		t.Errorf("front door GET /: got %d %q, want the 200 homepage", got.status, got.body)
	}
	if !strings.HasPrefix(h.URL(), "http://127.0.0.1:") {
		t.Errorf("URL: got %s, want a 127.0.0.1 address", h.URL())
	}
}

func TestLogs_Levels(t *testing.T) {
	t.Parallel()
	var tee syncBuffer
	h := startHost(t, appDir, Options{Logs: &tee}, nil)

	tests := []struct {
		stream, level, text string
	}{
		{StreamStdout, LevelInformation, "echohandler: starting"},
		{StreamStderr, LevelWarning, "warning: x"},
		{StreamStderr, LevelError, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			waitFor(t, tt.level+" line "+tt.text, func() bool {
				return hasLog(h, tt.stream, tt.level, tt.text)
			})
		})
	}
	waitFor(t, "the log copy", func() bool { return strings.Contains(tee.String(), "Error: boom") })
}

func TestRestart_CrashRestartsOnSamePort(t *testing.T) {
	t.Parallel()
	env := []string{"ECHO_STATE_DIR=" + t.TempDir()}
	h := startHost(t, appDir, Options{Env: env}, nil)
	before := decodeEcho(t, get(t, h.URL(), "/api/echo/before"))

	if got := get(t, h.URL(), "/api/control/exit"); got.status != http.StatusInternalServerError {
		t.Fatalf("crashing call: got %d, want 500", got.status)
	}
	waitFor(t, "a restart", func() bool { return h.Restarts() == 1 })

	// The restarted handler starts slowly; this call has to wait for it.
	after := decodeEcho(t, get(t, h.URL(), "/api/echo/after"))
	if after.PID == before.PID {
		t.Errorf("pid: got %d again, want a new process", after.PID)
	}
	port := "FUNCTIONS_CUSTOMHANDLER_PORT"
	if after.Env[port] != before.Env[port] {
		t.Errorf("port: got %s, want %s again", after.Env[port], before.Env[port])
	}
	id := "FUNCTIONS_CUSTOMHANDLER_WORKER_ID"
	if after.Env[id] == before.Env[id] {
		t.Errorf("worker ID: got %s again, want a new one", after.Env[id])
	}
	if !hasLog(h, StreamHost, LevelError, "exit status 1") {
		t.Errorf("logs: no host error about the exit code in %v", h.Logs())
	}
}

func TestRestart_ExitCodes(t *testing.T) {
	t.Parallel()

	t.Run("exit 0 is not restarted", func(t *testing.T) {
		t.Parallel()
		h := startHost(t, appDir, Options{}, nil)
		get(t, h.URL(), "/api/control/exit0")
		waitFor(t, "the exit to be noticed", func() bool {
			return hasLog(h, StreamHost, LevelWarning, "exited with code 0")
		})
		if got := get(t, h.URL(), "/api/anon"); got.status != http.StatusInternalServerError {
			t.Errorf("call after exit 0: got %d, want 500", got.status)
		}
		if h.Restarts() != 0 {
			t.Errorf("Restarts: got %d, want 0", h.Restarts())
		}
	})

	t.Run("the third crash shuts the host down", func(t *testing.T) {
		t.Parallel()
		h := startHost(t, appDir, Options{}, nil)
		for i := 1; i < maxFailures; i++ {
			get(t, h.URL(), "/api/control/exit")
			waitFor(t, "restart "+strconv.Itoa(i), func() bool { return h.Restarts() == i })
		}
		get(t, h.URL(), "/api/control/exit")
		select {
		case <-h.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("Done: still open after the third crash")
		}
		if err := h.Err(); err == nil || !strings.Contains(err.Error(), "failed 3 times") {
			t.Errorf("Err: got %v, want the host to report 3 failures", err)
		}
		if got := get(t, h.URL(), "/api/anon"); got.status != http.StatusInternalServerError {
			t.Errorf("call after shutdown: got %d, want 500", got.status)
		}
	})

	t.Run("exit 200 restarts without counting a failure", func(t *testing.T) {
		t.Parallel()
		h := startHost(t, appDir, Options{}, nil)
		for i := 1; i <= maxFailures; i++ {
			get(t, h.URL(), "/api/control/exit200")
			waitFor(t, "restart "+strconv.Itoa(i), func() bool { return h.Restarts() == i })
		}
		if got := get(t, h.URL(), "/api/anon"); got.status != http.StatusOK {
			t.Errorf("call after %d intentional restarts: got %d, want 200", maxFailures,
				got.status)
		}
		if err := h.Err(); err != nil {
			t.Errorf("Err: got %v, want nil", err)
		}
	})
}

func TestStart_GivesUpAfterThreeFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		env       string
		wantInErr string
		wantLog   string
	}{
		{"crash at start", "ECHO_MODE=crash", "failed 3 times", "Error: fatal: crash at start"},
		{"never ready", "ECHO_MODE=hang", "not ready within", "did not answer GET /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			app, err := Load(appDir)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var logs syncBuffer
			opts := Options{Env: []string{tt.env}, Logs: &logs,
				ReadyTimeout: 200 * time.Millisecond}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			h, err := Start(ctx, app, opts)
			if err == nil {
				h.Close()
				t.Fatal("Start: got no error, want the host to give up")
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("error: got %q, want it to mention %q", err, tt.wantInErr)
			}
			if n := strings.Count(logs.String(), tt.wantLog); n != maxFailures {
				t.Errorf("log lines %q: got %d, want %d", tt.wantLog, n, maxFailures)
			}
		})
	}
}

func TestFunctionTimeout_RestartsHandler(t *testing.T) {
	t.Parallel()
	short := func(a *App) { a.FunctionTimeout = 300 * time.Millisecond }
	h := startHost(t, appDir, Options{}, short)
	before := decodeEcho(t, get(t, h.URL(), "/api/echo/before"))

	if got := get(t, h.URL(), "/api/control/sleep"); got.status != http.StatusInternalServerError {
		t.Fatalf("sleeping call: got %d, want 500", got.status)
	}
	waitFor(t, "a restart", func() bool { return h.Restarts() == 1 })
	after := decodeEcho(t, get(t, h.URL(), "/api/echo/after"))
	if after.PID == before.PID {
		t.Errorf("pid: got %d again, want a new process", after.PID)
	}
	if !hasLog(h, StreamHost, LevelError, "timeout value of 300ms exceeded") {
		t.Errorf("logs: no timeout error in %v", h.Logs())
	}
}

func TestStart_Rejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*App)
		opts Options
		want string
	}{
		{"payload mode", func(a *App) { a.Forwarding = false }, Options{}, "payload mode"},
		{"proxying mode", func(a *App) { a.Proxying = true }, Options{},
			"enableProxyingHttpRequest"},
		{"no functions", func(a *App) { a.Functions = nil }, Options{}, "no functions"},
		{"reserved route", func(a *App) { a.Functions[0].Route = "runtime/x" }, Options{},
			"built-in"},
		{"chunked mode", nil, Options{ChunkedRequests: "drop"}, "ChunkedRequests"},
		{"body limit", nil, Options{Env: []string{bodyLimitSetting + "=lots"}}, bodyLimitSetting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := Load(appDir)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if tt.edit != nil {
				tt.edit(app)
			}
			h, err := Start(context.Background(), app, tt.opts)
			if err == nil {
				h.Close()
				t.Fatalf("Start: got no error, want one mentioning %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error: got %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

// TestClose_StopsEverything is not parallel: it counts goroutines.
func TestClose_StopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	app, err := Load(appDir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	h, err := Start(context.Background(), app, Options{Env: []string{}})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	handler := h.HandlerURL()
	decodeEcho(t, get(t, h.URL(), "/api/echo/once"))

	// One call is still in the handler when Close kills it.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second}
	inFlight := make(chan int, 1)
	go func() {
		resp, err := client.Get(h.URL() + "/api/control/sleep")
		if err != nil {
			inFlight <- 0
			return
		}
		resp.Body.Close()
		inFlight <- resp.StatusCode
	}()
	waitFor(t, "the sleeping call", func() bool {
		return hasLog(h, StreamStdout, LevelInformation, "/api/control/sleep")
	})
	if err := h.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if got := <-inFlight; got != http.StatusInternalServerError {
		t.Errorf("call in flight during Close: got %d, want 500", got)
	}

	select {
	case <-h.Done():
	default:
		t.Error("Done: still open after Close")
	}
	if h.Err() != nil {
		t.Errorf("Err: got %v, want nil after Close", h.Err())
	}
	for _, u := range []string{handler + "/", h.URL() + "/api/anon"} {
		if resp, err := client.Get(u); err == nil {
			resp.Body.Close()
			t.Errorf("GET %s after Close: got %d, want a refused connection", u, resp.StatusCode)
		}
	}
	client.CloseIdleConnections()
	waitFor(t, "the host's goroutines to end", func() bool {
		return runtime.NumGoroutine() <= before
	})
}
