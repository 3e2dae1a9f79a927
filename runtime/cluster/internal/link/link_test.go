package link

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkhello"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkwire"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// fakeHost answers calls by echoing their payload (route "block" waits
// for its context), takes route "inline" inline, and records closes.
type fakeHost struct {
	mu      sync.Mutex
	inline  []string
	closed  []error
	armed   int
	started chan struct{} // a "block" call started
}

func (h *fakeHost) HandleCall(ctx context.Context, _ *Link, c *gamesrvv1.Call) *gamesrvv1.Reply {
	if c.GetRoute() == "block" {
		h.started <- struct{}{}
		<-ctx.Done()
		return &gamesrvv1.Reply{Error: WireError(gamesrv.WrapError(gamesrv.CodeDeadlineExceeded, context.Cause(ctx)))}
	}
	return &gamesrvv1.Reply{Payload: c.GetPayload()}
}

func (h *fakeHost) ServeInline(_ *Link, c *gamesrvv1.Call) bool {
	if c.GetRoute() != "inline" {
		return false
	}
	h.mu.Lock()
	h.inline = append(h.inline, string(c.GetPayload()))
	h.mu.Unlock()
	return true
}

func (h *fakeHost) Closed(_ *Link, err error) {
	h.mu.Lock()
	h.closed = append(h.closed, err)
	h.mu.Unlock()
}

func (h *fakeHost) ArmSweep() {
	h.mu.Lock()
	h.armed++
	h.mu.Unlock()
}

type nopRecorder struct{}

func (nopRecorder) LinkError(string) {}

// testConfigs returns a maker of link configs that share one pool and
// one watchdog (running when watch is set), both stopped by the test's
// cleanup. Register the links' own cleanup after calling it, so that they
// close first.
func testConfigs(t testing.TB, watch bool) func(id string, maxConcurrent, writeBuffer int) *Config {
	pool, watchdog := NewGoPool(), NewWatchdog()
	ctx, stop := context.WithCancel(context.Background())
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		if watch {
			watchdog.Run(ctx)
		}
	}()
	t.Cleanup(func() {
		pool.Stop()
		stop()
		<-watched
	})
	return func(id string, maxConcurrent, writeBuffer int) *Config {
		return &Config{ID: id, Log: slog.New(slog.DiscardHandler), Metrics: nopRecorder{}, Pool: pool, Watchdog: watchdog, ReadBuffers: new(linkwire.ReadBuffers),
			MaxInflight: 16, MaxConcurrent: maxConcurrent, CallTimeout: 5 * time.Second, WriteBuffer: writeBuffer}
	}
}

// linkPair returns two running links over loopback, a dialled and an
// accepted one, each with its own fake host; cleanup closes them.
func linkPair(t testing.TB, maxConcurrent int) (a, b *Link, ha, hb *fakeHost) {
	t.Helper()
	cfg := testConfigs(t, true)
	c1, c2 := testkit.TCPPair(t)
	ha, hb = &fakeHost{started: make(chan struct{}, 4)}, &fakeHost{started: make(chan struct{}, 4)}
	a = New(ha, cfg("a", maxConcurrent, 64<<10), c1, bufio.NewReader(c1), linkhello.Peer{ID: "b"}, true)
	b = New(hb, cfg("b", maxConcurrent, 64<<10), c2, bufio.NewReader(c2), linkhello.Peer{ID: "a"}, false)
	a.Run()
	b.Run()
	t.Cleanup(func() {
		a.Close(errors.New("test over"))
		b.Close(errors.New("test over"))
	})
	return a, b, ha, hb
}

func TestLinkCallsBothWays(t *testing.T) {
	a, b, _, _ := linkPair(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, l := range []*Link{a, b} {
		r, err := l.Call(ctx, &gamesrvv1.Call{Route: "echo", Payload: []byte("hi " + l.Peer.ID)})
		if err != nil || string(r.GetPayload()) != "hi "+l.Peer.ID {
			t.Fatalf("call to %s: %v, %v", l.Peer.ID, r, err)
		}
	}
	done := make(chan error, 1)
	a.CallAsync(ctx, &gamesrvv1.Call{Route: "echo", Payload: []byte("async")}, AnswerFunc(func(r *gamesrvv1.Reply, err error) {
		if err == nil && string(r.GetPayload()) != "async" {
			err = errors.New("wrong payload " + string(r.GetPayload()))
		}
		done <- err
	}))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestLinkInlineNotifiesKeepOrder: notifies the host takes inline run on
// the reader in the order they were sent.
func TestLinkInlineNotifiesKeepOrder(t *testing.T) {
	a, _, _, hb := linkPair(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, p := range []string{"1", "2", "3"} {
		if err := a.Notify(ctx, &gamesrvv1.Call{Route: "inline", Payload: []byte(p)}); err != nil {
			t.Fatal(err)
		}
	}
	// A call after the notifies: its reply means the reader passed them.
	if _, err := a.Call(ctx, &gamesrvv1.Call{Route: "echo"}); err != nil {
		t.Fatal(err)
	}
	hb.mu.Lock()
	got := append([]string(nil), hb.inline...)
	hb.mu.Unlock()
	if len(got) != 3 || got[0] != "1" || got[1] != "2" || got[2] != "3" {
		t.Fatalf("inline notifies ran as %q, want [1 2 3]", got)
	}
}

// TestLinkBusy: a request beyond the callee's MaxConcurrent is answered
// GS-429 at once (the caller here does not know the limit: it was not
// announced); cancelling the caller's context cancels the handler.
func TestLinkBusy(t *testing.T) {
	a, _, _, hb := linkPair(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	blockCtx, stop := context.WithCancel(ctx)
	first := make(chan error, 1)
	go func() {
		_, err := a.Call(blockCtx, &gamesrvv1.Call{Route: "block"})
		first <- err
	}()
	<-hb.started
	r, err := a.Call(ctx, &gamesrvv1.Call{Route: "echo"})
	if err != nil || r.GetError().GetCode() != string(gamesrv.CodeRateLimited) {
		t.Fatalf("a request beyond the limit: %v, %v; want GS-429", r, err)
	}
	stop()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled call: %v", err)
	}
	// The handler ended on the Cancel: the slot is free again.
	for {
		r, err := a.Call(ctx, &gamesrvv1.Call{Route: "echo"})
		if err != nil {
			t.Fatal(err)
		}
		if r.GetError() == nil {
			break
		}
		<-time.After(10 * time.Millisecond) // polling for the handler's end
	}
}

// deadlineOnly carries a deadline that no timer enforces, as a caller
// whose deadline only the node's sweeper bounds.
type deadlineOnly struct {
	context.Context
	d time.Time
}

func (c deadlineOnly) Deadline() (time.Time, bool) { return c.d, true }

// TestLinkExpire: Expire answers GS-504 to a call whose deadline passed
// and arms nothing else; ExpireServing ends the callee's handler.
func TestLinkExpire(t *testing.T) {
	a, b, ha, hb := linkPair(t, 4)
	ctx := deadlineOnly{context.Background(), time.Now().Add(time.Hour)}
	res := make(chan *gamesrvv1.Reply, 1)
	go func() {
		r, err := a.Call(ctx, &gamesrvv1.Call{Route: "block"})
		if err != nil {
			t.Error(err)
		}
		res <- r
	}()
	<-hb.started
	ha.mu.Lock()
	armed := ha.armed
	ha.mu.Unlock()
	if armed == 0 {
		t.Error("a call with a deadline did not arm the caller's sweeper")
	}
	if !a.Expire(time.Now().UnixNano()) {
		t.Error("Expire before the deadline: no call with a deadline remains")
	}
	if a.Expire(time.Now().Add(2 * time.Hour).UnixNano()) {
		t.Error("Expire after the deadline: a call with a deadline remains")
	}
	if r := <-res; r.GetError().GetCode() != string(gamesrv.CodeDeadlineExceeded) {
		t.Fatalf("expired call: %v, want GS-504", r)
	}
	if b.ExpireServing(time.Now().Add(2 * time.Hour).UnixNano()) {
		t.Error("ExpireServing after the deadline: a call remains")
	}
}

// TestLinkCloseFailsPending: closing a link answers its pending calls at
// once, tells the host once, and later calls fail GS-503.
func TestLinkCloseFailsPending(t *testing.T) {
	a, _, ha, hb := linkPair(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pending := make(chan error, 1)
	go func() {
		_, err := a.Call(ctx, &gamesrvv1.Call{Route: "block"})
		pending <- err
	}()
	<-hb.started
	why := errors.New("gone")
	a.Close(why)
	a.Close(why)
	if err := <-pending; gamesrv.AsError(err).Code() != gamesrv.CodeUnavailable {
		t.Fatalf("pending call: %v, want GS-503", err)
	}
	if _, err := a.Call(ctx, &gamesrvv1.Call{Route: "echo"}); gamesrv.AsError(err).Code() != gamesrv.CodeUnavailable {
		t.Fatalf("call on a closed link: %v, want GS-503", err)
	}
	if a.Alive() {
		t.Fatal("a closed link is alive")
	}
	ha.mu.Lock()
	defer ha.mu.Unlock()
	if len(ha.closed) != 1 || ha.closed[0] != why {
		t.Fatalf("host told %v, want [gone] once", ha.closed)
	}
}

// TestLinkTryCallAsync: TryCallAsync sends while the link has a free
// in-flight slot, and backs off without calling its answerer when none is
// left.
func TestLinkTryCallAsync(t *testing.T) {
	a, _, _, hb := linkPair(t, 32)
	ctx := deadlineOnly{context.Background(), time.Now().Add(10 * time.Second)}
	answers := make(chan *gamesrvv1.Reply, 1)
	if !a.TryCallAsync(ctx, &gamesrvv1.Call{Route: "echo", Payload: []byte("now")}, AnswerFunc(func(r *gamesrvv1.Reply, err error) {
		if err != nil {
			t.Error(err)
		}
		answers <- r
	})) {
		t.Fatal("TryCallAsync on an idle link backed off")
	}
	if r := <-answers; string(r.GetPayload()) != "now" {
		t.Fatalf("answer %v", r)
	}
	slots := cap(a.slots)
	blocked := make(chan error, slots)
	for range slots {
		if !a.TryCallAsync(ctx, &gamesrvv1.Call{Route: "block"}, AnswerFunc(func(_ *gamesrvv1.Reply, err error) { blocked <- err })) {
			t.Fatal("TryCallAsync backed off with slots free")
		}
	}
	for range slots {
		<-hb.started // every slot's call runs on the peer
	}
	if a.TryCallAsync(ctx, &gamesrvv1.Call{Route: "echo"}, AnswerFunc(func(*gamesrvv1.Reply, error) {
		t.Error("the answerer of a call not sent was called")
	})) {
		t.Fatal("TryCallAsync sent with every slot taken")
	}
	a.Close(errors.New("test over")) // ends the blocked calls
	for range slots {
		if err := <-blocked; err == nil {
			t.Error("a blocked call was answered without an error")
		}
	}
}
