package server

import (
	"sync"
	"time"
)

// workerIdle is how long a worker goroutine waits for another session
// before it ends (within one timer tick).
const workerIdle = time.Second

// workers runs sessions' queues on goroutines that outlive one burst: a
// worker that drained a session parks until it is handed the next one, so
// under load goroutines (and their grown stacks) are reused instead of
// created per request, and an idle server has none.
//
// Idle workers wait on a stack, the most recently parked on top: a handoff
// goes to the worker whose stack and cache are warmest, and the ones at the
// bottom are those that have waited longest, which the server's timer
// (reap) ends once they have waited workerIdle. A parked worker waits on
// its own channel with a plain receive: no timer to reset and no select
// per session, which is most of what a handoff used to cost beyond the
// wake-up itself.
type workers struct {
	mu      sync.Mutex
	idle    []*worker // parked workers, oldest first
	stopped bool      // no more parking: workers end when done
}

// worker is one parked goroutine's mailbox.
type worker struct {
	next  chan *session // capacity 1, so a handoff never blocks; closed to end the worker
	since int64         // when it parked, on the server's tick clock (srv.now)
}

// run drains s's queue on an idle worker, or on a new one.
func (w *workers) run(s *session) {
	w.mu.Lock()
	if n := len(w.idle); n > 0 {
		wk := w.idle[n-1]
		w.idle[n-1] = nil
		w.idle = w.idle[:n-1]
		w.mu.Unlock()
		wk.next <- s
		return
	}
	w.mu.Unlock()
	go w.loop(&worker{next: make(chan *session, 1)}, s)
}

// loop runs sessions until the worker is reaped or the server stops.
func (w *workers) loop(wk *worker, s *session) {
	for {
		s.work()
		// The tick clock stands still while the timers sleep: bring it up
		// to date, and stamp the parking with it (reaping is per tick
		// anyway, and the tick clock costs no clock read).
		s.srv.wake()
		if !w.park(wk, s.srv.now()) {
			return
		}
		// The timers may have gone to sleep before it parked: it needs
		// them to end.
		s.srv.wake()
		var ok bool
		if s, ok = <-wk.next; !ok {
			return
		}
	}
}

// park puts wk on the idle stack; false when the server stopped.
func (w *workers) park(wk *worker, now int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return false
	}
	wk.since = now
	w.idle = append(w.idle, wk)
	return true
}

// reap ends the workers that have been parked for workerIdle or longer at
// now. It runs on the server's timer; parking stamps the tick clock
// (srv.now, up to a tick behind), so a worker ends after an idle time
// within a tick of workerIdle.
func (w *workers) reap(now int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for n < len(w.idle) && now-w.idle[n].since >= int64(workerIdle) {
		close(w.idle[n].next)
		n++
	}
	if n == 0 {
		return
	}
	rest := copy(w.idle, w.idle[n:])
	clear(w.idle[rest:])
	w.idle = w.idle[:rest]
}

// parked returns the number of idle workers.
func (w *workers) parked() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.idle)
}

// stop ends the idle workers; busy ones end when their session is done.
func (w *workers) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	for _, wk := range w.idle {
		close(wk.next)
	}
	w.idle = nil
}
