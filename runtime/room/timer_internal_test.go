package room

import (
	"container/heap"
	"slices"
	"testing"
	"time"
)

func TestNextTick(t *testing.T) {
	t.Parallel()
	base := time.Unix(1000, 0)
	ms := time.Millisecond
	for _, tt := range []struct {
		name string
		now  time.Duration // after base
		want time.Duration // after base
	}{
		{"on time", 3 * ms, 10 * ms},
		{"late, within the period", 9 * ms, 10 * ms},
		{"exactly on the next tick", 10 * ms, 20 * ms},
		{"one tick missed", 15 * ms, 20 * ms},
		{"many ticks missed", 93 * ms, 100 * ms},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextTick(base, 10*ms, base.Add(tt.now)); !got.Equal(base.Add(tt.want)) {
				t.Errorf("nextTick at +%v = +%v, want +%v", tt.now, got.Sub(base), tt.want)
			}
		})
	}
}

// TestTimerHeap_PopDue: timers come out in the order they are due, those
// due together in the order they were set, and only those due.
func TestTimerHeap_PopDue(t *testing.T) {
	t.Parallel()
	base := time.Unix(1000, 0)
	var h timerHeap
	for i, at := range []time.Duration{30, 10, 20, 10, 40, 10} {
		heap.Push(&h, &Timer{when: base.Add(at), seq: uint64(i)})
	}
	var got []uint64
	for _, tk := range h.popDue(nil, base.Add(30)) {
		got = append(got, tk.t.seq)
		if tk.t.state != timerQueued || tk.t.index != -1 {
			t.Errorf("timer %d: state %d index %d after popDue", tk.t.seq, tk.t.state, tk.t.index)
		}
	}
	if want := []uint64{1, 3, 5, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("popped %v, want %v", got, want)
	}
	if h.Len() != 1 || !h.next().Equal(base.Add(40)) {
		t.Errorf("left %d timers, next at %v", h.Len(), h.next())
	}
}
