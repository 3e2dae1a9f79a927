package room

import (
	"runtime/debug"
	"time"
)

// run is the room's goroutine: it takes the waiting tasks and the timers
// due, runs them, and sleeps until there is more to do.
func (r *Room) run() {
	defer close(r.done)
	clock := time.NewTimer(time.Hour)
	clock.Stop()
	defer clock.Stop()
	var batch []task
	for {
		var next time.Time
		var exit bool
		batch, next, exit = r.take(batch)
		r.runBatch(batch)
		clear(batch) // release the closures for the collector
		if exit {
			return
		}
		if len(batch) == 0 {
			r.sleep(clock, next)
		}
	}
}

// take returns the waiting tasks followed by the runs of the timers due
// now, the time the next timer is due (zero if none), and whether the
// goroutine must exit after running the batch. The slice of the previous
// batch becomes the new queue, so a busy room does not allocate.
func (r *Room) take(prev []task) (batch []task, next time.Time, exit bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	batch, r.queue = r.queue, prev[:0]
	if len(r.timers) > 0 {
		batch = r.timers.popDue(batch, time.Now())
	}
	r.wakeSubmitters()
	return batch, r.timers.next(), r.closed || r.abandon.Load()
}

// runBatch runs the tasks in order, stopping early if Close gave up.
func (r *Room) runBatch(batch []task) {
	for _, t := range batch {
		if r.abandon.Load() {
			return
		}
		if t.t != nil {
			r.fire(t.t)
		} else {
			r.safely(t.f)
		}
	}
}

// sleep waits for a signal or, if next is set, until next.
func (r *Room) sleep(clock *time.Timer, next time.Time) {
	if next.IsZero() {
		<-r.wake
		return
	}
	clock.Reset(time.Until(next))
	select {
	case <-r.wake:
		clock.Stop()
	case <-clock.C:
	}
}

// safely runs f, recovering and logging a panic so the room keeps going.
func (r *Room) safely(f func()) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("room task panicked", "room", r.name, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	f()
}
