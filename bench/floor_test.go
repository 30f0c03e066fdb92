package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"projectsync/internal/standin"
)

// envServeFloor makes the test binary serve the bare proxy instead of
// running tests, so that tests can start it as a process.
const envServeFloor = "BENCH_TEST_SERVE_FLOOR"

func TestMain(m *testing.M) {
	if os.Getenv(envServeFloor) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		err := ServeFloor(ctx, os.Getenv)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func startWorld(t *testing.T) *world {
	t.Helper()
	w, err := newWorld(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.close)
	return w
}

func TestNewWorld_Environments(t *testing.T) {
	w := startWorld(t)
	last := func(env []string, key string) string {
		v := ""
		for _, kv := range env {
			if k, val, _ := strings.Cut(kv, "="); k == key {
				v = val
			}
		}
		return v
	}
	checks := []struct{ key, want string }{
		{"LOG_LEVEL", "info"}, // the benchmark's, over the stand-ins' debug
		{"IDEMPOTENCY_STORE", "memory"},
		{"WORKPOINT_BUSINESS_MODULE_ID", standin.ProjectsModuleID},
		{"SSL_CERT_FILE", w.stack.CAFile},
	}
	for _, c := range checks {
		if got := last(w.env, c.key); got != c.want {
			t.Errorf("handler %s: got %q, want %q", c.key, got, c.want)
		}
	}
	if last(w.env, EnvFloorToken) != "" || last(w.floorEnv, EnvFloorToken) == "" {
		t.Errorf("the token must be in the bare proxy's environment only")
	}
	if w.parentID != 1 {
		t.Errorf("parent id: got %d, want 1", w.parentID)
	}
}

// TestFloor_Forwards sends the bare proxy a create body and finds the
// entity in the WorkPoint stand-in, created under the stand-in's checks.
func TestFloor_Forwards(t *testing.T) {
	w := startWorld(t)
	token, err := floorToken(w.stack)
	if err != nil {
		t.Fatal(err)
	}
	api, _ := url.Parse("https://" + standin.WorkPointHost)
	tests := []struct {
		name   string
		token  string
		status int
	}{
		{"valid token", token, http.StatusOK},
		{"no token", "x", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &Floor{APIURL: api, SolutionURL: standin.SolutionURL,
				ModuleID: standin.ProjectsModuleID, Token: tt.token,
				Transport: w.stack.Client().Transport}
			srv := httptest.NewServer(f.Handler())
			t.Cleanup(srv.Close)

			before := w.stack.Solution.CreateCount()
			body := w.items.FloorBody(standin.ProjectsModuleID, w.parentID, w.items.Next())
			resp, err := http.Post(srv.URL+"/api/ProjectSync", "application/json",
				strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status: got %d, want %d", resp.StatusCode, tt.status)
			}
			want := 0
			if tt.status == http.StatusOK {
				want = 1
			}
			if got := w.stack.Solution.CreateCount() - before; got != want {
				t.Errorf("created %d entities, want %d", got, want)
			}
		})
	}
}

// TestProcess_Floor runs the bare proxy as a process, as a round does:
// ready on GET /, loaded briefly, read and stopped.
func TestProcess_Floor(t *testing.T) {
	w := startWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	p, _, err := StartProcess(ctx, os.Args[0], nil, append(w.floorEnv, envServeFloor+"=1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })

	body := func(n uint64) []byte {
		return w.items.FloorBody(standin.ProjectsModuleID, w.parentID, n)
	}
	load := Load{Kind: KindConcurrency, Value: 2}
	client := loadClient(load)
	defer client.CloseIdleConnections()
	r := attack(ctx, client, p.URL+"/api/ProjectSync", load, 300*time.Millisecond, w.items, body)
	if r.Requests == 0 || r.Errors != 0 {
		t.Errorf("got %d requests, %d errors (%v), want some and none", r.Requests, r.Errors,
			r.ErrorSamples)
	}
	want := "{ProjectSyncKey:string Title:string wpCompany:int}"
	if got := w.lastShape(); got != want {
		t.Errorf("entity created: got %s, want %s", got, want)
	}

	if n, err := p.Goroutines(ctx); err != nil || n == 0 {
		t.Errorf("Goroutines: got %d, %v", n, err)
	}
	if rss, err := p.PeakRSS(); err != nil || rss <= 0 {
		t.Errorf("PeakRSS: got %d, %v", rss, err)
	}
	if _, err := p.CPUTime(); err != nil {
		t.Errorf("CPUTime: %v", err)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

func TestStartProcess_ExitsEarly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Without its settings the bare proxy exits at once.
	_, _, err := StartProcess(ctx, os.Args[0], nil, append(os.Environ(), envServeFloor+"=1"))
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") {
		t.Errorf("got %v, want an error saying the process exited", err)
	}
}
