// Command benchrun is ProjectSync's benchmark (make bench). It measures the
// handler built by make build on the local stand-ins, writes the figures
// to bench/results/<date>-<commit>.json and renders BENCHMARKS.md.
//
//	benchrun [flags]              the benchmark
//	benchrun floor                the bare reverse proxy it compares with
//	benchrun profile [flags]      CPU and heap profiles of one load level
//	benchrun render [flags] file  BENCHMARKS.md again from a JSON result
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof" // served by "benchrun floor" on $BENCH_PPROF_ADDR only
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"projectsync/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "floor":
		servePprof(os.Getenv(bench.EnvPprofAddr))
		err = bench.ServeFloor(ctx, os.Getenv)
	case len(os.Args) > 1 && os.Args[1] == "profile":
		err = profile(ctx, os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "render":
		err = render(os.Args[2:])
	default:
		err = run(ctx, os.Args[1:])
	}
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

// run runs the benchmark and writes its results.
func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("benchrun", flag.ContinueOnError)
	handler := fs.String("handler", "./handler", "the handler binary (make build)")
	handlerEnv := fs.String("handler-env", "", "comma-separated KEY=VALUE pairs added to "+
		"the handler's environment, for experiments")
	out := fs.String("out", "bench/results", "directory of the JSON results")
	md := fs.String("md", "BENCHMARKS.md", "the Markdown report; empty writes none")
	latencies := fs.String("latencies", "0ms,50ms", "WorkPoint create latencies")
	starts := fs.Int("starts", 20, "start-ups per latency")
	rates := fs.String("rates", "100,500", "fixed rates, requests a second")
	conc := fs.String("concurrency", "1,16,64,256", "fixed concurrency levels")
	rounds := fs.Int("rounds", 5, "rounds per side and level")
	warmup := fs.Duration("warmup", 500*time.Millisecond, "warm-up per round")
	duration := fs.Duration("duration", 2*time.Second, "measured time per round")
	waitLoad := fs.Float64("wait-load", 0,
		"if above 0, first wait for the 1-minute load average to drop to this")
	waitMax := fs.Duration("wait-max", 15*time.Minute, "the longest wait for the load")
	label := fs.String("label", "", "names a variant measured at the same commit; "+
		"added to the JSON file's name")
	if err := fs.Parse(args); err != nil {
		return err
	}

	o := bench.Options{HandlerPath: *handler, HandlerEnv: splitList(*handlerEnv),
		Starts: *starts, Rounds: *rounds, Warmup: *warmup, Duration: *duration, Logf: logf}
	var err error
	if o.FloorPath, err = os.Executable(); err != nil {
		return fmt.Errorf("find own executable for the bare proxy: %w", err)
	}
	o.FloorArgs = []string{"floor"}
	if o.Latencies, err = parseDurations(*latencies); err != nil {
		return err
	}
	if o.Rates, err = parseInts(*rates); err != nil {
		return err
	}
	if o.Concurrency, err = parseInts(*conc); err != nil {
		return err
	}

	var waited time.Duration
	if *waitLoad > 0 {
		waited = bench.WaitForQuiet(ctx, *waitLoad, time.Minute, *waitMax, logf)
	}
	rep, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	rep.Machine.LoadWaitSeconds = waited.Seconds()
	rep.Commit, rep.Dirty = bench.Commit(ctx, ".")
	rep.Label = *label
	return write(rep, *out, *md)
}

// write saves the JSON results and the Markdown report.
func write(rep *bench.Report, dir, md string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	name := rep.Date.Format("2006-01-02") + "-" + rep.Commit
	if rep.Label != "" {
		name += "-" + rep.Label
	}
	name = filepath.Join(dir, name+".json")
	if err := os.WriteFile(name, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	logf("wrote %s", name)
	if md == "" {
		return nil
	}
	return writeMarkdown(rep, md)
}

// render writes the Markdown report again from a JSON result, with the
// analysis as it is now.
func render(args []string) error {
	fs := flag.NewFlagSet("benchrun render", flag.ContinueOnError)
	md := fs.String("md", "BENCHMARKS.md", "the Markdown report")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("render: name one JSON result")
	}
	b, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	var rep bench.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return fmt.Errorf("render: %s: %w", fs.Arg(0), err)
	}
	if rep.Schema != bench.SchemaVersion {
		return fmt.Errorf("render: %s has schema %d, want %d", fs.Arg(0), rep.Schema,
			bench.SchemaVersion)
	}
	return writeMarkdown(&rep, *md)
}

// writeMarkdown renders rep into md and lists the targets.
func writeMarkdown(rep *bench.Report, md string) error {
	f, err := os.Create(md)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := rep.WriteMarkdown(f, bench.Analysis); err != nil {
		f.Close()
		return fmt.Errorf("write report: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	logf("wrote %s", md)
	for _, t := range rep.Targets {
		mark := "met    "
		if !t.Met {
			mark = "NOT MET"
		}
		logf("%s  %s: want %s, got %s", mark, t.Name, t.Want, t.Got)
	}
	return nil
}

// profile takes CPU and heap profiles of the handler, or of the bare
// proxy with -floor, at one load level.
func profile(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("benchrun profile", flag.ContinueOnError)
	handler := fs.String("handler", "", "a handler built with net/http/pprof on "+
		"$BENCH_PPROF_ADDR; empty builds one from ./cmd/handler")
	floor := fs.Bool("floor", false, "profile the bare proxy instead of the handler")
	latency := fs.Duration("latency", 0, "WorkPoint create latency")
	conc := fs.Int("concurrency", 64, "fixed concurrency")
	rate := fs.Int("rate", 0, "a fixed rate instead of a fixed concurrency")
	warmup := fs.Duration("warmup", time.Second, "warm-up")
	duration := fs.Duration("duration", 10*time.Second, "profiled time")
	out := fs.String("out", "", "directory of the profiles; empty makes a temporary one")
	if err := fs.Parse(args); err != nil {
		return err
	}

	o := bench.ProfileOptions{Path: *handler, Floor: *floor, Latency: *latency,
		Load: bench.Load{Kind: bench.KindConcurrency, Value: *conc}, Warmup: *warmup,
		Duration: *duration, Out: *out, Logf: logf}
	if *rate > 0 {
		o.Load = bench.Load{Kind: bench.KindRate, Value: *rate}
	}
	if o.Out == "" {
		dir, err := os.MkdirTemp("", "benchrun-profile-")
		if err != nil {
			return err
		}
		o.Out = dir
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return err
	}
	switch {
	case o.Floor:
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find own executable for the bare proxy: %w", err)
		}
		o.Path, o.Args = exe, []string{"floor"}
	case o.Path == "":
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		logf("building the handler with net/http/pprof into %s", o.Out)
		if o.Path, err = bench.BuildProfilingHandler(ctx, wd, o.Out); err != nil {
			return err
		}
	}
	return bench.Profile(ctx, o)
}

// servePprof serves net/http/pprof on addr, if set, for benchrun profile
// -floor.
func servePprof(addr string) {
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun floor: pprof:", err)
		return
	}
	go func() { _ = http.Serve(ln, nil) }()
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")},
		args...)...)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive whole number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func parseDurations(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		d, err := time.ParseDuration(f)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("%q is not a duration", f)
		}
		out = append(out, d)
	}
	return out, nil
}
