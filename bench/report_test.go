package bench

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// round returns a round whose successful requests took the given
// milliseconds, spread over elapsed.
func round(elapsed time.Duration, ms ...float64) Round {
	r := Round{Requests: len(ms), Elapsed: elapsed}
	for _, m := range ms {
		r.Latencies = append(r.Latencies, time.Duration(m*float64(time.Millisecond)))
	}
	return r
}

func TestAggregate(t *testing.T) {
	a := round(time.Second, 1, 2, 3, 4)
	a.CPU, a.PeakRSS, a.UpstreamCalls = 4*time.Millisecond, 30e6, 4
	a.GoroutinesIdle, a.GoroutinesAfter = 5, 9
	b := round(2*time.Second, 5, 6, 7, 8)
	b.Requests, b.Errors = 6, 2
	b.ErrorSamples = []string{"status 503: busy", "status 503: busy"}
	b.CPU, b.PeakRSS, b.UpstreamCalls = 12*time.Millisecond, 40e6, 6
	b.GoroutinesIdle, b.GoroutinesAfter = 5, 11

	s := Aggregate([]Round{a, b})

	checks := []struct {
		name      string
		got, want any
	}{
		{"requests", s.Requests, 10},
		{"errors", s.Errors, 2},
		{"error samples", fmt.Sprint(s.ErrorSamples), "[status 503: busy]"},
		{"p50 pooled, rounds as spread", s.P50Ms, Spread{4.5, 2.5, 6.5}},
		{"throughput median of rounds", s.ThroughputPerSec, Spread{3, 2, 4}},
		{"CPU per request", s.CPUPerRequestUs, Spread{1600, 1000, 2000}},
		{"peak RSS highest round", s.PeakRSSBytes, Spread{40e6, 30e6, 40e6}},
		{"upstream calls per request", s.UpstreamCallsPerRequest, 1.0},
		{"goroutines after", fmt.Sprint(s.GoroutinesAfter), "[9 11]"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
	if !near(s.P99Ms.Value, 7.93) {
		t.Errorf("p99: got %v, want 7.93", s.P99Ms.Value)
	}
}

func TestAggregate_NoRounds(t *testing.T) {
	if got := Aggregate(nil); got.Requests != 0 || got.P50Ms != (Spread{}) {
		t.Errorf("Aggregate(nil) = %+v, want no figures", got)
	}
}

func TestCompare(t *testing.T) {
	handler := []Round{round(time.Second, 3, 3, 3, 3), round(time.Second, 5, 5, 5, 5)}
	floor := []Round{round(time.Second, 1, 1, 1, 1, 1, 1, 1, 1), round(time.Second, 2, 2, 2, 2)}
	w := Compare(50, Load{Kind: KindConcurrency, Value: 64}, handler, floor)

	if w.WorkPointLatencyMs != 50 || w.Load.String() != "64 concurrent" {
		t.Errorf("got %v ms at %s, want 50 ms at 64 concurrent", w.WorkPointLatencyMs, w.Load)
	}
	// Per round: p50 3 against 1, then 5 against 2.
	if want := (Spread{2.5, 2, 3}); w.OverheadP50Ms != want {
		t.Errorf("overhead p50: got %+v, want %+v", w.OverheadP50Ms, want)
	}
	if want := (Spread{2.75, 2.5, 3}); w.LatencyRatioP50 != want {
		t.Errorf("latency ratio: got %+v, want %+v", w.LatencyRatioP50, want)
	}
	// Throughput: handler 4 and 4 a second, floor 8 and 4.
	if want := (Spread{0.75, 0.5, 1}); w.ThroughputRatio != want {
		t.Errorf("throughput ratio: got %+v, want %+v", w.ThroughputRatio, want)
	}
	// The sides themselves pool their rounds: handler p50 4, floor p50 1.
	if w.Handler.P50Ms.Value != 4 || w.Floor.P50Ms.Value != 1 {
		t.Errorf("p50: got handler %v, floor %v, want 4 and 1", w.Handler.P50Ms.Value,
			w.Floor.P50Ms.Value)
	}
}

func TestLoad_String(t *testing.T) {
	tests := []struct {
		load Load
		want string
	}{
		{Load{Kind: KindRate, Value: 500}, "500/s"},
		{Load{Kind: KindConcurrency, Value: 16}, "16 concurrent"},
	}
	for _, tt := range tests {
		if got := tt.load.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.load, got, tt.want)
		}
	}
}

// sampleReport is a report whose figures meet every target.
func sampleReport() *Report {
	warm := func(lat float64, load Load, overhead50, overhead99, ratio, rss float64) Warm {
		return Warm{WorkPointLatencyMs: lat, Load: load,
			Handler: Side{Requests: 1000, ThroughputPerSec: Spread{900, 850, 950},
				P50Ms: Spread{10, 9, 11}, P99Ms: Spread{20, 18, 22},
				PeakRSSBytes:   Spread{rss, rss, rss},
				GoroutinesIdle: []int{5, 5}, GoroutinesAfter: []int{9, 10}},
			Floor:           Side{Requests: 1000, ThroughputPerSec: Spread{1000, 990, 1010}},
			OverheadP50Ms:   Spread{overhead50, overhead50, overhead50},
			OverheadP99Ms:   Spread{overhead99, overhead99, overhead99},
			ThroughputRatio: Spread{ratio, ratio, ratio}}
	}
	c64 := Load{Kind: KindConcurrency, Value: 64}
	c256 := Load{Kind: KindConcurrency, Value: 256}
	return &Report{
		Schema: SchemaVersion, Date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Commit: "abc1234",
		Machine: Machine{CPUs: 2, CPUModel: "Test CPU", MemoryBytes: 8 << 30, GoVersion: "go1.26",
			OSArch: "linux/amd64", LoadAverage: [3]float64{0.5, 0.6, 0.7}},
		Config: Config{WorkPointLatenciesMs: []float64{0, 50}, Starts: 20, Rates: []int{100},
			Concurrency: []int{64, 256}, Rounds: 2, WarmupSeconds: 0.5, DurationSeconds: 3},
		Handler: Binary{SizeBytes: 10e6, GoVersion: "go1.26"},
		Startup: []Startup{
			{WorkPointLatencyMs: 0, ReadyMs: Distribution{N: 20, P50: 12}},
			{WorkPointLatencyMs: 50, ReadyMs: Distribution{N: 20, P50: 14}},
		},
		Warm: []Warm{
			warm(0, c64, 0.5, 3, 0.9, 30e6), warm(0, c256, 2, 9, 0.8, 38e6),
			warm(50, c64, 0.2, 1, 1, 25e6), warm(50, c256, 1, 4, 0.95, 39e6),
		},
		Identity: Identity{WarmRequests: 4000},
	}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(r *Report)
		unmet   string // the target that fails, or "" for none
		gotText string
	}{
		{"all met", func(*Report) {}, "", ""},
		{"slow start", func(r *Report) { r.Startup[1].ReadyMs.P50 = 51 }, "Start-up", "51.0 ms"},
		{"p50 overhead", func(r *Report) { r.Warm[2].OverheadP50Ms.Value = 1.2 },
			"p50, 64 concurrent, WorkPoint 50 ms", "1.20 ms"},
		{"errors fail the overhead", func(r *Report) { r.Warm[0].Handler.Errors = 1 },
			"64 concurrent, WorkPoint 0 ms", ""},
		{"throughput", func(r *Report) { r.Warm[1].ThroughputRatio.Value = 0.4 },
			"Throughput vs bare proxy, lowest over fixed concurrency, WorkPoint 0 ms",
			"0.40× (at 256 concurrent)"},
		{"a Key Vault read", func(r *Report) { r.Identity.KeyVaultReads = 1 }, "Key Vault", ""},
		{"a token", func(r *Report) { r.Identity.EntraTokens = 1 }, "Token requests", ""},
		{"RSS", func(r *Report) { r.Warm[3].Handler.PeakRSSBytes.Value = 41e6 }, "Peak RSS",
			"41.0 MB"},
		{"size", func(r *Report) { r.Handler.SizeBytes = 26e6 }, "Size of handler", "26.0 MB"},
		{"nothing measured", func(r *Report) { r.Warm, r.Startup = nil, nil }, "Start-up",
			notMeasured},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sampleReport()
			tt.change(r)
			targets := Evaluate(r)
			if len(targets) != 11 {
				t.Fatalf("got %d targets, want 11", len(targets))
			}
			for _, tg := range targets {
				unmet := tt.unmet != "" && strings.Contains(tg.Name, tt.unmet)
				if tg.Met == unmet && tt.name != "nothing measured" {
					t.Errorf("%s: got met %v with %q, want %v", tg.Name, tg.Met, tg.Got, !unmet)
				}
				if unmet && tt.gotText != "" && tg.Got != tt.gotText {
					t.Errorf("%s: got %q, want %q", tg.Name, tg.Got, tt.gotText)
				}
			}
		})
	}
}

func TestWriteMarkdown(t *testing.T) {
	r := sampleReport()
	r.Targets = Evaluate(r)
	var b strings.Builder
	if err := r.WriteMarkdown(&b, "## Analysis\n\nThe profile showed nothing.\n"); err != nil {
		t.Fatal(err)
	}
	md := b.String()

	for _, want := range []string{
		"# Benchmarks\n",
		"| Commit | abc1234 |",
		"| Machine | 2 × Test CPU, 8.0 GiB memory, unknown, linux/amd64 |",
		"| Load average at start (1, 5, 15 min) | 0.50, 0.60, 0.70 |",
		"| Size of handler | < 25 MB | 10.0 MB | met |",
		"### WorkPoint create latency 50 ms",
		"| 64 concurrent | handler | 900 (850–950) | 10.00 (9.00–11.00) | " +
			"20.00 (18.00–22.00) |",
		"| | overhead | 0.90× | +0.50, 0.00× | +3.00 | | | |",
		"| 0 ms | 256 concurrent | 38.0 | 0.0 | 5, 5 | 9, 10 |  |",
		"## Method",
		"## Analysis\n\nThe profile showed nothing.\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	checkTables(t, md)
}

// checkTables fails if a row of a Markdown table has another number of
// cells than its header.
func checkTables(t *testing.T, md string) {
	t.Helper()
	cells := -1
	for i, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cells = -1
			continue
		}
		n := strings.Count(line, "|")
		if cells < 0 {
			cells = n
			continue
		}
		if n != cells {
			t.Errorf("line %d has %d cell borders, want %d: %s", i+1, n, cells, line)
		}
	}
}

func TestFmtSpread(t *testing.T) {
	tests := []struct {
		s    Spread
		prec int
		want string
	}{
		{Spread{1.234, 1.234, 1.234}, 2, "1.23"},
		{Spread{1.5, 1, 2}, 1, "1.5 (1.0–2.0)"},
		{Spread{1200, 1100, 1300}, 0, "1200 (1100–1300)"},
	}
	for _, tt := range tests {
		if got := fmtSpread(tt.s, tt.prec); got != tt.want {
			t.Errorf("fmtSpread(%+v, %d) = %q, want %q", tt.s, tt.prec, got, tt.want)
		}
	}
	if got, want := fmtSigned(Spread{-0.5, -1, 0.25}, 2), "-0.50 (-1.00 to +0.25)"; got != want {
		t.Errorf("fmtSigned = %q, want %q", got, want)
	}
}
