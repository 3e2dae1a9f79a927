package kcpcore

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSegmentHeap: segments come out in sequence order, across the wrap
// of the 32-bit sequence numbers, and Has follows what the heap holds.
func TestSegmentHeap(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first uint32
	}{{"from zero", 0}, {"across the wrap", math.MaxUint32 - 20}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newSegmentHeap()
			r := rand.New(rand.NewPCG(1, 2))
			for _, i := range r.Perm(64) {
				h.push(segment{sn: tc.first + uint32(i)})
			}
			if !h.Has(tc.first+63) || h.Has(tc.first+64) {
				t.Fatal("Has does not follow the pushed segments")
			}
			for i := range 64 {
				if got, want := h.peek().sn, tc.first+uint32(i); got != want {
					t.Fatalf("peek %d: sn %d, want %d", i, got, want)
				}
				if got := h.pop().sn; got != tc.first+uint32(i) {
					t.Fatalf("pop %d: sn %d, want %d", i, got, tc.first+uint32(i))
				}
			}
			if h.Len() != 0 || h.Has(tc.first) {
				t.Fatalf("%d segments left after popping all", h.Len())
			}
		})
	}
}

// TestReceiveOutOfOrder: segments that arrive out of order are delivered
// in order once the gap is filled.
func TestReceiveOutOfOrder(t *testing.T) {
	k := NewKCP(1, func([]byte, int) {})
	for _, sn := range []uint32{2, 1, 3, 0} {
		k.parse_data(segment{sn: sn, data: []byte{byte(sn)}})
	}
	if k.rcv_nxt != 4 || k.rcv_buf.Len() != 0 || k.rcv_queue.Len() != 4 {
		t.Fatalf("rcv_nxt %d, %d buffered, %d queued; want 4, 0, 4", k.rcv_nxt, k.rcv_buf.Len(), k.rcv_queue.Len())
	}
	for i := range 4 {
		seg, _ := k.rcv_queue.Pop()
		if seg.sn != uint32(i) || seg.data[0] != byte(i) {
			t.Fatalf("segment %d: sn %d data %v", i, seg.sn, seg.data)
		}
	}
}
