package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"projectsync/internal/standin"
)

// Options configure [Run]. Every field must be set.
type Options struct {
	// HandlerPath is the handler binary, as make build writes it;
	// HandlerEnv is added to its environment, for experiments such as
	// GOGC or GOMEMLIMIT.
	HandlerPath string
	HandlerEnv  []string
	// FloorPath and FloorArgs start the bare proxy ([ServeFloor]).
	FloorPath string
	FloorArgs []string

	// Latencies are the WorkPoint create latencies to measure under.
	Latencies []time.Duration
	// Starts is the number of start-ups measured per latency.
	Starts int
	// Rates (requests a second) and Concurrency are the warm load levels.
	Rates       []int
	Concurrency []int
	// Rounds is the number of rounds per side and level; each round
	// warms up for Warmup and is measured for Duration.
	Rounds   int
	Warmup   time.Duration
	Duration time.Duration

	// Logf reports progress.
	Logf func(format string, args ...any)
}

// Levels returns the warm load levels of o: fixed rates, then fixed
// concurrency.
func (o *Options) Levels() []Load {
	var out []Load
	for _, r := range o.Rates {
		out = append(out, Load{Kind: KindRate, Value: r})
	}
	for _, c := range o.Concurrency {
		out = append(out, Load{Kind: KindConcurrency, Value: c})
	}
	return out
}

// side is what a round measures: the handler or the bare proxy.
type side int

const (
	sideHandler side = iota
	sideFloor
)

func (s side) String() string {
	if s == sideFloor {
		return "bare proxy"
	}
	return "handler"
}

// Run measures start-up, the warm path against the bare proxy, identity
// traffic and footprint, and returns the report with the targets
// evaluated. The caller fills in Commit, Dirty and the load wait.
func Run(ctx context.Context, o Options) (*Report, error) {
	start := time.Now()
	handler, err := ReadBinary(o.HandlerPath)
	if err != nil {
		return nil, err
	}
	r := &Report{Schema: SchemaVersion, Date: start.UTC(), Machine: ReadMachine(),
		Handler: handler, Config: Config{Starts: o.Starts, Rates: o.Rates,
			Concurrency: o.Concurrency, Rounds: o.Rounds, WarmupSeconds: o.Warmup.Seconds(),
			DurationSeconds: o.Duration.Seconds()}}
	for _, l := range o.Latencies {
		r.Config.WorkPointLatenciesMs = append(r.Config.WorkPointLatenciesMs, ms(l))
	}

	var cold Counts
	for _, l := range o.Latencies {
		s, c, err := measureStartup(ctx, o, l)
		if err != nil {
			return nil, err
		}
		r.Startup = append(r.Startup, s)
		cold = cold.Add(c)
		r.Identity.ColdStarts += s.FirstRequestMs.N + s.Errors
	}

	var warm Counts
	for _, l := range o.Latencies {
		for _, load := range o.Levels() {
			w, c, err := measureLevel(ctx, o, l, load)
			if err != nil {
				return nil, err
			}
			r.Warm = append(r.Warm, w)
			warm = warm.Add(c)
			r.Identity.WarmRequests += w.Handler.Requests
		}
	}

	r.Identity.fill(warm, cold)
	r.Targets = Evaluate(r)
	r.Machine.LoadAverageEnd, _ = LoadAverage()
	r.ElapsedSeconds = time.Since(start).Seconds()
	return r, nil
}

// fill sets the identity counts and their rates.
func (id *Identity) fill(warm, cold Counts) {
	id.KeyVaultReads = warm.KeyVaultReads
	id.ManagedIdentityTokens = warm.ManagedIdentityTokens
	id.EntraTokens = warm.EntraTokens
	if n := float64(id.WarmRequests); n > 0 {
		id.KeyVaultReadsPer1000 = 1000 * float64(warm.KeyVaultReads) / n
		id.ManagedIdentityTokensPer1000 = 1000 * float64(warm.ManagedIdentityTokens) / n
		id.EntraTokensPer1000 = 1000 * float64(warm.EntraTokens) / n
	}
	if n := float64(id.ColdStarts); n > 0 {
		id.KeyVaultReadsPerStart = float64(cold.KeyVaultReads) / n
		id.ManagedIdentityTokensPerStart = float64(cold.ManagedIdentityTokens) / n
		id.EntraTokensPerStart = float64(cold.EntraTokens) / n
	}
}

// measureStartup starts the handler o.Starts times and sends each new
// process one request.
func measureStartup(ctx context.Context, o Options, latency time.Duration) (Startup, Counts,
	error) {
	o.Logf("start-up, WorkPoint latency %s: %d starts", latency, o.Starts)
	w, err := newWorld(latency)
	if err != nil {
		return Startup{}, Counts{}, err
	}
	defer w.close()

	s := Startup{WorkPointLatencyMs: ms(latency)}
	var ready, first []float64
	before := w.counts()
	for range o.Starts {
		p, d, err := StartProcess(ctx, o.HandlerPath, nil, append(w.env, o.HandlerEnv...))
		if err != nil {
			return Startup{}, Counts{}, err
		}
		ready = append(ready, ms(d))

		client := loadClient(Load{Kind: KindConcurrency, Value: 1})
		d, err = post(ctx, client, p.URL, w.items.HandlerBody(w.items.Next()))
		client.CloseIdleConnections()
		if err != nil {
			s.Errors++
			s.ErrorSamples = appendNew(s.ErrorSamples, err.Error())
		} else {
			first = append(first, ms(d))
		}
		if err := p.Stop(); err != nil {
			return Startup{}, Counts{}, err
		}
	}
	s.ReadyMs, s.FirstRequestMs = Distribute(ready), Distribute(first)
	o.Logf("  ready after %.1f ms (median), first request %.1f ms (median), %d errors",
		s.ReadyMs.P50, s.FirstRequestMs.P50, s.Errors)
	return s, w.counts().Sub(before), nil
}

// measureLevel runs o.Rounds rounds of both sides at load on a fresh
// world, alternating which side goes first. It returns the comparison and
// the identity traffic of the handler's measured phases.
func measureLevel(ctx context.Context, o Options, latency time.Duration, load Load) (Warm,
	Counts, error) {
	o.Logf("warm, WorkPoint latency %s, %s: %d rounds", latency, load, o.Rounds)
	w, err := newWorld(latency)
	if err != nil {
		return Warm{}, Counts{}, err
	}
	defer w.close()

	var rounds [2][]Round
	var shapes [2]string
	var counts Counts
	for i := range o.Rounds {
		order := []side{sideHandler, sideFloor}
		if i%2 == 1 {
			order = []side{sideFloor, sideHandler}
		}
		for _, sd := range order {
			r, err := w.round(ctx, o, sd, load)
			if err != nil {
				return Warm{}, Counts{}, err
			}
			rounds[sd] = append(rounds[sd], r)
			if sd == sideHandler {
				counts = counts.Add(r.Counts)
			}
			if shapes[sd] == "" {
				shapes[sd] = w.lastShape()
			}
			d := Distribute(Milliseconds(r.Latencies))
			o.Logf("  round %d %-10s %6.0f/s p50 %7.2f ms p99 %7.2f ms, %d errors, RSS %.1f MB",
				i+1, sd, throughput(r), d.P50, d.P99, r.Errors, float64(r.PeakRSS)/1e6)
		}
	}
	if shapes[sideHandler] != shapes[sideFloor] {
		return Warm{}, Counts{}, fmt.Errorf("bench: the bare proxy creates %s, the handler %s; "+
			"the bodies no longer match", shapes[sideFloor], shapes[sideHandler])
	}
	return Compare(ms(latency), load, rounds[sideHandler], rounds[sideFloor]), counts, nil
}

// round starts a new process for sd, sends one request alone (the cold
// path), warms up at load, then measures at load for o.Duration.
func (w *world) round(ctx context.Context, o Options, sd side, load Load) (Round, error) {
	path, args, env := o.HandlerPath, []string(nil), append(w.env, o.HandlerEnv...)
	body := w.items.HandlerBody
	if sd == sideFloor {
		path, args, env = o.FloorPath, o.FloorArgs, w.floorEnv
		body = func(n uint64) []byte {
			return w.items.FloorBody(standin.ProjectsModuleID, w.parentID, n)
		}
	}
	p, _, err := StartProcess(ctx, path, args, env)
	if err != nil {
		return Round{}, err
	}
	defer p.Stop()
	idle, err := p.Goroutines(ctx)
	if err != nil {
		return Round{}, err
	}

	client := loadClient(load)
	defer client.CloseIdleConnections()
	url := p.URL + "/api/ProjectSync"
	if _, err := post(ctx, client, p.URL, body(w.items.Next())); err != nil {
		return Round{}, fmt.Errorf("bench: %s: first request: %w: %s", sd, err, p.Output())
	}
	if warm := attack(ctx, client, url, load, o.Warmup, w.items, body); warm.Errors > 0 &&
		len(warm.Latencies) == 0 {
		return Round{}, fmt.Errorf("bench: %s: every warm-up request failed: %s: %s", sd,
			strings.Join(warm.ErrorSamples, "; "), p.Output())
	}

	before, cpu0 := w.counts(), cpuTime(p)
	r := attack(ctx, client, url, load, o.Duration, w.items, body)
	r.CPU = cpuTime(p) - cpu0
	r.Counts = w.counts().Sub(before)
	r.UpstreamCalls = r.Counts.WorkPointCalls
	if err := ctx.Err(); err != nil {
		return Round{}, err
	}

	client.CloseIdleConnections()
	r.GoroutinesIdle = idle
	if r.GoroutinesAfter, err = settledGoroutines(ctx, p); err != nil {
		return Round{}, err
	}
	if r.PeakRSS, err = p.PeakRSS(); err != nil {
		return Round{}, err
	}
	if err := p.Stop(); err != nil {
		return Round{}, err
	}
	return r, nil
}

// settledGoroutines reads the process's goroutine count until two readings
// 50 ms apart agree, for at most a second: the connections the load
// generator closed take a moment to end on the server side.
func settledGoroutines(ctx context.Context, p *Process) (int, error) {
	last := -1
	deadline := time.Now().Add(time.Second)
	for {
		n, err := p.Goroutines(ctx)
		if err != nil || n == last || time.Now().After(deadline) {
			return n, err
		}
		last = n
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// lastShape describes the fields of the entity created last: what the
// handler and the bare proxy send must not differ.
func (w *world) lastShape() string {
	sol := w.stack.Solution
	e, ok := sol.Entity(standin.ProjectsModuleID, sol.CreateCount())
	if !ok {
		return "no entity"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(e.Values)) {
		parts = append(parts, fmt.Sprintf("%s:%T", k, e.Values[k]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// post sends one body to POST /api/ProjectSync and returns its latency.
func post(ctx context.Context, client *http.Client, base string, body []byte) (time.Duration,
	error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/ProjectSync",
		bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("bench: post: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("bench: post: %w", err)
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("bench: post: read answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, fmt.Errorf("bench: post: status %d: %s", resp.StatusCode, answer)
	}
	return d, nil
}

// cpuTime reads p's CPU time; a process that cannot be read counts zero,
// which shows as an implausible figure rather than a failed run.
func cpuTime(p *Process) time.Duration {
	d, err := p.CPUTime()
	if err != nil {
		return 0
	}
	return d
}

func ms(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
