package loadgen

import (
	"context"
	"sync"
	"time"
)

// requestCtx is a per-request timeout that one sending goroutine reuses for
// all its requests, where context.WithTimeout would allocate a context, a
// timer and a channel per request. Each request runs between arm and
// disarm; the context is done when the armed request outlives the
// timeout (Err is context.DeadlineExceeded) or when the parent is done
// (Err is the parent's error). After a timeout, the next arm starts with a
// fresh Done channel.
//
// One timer serves every request. A firing that arrives late, after its
// request was disarmed or another was armed, is recognised because the
// time has not yet reached the armed expiry, and ignored.
type requestCtx struct {
	parent     context.Context
	timeout    time.Duration
	timer      *time.Timer
	stopParent func() bool

	mu      sync.Mutex
	done    chan struct{}
	err     error
	expires time.Time // zero while disarmed
}

var _ context.Context = (*requestCtx)(nil)

// newRequestCtx returns a disarmed requestCtx; release it with close.
func newRequestCtx(parent context.Context, timeout time.Duration) *requestCtx {
	c := &requestCtx{parent: parent, timeout: timeout, done: make(chan struct{})}
	c.timer = time.AfterFunc(time.Hour, c.expire)
	c.timer.Stop()
	c.stopParent = context.AfterFunc(parent, c.cancel)
	return c
}

// arm starts the timeout of one request and returns the context to pass
// to it.
func (c *requestCtx) arm() context.Context {
	c.mu.Lock()
	if c.err == context.DeadlineExceeded {
		c.done, c.err = make(chan struct{}), nil
	}
	c.expires = time.Now().Add(c.timeout)
	c.mu.Unlock()
	c.timer.Reset(c.timeout)
	return c
}

// disarm ends the current request's timeout.
func (c *requestCtx) disarm() {
	c.timer.Stop()
	c.mu.Lock()
	c.expires = time.Time{}
	c.mu.Unlock()
}

// close releases the timer and the watch on the parent.
func (c *requestCtx) close() {
	c.timer.Stop()
	c.stopParent()
}

// expire is the timer's function.
func (c *requestCtx) expire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil || c.expires.IsZero() || time.Now().Before(c.expires) {
		return // stale firing
	}
	c.err = context.DeadlineExceeded
	close(c.done)
}

// cancel runs when the parent is done.
func (c *requestCtx) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == context.DeadlineExceeded {
		c.done = make(chan struct{})
	} else if c.err != nil {
		return
	}
	c.err = c.parent.Err()
	close(c.done)
}

// Deadline returns the armed request's expiry.
func (c *requestCtx) Deadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.expires, !c.expires.IsZero()
}

// Done is closed when the armed request timed out or the parent is done.
func (c *requestCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// Err says why Done is closed, or nil.
func (c *requestCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Value returns the parent's value for key.
func (c *requestCtx) Value(key any) any { return c.parent.Value(key) }
