package funchost

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// hostState is where the host stands with its handler.
type hostState int

const (
	stateStarting hostState = iota // a handler process runs but has not answered GET / yet
	stateReady                     // the handler answered GET /; invocations are forwarded
	stateStopped                   // the handler exited with code 0 and is not restarted
	stateShutdown                  // the handler failed too often; the host has given up
	stateClosed                    // Close was called
)

const (
	pollInterval  = 25 * time.Millisecond
	failureWindow = 30 * time.Minute // failures further apart than this start a new count
	maxFailures   = 3
	exitRestart   = 200 // the exit code that asks for a restart without counting a failure
)

// probeClient sends the readiness probes. It keeps no connections, so a
// restarted handler is probed afresh, and it does not follow redirects.
var probeClient = &http.Client{
	Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// process is one start of the handler.
type process struct {
	cmd      *exec.Cmd
	started  time.Time
	stderr   *lineWriter
	exited   chan struct{} // closed when the process has exited and its output is filed
	timedOut bool          // killed because an invocation passed functionTimeout; Host.mu
}

func (p *process) kill() {
	_ = p.cmd.Process.Kill()
}

// supervise starts the handler, waits for it to answer, and restarts it by
// the host's rules until ctx ends or the host gives up.
func (h *Host) supervise(ctx context.Context) {
	defer close(h.supervised)

	for first := true; ; first = false {
		p, err := h.launch()
		if err != nil {
			h.book.hostf(LevelError, "start the handler: %v", err)
			if h.fail(err) {
				return
			}
			continue
		}
		if !h.register(p, first) {
			p.kill()
			<-p.exited
			return
		}

		switch h.awaitReady(ctx, p) {
		case readyClosing:
			p.kill()
			<-p.exited
			return
		case readyTimeout:
			h.book.hostf(LevelError, "the handler did not answer GET / within %s; "+
				"killing it", h.opts.ReadyTimeout)
			p.kill()
			<-p.exited
			if ctx.Err() != nil || h.fail(fmt.Errorf("handler not ready within %s",
				h.opts.ReadyTimeout)) {
				return
			}
			continue
		case readyOK:
			select {
			case <-p.exited:
			case <-ctx.Done():
				p.kill()
				<-p.exited
				return
			}
		case readyExited:
		}

		if ctx.Err() != nil || !h.afterExit(p) {
			return
		}
	}
}

// afterExit applies the host's exit rules to a process that has exited and
// reports whether to start the handler again.
func (h *Host) afterExit(p *process) bool {
	h.mu.Lock()
	timedOut := p.timedOut
	if h.state == stateReady {
		h.setState(stateStarting)
	}
	h.mu.Unlock()

	code := p.cmd.ProcessState.ExitCode()
	switch {
	case timedOut:
		h.book.hostf(LevelInformation, "restarting the handler after a function timeout")
		return true
	case code == 0:
		h.book.hostf(LevelWarning, "the handler exited with code 0; it is not restarted, "+
			"and invocations fail until the host restarts")
		h.mu.Lock()
		h.setState(stateStopped)
		h.mu.Unlock()
		return false
	case code == exitRestart:
		h.book.hostf(LevelInformation, "the handler exited with code %d: restarting it", code)
		return true
	}

	err := fmt.Errorf("handler process exited: %s", p.cmd.ProcessState)
	if last := p.stderr.last; len(last) > 0 {
		err = fmt.Errorf("%w; last stderr lines: %s", err, strings.Join(last, " | "))
	}
	h.book.hostf(LevelError, "%v", err)
	return !h.fail(err)
}

// launch starts one handler process with the host's variables.
func (h *Host) launch() (*process, error) {
	port := strconv.Itoa(h.port)
	workerID := newGUID()
	env := append(append([]string(nil), h.opts.Env...),
		"FUNCTIONS_CUSTOMHANDLER_PORT="+port,
		"FUNCTIONS_HTTPWORKER_PORT="+port,
		"FUNCTIONS_CUSTOMHANDLER_WORKER_ID="+workerID,
		"FUNCTIONS_HTTPWORKER_ID="+workerID,
		"FUNCTIONS_APP_ROOT_PATH="+h.app.Root,
	)

	cmd := exec.Command(h.app.Executable, h.app.Args...)
	cmd.Dir = h.app.WorkingDir
	cmd.Env = env
	stdout := &lineWriter{book: &h.book, stream: StreamStdout}
	stderr := &lineWriter{book: &h.book, stream: StreamStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second // the host waits one second after a kill
	if err := cmd.Start(); err != nil {
		return nil, err
	}

	p := &process{cmd: cmd, started: time.Now(), stderr: stderr, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		stdout.flush()
		stderr.flush()
		close(p.exited)
	}()
	return p, nil
}

// register makes p the current process. It reports false when the host
// was closed meanwhile.
func (h *Host) register(p *process, first bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == stateClosed {
		return false
	}
	h.current = p
	if !first {
		h.restarts++
		h.client.CloseIdleConnections() // connections to the old process are dead
	}
	if h.state != stateStarting {
		h.setState(stateStarting)
	}
	h.book.hostf(LevelInformation, "started the handler (pid %d) on port %d",
		p.cmd.Process.Pid, h.port)
	return true
}

type readiness int

const (
	readyOK readiness = iota
	readyExited
	readyTimeout
	readyClosing
)

// awaitReady polls GET / every 25 ms until the handler answers with any
// status, exits, or ReadyTimeout passes.
func (h *Host) awaitReady(parent context.Context, p *process) readiness {
	ctx, cancel := context.WithTimeout(parent, h.opts.ReadyTimeout)
	defer cancel()
	go func() {
		select {
		case <-p.exited:
			cancel()
		case <-ctx.Done():
		}
	}()

	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for ctx.Err() == nil {
		if probe(ctx, h.HandlerURL()+"/") {
			h.markReady(time.Since(p.started))
			return readyOK
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}

	select {
	case <-p.exited:
		return readyExited
	default:
	}
	if parent.Err() != nil {
		return readyClosing
	}
	return readyTimeout
}

// probe reports whether the handler answered GET / with any status.
func probe(ctx context.Context, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

func (h *Host) markReady(after time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state != stateStarting {
		return
	}
	h.readyAfter = after
	h.setState(stateReady)
	h.book.hostf(LevelInformation, "the handler answered GET / after %s", after)
}

// fail counts a failure and reports whether the host gives up: at the
// third failure within 30 minutes of the previous one.
func (h *Host) fail(cause error) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	if now.Sub(h.lastFail) > failureWindow {
		h.failures = 0
	}
	h.failures++
	h.lastFail = now
	if h.failures < maxFailures || h.state == stateClosed {
		return h.state == stateClosed
	}

	h.err = fmt.Errorf("the handler failed %d times, the host shut down; last: %w",
		h.failures, cause)
	h.setState(stateShutdown)
	h.book.hostf(LevelError, "exceeded the handler restart retry count; the host shuts down")
	return true
}

// restartAfterTimeout kills p, when it is still the ready handler, so that
// the supervisor starts a new one, as the host does when an invocation
// passes functionTimeout.
func (h *Host) restartAfterTimeout(p *process) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.current != p || h.state != stateReady {
		return
	}
	p.timedOut = true
	h.setState(stateStarting)
	p.kill()
}

// setState moves the host to s and wakes everyone waiting on a change.
// h.mu must be held.
func (h *Host) setState(s hostState) {
	wasFinal := h.state == stateShutdown || h.state == stateClosed
	h.state = s
	close(h.changed)
	h.changed = make(chan struct{})
	if !wasFinal && (s == stateShutdown || s == stateClosed) {
		close(h.done)
	}
}
