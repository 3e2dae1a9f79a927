package kcpcore

import (
	"sync"
	"time"
)

// deadline is a session's read deadline as a channel that is closed while
// the deadline has passed, the way net.Pipe keeps its deadlines, with one
// timer for the session's life that each change resets. kcp-go stored the
// deadline in an atomic.Value (an allocation per set) and made a timer in
// every Read and Write that had one, again after each wake-up: a dozen
// allocations per request on a server whose reads always have a deadline.
type deadline struct {
	mu     sync.Mutex
	at     time.Time     // zero: none
	timer  *time.Timer   // made by the first deadline in the future
	armed  bool          // timer runs and closes cancel when it fires
	cancel chan struct{} // closed while the deadline has passed
}

// set moves the deadline to t; the zero time means none. Waiters on the
// channel of wait return when t passes, or at once if it has.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.at = t
	if d.armed {
		d.timer.Stop() // a fire already under way finds it disarmed
		d.armed = false
	}
	closed := isClosed(d.cancel)
	wait := time.Until(t)
	if !t.IsZero() && wait <= 0 {
		if !closed {
			close(d.cancel)
		}
		return
	}
	if closed {
		d.cancel = make(chan struct{})
	}
	if t.IsZero() {
		return
	}
	if d.timer == nil {
		d.timer = time.AfterFunc(wait, d.expire)
	} else {
		d.timer.Reset(wait)
	}
	d.armed = true
}

// expire is the timer's func: it closes the channel if the deadline it
// was armed for is still set and has passed.
func (d *deadline) expire() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.armed {
		return // stopped, or moved, after it fired
	}
	if wait := time.Until(d.at); wait > 0 {
		d.timer.Reset(wait) // moved later after it fired, or early by the clock
		return
	}
	d.armed = false
	close(d.cancel)
}

// stop stops the timer, for good unless set is called again: a closed
// session's timer would keep the session until it fired.
func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.armed {
		d.timer.Stop()
		d.armed = false
	}
}

// wait returns a channel closed while the deadline has passed.
func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cancel
}

// isClosed reports whether c is closed; only its owner closes it.
func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
