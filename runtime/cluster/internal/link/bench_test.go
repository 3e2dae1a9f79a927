package link

import (
	"context"
	"runtime"
	"testing"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
)

// BenchmarkCallRoundTrip measures a call over a loopback link and its
// reply, from concurrent callers (so frames batch as they do under load):
// its allocations are those of both ends.
func BenchmarkCallRoundTrip(b *testing.B) {
	a, _, _, _ := linkPair(b, 1024)
	payload := make([]byte, 18)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := a.Call(ctx, &gamesrvv1.Call{Route: "echo", Payload: payload})
			cancel()
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCallAsyncRoundTrip is BenchmarkCallRoundTrip through CallAsync
// with a deadline-only context, as a forward sends it.
func BenchmarkCallAsyncRoundTrip(b *testing.B) {
	benchAsync(b, func(ctx context.Context, a *Link, c *gamesrvv1.Call, answer Answerer) {
		a.CallAsync(ctx, c, answer)
	})
}

// BenchmarkTryCallAsyncRoundTrip is BenchmarkCallAsyncRoundTrip through
// TryCallAsync, as a forward from a frontend's event loop sends it: the
// frame is queued and written by the writer's own goroutine.
func BenchmarkTryCallAsyncRoundTrip(b *testing.B) {
	benchAsync(b, func(ctx context.Context, a *Link, c *gamesrvv1.Call, answer Answerer) {
		for !a.TryCallAsync(ctx, c, answer) {
			runtime.Gosched() // every slot taken: another caller's answer frees one
		}
	})
}

// benchAsync measures asynchronous round trips sent by send from
// concurrent callers.
func benchAsync(b *testing.B, send func(ctx context.Context, a *Link, c *gamesrvv1.Call, answer Answerer)) {
	a, _, _, _ := linkPair(b, 1024)
	payload := make([]byte, 18)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		done := make(chan error, 1)
		answer := AnswerFunc(func(_ *gamesrvv1.Reply, err error) { done <- err })
		for pb.Next() {
			send(deadlineOnly{context.Background(), time.Now().Add(5 * time.Second)}, a, &gamesrvv1.Call{Route: "echo", Payload: payload}, answer)
			if err := <-done; err != nil {
				b.Error(err)
				return
			}
		}
	})
}
