package cluster

import (
	"context"
	"math"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// call sends c and waits for its reply under ctx. The remaining time of
// ctx travels with the call, so the callee gives up when the caller does;
// a caller that stops waiting sends a Cancel.
func (l *link) call(ctx context.Context, c *gamesrvv1.Call) (*gamesrvv1.Reply, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer func() { <-l.slots }()
	c.Id = l.nextID.Add(1)
	ch, err := l.register(c.Id)
	if err != nil {
		return nil, err
	}
	c.TimeoutMs = timeoutMs(ctx)
	if err := l.send(ctx, &gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: c}}); err != nil {
		l.forget(c.Id)
		return nil, err
	}
	return l.await(ctx, c.Id, ch)
}

// notify sends c without waiting for anything.
func (l *link) notify(ctx context.Context, c *gamesrvv1.Call) error {
	c.Id = 0
	return l.send(ctx, &gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: c}})
}

// acquire takes one of the link's in-flight slots.
func (l *link) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-l.done:
		return l.lostError()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *link) register(id uint64) (chan *gamesrvv1.Reply, error) {
	ch := make(chan *gamesrvv1.Reply, 1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending == nil {
		return nil, l.lostError()
	}
	l.pending[id] = ch
	return ch, nil
}

func (l *link) forget(id uint64) {
	l.mu.Lock()
	delete(l.pending, id)
	l.mu.Unlock()
}

func (l *link) await(ctx context.Context, id uint64, ch chan *gamesrvv1.Reply) (*gamesrvv1.Reply, error) {
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, l.lostError()
		}
		return r, nil
	case <-ctx.Done():
		l.forget(id)
		l.trySend(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Cancel{Cancel: &gamesrvv1.Cancel{Id: id}}})
		return nil, ctx.Err()
	}
}

// timeoutMs is the time left before ctx's deadline, in milliseconds (at
// least 1), or 0 without a deadline.
func timeoutMs(ctx context.Context) uint32 {
	d, ok := ctx.Deadline()
	if !ok {
		return 0
	}
	ms := time.Until(d).Milliseconds()
	return uint32(min(max(ms, 1), math.MaxUint32))
}

// replyError converts the error of a reply.
func replyError(e *gamesrvv1.Error) error {
	if e == nil {
		return nil
	}
	return gamesrv.NewError(gamesrv.Code(e.GetCode()), e.GetMsg()).WithMetadata(e.GetMetadata())
}

// wireError converts an error for a reply.
func wireError(err error) *gamesrvv1.Error {
	if err == nil {
		return nil
	}
	e := gamesrv.AsError(err)
	return &gamesrvv1.Error{Code: string(e.Code()), Msg: e.Message(), Metadata: e.Metadata()}
}
