package server

import (
	"bytes"
	"testing"
)

func TestJobQueueFIFO(t *testing.T) {
	var q jobQueue
	next := uint32(1)
	want := uint32(1)
	for round := range 50 {
		for range round%7 + 1 { // bursts of different sizes
			q.push(job{id: next})
			next++
		}
		for range round%3 + 1 {
			if q.n == 0 {
				break
			}
			if j := q.pop(); j.id != want {
				t.Fatalf("popped %d, want %d", j.id, want)
			}
			want++
		}
	}
	for q.n > 0 {
		if j := q.pop(); j.id != want {
			t.Fatalf("popped %d, want %d", j.id, want)
		}
		want++
	}
	if want != next || q.rest != nil {
		t.Errorf("drained %d of %d; ring %v", want-1, next-1, q.rest)
	}
}

// TestJobQueuePushFront: a job put back in front is popped first, before
// the jobs queued behind it, whatever the ring's state.
func TestJobQueuePushFront(t *testing.T) {
	for _, queued := range []int{0, 1, 2, 3, 4, 5, 9} {
		for _, popped := range []int{0, 1, 2} { // moves the ring's head
			var q jobQueue
			for i := range queued + popped {
				q.push(job{id: uint32(i + 1)})
			}
			for range popped {
				q.pop()
			}
			q.pushFront(job{id: 100})
			want := []uint32{100}
			for i := popped; i < queued+popped; i++ {
				want = append(want, uint32(i+1))
			}
			for _, w := range want {
				if q.n == 0 {
					t.Fatalf("%d queued, %d popped: empty before job %d", queued, popped, w)
				}
				if j := q.pop(); j.id != w {
					t.Fatalf("%d queued, %d popped: popped %d, want %d", queued, popped, j.id, w)
				}
			}
			if q.n != 0 {
				t.Fatalf("%d queued, %d popped: %d jobs left", queued, popped, q.n)
			}
		}
	}
}

// TestForwardJobPayload checks that a forward keeps its own copy of the
// payload, inline when it is small, and no empty slice for none.
func TestForwardJobPayload(t *testing.T) {
	for _, tc := range []struct {
		name   string
		size   int
		inline bool
	}{
		{"none", 0, false},
		{"one byte", 1, true},
		{"largest inline", forwardInline, true},
		{"larger", forwardInline + 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := bytes.Repeat([]byte{7}, tc.size)
			var f forwardJob
			f.setPayload(src)
			if tc.size == 0 {
				if f.payload != nil {
					t.Fatalf("payload %v, want nil", f.payload)
				}
				return
			}
			clear(src) // the packet buffer is reused after the callback
			if want := bytes.Repeat([]byte{7}, tc.size); !bytes.Equal(f.payload, want) {
				t.Fatalf("payload %v, want %v", f.payload, want)
			}
			if in := &f.payload[0] == &f.inline[0]; in != tc.inline {
				t.Fatalf("inline %v, want %v", in, tc.inline)
			}
		})
	}
}
