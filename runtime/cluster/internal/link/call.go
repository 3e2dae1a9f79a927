package link

import (
	"context"
	"math"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// Call sends c and waits for its reply under ctx. The remaining time of
// ctx travels with the call, so the callee gives up when the caller does;
// a caller that stops waiting sends a Cancel.
func (l *Link) Call(ctx context.Context, c *gamesrvv1.Call) (*gamesrvv1.Reply, error) {
	l.handOffReading(ctx) // before waiting for a slot: replies free them
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer func() { <-l.slots }()
	ch := make(chan *gamesrvv1.Reply, 1)
	if err := l.register(ctx, c, pendingCall{ch: ch}); err != nil {
		return nil, err
	}
	if err := l.send(ctx, &gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: c}}); err != nil {
		l.forget(c.Id)
		return nil, err
	}
	return l.await(ctx, c.Id, ch)
}

// Answerer receives the outcome of an asynchronous call (CallAsync). A
// caller passes a pointer to the struct that already holds the call's
// state, so waiting for the answer costs no closure.
type Answerer interface {
	// Answer is called exactly once with the reply or the error; it must
	// not block.
	Answer(r *gamesrvv1.Reply, err error)
}

// AnswerFunc is a function used as an Answerer.
type AnswerFunc func(*gamesrvv1.Reply, error)

// Answer calls f.
func (f AnswerFunc) Answer(r *gamesrvv1.Reply, err error) { f(r, err) }

// CallAsync sends c and calls a.Answer exactly once with the reply or the
// error, on the link's reader (or the sweeper when ctx's deadline passes,
// or the goroutine that fails the link, or before CallAsync returns when
// sending failed). Only ctx's deadline is enforced, by the link set's
// sweeper: cancelling ctx does not end the call.
func (l *Link) CallAsync(ctx context.Context, c *gamesrvv1.Call, a Answerer) {
	l.handOffReading(ctx) // before waiting for a slot: replies free them
	if err := l.acquire(ctx); err != nil {
		a.Answer(nil, err)
		return
	}
	if err := l.register(ctx, c, pendingCall{a: a}); err != nil {
		l.answer(pendingCall{a: a}, nil, err)
		return
	}
	err := l.send(ctx, &gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: c}})
	l.sentAsync(c.Id, err)
}

// TryCallAsync is CallAsync for a caller that must not wait (a server's
// event loop): it sends c only when the link has a free in-flight slot and
// room in its writer, and reports whether it did. When it did not, a is
// not called. The frame is written by another goroutine, with the frames
// queued until that write starts (linkwire.Writer.Queue).
func (l *Link) TryCallAsync(ctx context.Context, c *gamesrvv1.Call, a Answerer) bool {
	if l.w.Full() {
		return false
	}
	select {
	case l.slots <- struct{}{}:
	default:
		return false
	}
	if err := l.register(ctx, c, pendingCall{a: a}); err != nil {
		<-l.slots
		return false
	}
	if err := l.w.Queue(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: c}}); err != nil {
		l.sentAsync(c.Id, l.sendError(ctx, err))
	}
	return true
}

// sentAsync answers an asynchronous call whose frame could not be sent
// (err), unless something answered it meanwhile.
func (l *Link) sentAsync(id uint64, err error) {
	if err == nil {
		return
	}
	if p, ok := l.take(id); ok {
		l.answer(p, nil, err)
	}
}

// Notify sends c without waiting for anything.
func (l *Link) Notify(ctx context.Context, c *gamesrvv1.Call) error {
	c.Id = 0
	return l.send(ctx, &gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: c}})
}

// acquire takes one of the link's in-flight slots.
func (l *Link) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-l.done:
		return l.LostError()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pendingCall is a call waiting for its reply, through a channel (Call)
// or an Answerer (CallAsync). The link set's sweeper answers it GS-504
// when its deadline passes, so a caller whose context carries a deadline
// but no timer is still bounded.
type pendingCall struct {
	ch       chan *gamesrvv1.Reply
	a        Answerer
	deadline int64 // UnixNano; 0 for none
}

// answer hands a reply (or an error) to the waiting caller. An
// asynchronous call gives its in-flight slot back first (Call gives its
// own back when it returns).
func (l *Link) answer(p pendingCall, r *gamesrvv1.Reply, err error) {
	switch {
	case p.a != nil:
		<-l.slots
		p.a.Answer(r, err)
	case err != nil:
		close(p.ch)
	default:
		p.ch <- r // buffered: never blocks
	}
}

// register gives c its id and the time left before ctx's deadline, and
// registers p (the reply channel of Call or the answerer of CallAsync)
// with that deadline: the sweeper answers GS-504 once it passes.
func (l *Link) register(ctx context.Context, c *gamesrvv1.Call, p pendingCall) error {
	c.Id = l.nextID.Add(1)
	p.deadline, c.TimeoutMs = deadlineOf(ctx)
	l.mu.Lock()
	if l.pending == nil {
		l.mu.Unlock()
		return l.LostError()
	}
	l.pending[c.Id] = p
	l.mu.Unlock()
	if p.deadline != 0 {
		l.host.ArmSweep()
	}
	return nil
}

// deadlineOf returns ctx's deadline in UnixNano and the time left before
// it in milliseconds (at least 1), or zeros without a deadline.
func deadlineOf(ctx context.Context) (unixNano int64, timeoutMs uint32) {
	d, ok := ctx.Deadline()
	if !ok {
		return 0, 0
	}
	ms := time.Until(d).Milliseconds()
	return d.UnixNano(), uint32(min(max(ms, 1), math.MaxUint32))
}

// Expire answers GS-504 to the calls whose deadline passed and tells the
// callee to stop. It reports whether calls with a deadline remain. It
// allocates only when a call is late.
func (l *Link) Expire(now int64) (busy bool) {
	type lateCall struct {
		id uint64
		p  pendingCall
	}
	var late []lateCall
	l.mu.Lock()
	for id, p := range l.pending {
		switch {
		case p.deadline == 0:
		case now >= p.deadline:
			delete(l.pending, id)
			late = append(late, lateCall{id, p})
		default:
			busy = true
		}
	}
	l.mu.Unlock()
	for _, c := range late {
		l.answer(c.p, &gamesrvv1.Reply{Id: c.id, Error: &gamesrvv1.Error{Code: string(gamesrv.CodeDeadlineExceeded), Msg: "deadline exceeded"}}, nil)
		l.trySend(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Cancel{Cancel: &gamesrvv1.Cancel{Id: c.id}}})
	}
	if len(late) > 0 {
		l.settled()
	}
	return busy
}

func (l *Link) forget(id uint64) {
	if _, ok := l.take(id); ok {
		l.settled()
	}
}

// take removes a pending call and returns it.
func (l *Link) take(id uint64) (pendingCall, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.pending[id]
	delete(l.pending, id)
	return p, ok
}

func (l *Link) await(ctx context.Context, id uint64, ch chan *gamesrvv1.Reply) (*gamesrvv1.Reply, error) {
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, l.LostError()
		}
		return r, nil
	case <-ctx.Done():
		l.forget(id)
		l.trySend(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Cancel{Cancel: &gamesrvv1.Cancel{Id: id}}})
		return nil, ctx.Err()
	}
}

// ReplyError converts the error of a reply.
func ReplyError(e *gamesrvv1.Error) error {
	if e == nil {
		return nil
	}
	return gamesrv.NewError(gamesrv.Code(e.GetCode()), e.GetMsg()).WithMetadata(e.GetMetadata())
}

// WireError converts an error for a reply.
func WireError(err error) *gamesrvv1.Error {
	if err == nil {
		return nil
	}
	e := gamesrv.AsError(err)
	return &gamesrvv1.Error{Code: string(e.Code()), Msg: e.Message(), Metadata: e.Metadata()}
}
