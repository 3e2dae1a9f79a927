package link

import (
	"context"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// serve runs an incoming call on a pool goroutine. The reader never waits
// here: it also delivers the replies to this server's own calls, which the
// running handlers may be waiting for. A caller keeps no more requests in
// flight than this server announced (MaxConcurrent), so a request finds a
// free slot unless the caller gave up on earlier ones that still run; it
// is then answered GS-429 at once. A notify beyond MaxConcurrent is
// dropped and logged. Notifies the host takes inline (Host.ServeInline:
// pushes, session updates) run on the reader, in arrival order: a push a
// backend handler sent before its answer must reach the client first.
func (l *Link) serve(c *gamesrvv1.Call) bool {
	if c.GetId() == 0 && l.host.ServeInline(l, c) {
		return true
	}
	sem := l.requests
	if c.GetId() == 0 {
		sem = l.notifies
	}
	select {
	case sem <- struct{}{}:
	default:
		l.refuse(c)
		return true
	}
	ctx, key, ok := l.track(c)
	if !ok {
		<-sem
		return false
	}
	l.wg.Add(1)
	l.cfg.Pool.Run(func() {
		defer l.wg.Done()
		r := l.host.HandleCall(ctx, l, c)
		l.untrack(key)
		<-sem // before the reply: the caller may send its next call once it has it
		if c.GetId() != 0 {
			r.Id = c.GetId()
			_ = l.send(context.Background(), &gamesrvv1.Frame{Body: &gamesrvv1.Frame_Reply{Reply: r}})
		}
	})
	return true
}

// refuse answers a call that found every slot taken, without waiting for
// room in the writer (the reader must not block).
func (l *Link) refuse(c *gamesrvv1.Call) {
	if c.GetId() == 0 {
		l.cfg.Log.Warn("cluster: notify dropped: too many calls running for the link", "peer", l.Peer.ID, "route", c.GetRoute(), "max", cap(l.notifies))
		l.cfg.Metrics.LinkError(l.Peer.ID)
		return
	}
	busy := gamesrv.Errorf(gamesrv.CodeRateLimited, "server %s is busy: %d calls running for this link", l.cfg.ID, cap(l.requests))
	l.trySend(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Reply{Reply: &gamesrvv1.Reply{Id: c.GetId(), Error: WireError(busy)}}})
}

// servingCall is an incoming call that runs: how to end it, and when.
type servingCall struct {
	cancel   context.CancelCauseFunc
	deadline int64 // UnixNano; 0 for none
}

// track registers a call about to run and returns its context and its key
// in l.serving: the call's id, or for a notify a local key with the top
// bit set (ids of calls never reach it). false: the link is closed.
func (l *Link) track(c *gamesrvv1.Call) (context.Context, uint64, bool) {
	ctx, cancel := context.WithCancelCause(context.Background())
	var deadline int64
	if ms := c.GetTimeoutMs(); ms > 0 {
		d := time.Now().Add(time.Duration(ms) * time.Millisecond)
		deadline = d.UnixNano()
		ctx = deadlineCtx{Context: ctx, deadline: d}
	}
	key := c.GetId()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.serving == nil {
		cancel(nil)
		return nil, 0, false
	}
	if key == 0 {
		l.notifySeq++
		key = 1<<63 | l.notifySeq
	}
	l.serving[key] = servingCall{cancel: cancel, deadline: deadline}
	if deadline != 0 {
		l.host.ArmSweep()
	}
	return ctx, key, true
}

// untrack forgets a call that ended.
func (l *Link) untrack(key uint64) {
	l.mu.Lock()
	s, ok := l.serving[key]
	delete(l.serving, key)
	l.mu.Unlock()
	if ok {
		s.cancel(nil)
		l.settled()
	}
}

// cancelServing cancels a running call whose caller gave up.
func (l *Link) cancelServing(id uint64) {
	l.mu.Lock()
	s, ok := l.serving[id]
	l.mu.Unlock()
	if ok {
		s.cancel(context.Canceled)
	}
}

// ExpireServing ends the contexts of the running calls whose deadline
// passed: the deadline holds even when the caller's Cancel never comes.
// It reports whether running calls with a later deadline remain.
func (l *Link) ExpireServing(now int64) (busy bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.serving {
		switch {
		case s.deadline == 0:
		case now >= s.deadline:
			s.cancel(context.DeadlineExceeded)
		default:
			busy = true
		}
	}
	return busy
}

// deadlineCtx carries the caller's deadline without a timer per call: the
// link set's sweeper cancels it (Done) within its 20 ms tick of the deadline,
// and Err reports context.DeadlineExceeded from the deadline on. Deadline
// reports it, so nested calls carry the remaining time on.
type deadlineCtx struct {
	context.Context
	deadline time.Time
}

// Deadline returns the caller's deadline.
func (c deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// Err returns context.DeadlineExceeded once the deadline passed, else the
// cancellation's error.
func (c deadlineCtx) Err() error {
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return c.Context.Err()
}
