package cluster

import (
	"context"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
)

// serve runs an incoming call in its own goroutine. When MaxConcurrent
// calls already run, the reader waits here: the peer's writes back up
// instead of this server piling up goroutines. Pushes and session updates
// run inline, in arrival order: a push a backend handler sent before its
// answer must reach the client first.
func (l *link) serve(c *gamesrvv1.Call) bool {
	if c.GetId() == 0 && inline(c.GetRoute()) {
		_ = l.n.handleSystem(l.n.ctx, l, c)
		return true
	}
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return false
	}
	ctx, cancel := l.callContext(c)
	if c.GetId() != 0 && !l.trackServing(c.GetId(), cancel) {
		cancel()
		<-l.sem
		return false
	}
	l.wg.Add(1)
	l.n.pool.run(func() {
		defer l.wg.Done()
		defer func() { <-l.sem }()
		defer l.untrackServing(c.GetId(), cancel)
		r := l.n.handleCall(ctx, l, c)
		if c.GetId() != 0 {
			r.Id = c.GetId()
			_ = l.send(context.Background(), &gamesrvv1.Frame{Body: &gamesrvv1.Frame_Reply{Reply: r}})
		}
	})
	return true
}

// callContext gives the handler the caller's deadline. The context ends
// when the caller cancels the call (it sends a Cancel when its own deadline
// passes or it gives up) or the link closes: the deadline is enforced by the
// caller, one message away, so no timer is armed per call. Deadline()
// reports it, so nested calls carry the remaining time on. The context does
// not derive from the node's: a cancel chain per call would contend on it.
func (l *link) callContext(c *gamesrvv1.Call) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	if ms := c.GetTimeoutMs(); ms > 0 {
		return deadlineCtx{Context: ctx, deadline: time.Now().Add(time.Duration(ms) * time.Millisecond)}, cancel
	}
	return ctx, cancel
}

// deadlineCtx reports a deadline that its caller enforces.
type deadlineCtx struct {
	context.Context
	deadline time.Time
}

// Deadline returns the caller's deadline.
func (c deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (l *link) trackServing(id uint64, cancel context.CancelFunc) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.serving == nil {
		return false
	}
	l.serving[id] = cancel
	return true
}

func (l *link) untrackServing(id uint64, cancel context.CancelFunc) {
	cancel()
	if id == 0 {
		return
	}
	l.mu.Lock()
	delete(l.serving, id)
	l.mu.Unlock()
}

// cancelServing cancels a running call whose caller gave up.
func (l *link) cancelServing(id uint64) {
	l.mu.Lock()
	cancel := l.serving[id]
	l.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// inline reports whether a notify runs on the link's reader: system
// operations that only queue bytes or flip state, and never block.
func inline(route string) bool {
	switch route {
	case routePush, routeUpdate, routeKick, routeClose:
		return true
	}
	return false
}
