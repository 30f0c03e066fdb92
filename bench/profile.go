package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"projectsync/internal/standin"
)

// EnvPprofAddr names the loopback address on which a profiling build
// serves net/http/pprof.
const EnvPprofAddr = "BENCH_PPROF_ADDR"

// pprofFile is added to package main of ./cmd/handler, through a build
// overlay, in the profiling variant of the handler. The handler's own
// files stay as they are.
const pprofFile = `//go:build benchpprof

package main

import (
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("` + EnvPprofAddr + `")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return
	}
	go http.Serve(ln, nil)
}
`

// BuildProfilingHandler builds ./cmd/handler of the module in moduleDir
// into dir with net/http/pprof served on $BENCH_PPROF_ADDR, as make build
// builds it otherwise, and returns the binary's path.
func BuildProfilingHandler(ctx context.Context, moduleDir, dir string) (string, error) {
	src := filepath.Join(dir, "zz_benchpprof.go")
	if err := os.WriteFile(src, []byte(pprofFile), 0o644); err != nil {
		return "", fmt.Errorf("bench: build profiling handler: %w", err)
	}
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {
		filepath.Join(moduleDir, "cmd", "handler", "zz_benchpprof.go"): src}})
	if err != nil {
		return "", fmt.Errorf("bench: build profiling handler: %w", err)
	}
	overlayPath := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayPath, overlay, 0o644); err != nil {
		return "", fmt.Errorf("bench: build profiling handler: %w", err)
	}
	bin := filepath.Join(dir, "handler-pprof")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "benchpprof", "-overlay", overlayPath,
		"-trimpath", "-ldflags=-w", "-o", bin, "./cmd/handler")
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("bench: build profiling handler: %w: %s", err, out)
	}
	return bin, nil
}

// ProfileOptions configure [Profile].
type ProfileOptions struct {
	// Path and Args start the process profiled; it serves net/http/pprof
	// on $BENCH_PPROF_ADDR.
	Path  string
	Args  []string
	Floor bool // the process is the bare proxy
	// Latency is the WorkPoint create latency; Load the load held while
	// the CPU profile is taken for Duration, after Warmup.
	Latency  time.Duration
	Load     Load
	Warmup   time.Duration
	Duration time.Duration
	// Out is the directory the profiles are written to: cpu.pprof,
	// heap.pprof, allocs.pprof, heap.txt (with the runtime's memory
	// statistics) and goroutine.txt.
	Out  string
	Logf func(format string, args ...any)
}

// Profile holds o.Load on the process and takes its CPU profile, then its
// heap, allocation and goroutine profiles.
func Profile(ctx context.Context, o ProfileOptions) error {
	w, err := newWorld(o.Latency)
	if err != nil {
		return err
	}
	defer w.close()
	addr, err := freePort()
	if err != nil {
		return err
	}
	pprofURL := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/", addr)
	env, body := w.env, w.items.HandlerBody
	if o.Floor {
		env = w.floorEnv
		body = func(n uint64) []byte {
			return w.items.FloorBody(standin.ProjectsModuleID, w.parentID, n)
		}
	}
	env = append(env, fmt.Sprintf("%s=127.0.0.1:%d", EnvPprofAddr, addr))
	p, _, err := StartProcess(ctx, o.Path, o.Args, env)
	if err != nil {
		return err
	}
	defer p.Stop()

	client := loadClient(o.Load)
	defer client.CloseIdleConnections()
	url := p.URL + "/api/ProjectSync"
	if _, err := post(ctx, client, p.URL, body(w.items.Next())); err != nil {
		return fmt.Errorf("bench: profile: first request: %w: %s", err, p.Output())
	}
	attack(ctx, client, url, o.Load, o.Warmup, w.items, body)

	seconds := max(int(o.Duration.Seconds())-1, 1)
	profc := make(chan error, 1)
	go func() {
		profc <- fetch(ctx, fmt.Sprintf("%sprofile?seconds=%d", pprofURL, seconds),
			filepath.Join(o.Out, "cpu.pprof"))
	}()
	cpu0 := cpuTime(p)
	r := attack(ctx, client, url, o.Load, o.Duration, w.items, body)
	cpu := cpuTime(p) - cpu0
	if err := <-profc; err != nil {
		return err
	}
	d := Distribute(Milliseconds(r.Latencies))
	who := sideHandler
	if o.Floor {
		who = sideFloor
	}
	o.Logf("%s at %s, WorkPoint %s: %.0f/s, p50 %.2f ms, p99 %.2f ms, %d errors, "+
		"CPU %.0f µs/request", who, o.Load, o.Latency, throughput(r), d.P50, d.P99, r.Errors,
		float64(cpu.Microseconds())/float64(max(r.Requests, 1)))
	if len(r.ErrorSamples) > 0 {
		o.Logf("errors: %s", strings.Join(r.ErrorSamples, "; "))
	}

	for name, q := range map[string]string{"heap.pprof": "heap", "allocs.pprof": "allocs",
		"heap.txt": "heap?debug=1", "goroutine.txt": "goroutine?debug=1"} {
		if err := fetch(ctx, pprofURL+q, filepath.Join(o.Out, name)); err != nil {
			return err
		}
	}
	o.Logf("profiles in %s; read them with: go tool pprof -top %s", o.Out,
		filepath.Join(o.Out, "cpu.pprof"))
	return p.Stop()
}

// fetch saves the answer of a GET to path.
func fetch(ctx context.Context, url, path string) error {
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{Proxy: nil,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("bench: profile: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("bench: profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: profile: GET %s: status %d", url, resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bench: profile: %w", err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("bench: profile: save %s: %w", path, err)
	}
	return f.Close()
}
