package bench

import (
	"slices"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		name   string
		sorted []float64
		q      float64
		want   float64
	}{
		{"empty", nil, 0.5, 0},
		{"one sample", []float64{7}, 0.99, 7},
		{"lowest", []float64{1, 2, 3}, 0, 1},
		{"highest", []float64{1, 2, 3}, 1, 3},
		{"beyond the range", []float64{1, 2, 3}, 1.5, 3},
		{"odd median", []float64{1, 2, 9}, 0.5, 2},
		{"even median interpolates", []float64{1, 2, 3, 4}, 0.5, 2.5},
		{"p90 of ten", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9, 9.1},
		{"p99 of a hundred", hundred(), 0.99, 99.01},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.q); !near(got, tt.want) {
				t.Errorf("Percentile(%v, %v) = %v, want %v", tt.sorted, tt.q, got, tt.want)
			}
		})
	}
}

func hundred() []float64 {
	out := make([]float64, 100)
	for i := range out {
		out[i] = float64(i + 1)
	}
	return out
}

func near(a, b float64) bool {
	d := a - b
	return d < 1e-9 && d > -1e-9
}

func TestDistribute(t *testing.T) {
	samples := []float64{5, 1, 4, 2, 3}
	d := Distribute(samples)
	want := Distribution{N: 5, Min: 1, P10: 1.4, P50: 3, P90: 4.6, P99: 4.96, Max: 5}
	if d.N != want.N || !near(d.Min, want.Min) || !near(d.P10, want.P10) ||
		!near(d.P50, want.P50) || !near(d.P90, want.P90) || !near(d.P99, want.P99) ||
		!near(d.Max, want.Max) {
		t.Errorf("Distribute(%v) = %+v, want %+v", samples, d, want)
	}
	if !slices.Equal(samples, []float64{5, 1, 4, 2, 3}) {
		t.Errorf("Distribute changed its input: got %v", samples)
	}
	if got := Distribute(nil); got != (Distribution{}) {
		t.Errorf("Distribute(nil) = %+v, want the zero value", got)
	}
}

func TestSpreadOf(t *testing.T) {
	tests := []struct {
		name   string
		value  float64
		rounds []float64
		want   Spread
	}{
		{"no rounds", 4, nil, Spread{4, 4, 4}},
		{"rounds", 4, []float64{6, 3, 5}, Spread{4, 3, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SpreadOf(tt.value, tt.rounds); got != tt.want {
				t.Errorf("SpreadOf(%v, %v) = %+v, want %+v", tt.value, tt.rounds, got, tt.want)
			}
		})
	}
	if got, want := MedianSpread([]float64{10, 30, 20}), (Spread{20, 10, 30}); got != want {
		t.Errorf("MedianSpread = %+v, want %+v", got, want)
	}
}

func TestMilliseconds(t *testing.T) {
	got := Milliseconds([]time.Duration{1500 * time.Microsecond, 2 * time.Second})
	if want := []float64{1.5, 2000}; !slices.Equal(got, want) {
		t.Errorf("Milliseconds = %v, want %v", got, want)
	}
}
