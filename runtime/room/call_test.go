package room_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/room"
)

var errBoom = errors.New("boom")

func TestCall(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		f       func() (int, error)
		want    int
		wantErr error
	}{
		{"a value", func() (int, error) { return 7, nil }, 7, nil},
		{"an error", func() (int, error) { return 0, errBoom }, 0, errBoom},
		{"a value and an error", func() (int, error) { return 3, errBoom }, 3, errBoom},
		{"a panic", func() (int, error) { panic("boom") }, 0, room.ErrPanicked},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRoom(t, room.Options{})
			got, err := room.Call(context.Background(), r, tt.f)
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("Call = %v, %v; want %v, %v", got, err, tt.want, tt.wantErr)
			}
			if v, err := room.Call(context.Background(), r, func() (int, error) { return 1, nil }); v != 1 || err != nil {
				t.Errorf("the next Call = %v, %v", v, err)
			}
		})
	}
}

// TestCall_ContextEndsTheWait: a Call whose context ends returns at once;
// its function still runs later.
func TestCall_ContextEndsTheWait(t *testing.T) {
	t.Parallel()
	r := newRoom(t, room.Options{})
	release := block(t, r)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	called := make(chan error, 1)
	go func() {
		_, err := room.Call(ctx, r, func() (int, error) { close(ran); return 1, nil })
		called <- err
	}()
	cancel()
	if err := recv(t, called, "Call to return"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Call with a cancelled context: %v", err)
	}
	release()
	recv(t, ran, "the abandoned Call's function to run")
}

// TestCall_ContextEndsWaitForSpace: a Call that cannot even queue its
// function returns the context's error and the function never runs.
func TestCall_ContextEndsWaitForSpace(t *testing.T) {
	t.Parallel()
	r := newRoom(t, room.Options{QueueSize: 1})
	release := block(t, r)
	if err := r.TrySubmit(func() {}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	ran := false // read after the flush below
	if _, err := room.Call(ctx, r, func() (int, error) { ran = true; return 1, nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Call on a full queue: %v", err)
	}
	release()
	flush(t, r)
	if ran {
		t.Error("the function of a Call that never queued ran")
	}
}
