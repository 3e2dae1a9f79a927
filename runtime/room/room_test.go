package room_test

import (
	"context"
	"errors"
	"github.com/gamesrv/gamesrv/internal/testkit"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/room"
)

// TestRoom_Submit_Order: many goroutines submit numbered tasks; each one's
// tasks run in its order and no two tasks run at once. The tasks append
// to plain slices, so the race detector checks the serialisation too.
func TestRoom_Submit_Order(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		queueSize  int
		submitters int
		each       int
	}{
		{"one submitter", 0, 1, 2000},
		{"many submitters", 0, 16, 500},
		{"many submitters, a small queue that fills", 8, 16, 500},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRoom(t, room.Options{QueueSize: tt.queueSize})
			var running atomic.Int32
			var overlaps atomic.Int32
			seen := make([][]int, tt.submitters) // room state
			var wg sync.WaitGroup
			for s := range tt.submitters {
				wg.Go(func() {
					for i := range tt.each {
						err := r.Submit(context.Background(), func() {
							if running.Add(1) > 1 {
								overlaps.Add(1)
							}
							seen[s] = append(seen[s], i)
							running.Add(-1)
						})
						if err != nil {
							t.Errorf("submit: %v", err)
							return
						}
					}
				})
			}
			wg.Wait()
			flush(t, r)
			if n := overlaps.Load(); n > 0 {
				t.Errorf("%d tasks ran while another was running", n)
			}
			for s, got := range seen {
				if len(got) != tt.each || !slices.IsSorted(got) {
					t.Errorf("submitter %d: %d tasks ran, in order %v", s, len(got), slices.IsSorted(got))
				}
			}
		})
	}
}

// TestRoom_Submit_Full: TrySubmit refuses at once and Submit waits, under
// its context, while the queue is full.
func TestRoom_Submit_Full(t *testing.T) {
	t.Parallel()
	r := newRoom(t, room.Options{QueueSize: 4})
	release := block(t, r)
	var ran atomic.Int32
	for i := range 4 {
		if err := r.TrySubmit(func() { ran.Add(1) }); err != nil {
			t.Fatalf("task %d: %v", i, err)
		}
	}
	if err := r.TrySubmit(func() { ran.Add(1) }); !errors.Is(err, room.ErrFull) {
		t.Fatalf("TrySubmit on a full queue: %v, want ErrFull", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := r.Submit(ctx, func() { ran.Add(100) }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Submit on a full queue: %v, want the context's error", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- r.Submit(context.Background(), func() { ran.Add(1) }) }()
	release()
	if err := recv(t, waited, "the waiting Submit"); err != nil {
		t.Fatalf("waiting Submit: %v", err)
	}
	flush(t, r)
	if n := ran.Load(); n != 5 {
		t.Errorf("%d tasks ran, want 5 (the refused ones must not run)", n)
	}
}

// TestRoom_Submit_WaitEndsOnClose: a Submit waiting for space returns
// ErrClosed when the room closes.
func TestRoom_Submit_WaitEndsOnClose(t *testing.T) {
	t.Parallel()
	r := newRoom(t, room.Options{QueueSize: 1})
	release := block(t, r)
	if err := r.TrySubmit(func() {}); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- r.Submit(context.Background(), func() {}) }()
	r.Stop()
	if err := recv(t, waited, "the waiting Submit"); !errors.Is(err, room.ErrClosed) {
		t.Errorf("waiting Submit: %v, want ErrClosed", err)
	}
	release()
}

func TestRoom_NilFunc(t *testing.T) {
	t.Parallel()
	r := newRoom(t, room.Options{})
	for name, err := range map[string]error{
		"Submit":    r.Submit(context.Background(), nil),
		"TrySubmit": r.TrySubmit(nil),
		"After":     second(r.After(time.Second, nil)),
		"Every":     second(r.Every(time.Second, nil)),
		"Call":      second(room.Call[int](context.Background(), r, nil)),
	} {
		if err == nil {
			t.Errorf("%s with a nil function: no error", name)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// TestRoom_Panic: a panicking task is logged with its stack and the room
// keeps running.
func TestRoom_Panic(t *testing.T) {
	t.Parallel()
	var logs testkit.SyncBuffer
	r := newRoom(t, room.Options{Name: "arena", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err := r.Submit(context.Background(), func() { panic("boom") }); err != nil {
		t.Fatal(err)
	}
	if _, err := r.After(0, func() { panic("timer boom") }); err != nil {
		t.Fatal(err)
	}
	v, err := room.Call(context.Background(), r, func() (int, error) { return 42, nil })
	if v != 42 || err != nil {
		t.Fatalf("after a panic: %v, %v", v, err)
	}
	eventually(t, func() bool { return strings.Contains(logs.String(), "timer boom") }, "the timer's panic in the log")
	out := logs.String()
	for _, want := range []string{"room task panicked", "room=arena", "panic=boom", "goroutine "} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// TestRoom_Close: Close runs what is queued, refuses new work, cancels the
// timers and waits for the goroutine.
func TestRoom_Close(t *testing.T) {
	t.Parallel()
	r := room.New(room.Options{})
	release := block(t, r)
	var ran, fired atomic.Int32
	for range 10 {
		if err := r.Submit(context.Background(), func() { ran.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := r.After(0, func() { fired.Add(1) })
	every, _ := r.Every(time.Millisecond, func() { fired.Add(1) })
	closed := make(chan error, 1)
	go func() { closed <- r.Close(context.Background()) }()
	eventually(t, func() bool { return errors.Is(r.TrySubmit(func() {}), room.ErrClosed) }, "Close to refuse new tasks")
	release()
	if err := recv(t, closed, "Close"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case <-r.Done():
	default:
		t.Error("Done is open after Close returned")
	}
	if ran.Load() != 10 || fired.Load() != 0 {
		t.Errorf("%d of 10 queued tasks ran and %d timer runs, want none", ran.Load(), fired.Load())
	}
	if after.Stop() || every.Stop() {
		t.Error("Stop of a timer cancelled by Close reported true")
	}
	if err := r.Submit(context.Background(), func() {}); !errors.Is(err, room.ErrClosed) {
		t.Errorf("Submit after Close: %v", err)
	}
	if _, err := r.After(0, func() {}); !errors.Is(err, room.ErrClosed) {
		t.Errorf("After after Close: %v", err)
	}
	if _, err := room.Call(context.Background(), r, func() (int, error) { return 1, nil }); !errors.Is(err, room.ErrClosed) {
		t.Errorf("Call after Close: %v", err)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestRoom_Close_Deadline: when Close's context ends, the tasks not
// started are dropped and their Call callers get ErrClosed.
func TestRoom_Close_Deadline(t *testing.T) {
	t.Parallel()
	r := room.New(room.Options{})
	release := block(t, r)
	var ran atomic.Int32
	for range 5 {
		if err := r.Submit(context.Background(), func() { ran.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	called := make(chan error, 1)
	go func() {
		_, err := room.Call(context.Background(), r, func() (int, error) { ran.Add(1); return 0, nil })
		called <- err
	}()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Close with an ended context while a task runs: %v", err)
	}
	release()
	recv(t, r.Done(), "the goroutine to exit")
	if err := recv(t, called, "Call"); !errors.Is(err, room.ErrClosed) {
		t.Errorf("Call whose task was dropped: %v, want ErrClosed", err)
	}
	if n := ran.Load(); n != 0 {
		t.Errorf("%d dropped tasks ran", n)
	}
}

// TestRoom_Stop_FromTask: a task stops its own room; the tasks queued
// before still run.
func TestRoom_Stop_FromTask(t *testing.T) {
	t.Parallel()
	r := room.New(room.Options{})
	release := block(t, r)
	var order []string // room state
	_ = r.Submit(context.Background(), func() { order = append(order, "stop"); r.Stop() })
	_ = r.Submit(context.Background(), func() {
		order = append(order, "queued before")
		if err := r.Submit(context.Background(), func() {}); !errors.Is(err, room.ErrClosed) {
			t.Errorf("Submit from a task of a stopped room: %v", err)
		}
	})
	release()
	recv(t, r.Done(), "the room to stop")
	if !slices.Equal(order, []string{"stop", "queued before"}) {
		t.Errorf("ran %v", order)
	}
}

// TestRoom_Independent: a blocked room does not hold another.
func TestRoom_Independent(t *testing.T) {
	t.Parallel()
	a, b := newRoom(t, room.Options{Name: "a"}), newRoom(t, room.Options{Name: "b"})
	block(t, a)
	if v, err := room.Call(context.Background(), b, func() (string, error) { return "b", nil }); v != "b" || err != nil {
		t.Errorf("room b while a is blocked: %q, %v", v, err)
	}
}

// TestRoom_NoGoroutineLeft: closed rooms, their timers and Calls leave no
// goroutine behind. It is not parallel: it counts the process's
// goroutines.
func TestRoom_NoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 20 {
		r := room.New(room.Options{})
		_, _ = r.Every(time.Millisecond, func() {})
		_, _ = r.After(time.Hour, func() {})
		if _, err := room.Call(context.Background(), r, func() (int, error) { return 1, nil }); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		err := r.Close(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, func() bool { return runtime.NumGoroutine() <= before }, "the rooms' goroutines to exit")
}
