package bench

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteMarkdown renders r as BENCHMARKS.md. The analysis, written by hand
// in bench/findings.md, is appended as it is.
func (r *Report) WriteMarkdown(w io.Writer, analysis string) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }

	p("# Benchmarks\n\n")
	p("<!-- Written by `make bench` (bench/cmd/benchrun); edit bench/findings.md, " +
		"not this file. -->\n\n")
	p("The latest full run of `make bench`: how fast the handler starts, what it costs over a " +
		"bare reverse proxy in front of the same WorkPoint stand-in, how much identity traffic " +
		"a warm instance makes, and how much memory it holds. Every run's figures are also " +
		"written as JSON to [bench/results/](bench/results/), for comparison between " +
		"commits. A figure followed by a range in parentheses is the figure over all rounds, " +
		"then the lowest and highest single round.\n\n")

	r.writeRun(p)
	r.writeTargets(p)
	r.writeStartup(p)
	r.writeWarm(p)
	r.writeIdentity(p)
	r.writeFootprint(p)
	p("%s", methodText)
	if a := strings.TrimSpace(analysis); a != "" {
		p("\n%s\n", a)
	}
	return b.Flush()
}

type printer func(format string, args ...any)

func (r *Report) writeRun(p printer) {
	m := r.Machine
	commit := r.Commit
	if r.Dirty {
		commit += " (working tree with uncommitted changes)"
	}
	p("## Run\n\n| | |\n| --- | --- |\n")
	p("| Date | %s |\n", r.Date.UTC().Format("2006-01-02 15:04 MST"))
	p("| Commit | %s |\n", commit)
	if r.Label != "" {
		p("| Variant | %s |\n", r.Label)
	}
	p("| Machine | %d × %s, %.1f GiB memory, %s, %s |\n", m.CPUs, orUnknown(m.CPUModel),
		float64(m.MemoryBytes)/(1<<30), orUnknown(m.Kernel), m.OSArch)
	p("| Go | %s (handler built with %s) |\n", m.GoVersion, orUnknown(r.Handler.GoVersion))
	wait := ""
	if m.LoadWaitSeconds > 0 {
		wait = fmt.Sprintf(" (after waiting %.0f s for the 1-minute average to drop)",
			m.LoadWaitSeconds)
	}
	p("| Load average at start (1, 5, 15 min) | %.2f, %.2f, %.2f%s |\n",
		m.LoadAverage[0], m.LoadAverage[1], m.LoadAverage[2], wait)
	p("| Load average at the end | %.2f, %.2f, %.2f |\n",
		m.LoadAverageEnd[0], m.LoadAverageEnd[1], m.LoadAverageEnd[2])
	c := r.Config
	p("| Configuration | WorkPoint create latency %s ms; %d starts each; warm: %s at fixed "+
		"rate, %s concurrent; %d rounds of %.1f s warm-up + %.1f s measured per side and level |\n",
		joinFloats(c.WorkPointLatenciesMs), c.Starts, joinInts(c.Rates, "/s"),
		joinInts(c.Concurrency, ""), c.Rounds, c.WarmupSeconds, c.DurationSeconds)
	p("| Whole run | %.0f s |\n\n", r.ElapsedSeconds)
}

func (r *Report) writeTargets(p printer) {
	p("## Targets\n\n| Target | Want | Got | Met |\n| --- | --- | --- | --- |\n")
	for _, t := range r.Targets {
		met := "**not met**"
		if t.Met {
			met = "met"
		}
		p("| %s | %s | %s | %s |\n", t.Name, t.Want, t.Got, met)
	}
	p("\n")
}

func (r *Report) writeStartup(p printer) {
	p("## Start-up\n\n")
	p("Each start is a new handler process: from exec to the first `200` of `GET /`, " +
		"polled every millisecond; then the first `POST /api/ProjectSync` of that cold " +
		"process. Median (p10–p90, min–max) in ms.\n\n")
	p("| WorkPoint create latency | Exec to first `GET /` | First request, cold | Errors |\n")
	p("| --- | --- | --- | --- |\n")
	for _, s := range r.Startup {
		p("| %.0f ms | %s | %s | %d |\n", s.WorkPointLatencyMs, fmtDist(s.ReadyMs),
			fmtDist(s.FirstRequestMs), s.Errors)
	}
	p("\n")
}

func (r *Report) writeWarm(p printer) {
	p("## Warm path\n\n")
	p("Every request is a new item (a unique `sourceId`). *Bare proxy* is the floor described " +
		"under [Method](#method). *Overhead* is handler minus bare proxy, and handler over bare " +
		"proxy as a ratio, taken per round (both sides of a round ran back to back) and given " +
		"as the median round with the lowest and highest. Latencies in ms; CPU is the " +
		"process's own user and system time per request.\n\n")
	for _, lat := range r.Config.WorkPointLatenciesMs {
		p("### WorkPoint create latency %.0f ms\n\n", lat)
		p("| Load | | Throughput/s | p50 | p99 | Errors | CPU µs/request | Peak RSS MB |\n")
		p("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
		for _, w := range r.Warm {
			if w.WorkPointLatencyMs != lat {
				continue
			}
			writeSide(p, w.Load.String(), "handler", w.Handler)
			writeSide(p, "", "bare proxy", w.Floor)
			p("| | overhead | %s× | %s, %s× | %s | | | |\n",
				fmtSpread(w.ThroughputRatio, 2), fmtSigned(w.OverheadP50Ms, 2),
				fmtNum(w.LatencyRatioP50.Value, 2), fmtSigned(w.OverheadP99Ms, 2))
		}
		p("\n")
	}
}

func writeSide(p printer, load, name string, s Side) {
	p("| %s | %s | %s | %s | %s | %d of %d | %s | %s |\n", load, name,
		fmtSpread(s.ThroughputPerSec, 0), fmtSpread(s.P50Ms, 2), fmtSpread(s.P99Ms, 2),
		s.Errors, s.Requests, fmtSpread(s.CPUPerRequestUs, 0),
		fmtSpread(scale(s.PeakRSSBytes, 1e-6), 1))
}

func (r *Report) writeIdentity(p printer) {
	id := r.Identity
	p("## Identity traffic\n\n")
	p("Counted by the stand-ins during the measured warm phases only (%d handler requests), "+
		"and during the start-up measurement per cold process (%d).\n\n", id.WarmRequests,
		id.ColdStarts)
	p("| | Per 1,000 warm requests | Warm count | Per cold start |\n| --- | --- | --- | --- |\n")
	p("| Key Vault reads | %.2f | %d | %.2f |\n", id.KeyVaultReadsPer1000, id.KeyVaultReads,
		id.KeyVaultReadsPerStart)
	p("| Managed identity tokens | %.2f | %d | %.2f |\n", id.ManagedIdentityTokensPer1000,
		id.ManagedIdentityTokens, id.ManagedIdentityTokensPerStart)
	p("| Entra tokens | %.2f | %d | %.2f |\n\n", id.EntraTokensPer1000, id.EntraTokens,
		id.EntraTokensPerStart)
}

func (r *Report) writeFootprint(p printer) {
	p("## Footprint\n\n")
	p("`handler` is %.1f MB (%d bytes). Peak RSS is the process's `VmHWM`, read after each "+
		"round from a process started for that round alone. Goroutines are the process's own "+
		"count (`GET /debug/runtime`) once ready and after the round's load, with the load "+
		"generator's connections closed; one figure per round. Both processes keep their idle "+
		"connections to WorkPoint (two goroutines each) until they have been idle for 90 s.\n\n",
		float64(r.Handler.SizeBytes)/1e6, r.Handler.SizeBytes)
	p("| WorkPoint latency | Load | Handler peak RSS MB | Bare proxy peak RSS MB | " +
		"Handler goroutines, ready | Handler goroutines, after | Bare proxy goroutines, after |\n")
	p("| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, w := range r.Warm {
		p("| %.0f ms | %s | %s | %s | %s | %s | %s |\n", w.WorkPointLatencyMs, w.Load,
			fmtSpread(scale(w.Handler.PeakRSSBytes, 1e-6), 1),
			fmtSpread(scale(w.Floor.PeakRSSBytes, 1e-6), 1),
			joinInts(w.Handler.GoroutinesIdle, ""), joinInts(w.Handler.GoroutinesAfter, ""),
			joinInts(w.Floor.GoroutinesAfter, ""))
	}
	p("\n")
}

// methodText says what each figure includes; it is fixed text because the
// harness, not the run, decides it.
const methodText = `## Method

Everything runs on loopback on one machine: the load generator
([vegeta](https://github.com/tsenart/vegeta) as a library), the stand-ins
(in the benchmark's own process) and the process measured, all sharing the
same cores. Each round of each side starts a new process, sends one request
to take the cold path, warms up at the round's load, resets the counters,
and measures. Handler and bare proxy alternate within each round, and which
goes first alternates between rounds, so that drift in the machine's load
falls on both.

**The handler** is ` + "`./handler`" + ` as ` + "`make build`" + ` makes it, started
directly (not through the host imitation) with ` + "`FUNCTIONS_CUSTOMHANDLER_PORT`" + `,
the stand-ins' environment and app settings, ` + "`LOG_LEVEL=info`" + ` (one log line
per request, read by the benchmark as the Functions host reads it),
` + "`IDEMPOTENCY_STORE=memory`" + ` and ` + "`DEBUG_RUNTIME_STATS=true`" + `. It is sent
` + "`POST /api/ProjectSync`" + ` with a composed body
(` + "`title`, `parent`, `sourceId`" + `), a new ` + "`sourceId`" + ` each time, and does
per request: decode and check the body, claim the key in the ledger, one
WorkPoint create through the stand-in proxy, record the entity, answer
` + "`201`" + ` and write its log line.

**The bare proxy** (the floor) is an ` + "`httputil.ReverseProxy`" + ` in a process of
its own (` + "`benchrun floor`" + `). It is sent, for each request, the very create
body the handler would send to WorkPoint, and forwards it unchanged to the
same create route (` + "`POST /api/Entity/{module}/Create/false`" + `) with the
` + "`WorkPoint365Url`" + ` header and a static bearer token minted by the stand-ins'
issuer (a real token the stand-in verifies, as it verifies the handler's).
It goes through the same HTTPS proxy with the same CA, so both pay the
tunnel, TLS and token check; its connection pool keeps as many idle
connections as there are requests in flight. It answers WorkPoint's answer
as it is. It does no JSON work, no ledger, no token cache lookup and no
logging: what any handler must pay at least.

**Fixed rate** levels send at that rate whatever the answers (open model);
**fixed concurrency** levels keep that many requests in flight for the
whole round (closed model, rate unlimited), so their throughput is the most
the machine gives each side. Throughput counts successful requests over the
round, including the wait for the last answers (so 100/s against a 50 ms
WorkPoint shows as 97/s). Latency quantiles are exact, over the successful
requests; an error is a transport error or a status other than 2xx.

`

func fmtDist(d Distribution) string {
	if d.N == 0 {
		return "–"
	}
	return fmt.Sprintf("%s (%s–%s, %s–%s)", fmtNum(d.P50, 1), fmtNum(d.P10, 1),
		fmtNum(d.P90, 1), fmtNum(d.Min, 1), fmtNum(d.Max, 1))
}

func fmtSpread(s Spread, prec int) string {
	v := fmtNum(s.Value, prec)
	lo, hi := fmtNum(s.Min, prec), fmtNum(s.Max, prec)
	if lo == hi && lo == v {
		return v
	}
	return fmt.Sprintf("%s (%s–%s)", v, lo, hi)
}

func fmtSigned(s Spread, prec int) string {
	sign := func(x float64) string {
		if x >= 0 {
			return "+" + fmtNum(x, prec)
		}
		return fmtNum(x, prec)
	}
	v, lo, hi := sign(s.Value), sign(s.Min), sign(s.Max)
	if v == lo && v == hi {
		return v
	}
	return fmt.Sprintf("%s (%s to %s)", v, lo, hi)
}

func fmtNum(x float64, prec int) string {
	return strconv.FormatFloat(x, 'f', prec, 64)
}

func scale(s Spread, k float64) Spread {
	return Spread{Value: s.Value * k, Min: s.Min * k, Max: s.Max * k}
}

func joinInts(xs []int, suffix string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x) + suffix
	}
	return strings.Join(parts, ", ")
}

func joinFloats(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strings.Join(parts, " and ")
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
