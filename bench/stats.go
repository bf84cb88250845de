package bench

import (
	"slices"

	"gonum.org/v1/gonum/stat"
)

// Stats summarizes one series of samples.
type Stats struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Median float64 `json:"median"`
	P99    float64 `json:"p99"`
}

// Summarize computes the statistics of v with gonum/stat (empirical
// quantiles). v is not modified.
func Summarize(v []float64) Stats {
	if len(v) == 0 {
		return Stats{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return Stats{
		N:      len(s),
		Mean:   stat.Mean(s, nil),
		Min:    s[0],
		Max:    s[len(s)-1],
		Median: stat.Quantile(0.5, stat.Empirical, s, nil),
		P99:    stat.Quantile(0.99, stat.Empirical, s, nil),
	}
}

// median of v (0 when empty).
func median(v []float64) float64 { return Summarize(v).Median }
