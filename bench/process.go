package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// readyTimeout bounds how long a process may take to answer GET /.
const readyTimeout = 15 * time.Second

// Process is a measured process (the handler or the bare proxy) listening
// on a loopback port.
type Process struct {
	URL string // http://127.0.0.1:port

	cmd  *exec.Cmd
	out  *tail
	done chan struct{}
	err  error // the exit status, once done is closed
}

// StartProcess starts path with args and env plus FUNCTIONS_CUSTOMHANDLER_PORT
// on a free loopback port, and waits until GET / answers 200, polling
// every millisecond. It returns the process and the time from exec to
// that first answer.
func StartProcess(ctx context.Context, path string, args, env []string) (*Process,
	time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	out := &tail{}
	cmd := exec.Command(path, args...)
	cmd.Env = append(slices.Clip(env), "FUNCTIONS_CUSTOMHANDLER_PORT="+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = out, out
	p := &Process{URL: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, out: out,
		done: make(chan struct{})}

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("bench: start %s: %w", path, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := p.awaitReady(ctx); err != nil {
		p.Stop()
		return nil, 0, err
	}
	return p, time.Since(start), nil
}

// awaitReady polls GET / every millisecond until it answers 200.
func (p *Process) awaitReady(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		if probe(ctx, client, p.URL+"/") {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("bench: %s exited before it was ready (%v): %s",
				p.cmd.Path, p.err, p.out.String())
		case <-ctx.Done():
			return fmt.Errorf("bench: %s not ready: %w: %s", p.cmd.Path, ctx.Err(), p.out.String())
		case <-time.After(time.Millisecond):
		}
	}
}

func probe(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Stop ends the process: SIGTERM, then SIGKILL if it has not exited within
// five seconds. It returns the process's output if it exited with an
// error other than the signal.
func (p *Process) Stop() error {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	var ee *exec.ExitError
	if p.err != nil && !(errors.As(p.err, &ee) && !ee.Exited()) {
		return fmt.Errorf("bench: %s: %w: %s", p.cmd.Path, p.err, p.out.String())
	}
	return nil
}

// Output returns the last lines the process wrote.
func (p *Process) Output() string {
	return p.out.String()
}

// PeakRSS returns the process's resident set high-water mark (VmHWM).
func (p *Process) PeakRSS() (int64, error) {
	v := procField(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid), "VmHWM")
	f := strings.Fields(v)
	if len(f) != 2 || f[1] != "kB" {
		return 0, fmt.Errorf("bench: read VmHWM of %d: %q", p.cmd.Process.Pid, v)
	}
	kb, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bench: read VmHWM of %d: %w", p.cmd.Process.Pid, err)
	}
	return kb * 1024, nil
}

// clockTick is the unit of the CPU times in /proc/<pid>/stat (USER_HZ,
// 100 on every Linux architecture Go supports).
const clockTick = 10 * time.Millisecond

// CPUTime returns the user and system time the process has used.
func (p *Process) CPUTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("bench: read CPU time: %w", err)
	}
	return parseCPUTime(b)
}

// parseCPUTime reads utime and stime (fields 14 and 15) from the text of
// /proc/<pid>/stat; the command name, field 2, may hold spaces.
func parseCPUTime(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("bench: read CPU time: no command name in stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state), so utime is f[11] and stime f[12].
	if len(f) < 13 {
		return 0, errors.New("bench: read CPU time: stat too short")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("bench: read CPU time: %w", err)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// Goroutines asks the process for its goroutine count on GET
// /debug/runtime.
func (p *Process) Goroutines(ctx context.Context) (int, error) {
	client := &http.Client{Timeout: 5 * time.Second,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/debug/runtime", nil)
	if err != nil {
		return 0, fmt.Errorf("bench: runtime stats: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("bench: runtime stats: %w", err)
	}
	defer resp.Body.Close()
	var stats struct {
		Goroutines int `json:"goroutines"`
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("bench: runtime stats: status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		return 0, fmt.Errorf("bench: runtime stats: %w", err)
	}
	return stats.Goroutines, nil
}

// freePort returns a loopback port that was free a moment ago, as the
// Functions host picks the handler's port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("bench: pick a port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tailSize is how much of a process's output is kept for error messages.
const tailSize = 8 << 10

// tail keeps the last tailSize bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - tailSize; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}
