package room

import (
	"container/heap"
	"time"
)

// Timer is a function set to run on a room's goroutine later, once
// ([Room.After]) or periodically ([Room.Every]). Stop cancels it.
type Timer struct {
	// r and f never change; the other fields are guarded by r.mu.
	r      *Room
	f      func()
	period time.Duration // 0 for After
	when   time.Time     // when the next run is due
	seq    uint64        // creation order, to run timers due together in order
	index  int           // position in the room's heap while pending
	state  timerState
}

// timerState is where a timer is in its life.
type timerState uint8

const (
	timerPending timerState = iota // in the room's heap, waiting to be due
	timerQueued                    // due, its run is in the room's batch
	timerRunning                   // its function runs now
	timerDone                      // fired (After), stopped, or its room closed
)

// After sets f to run once on the room's goroutine, d or more after now;
// d <= 0 runs it as soon as the tasks already waiting have run. It
// returns [ErrClosed] if the room was closed.
func (r *Room) After(d time.Duration, f func()) (*Timer, error) {
	return r.schedule(d, 0, f)
}

// Every sets f to run on the room's goroutine every d, first d after now,
// until the timer is stopped or the room closed. Runs never overlap and
// missed ticks are dropped, not queued (see the package documentation). It
// returns [ErrBadPeriod] if d <= 0 and [ErrClosed] if the room was closed.
func (r *Room) Every(d time.Duration, f func()) (*Timer, error) {
	if d <= 0 {
		return nil, ErrBadPeriod
	}
	return r.schedule(d, d, f)
}

func (r *Room) schedule(d, period time.Duration, f func()) (*Timer, error) {
	if f == nil {
		return nil, errNilFunc
	}
	t := &Timer{r: r, f: f, period: period, when: time.Now().Add(d)}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	r.seq++
	t.seq = r.seq
	heap.Push(&r.timers, t)
	if t.index == 0 { // the earliest now: the goroutine may sleep too long
		r.signal()
	}
	return t, nil
}

// Stop cancels the timer and reports whether it did: true if a run was
// still to start (for an Every timer: if it was not stopped yet), false if
// an After timer already fired or started, or the timer was stopped, or
// its room closed. Stop is safe from any goroutine, and a nil Timer is
// stopped.
//
// No run starts after Stop returns. Called from a task of the room, Stop
// thus guarantees that f will not run again. Called from another
// goroutine, it does not wait for a run that started before it: that run
// may still be in progress when Stop returns.
func (t *Timer) Stop() bool {
	if t == nil {
		return false
	}
	r := t.r
	r.mu.Lock()
	defer r.mu.Unlock()
	switch t.state {
	case timerPending:
		heap.Remove(&r.timers, t.index)
	case timerQueued:
	case timerRunning:
		if t.period == 0 {
			return false
		}
	default:
		return false
	}
	t.state = timerDone
	return true
}

// fire runs a timer taken from the heap, unless it was stopped since, and
// sets an Every timer's next run.
func (r *Room) fire(t *Timer) {
	if !r.begin(t) {
		return
	}
	r.safely(t.f)
	r.end(t)
}

// begin marks t running, or reports that it must not run.
func (r *Room) begin(t *Timer) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t.state != timerQueued || r.closed {
		t.state = timerDone
		return false
	}
	t.state = timerRunning
	return true
}

// end puts a periodic timer back in the heap for its next tick, unless it
// was stopped during its run.
func (r *Room) end(t *Timer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t.state != timerRunning || t.period == 0 || r.closed {
		t.state = timerDone
		return
	}
	t.when = nextTick(t.when, t.period, time.Now())
	heap.Push(&r.timers, t)
}

// nextTick returns the first tick of the grid when + k*period (k >= 1)
// that is after now: missed ticks are skipped.
func nextTick(when time.Time, period time.Duration, now time.Time) time.Time {
	next := when.Add(period)
	if next.After(now) {
		return next
	}
	missed := now.Sub(when) / period
	return when.Add((missed + 1) * period)
}
