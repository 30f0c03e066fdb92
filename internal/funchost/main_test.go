package funchost

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The app folders the end-to-end tests run: copies of testdata/app and
// testdata/catchall with the echo handler built into each as "handler".
var (
	appDir      string
	catchAllDir string
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "funchost-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "funchost test: make temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	if err := prepareApps(dir); err != nil {
		fmt.Fprintln(os.Stderr, "funchost test:", err)
		return 1
	}
	return m.Run()
}

// prepareApps copies the test apps into dir and builds the echo handler
// into each of them.
func prepareApps(dir string) error {
	appDir = filepath.Join(dir, "app")
	catchAllDir = filepath.Join(dir, "catchall")
	copies := map[string]string{"testdata/app": appDir, "testdata/catchall": catchAllDir}
	for src, dst := range copies {
		if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
			return fmt.Errorf("copy %s: %w", src, err)
		}
	}

	exe := filepath.Join(appDir, "handler")
	build := exec.Command("go", "build", "-o", exe, "./testdata/echohandler")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build the echo handler: %w\n%s", err, out)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		return fmt.Errorf("read the echo handler: %w", err)
	}
	if err := os.WriteFile(filepath.Join(catchAllDir, "handler"), bin, 0o755); err != nil {
		return fmt.Errorf("copy the echo handler: %w", err)
	}
	return nil
}

// echo mirrors what the echo handler reports about a request.
type echo struct {
	Method           string            `json:"method"`
	RequestURI       string            `json:"requestURI"`
	Path             string            `json:"path"`
	RawQuery         string            `json:"rawQuery"`
	Host             string            `json:"host"`
	Header           http.Header       `json:"header"`
	Body             string            `json:"body"`
	ContentLength    int64             `json:"contentLength"`
	TransferEncoding []string          `json:"transferEncoding"`
	PID              int               `json:"pid"`
	Args             []string          `json:"args"`
	Dir              string            `json:"dir"`
	Env              map[string]string `json:"env"`
}

// startHost loads the app in dir, lets edit adjust it, and starts it with
// opts. A nil opts.Env becomes a small fixed environment, so the handler
// sees nothing of the test process's.
func startHost(t *testing.T, dir string, opts Options, edit func(*App)) *Host {
	t.Helper()
	app, err := Load(dir)
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	if edit != nil {
		edit(app)
	}
	if opts.Env == nil {
		opts.Env = []string{"ECHO_SETTING=from-options"}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := Start(ctx, app, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return h
}

// response is what a caller of the front door received.
type response struct {
	status int
	header http.Header
	body   string
}

// call sends one request and reads the whole response. The client uses no
// proxy and follows no redirects.
func call(t *testing.T, req *http.Request) response {
	t.Helper()
	client := &http.Client{
		Transport:     &http.Transport{Proxy: nil, DisableCompression: true},
		CheckRedirect: noRedirects,
		Timeout:       30 * time.Second,
	}
	defer client.CloseIdleConnections()

	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func noRedirects(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}

// newRequest builds a request or fails the test.
func newRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatalf("new request %s %s: %v", method, url, err)
	}
	return req
}

// get sends GET base+path and returns the response.
func get(t *testing.T, base, path string) response {
	t.Helper()
	return call(t, newRequest(t, http.MethodGet, base+path, nil))
}

// decodeEcho parses an echo handler answer, failing unless it is one.
func decodeEcho(t *testing.T, r response) echo {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status: got %d, want 200 (body %q)", r.status, r.body)
	}
	var e echo
	if err := json.Unmarshal([]byte(r.body), &e); err != nil {
		t.Fatalf("decode echo %q: %v", r.body, err)
	}
	return e
}

// waitFor polls cond until it holds, failing the test after ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// hasLog reports whether the host logged a line on stream at level whose
// text contains text.
func hasLog(h *Host, stream, level, text string) bool {
	for _, l := range h.Logs() {
		if l.Stream == stream && l.Level == level && strings.Contains(l.Text, text) {
			return true
		}
	}
	return false
}

// syncBuffer is a bytes.Buffer safe for the host's log copy.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
