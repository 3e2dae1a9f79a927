package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// histogram counts latencies in log-linear buckets, in the manner of
// HdrHistogram: values below 128 ns have a bucket each; above, every power
// of two is split into 64 buckets, so a bucket's width is at most 1/64 of
// its lower bound and its midpoint is within 0.8% of any value in it.
// Buckets are allocated up to the largest value seen (about 1,400 for
// 100 ms, 5.6 KiB). The zero value is empty and ready to use; it is not
// safe for concurrent use.
type histogram struct {
	counts []uint32
	n      int64
	max    time.Duration
}

const (
	subBits  = 7            // 2^subBits exact buckets, then 2^(subBits-1) per power of two
	subCount = 1 << subBits // 128
	subHalf  = subCount / 2 // 64
)

// bucketOf returns the bucket index of v nanoseconds.
func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	shift := bits.Len64(v) - subBits // >= 1
	top := v >> shift                // in [64, 128)
	return subCount + (shift-1)*subHalf + int(top-subHalf)
}

// bucketRange returns the lower bound and width of bucket i.
func bucketRange(i int) (low, width uint64) {
	if i < subCount {
		return uint64(i), 1
	}
	k := i - subCount
	shift := k/subHalf + 1
	top := uint64(k%subHalf + subHalf)
	return top << shift, 1 << shift
}

// record adds one latency.
func (h *histogram) record(d time.Duration) {
	d = max(d, 0)
	i := bucketOf(uint64(d))
	if i >= len(h.counts) {
		h.counts = append(h.counts, make([]uint32, i+1-len(h.counts))...)
	}
	h.counts[i]++
	h.n++
	h.max = max(h.max, d)
}

// merge adds every count of o to h.
func (h *histogram) merge(o *histogram) {
	if len(o.counts) > len(h.counts) {
		h.counts = append(h.counts, make([]uint32, len(o.counts)-len(h.counts))...)
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the latency at quantile q (0 < q <= 1): the midpoint of
// the bucket holding the ceil(q*n)-th smallest value, never above the
// largest value recorded. It returns 0 for an empty histogram.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := max(int64(math.Ceil(q*float64(h.n))), 1)
	var seen int64
	for i, c := range h.counts {
		seen += int64(c)
		if seen >= rank {
			low, width := bucketRange(i)
			return min(time.Duration(low+width/2), h.max)
		}
	}
	return h.max
}
