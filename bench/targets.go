package bench

import "fmt"

// The targets on a 2-core machine. Sizes are in decimal megabytes
// (10^6 bytes), the stricter reading of "MB".
const (
	TargetStartupMs        = 50.0
	TargetOverheadP50Ms    = 1.0
	TargetOverheadP99Ms    = 5.0
	TargetOverheadLevel    = 64
	TargetThroughputRatio  = 0.5
	TargetPeakRSSBytes     = 40e6
	TargetPeakRSSLevel     = 256
	TargetHandlerSizeBytes = 25e6
)

// notMeasured is the Got of a target the run's configuration left out.
const notMeasured = "not measured"

// Evaluate checks r against the targets, one row per target and,
// where a target depends on it, per WorkPoint latency.
func Evaluate(r *Report) []Target {
	var out []Target

	t := Target{Name: "Start-up, exec to first GET / (median, slowest latency setting)",
		Want: fmt.Sprintf("< %.0f ms", TargetStartupMs), Got: notMeasured}
	worst := -1.0
	for _, s := range r.Startup {
		if s.ReadyMs.N > 0 && s.ReadyMs.P50 > worst {
			worst = s.ReadyMs.P50
		}
	}
	if worst >= 0 {
		t.Got, t.Met = fmt.Sprintf("%.1f ms", worst), worst < TargetStartupMs
	}
	out = append(out, t)

	for _, lat := range r.Config.WorkPointLatenciesMs {
		out = append(out, overheadTargets(r, lat)...)
	}
	for _, lat := range r.Config.WorkPointLatenciesMs {
		out = append(out, throughputTarget(r, lat))
	}
	out = append(out, identityTargets(r)...)
	out = append(out, rssTarget(r))

	size := float64(r.Handler.SizeBytes)
	out = append(out, Target{Name: "Size of handler",
		Want: fmt.Sprintf("< %.0f MB", TargetHandlerSizeBytes/1e6),
		Got:  fmt.Sprintf("%.1f MB", size/1e6), Met: size > 0 && size < TargetHandlerSizeBytes})
	return out
}

func overheadTargets(r *Report, lat float64) []Target {
	name := func(q string) string {
		return fmt.Sprintf("Overhead over bare proxy, %s, %d concurrent, WorkPoint %.0f ms",
			q, TargetOverheadLevel, lat)
	}
	p50 := Target{Name: name("p50"), Want: fmt.Sprintf("< %.0f ms", TargetOverheadP50Ms),
		Got: notMeasured}
	p99 := Target{Name: name("p99"), Want: fmt.Sprintf("< %.0f ms", TargetOverheadP99Ms),
		Got: notMeasured}
	if w, ok := r.warm(lat, Load{Kind: KindConcurrency, Value: TargetOverheadLevel}); ok {
		p50.Got = fmt.Sprintf("%.2f ms", w.OverheadP50Ms.Value)
		p50.Met = w.OverheadP50Ms.Value < TargetOverheadP50Ms && w.Handler.Errors == 0
		p99.Got = fmt.Sprintf("%.2f ms", w.OverheadP99Ms.Value)
		p99.Met = w.OverheadP99Ms.Value < TargetOverheadP99Ms && w.Handler.Errors == 0
	}
	return []Target{p50, p99}
}

// throughputTarget checks the lowest handler-to-floor throughput ratio of
// the fixed-concurrency levels; fixed rates are met by both sides alike.
func throughputTarget(r *Report, lat float64) Target {
	t := Target{Name: fmt.Sprintf("Throughput vs bare proxy, lowest over fixed concurrency, "+
		"WorkPoint %.0f ms", lat), Want: fmt.Sprintf("≥ %.2f×", TargetThroughputRatio),
		Got: notMeasured}
	lowest, at := -1.0, ""
	for _, w := range r.Warm {
		if w.WorkPointLatencyMs != lat || w.Load.Kind != KindConcurrency {
			continue
		}
		if lowest < 0 || w.ThroughputRatio.Value < lowest {
			lowest, at = w.ThroughputRatio.Value, w.Load.String()
		}
	}
	if lowest >= 0 {
		t.Got, t.Met = fmt.Sprintf("%.2f× (at %s)", lowest, at), lowest >= TargetThroughputRatio
	}
	return t
}

func identityTargets(r *Report) []Target {
	id := r.Identity
	kv := Target{Name: "Key Vault reads per 1,000 warm requests", Want: "0", Got: notMeasured}
	tok := Target{Name: "Token requests per 1,000 warm requests (managed identity + Entra)",
		Want: "0", Got: notMeasured}
	if id.WarmRequests > 0 {
		kv.Got, kv.Met = fmt.Sprintf("%.2f (%d in %d)", id.KeyVaultReadsPer1000, id.KeyVaultReads,
			id.WarmRequests), id.KeyVaultReads == 0
		n := id.ManagedIdentityTokens + id.EntraTokens
		tok.Got = fmt.Sprintf("%.2f (%d in %d)",
			id.ManagedIdentityTokensPer1000+id.EntraTokensPer1000, n, id.WarmRequests)
		tok.Met = n == 0
	}
	return []Target{kv, tok}
}

func rssTarget(r *Report) Target {
	t := Target{Name: fmt.Sprintf("Peak RSS of handler at %d concurrent, highest round",
		TargetPeakRSSLevel), Want: fmt.Sprintf("< %.0f MB", TargetPeakRSSBytes/1e6),
		Got: notMeasured}
	peak := -1.0
	for _, w := range r.Warm {
		if w.Load == (Load{Kind: KindConcurrency, Value: TargetPeakRSSLevel}) &&
			w.Handler.PeakRSSBytes.Value > peak {
			peak = w.Handler.PeakRSSBytes.Value
		}
	}
	if peak >= 0 {
		t.Got, t.Met = fmt.Sprintf("%.1f MB", peak/1e6), peak < TargetPeakRSSBytes
	}
	return t
}

// warm returns the comparison of load under WorkPoint latency lat.
func (r *Report) warm(lat float64, load Load) (Warm, bool) {
	for _, w := range r.Warm {
		if w.WorkPointLatencyMs == lat && w.Load == load {
			return w, true
		}
	}
	return Warm{}, false
}
