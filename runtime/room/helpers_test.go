package room_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/room"
)

// wait is the bound on every wait of these tests; reaching it fails them.
const wait = 5 * time.Second

// newRoom creates a room that is closed when the test ends.
func newRoom(t testing.TB, opts room.Options) *room.Room {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := room.New(opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return r
}

// block submits a task that holds the room until release is called, and
// returns once it runs. release may be called more than once.
func block(t testing.TB, r *room.Room) (release func()) {
	t.Helper()
	started, hold := make(chan struct{}), make(chan struct{})
	if err := r.Submit(context.Background(), func() { close(started); <-hold }); err != nil {
		t.Fatalf("submit the blocker: %v", err)
	}
	recv(t, started, "the blocker to start")
	var once sync.Once
	release = func() { once.Do(func() { close(hold) }) }
	t.Cleanup(release)
	return release
}

// flush waits until every task queued before it has run.
func flush(t testing.TB, r *room.Room) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, err := room.Call(ctx, r, func() (struct{}, error) { return struct{}{}, nil }); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

// recv receives from ch or fails the test after the bound.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// eventually polls cond until it holds or fails the test after the bound.
func eventually(t testing.TB, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
