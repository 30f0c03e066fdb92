// Package e2e drives the built handler binary behind the host imitation,
// against the local stand-ins, as Power Automate and Logic Apps call it.
package e2e

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
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"projectsync/internal/funchost"
	"projectsync/internal/standin"
)

// appRoot is a Functions app folder holding the freshly built handler.
var appRoot string

// functionKey is planted in every request that carries a key.
const functionKey = "e2e-function-key-4c1d8b7a90"

// seen collects every log line and answer the suite produced, for the
// final scan for planted secrets.
var seen struct {
	sync.Mutex
	text    []string
	planted []string
	chains  int
}

func remember(planted []string, text ...string) {
	seen.Lock()
	defer seen.Unlock()
	seen.planted = append(seen.planted, planted...)
	seen.text = append(seen.text, text...)
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "projectsync-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		if err := buildApp(dir); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: build app:", err)
			return 1
		}
		appRoot = dir
		code := m.Run()
		stopAzurite()
		if leaks := scanForPlanted(); len(leaks) > 0 {
			fmt.Fprintln(os.Stderr, "e2e: planted secrets found in logs or answers:")
			for _, l := range leaks {
				fmt.Fprintln(os.Stderr, "  ", l)
			}
			return 1
		}
		return code
	}()
	os.Exit(code)
}

// buildApp lays out a Functions app in dir: host.json, the function
// folders and the handler built from this tree.
func buildApp(dir string) error {
	root, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "handler"), "./cmd/handler")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	for _, f := range []string{"host.json", "ProjectSync/function.json", "Health/function.json"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// scanForPlanted returns the lines of the suite that hold a planted value.
// A suite that planted or saw nothing is itself a failure: the scan would
// prove nothing.
func scanForPlanted() []string {
	seen.Lock()
	defer seen.Unlock()
	if seen.chains == 0 {
		return nil // no chain ran, as with go test -run on other tests
	}
	if len(seen.planted) == 0 || len(seen.text) == 0 {
		return []string{fmt.Sprintf("nothing to scan: %d planted values, %d texts",
			len(seen.planted), len(seen.text))}
	}
	return leaks(seen.text, seen.planted)
}

// leaks returns the texts that hold one of the planted values.
func leaks(texts, planted []string) []string {
	var out []string
	for _, t := range texts {
		for _, p := range planted {
			if p != "" && strings.Contains(t, p) {
				out = append(out, fmt.Sprintf("%.200s", t))
			}
		}
	}
	return out
}

// chain is one running stack: stand-ins, host imitation and handler.
type chain struct {
	t     *testing.T
	stack *standin.Stack
	host  *funchost.Host
	logs  *syncBuffer
	opts  funchost.Options
}

type chainOption func(settings map[string]string, opts *funchost.Options)

// withSetting overrides one app setting of the handler.
func withSetting(k, v string) chainOption {
	return func(s map[string]string, _ *funchost.Options) { s[k] = v }
}

// withoutSetting removes one app setting of the handler.
func withoutSetting(k string) chainOption {
	return func(s map[string]string, _ *funchost.Options) { delete(s, k) }
}

// startChain starts a fresh stack. setup, when not nil, changes the
// stand-ins before the handler starts.
func startChain(t *testing.T, setup func(*standin.Stack), opts ...chainOption) *chain {
	t.Helper()
	return startChainIn(t, appRoot, setup, opts...)
}

// startChainIn is startChain for the Functions app folder root.
func startChainIn(t *testing.T, root string, setup func(*standin.Stack),
	opts ...chainOption) *chain {
	t.Helper()
	stack, err := standin.Start(standin.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start stand-ins: %v", err)
	}
	t.Cleanup(func() { stack.Close() })
	if setup != nil {
		setup(stack)
	}

	settings := stack.Settings()
	hostOpts := funchost.Options{Auth: true, Keys: []string{functionKey}}
	for _, o := range opts {
		o(settings, &hostOpts)
	}
	env := append(os.Environ(), stack.Env()...)
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+settings[k])
	}
	logs := &syncBuffer{}
	hostOpts.Env, hostOpts.Logs = env, logs

	app, err := funchost.Load(root)
	if err != nil {
		t.Fatalf("load app: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	host, err := funchost.Start(ctx, app, hostOpts)
	if err != nil {
		cancel()
		t.Fatalf("start handler: %v", err)
	}
	c := &chain{t: t, stack: stack, host: host, logs: logs, opts: hostOpts}
	t.Cleanup(func() {
		host.Close()
		cancel()
		remember(stack.Planted(), logs.Lines()...)
		seen.Lock()
		seen.chains++
		seen.Unlock()
	})
	return c
}

// anotherInstance starts a second handler, as a second instance of the
// Function App, with the same settings against the same stand-ins.
func (c *chain) anotherInstance() *chain {
	c.t.Helper()
	app, err := funchost.Load(appRoot)
	if err != nil {
		c.t.Fatalf("load app: %v", err)
	}
	opts := c.opts
	logs := &syncBuffer{}
	opts.Logs = logs
	host, err := funchost.Start(context.Background(), app, opts)
	if err != nil {
		c.t.Fatalf("start second instance: %v", err)
	}
	c.t.Cleanup(func() {
		host.Close()
		remember(nil, logs.Lines()...)
	})
	return &chain{t: c.t, stack: c.stack, host: host, logs: logs, opts: opts}
}

// answer is what a caller received.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

func (a answer) str(k string) string {
	s, _ := a.JSON[k].(string)
	return s
}

func (a answer) num(k string) int {
	n, _ := a.JSON[k].(float64)
	return int(n)
}

// post sends body to ProjectSync as a flow's HTTP action does.
func (c *chain) post(body []byte, header ...string) answer {
	c.t.Helper()
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("x-functions-key", functionKey)
	h.Set("x-ms-workflow-run-id", "08584712345612345678901234567CU12")
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			h.Del(header[i])
			continue
		}
		h.Set(header[i], header[i+1])
	}
	return c.do(http.MethodPost, "/api/ProjectSync", body, h)
}

func (c *chain) do(method, path string, body []byte, h http.Header) answer {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.host.URL()+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header = h
	if body == nil {
		req.Body = nil
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode, Header: resp.Header, Body: b}
	_ = json.Unmarshal(b, &a.JSON)
	remember(nil, string(b))
	return a
}

// caseFile reads an input of the cases from the field.
func caseFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "shared", "cases", "inputs", name))
	if os.IsNotExist(err) {
		b, err = os.ReadFile(filepath.Join("..", "cmd", "standins", "cases", name))
	}
	if err != nil {
		t.Skipf("case input %s not available: %v", name, err)
	}
	return b
}

// syncBuffer collects log lines from the handler.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := strings.TrimSpace(b.buf.String())
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// handlerLines returns the handler's stdout lines.
func (c *chain) handlerLines() []string {
	var out []string
	for _, l := range c.host.Logs() {
		if l.Stream == funchost.StreamStdout {
			out = append(out, l.Text)
		}
	}
	return out
}

// logLines returns the handler's JSON log lines whose message is msg.
func (c *chain) logLines(msg string) []map[string]any {
	var out []map[string]any
	for _, l := range c.handlerLines() {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["message"] == msg {
			out = append(out, m)
		}
	}
	return out
}
