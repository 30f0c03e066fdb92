package bench

import (
	"fmt"
	"slices"
	"time"
)

// SchemaVersion is the version of the JSON layout of [Report]; it changes
// when a field changes meaning, so that results of different commits are
// compared only when they measure the same thing.
const SchemaVersion = 2

// Report is one run of the benchmark, as written to bench/results/*.json
// and rendered into BENCHMARKS.md. Times are in milliseconds unless a
// field's name says otherwise.
type Report struct {
	Schema int       `json:"schema"`
	Date   time.Time `json:"date"`
	Commit string    `json:"commit"`
	Dirty  bool      `json:"dirty"`
	// Label names a variant measured at the same commit, such as a
	// handler built without a change; empty for make bench.
	Label   string  `json:"label,omitempty"`
	Machine Machine `json:"machine"`
	Config  Config  `json:"config"`
	Handler Binary  `json:"handler"`

	Startup  []Startup `json:"startup"`
	Warm     []Warm    `json:"warm"`
	Identity Identity  `json:"identity"`
	Targets  []Target  `json:"targets"`

	ElapsedSeconds float64 `json:"elapsedSeconds"`
}

// Machine describes where a run took place.
type Machine struct {
	CPUs        int    `json:"cpus"`
	CPUModel    string `json:"cpuModel"`
	MemoryBytes uint64 `json:"memoryBytes"`
	Kernel      string `json:"kernel"`
	GoVersion   string `json:"goVersion"`
	OSArch      string `json:"osArch"`
	// LoadAverage is the 1, 5 and 15 minute load average when the
	// measurements began, LoadAverageEnd when they ended; LoadWaitSeconds
	// is how long the run waited for the 1 minute average to drop first.
	LoadAverage     [3]float64 `json:"loadAverage"`
	LoadAverageEnd  [3]float64 `json:"loadAverageEnd"`
	LoadWaitSeconds float64    `json:"loadWaitSeconds"`
}

// Binary describes the handler binary measured.
type Binary struct {
	Path      string `json:"path"`
	SizeBytes int64  `json:"sizeBytes"`
	GoVersion string `json:"goVersion"`
}

// Config is what a run measured, and for how long.
type Config struct {
	WorkPointLatenciesMs []float64 `json:"workPointLatenciesMs"`
	Starts               int       `json:"starts"`
	Rates                []int     `json:"rates"`
	Concurrency          []int     `json:"concurrency"`
	Rounds               int       `json:"rounds"`
	WarmupSeconds        float64   `json:"warmupSeconds"`
	DurationSeconds      float64   `json:"durationSeconds"`
}

// Startup is the start-up of the handler under one WorkPoint latency.
type Startup struct {
	WorkPointLatencyMs float64 `json:"workPointLatencyMs"`
	// ReadyMs is the time from exec to the first successful GET /.
	ReadyMs Distribution `json:"readyMs"`
	// FirstRequestMs is the latency of the first POST on each new
	// process: managed identity token, secret, Entra token, business
	// module, parent lookup and create.
	FirstRequestMs Distribution `json:"firstRequestMs"`
	Errors         int          `json:"errors"`
	ErrorSamples   []string     `json:"errorSamples,omitempty"`
}

// Load is one load level: a fixed rate (requests a second, open model) or
// a fixed concurrency (that many requests always in flight, closed model).
type Load struct {
	Kind  string `json:"kind"`
	Value int    `json:"value"`
}

// Kinds of [Load].
const (
	KindRate        = "rate"
	KindConcurrency = "concurrency"
)

// String names the load level for tables.
func (l Load) String() string {
	if l.Kind == KindRate {
		return fmt.Sprintf("%d/s", l.Value)
	}
	return fmt.Sprintf("%d concurrent", l.Value)
}

// Side is one side of a warm comparison, the handler or the bare proxy,
// over all rounds of one load level.
type Side struct {
	Requests     int      `json:"requests"`
	Errors       int      `json:"errors"`
	ErrorSamples []string `json:"errorSamples,omitempty"`

	ThroughputPerSec Spread `json:"throughputPerSec"`
	P50Ms            Spread `json:"p50Ms"`
	P99Ms            Spread `json:"p99Ms"`
	// CPUPerRequestUs is the process's CPU time (user and system) per
	// request, in microseconds.
	CPUPerRequestUs Spread `json:"cpuPerRequestUs"`
	// PeakRSSBytes is the process's VmHWM after the round; Value is the
	// highest round.
	PeakRSSBytes Spread `json:"peakRSSBytes"`
	// GoroutinesIdle are counted once the process is ready, before any
	// request; GoroutinesAfter once a round's load has ended and the load
	// generator's connections are closed. One value per round.
	GoroutinesIdle  []int `json:"goroutinesIdle"`
	GoroutinesAfter []int `json:"goroutinesAfter"`
	// UpstreamCallsPerRequest is WorkPoint calls per measured request.
	UpstreamCallsPerRequest float64 `json:"upstreamCallsPerRequest"`
}

// Warm compares the handler with the bare proxy at one load level under
// one WorkPoint latency.
type Warm struct {
	WorkPointLatencyMs float64 `json:"workPointLatencyMs"`
	Load               Load    `json:"load"`
	Handler            Side    `json:"handler"`
	Floor              Side    `json:"floor"`
	// OverheadP50Ms and OverheadP99Ms are handler minus floor; the ratios
	// are handler over floor. Each is taken per round, handler and floor
	// of the same round, and Value is the median round.
	OverheadP50Ms   Spread `json:"overheadP50Ms"`
	OverheadP99Ms   Spread `json:"overheadP99Ms"`
	LatencyRatioP50 Spread `json:"latencyRatioP50"`
	ThroughputRatio Spread `json:"throughputRatio"`
}

// Identity is the identity traffic the stand-ins counted.
type Identity struct {
	// WarmRequests is how many measured warm requests the handler
	// answered; the counts below are over those requests only.
	WarmRequests          int `json:"warmRequests"`
	KeyVaultReads         int `json:"keyVaultReads"`
	ManagedIdentityTokens int `json:"managedIdentityTokens"`
	EntraTokens           int `json:"entraTokens"`

	KeyVaultReadsPer1000         float64 `json:"keyVaultReadsPer1000"`
	ManagedIdentityTokensPer1000 float64 `json:"managedIdentityTokensPer1000"`
	EntraTokensPer1000           float64 `json:"entraTokensPer1000"`

	// ColdStarts is how many new processes served a first request in the
	// start-up measurement; the figures below are per cold start.
	ColdStarts                    int     `json:"coldStarts"`
	KeyVaultReadsPerStart         float64 `json:"keyVaultReadsPerStart"`
	ManagedIdentityTokensPerStart float64 `json:"managedIdentityTokensPerStart"`
	EntraTokensPerStart           float64 `json:"entraTokensPerStart"`
}

// Target is one of the targets and whether the run met it.
type Target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Met  bool   `json:"met"`
}

// Round is what one round of one side measured: a fresh process, warmed
// up, then loaded for the run's duration.
type Round struct {
	// Latencies are those of the successful requests.
	Latencies    []time.Duration
	Requests     int
	Errors       int
	ErrorSamples []string
	Elapsed      time.Duration
	CPU          time.Duration
	PeakRSS      int64

	GoroutinesIdle  int
	GoroutinesAfter int
	UpstreamCalls   int
	Counts          Counts
}

// Counts are the identity stand-ins' counters, or a difference of two
// readings.
type Counts struct {
	KeyVaultReads         int
	ManagedIdentityTokens int
	EntraTokens           int
	WorkPointCalls        int
}

// Sub returns c minus d.
func (c Counts) Sub(d Counts) Counts {
	return Counts{
		KeyVaultReads:         c.KeyVaultReads - d.KeyVaultReads,
		ManagedIdentityTokens: c.ManagedIdentityTokens - d.ManagedIdentityTokens,
		EntraTokens:           c.EntraTokens - d.EntraTokens,
		WorkPointCalls:        c.WorkPointCalls - d.WorkPointCalls,
	}
}

// Add returns c plus d.
func (c Counts) Add(d Counts) Counts {
	return Counts{
		KeyVaultReads:         c.KeyVaultReads + d.KeyVaultReads,
		ManagedIdentityTokens: c.ManagedIdentityTokens + d.ManagedIdentityTokens,
		EntraTokens:           c.EntraTokens + d.EntraTokens,
		WorkPointCalls:        c.WorkPointCalls + d.WorkPointCalls,
	}
}

// maxErrorSamples bounds the distinct error messages kept per side.
const maxErrorSamples = 5

// Aggregate sums the rounds of one side into its figures: latency
// quantiles over all rounds pooled, throughput as the median round, peak
// RSS as the highest round; each with the extremes of single rounds.
func Aggregate(rounds []Round) Side {
	var s Side
	var pooled []float64
	var tp, p50, p99, cpu, rss []float64
	var cpuTotal time.Duration
	for _, r := range rounds {
		s.Requests += r.Requests
		s.Errors += r.Errors
		for _, e := range r.ErrorSamples {
			if len(s.ErrorSamples) < maxErrorSamples && !slices.Contains(s.ErrorSamples, e) {
				s.ErrorSamples = append(s.ErrorSamples, e)
			}
		}
		s.GoroutinesIdle = append(s.GoroutinesIdle, r.GoroutinesIdle)
		s.GoroutinesAfter = append(s.GoroutinesAfter, r.GoroutinesAfter)
		s.UpstreamCallsPerRequest += float64(r.UpstreamCalls)
		cpuTotal += r.CPU

		ms := Milliseconds(r.Latencies)
		pooled = append(pooled, ms...)
		d := Distribute(ms)
		p50, p99 = append(p50, d.P50), append(p99, d.P99)
		if r.Elapsed > 0 {
			tp = append(tp, float64(len(r.Latencies))/r.Elapsed.Seconds())
		}
		if r.Requests > 0 {
			cpu = append(cpu, float64(r.CPU.Microseconds())/float64(r.Requests))
		}
		rss = append(rss, float64(r.PeakRSS))
	}
	if s.Requests > 0 {
		s.UpstreamCallsPerRequest /= float64(s.Requests)
		s.CPUPerRequestUs = SpreadOf(float64(cpuTotal.Microseconds())/float64(s.Requests), cpu)
	}
	d := Distribute(pooled)
	s.P50Ms = SpreadOf(d.P50, p50)
	s.P99Ms = SpreadOf(d.P99, p99)
	s.ThroughputPerSec = MedianSpread(tp)
	if len(rss) > 0 {
		s.PeakRSSBytes = SpreadOf(slices.Max(rss), rss)
	}
	return s
}

// Compare builds the warm comparison of one load level from the rounds of
// both sides; handler[i] and floor[i] ran in the same round, so that the
// differences and ratios of a round share the machine's conditions.
func Compare(latencyMs float64, load Load, handler, floor []Round) Warm {
	w := Warm{WorkPointLatencyMs: latencyMs, Load: load,
		Handler: Aggregate(handler), Floor: Aggregate(floor)}

	var d50, d99, r50, rtp []float64
	for i := range min(len(handler), len(floor)) {
		h, f := Distribute(Milliseconds(handler[i].Latencies)),
			Distribute(Milliseconds(floor[i].Latencies))
		d50, d99 = append(d50, h.P50-f.P50), append(d99, h.P99-f.P99)
		if f.P50 > 0 {
			r50 = append(r50, h.P50/f.P50)
		}
		ht, ft := throughput(handler[i]), throughput(floor[i])
		if ft > 0 {
			rtp = append(rtp, ht/ft)
		}
	}
	w.OverheadP50Ms, w.OverheadP99Ms = MedianSpread(d50), MedianSpread(d99)
	w.LatencyRatioP50, w.ThroughputRatio = MedianSpread(r50), MedianSpread(rtp)
	return w
}

func throughput(r Round) float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(len(r.Latencies)) / r.Elapsed.Seconds()
}
