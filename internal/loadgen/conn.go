package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// conn is one connection of a run and the goroutines that send on it.
// Its fields are written by its own goroutines and read by Run after they
// ended.
type conn struct {
	index   int
	c       *client.Client
	ready   bool  // set up: takes part in the measured phase
	err     error // why the set-up failed
	setup   tally // dial, Init and barrier failures
	senders []tally
	pushes  atomic.Int64
	left    atomic.Int64  // measured requests left, when Config.Requests > 0
	drain   time.Duration // with notifies: the wait for the barrier's answer
}

// run sets the connection up, waits for the measured phase and measures.
func (k *conn) run(ctx context.Context, r *run, dialAt time.Time) {
	k.ready = k.setUp(ctx, &r.cfg, dialAt)
	if !k.ready && k.c != nil {
		_ = k.c.Close()
		k.c = nil
	}
	r.ready.Done()
	<-r.start
	if !k.ready {
		return
	}
	k.left.Store(int64(r.cfg.Requests))
	k.senders = make([]tally, r.cfg.Pipeline)
	k.drive(ctx, &r.cfg, k.senders, func() bool { return k.next(r) })
	if r.cfg.Notify {
		k.barrier(ctx, &r.cfg)
	}
}

// barrierRetry is the pause before a barrier answered GS-429 is sent again.
const barrierRetry = time.Millisecond

// barrier ends the measured phase of a connection that sent notifies: a
// notify has no answer, so when the last one is written most of them may
// still wait in socket buffers and queues. The connection sends one
// request and waits for its answer; the server answers a connection's
// messages in arrival order, so the answer comes after every notify
// before it was handled. An error answer (an unknown route, a request to
// a notify route) is as good a barrier, except GS-429: a full queue or a
// rate limit may answer it at once, ahead of the queue, so it is sent
// again. A barrier that gets no answer is counted as a FailBarrier
// failure.
func (k *conn) barrier(ctx context.Context, cfg *Config) {
	if k.c.Err() != nil {
		return // the connection ended: the failure is counted already
	}
	start := time.Now()
	err := k.awaitBarrier(ctx, cfg)
	k.drain = time.Since(start)
	if err != nil && ctx.Err() == nil {
		k.err = fmt.Errorf("barrier %s: %w", cfg.BarrierRoute, err)
		k.setup.fail(FailBarrier, k.err.Error())
	}
}

// awaitBarrier sends the barrier request until it is answered with
// anything but GS-429, within Config.Timeout.
func (k *conn) awaitBarrier(ctx context.Context, cfg *Config) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	for {
		_, err := k.c.RequestRaw(ctx, cfg.BarrierRoute, cfg.barrierPayload())
		e, answered := errors.AsType[*gamesrv.Error](err)
		switch {
		case err == nil || answered && e.Code() != gamesrv.CodeRateLimited:
			return nil
		case !answered:
			return err
		}
		if !waitUntil(ctx, time.Now().Add(barrierRetry)) {
			return ctx.Err()
		}
	}
}

// next says whether a sender may send one more measured request.
func (k *conn) next(r *run) bool {
	if r.stop.Load() {
		return false
	}
	return r.cfg.Requests == 0 || k.left.Add(-1) >= 0
}

// setUp dials at dialAt, runs the Init steps and the warm-up.
func (k *conn) setUp(ctx context.Context, cfg *Config, dialAt time.Time) bool {
	if !waitUntil(ctx, dialAt) {
		k.err = ctx.Err()
		return false
	}
	c, err := client.Dial(ctx, cfg.Addr, cfg.Client)
	if err != nil {
		k.setup.fail(FailDial, err.Error())
		k.err = err
		return false
	}
	k.c = c
	c.HandleRawPush(func(string, []byte) { k.pushes.Add(1) })
	if !k.init(ctx, cfg) {
		return false
	}
	k.warmUp(ctx, cfg)
	if err := c.Err(); err != nil {
		k.err = fmt.Errorf("connection ended during the warm-up: %w", err)
		k.setup.fail(FailClosed, k.err.Error())
		return false
	}
	return true
}

// init sends the Init steps in order; the first failure ends it.
func (k *conn) init(ctx context.Context, cfg *Config) bool {
	for i := range cfg.Init {
		s := &cfg.Init[i]
		payload, err := s.payload(k.index)
		if err != nil {
			k.err = fmt.Errorf("init %s payload: %w", s.Route, err)
			k.setup.fail(FailOther, k.err.Error())
			return false
		}
		if err := k.step(ctx, cfg.Timeout, s, payload); err != nil {
			connErr := k.c.Err()
			k.err = fmt.Errorf("init %s: %w", s.Route, err)
			k.setup.fail(classify(err, connErr), "init "+s.Route+": "+describe(err, connErr))
			return false
		}
	}
	return true
}

func (k *conn) step(ctx context.Context, timeout time.Duration, s *Step, payload []byte) error {
	if s.Notify {
		return k.c.NotifyRaw(ctx, s.Route, payload)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := k.c.RequestRaw(ctx, s.Route, payload)
	return err
}

// warmUp sends measured-route traffic for cfg.Warmup, not counted.
func (k *conn) warmUp(ctx context.Context, cfg *Config) {
	if cfg.Warmup <= 0 {
		return
	}
	until := time.Now().Add(cfg.Warmup)
	scratch := make([]tally, cfg.Pipeline)
	k.drive(ctx, cfg, scratch, func() bool { return ctx.Err() == nil && time.Now().Before(until) })
}

// drive runs one sender per tally (Config.Pipeline of them, the first on
// the calling goroutine) while more says so, and waits for them.
func (k *conn) drive(ctx context.Context, cfg *Config, tallies []tally, more func() bool) {
	var wg sync.WaitGroup
	for i := 1; i < len(tallies); i++ {
		wg.Go(func() { k.send(ctx, cfg, &tallies[i], more) })
	}
	k.send(ctx, cfg, &tallies[0], more)
	wg.Wait()
}

// send sends requests (or notifies) one at a time until more says stop or
// the connection ends.
func (k *conn) send(ctx context.Context, cfg *Config, t *tally, more func() bool) {
	rc := newRequestCtx(ctx, cfg.Timeout)
	defer rc.close()
	for more() {
		t.sent++
		err := k.once(rc, cfg, t)
		if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
			t.sent-- // interrupted by the end of the run: not a failure
			return
		}
		if err != nil {
			connErr := k.c.Err()
			t.fail(classify(err, connErr), describe(err, connErr))
			if connErr != nil {
				return
			}
		}
	}
}

// once sends one request and records its latency if it succeeds, or one
// notify.
func (k *conn) once(rc *requestCtx, cfg *Config, t *tally) error {
	if cfg.Notify {
		if err := k.c.NotifyRaw(rc.parent, cfg.Route, cfg.Payload); err != nil { // ends with the run
			return err
		}
		t.ok++
		return nil
	}
	start := time.Now()
	_, err := k.c.RequestRaw(rc.arm(), cfg.Route, cfg.Payload)
	rc.disarm()
	if err != nil {
		return err
	}
	t.ok++
	t.lat.record(time.Since(start))
	return nil
}

// waitUntil waits until t; it reports false if ctx ended first.
func waitUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
