package loadgen

import (
	"testing"
	"time"
)

func TestBucketRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		v    uint64
	}{
		{"zero", 0},
		{"exact range", 127},
		{"first log bucket", 128},
		{"odd", 255},
		{"power of two", 256},
		{"microseconds", 34_567},
		{"milliseconds", 12_345_678},
		{"seconds", 5_000_000_123},
		{"hours", uint64(3 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			low, width := bucketRange(bucketOf(tt.v))
			if tt.v < low || tt.v >= low+width {
				t.Fatalf("%d is in bucket [%d, %d)", tt.v, low, low+width)
			}
			if tt.v >= subCount && float64(width)/float64(low) > 1.0/64 {
				t.Errorf("bucket of %d is %d wide, more than 1/64 of %d", tt.v, width, low)
			}
		})
	}
}

func TestBucketsAreContiguous(t *testing.T) {
	for i := range bucketOf(^uint64(0)) {
		low, width := bucketRange(i)
		next, _ := bucketRange(i + 1)
		if low+width != next {
			t.Fatalf("bucket %d ends at %d, bucket %d starts at %d", i, low+width, i+1, next)
		}
		if bucketOf(low) != i || bucketOf(low+width-1) != i {
			t.Fatalf("bucket %d: bucketOf(%d)=%d, bucketOf(%d)=%d", i, low, bucketOf(low), low+width-1, bucketOf(low+width-1))
		}
	}
}

func TestQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 100_000; i++ { // 1µs .. 100ms, uniform
		h.record(time.Duration(i) * time.Microsecond)
	}
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 50 * time.Millisecond},
		{0.99, 99 * time.Millisecond},
		{0.999, 99_900 * time.Microsecond},
		{1, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		got := h.quantile(tt.q)
		if diff := float64(got-tt.want) / float64(tt.want); diff < -0.008 || diff > 0.008 {
			t.Errorf("quantile(%v) = %v, want %v ±0.8%%", tt.q, got, tt.want)
		}
	}
	if h.max != 100*time.Millisecond || h.quantile(1) > h.max {
		t.Errorf("max %v, quantile(1) %v", h.max, h.quantile(1))
	}
}

func TestMergeAndEmpty(t *testing.T) {
	var a, b, total histogram
	if total.quantile(0.5) != 0 {
		t.Error("an empty histogram has a median")
	}
	a.record(time.Microsecond)
	b.record(time.Second)
	b.record(-time.Second) // clamped to 0
	total.merge(&a)
	total.merge(&b)
	p50 := total.quantile(0.5) // 1µs, within its 8 ns bucket
	if total.n != 3 || total.max != time.Second || p50 < time.Microsecond || p50 > 1008 || total.quantile(0.1) != 0 {
		t.Errorf("merged: n %d max %v p50 %v p10 %v", total.n, total.max, p50, total.quantile(0.1))
	}
}

func BenchmarkRecord(b *testing.B) {
	var h histogram
	h.record(time.Second)
	b.ReportAllocs()
	for i := range b.N {
		h.record(time.Duration(i%1_000_000) * time.Nanosecond)
	}
}
