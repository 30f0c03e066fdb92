package bench

import (
	"math"
	"slices"
	"time"
)

// Percentile returns the q-quantile (0 ≤ q ≤ 1) of sorted, an ascending
// slice, interpolating linearly between the two nearest samples. It returns
// 0 for an empty slice.
func Percentile(sorted []float64, q float64) float64 {
	n := len(sorted)
	switch {
	case n == 0:
		return 0
	case q <= 0:
		return sorted[0]
	case q >= 1:
		return sorted[n-1]
	}
	pos := q * float64(n-1)
	lo := int(math.Floor(pos))
	if lo >= n-1 {
		return sorted[n-1]
	}
	frac := pos - float64(lo)
	return sorted[lo] + frac*(sorted[lo+1]-sorted[lo])
}

// Distribution summarises a set of samples: their count, extremes and
// quantiles.
type Distribution struct {
	N   int     `json:"n"`
	Min float64 `json:"min"`
	P10 float64 `json:"p10"`
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Distribute returns the distribution of samples, which it does not
// modify.
func Distribute(samples []float64) Distribution {
	if len(samples) == 0 {
		return Distribution{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return Distribution{
		N:   len(s),
		Min: s[0],
		P10: Percentile(s, 0.10),
		P50: Percentile(s, 0.50),
		P90: Percentile(s, 0.90),
		P99: Percentile(s, 0.99),
		Max: s[len(s)-1],
	}
}

// Spread is a figure with its spread: Value is the figure itself (over all
// rounds pooled, or their median), Min and Max are the lowest and highest
// value of any one round.
type Spread struct {
	Value float64 `json:"value"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
}

// SpreadOf returns value with the extremes of rounds as its spread. With no
// rounds the spread is the value itself.
func SpreadOf(value float64, rounds []float64) Spread {
	if len(rounds) == 0 {
		return Spread{Value: value, Min: value, Max: value}
	}
	return Spread{Value: value, Min: slices.Min(rounds), Max: slices.Max(rounds)}
}

// MedianSpread returns the median of rounds with their extremes.
func MedianSpread(rounds []float64) Spread {
	return SpreadOf(Distribute(rounds).P50, rounds)
}

// Milliseconds converts durations to milliseconds.
func Milliseconds(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d) / float64(time.Millisecond)
	}
	return out
}
