package room

import (
	"container/heap"
	"time"
)

// timerHeap holds a room's pending timers, earliest first; timers due at
// the same time keep the order they were set in. It implements
// heap.Interface and keeps each timer's index.
type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }

func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}

func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

// Push adds x, a *Timer, as a pending timer; use heap.Push.
func (h *timerHeap) Push(x any) {
	t := x.(*Timer)
	t.index = len(*h)
	t.state = timerPending
	*h = append(*h, t)
}

// Pop removes the last timer; use heap.Pop.
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

// popDue moves the timers due at now from the heap to batch, as queued
// runs, in the order they are due.
func (h *timerHeap) popDue(batch []task, now time.Time) []task {
	for len(*h) > 0 && !(*h)[0].when.After(now) {
		t := heap.Pop(h).(*Timer)
		t.state = timerQueued
		batch = append(batch, task{t: t})
	}
	return batch
}

// next returns when the earliest timer is due, or the zero time.
func (h timerHeap) next() time.Time {
	if len(h) == 0 {
		return time.Time{}
	}
	return h[0].when
}

// stopAll cancels every pending timer.
func (h *timerHeap) stopAll() {
	for _, t := range *h {
		t.state = timerDone
		t.index = -1
	}
	clear(*h)
	*h = nil
}
