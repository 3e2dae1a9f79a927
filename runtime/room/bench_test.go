package room_test

import (
	"context"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/room"
)

// BenchmarkSubmit measures one producer queueing no-op tasks: the cost of
// Submit and of the room running a task, amortised over batches.
func BenchmarkSubmit(b *testing.B) {
	r := newRoom(b, room.Options{})
	ctx := context.Background()
	noop := func() {}
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Submit(ctx, noop); err != nil {
			b.Fatal(err)
		}
	}
	flush(b, r)
}

// BenchmarkSubmitParallel is BenchmarkSubmit with GOMAXPROCS producers
// contending for one room.
func BenchmarkSubmitParallel(b *testing.B) {
	r := newRoom(b, room.Options{})
	ctx := context.Background()
	noop := func() {}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := r.Submit(ctx, noop); err != nil {
				b.Error(err)
				return
			}
		}
	})
	flush(b, r)
}

// BenchmarkCall measures the round trip of a handler replying from a
// room: queue the function, wake the room, run it, hand back the result.
func BenchmarkCall(b *testing.B) {
	r := newRoom(b, room.Options{})
	ctx := context.Background()
	n := 0 // room state
	b.ReportAllocs()
	for b.Loop() {
		if _, err := room.Call(ctx, r, func() (int, error) { n++; return n, nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallParallel is BenchmarkCall with GOMAXPROCS callers, as when
// many sessions' handlers use one room.
func BenchmarkCallParallel(b *testing.B) {
	r := newRoom(b, room.Options{})
	ctx := context.Background()
	n := 0 // room state
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := room.Call(ctx, r, func() (int, error) { n++; return n, nil }); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAfterStop measures setting and cancelling a timer, as an idle
// or turn timeout that is reset on every action does.
func BenchmarkAfterStop(b *testing.B) {
	r := newRoom(b, room.Options{})
	noop := func() {}
	b.ReportAllocs()
	for b.Loop() {
		tm, err := r.After(time.Hour, noop)
		if err != nil {
			b.Fatal(err)
		}
		tm.Stop()
	}
}
