package server

import "testing"

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
