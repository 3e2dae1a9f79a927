package link

import (
	"context"
	"sync"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// serve takes a slot for an incoming call and queues it with the other
// calls of the same read, which the reader runs once it has decoded them
// all (see batch). A caller keeps no more requests in flight than this
// server announced (MaxConcurrent), so a request finds a free slot unless
// the caller gave up on earlier ones that still run; it is then answered
// GS-429 at once. A notify beyond MaxConcurrent is dropped and logged.
// Notifies the host takes inline (Host.ServeInline: pushes, session
// updates) run on the reader as they arrive, in arrival order: a push a
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
	in := &incoming{l: l, c: c, sem: sem}
	if ms := c.GetTimeoutMs(); ms > 0 {
		in.deadline = time.Now().Add(time.Duration(ms) * time.Millisecond)
		in.dl = in.deadline.UnixNano()
	}
	if !l.track(in) {
		<-sem
		return false
	}
	l.wg.Add(1)
	l.queue(in)
	return true
}

// Run runs the call on a pool goroutine (it is the pool's Task) and sends
// its reply.
func (in *incoming) Run() {
	l := in.l
	defer l.wg.Done()
	if r := in.handle(); r != nil {
		_ = l.send(context.Background(), r)
	}
	l.settled() // a retired link closes once its last reply is written
}

// handle runs the call and returns its reply frame; nil for a notify.
func (in *incoming) handle() *gamesrvv1.Frame {
	l, c := in.l, in.c
	r := l.host.HandleCall(in, l, c)
	l.untrack(in)
	<-in.sem // before the reply: the caller may send its next call once it has it
	if c.GetId() == 0 {
		return nil
	}
	r.Id = c.GetId()
	in.reply.Reply = r
	in.frame.Body = &in.reply
	return &in.frame
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

// track registers a call about to run in l.serving, under the call's
// id, or for a notify a local key with the top bit set (ids of calls
// never reach it). false: the link is closed.
func (l *Link) track(in *incoming) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.serving == nil {
		return false
	}
	in.key = in.c.GetId()
	if in.key == 0 {
		l.notifySeq++
		in.key = 1<<63 | l.notifySeq
	}
	l.serving[in.key] = in
	if in.dl != 0 {
		l.host.ArmSweep()
	}
	return true
}

// untrack forgets a call that ended, and ends its context.
func (l *Link) untrack(in *incoming) {
	l.mu.Lock()
	delete(l.serving, in.key)
	l.mu.Unlock()
	in.cancel()
}

// cancelServing cancels a running call whose caller gave up.
func (l *Link) cancelServing(id uint64) {
	l.mu.Lock()
	s, ok := l.serving[id]
	l.mu.Unlock()
	if ok {
		s.cancel()
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
		case s.dl == 0:
		case now >= s.dl:
			s.cancel()
		default:
			busy = true
		}
	}
	return busy
}

// incoming is a call that arrived on the link, from its arrival to its
// reply, in one allocation: the pool's task, its entry in l.serving, and
// the handler's context. The context carries the caller's deadline
// without a timer (the link set's sweeper ends it within its 20 ms tick
// of the deadline, and Err reports context.DeadlineExceeded from the
// deadline on; Deadline reports it, so nested calls carry the remaining
// time on), and ends when the caller cancels, the link fails or the call
// returns. Its Done channel is made only when asked for. Contexts derived
// from it hook in through AfterFunc, as they do on the standard ones,
// with no goroutine.
type incoming struct {
	l        *Link
	c        *gamesrvv1.Call
	sem      chan struct{} // the slot the call holds
	key      uint64        // in l.serving
	deadline time.Time     // zero: none
	dl       int64         // deadline in UnixNano; 0: none
	batch    *batch        // set when the reader runs the call

	// The reply's frame, in the call's allocation: Run sends it at once,
	// and a batch holds it (and so the call) until it wrote it.
	frame gamesrvv1.Frame
	reply gamesrvv1.Frame_Reply

	mu     sync.Mutex
	ended  bool
	done   chan struct{} // made by Done; closed once ended
	afters []*func()     // AfterFunc registrations not run yet
}

// Deadline returns the caller's deadline, if it sent one.
func (in *incoming) Deadline() (time.Time, bool) { return in.deadline, in.dl != 0 }

// Done returns a channel closed once the call's context ended.
func (in *incoming) Done() <-chan struct{} {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.done == nil {
		in.done = make(chan struct{})
		if in.ended {
			close(in.done)
		}
	}
	return in.done
}

// Err returns context.DeadlineExceeded once the deadline passed,
// context.Canceled once the context ended otherwise, else nil.
func (in *incoming) Err() error {
	if in.dl != 0 && time.Now().UnixNano() >= in.dl {
		return context.DeadlineExceeded
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.ended {
		return context.Canceled
	}
	return nil
}

// Value returns the batch the call runs in on the reader, under
// readerKey; the context carries no other values.
func (in *incoming) Value(key any) any {
	if _, ok := key.(readerKey); ok && in.batch != nil {
		return in.batch
	}
	return nil
}

// AfterFunc arranges for f to run once the context ends (at once, on its
// own goroutine, if it already has) and returns a function that stops
// that, reporting whether it did. The context package uses it for the
// contexts derived from this one.
func (in *incoming) AfterFunc(f func()) (stop func() bool) {
	in.mu.Lock()
	if in.ended {
		in.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	p := &f
	in.afters = append(in.afters, p)
	in.mu.Unlock()
	return func() bool {
		in.mu.Lock()
		defer in.mu.Unlock()
		for i, q := range in.afters {
			if q == p {
				in.afters = append(in.afters[:i], in.afters[i+1:]...)
				return true
			}
		}
		return false
	}
}

// cancel ends the context, once, and runs the AfterFunc registrations.
func (in *incoming) cancel() {
	in.mu.Lock()
	if in.ended {
		in.mu.Unlock()
		return
	}
	in.ended = true
	if in.done != nil {
		close(in.done)
	}
	afters := in.afters
	in.afters = nil
	in.mu.Unlock()
	for _, f := range afters {
		(*f)()
	}
}

// String describes the context, as the standard ones do.
func (in *incoming) String() string { return "link.incoming(" + in.c.GetRoute() + ")" }
