package metrics

import (
	"math"
	"slices"
	"sync/atomic"
	"time"
)

// DefaultBuckets are the upper bounds, in seconds, of the latency
// histograms when [PrometheusOptions.Buckets] is empty: from 100 µs (a
// request answered from memory) to 5 s (beyond any sane game request).
func DefaultBuckets() []float64 {
	return []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}
}

// histogram counts durations in fixed buckets. Observing is two atomic
// additions and a binary search over the bounds.
type histogram struct {
	bounds []int64         // upper bounds in nanoseconds, shared by every histogram of a Prometheus
	counts []atomic.Uint64 // counts[i]: bounds[i-1] < d <= bounds[i]; the last one: d above every bound
	sum    atomic.Int64    // nanoseconds
}

func newHistogram(bounds []int64) *histogram {
	return &histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

// observe counts d; a negative d counts as 0.
func (h *histogram) observe(d time.Duration) {
	ns := max(int64(d), 0)
	i, _ := slices.BinarySearch(h.bounds, ns) // first bound >= ns; len(bounds) is +Inf
	h.counts[i].Add(1)
	h.sum.Add(ns)
}

// read returns the cumulative bucket counts (the last one is +Inf and is
// the total count) and the sum in seconds. The count is the sum of the
// buckets read, so the +Inf bucket always equals it.
func (h *histogram) read() (cumulative []uint64, sum float64) {
	cumulative = make([]uint64, len(h.counts))
	var total uint64
	for i := range h.counts {
		total += h.counts[i].Load()
		cumulative[i] = total
	}
	return cumulative, time.Duration(h.sum.Load()).Seconds()
}

// normalizeBuckets sorts the bounds and drops duplicates and values that
// are not finite and positive; it returns DefaultBuckets when none is left.
func normalizeBuckets(b []float64) []float64 {
	out := slices.DeleteFunc(slices.Clone(b), func(v float64) bool {
		return math.IsNaN(v) || math.IsInf(v, 0) || v <= 0
	})
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return DefaultBuckets()
	}
	return out
}

// boundsNanos converts bucket bounds in seconds to nanoseconds.
func boundsNanos(b []float64) []int64 {
	out := make([]int64, len(b))
	for i, v := range b {
		out[i] = int64(math.Round(v * 1e9))
	}
	return out
}
