package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
)

// stalled accepts the handshake, reads the first Data message and reports
// its route on first (unless first is nil), then reads nothing more until
// the test ends: the client's writes block once the socket buffers are
// full.
func stalled(t *testing.T, first chan<- string) string {
	release := make(chan struct{})
	addr := serve(t, func(s *fakeServer) {
		if !s.accept(60, nil) {
			return
		}
		if first != nil {
			m, ok := s.nextData()
			if !ok {
				return
			}
			first <- string(m.Route)
		}
		<-release
	})
	t.Cleanup(func() { close(release) }) // runs before serve's cleanup waits for the script
	return addr
}

func dialStalled(t *testing.T, addr string) *client.Client {
	t.Helper()
	o := opts()
	o.WriteTimeout = time.Minute // only the contexts bound the writes below
	c, err := client.Dial(context.Background(), addr, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// big is larger than any socket buffer pair: writing it blocks on a
// server that does not read.
var big = make([]byte, 8<<20)

// TestNotifyHonoursContext: a notify whose ctx has ended is not sent and
// leaves the client connected; a notify blocked on a server that does not
// read returns when its ctx's deadline passes (long before WriteTimeout);
// if its packet was partly written the client ends, saying why (the
// stream cannot be resumed), otherwise it stays connected.
func TestNotifyHonoursContext(t *testing.T) {
	first := make(chan string, 1)
	c := dialStalled(t, stalled(t, first))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.NotifyRaw(cancelled, "game.cancelled", []byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("notify with a cancelled ctx: %v", err)
	}
	if err := c.Err(); err != nil {
		t.Fatalf("the client ended: %v", err)
	}
	if err := c.NotifyRaw(context.Background(), "game.sent", []byte("y")); err != nil {
		t.Fatal(err)
	}
	select {
	case route := <-first:
		if route != "game.sent" {
			t.Fatalf("the server first received %q, want game.sent", route)
		}
	case <-time.After(10*time.Second):
		t.Fatal("the server received nothing")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.NotifyRaw(ctx, "game.big", big)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocked notify: %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("the blocked notify returned after %v: its ctx did not bound it", d)
	}
	select {
	case <-c.Done(): // part of the packet was written: the stream is broken
		if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "interrupted") {
			t.Errorf("the client ended with %v, want the interrupted write", err)
		}
	default: // the deadline passed before anything was written (a slow run): still connected
		if err := c.NotifyRaw(context.Background(), "game.after", []byte("z")); err != nil {
			t.Errorf("nothing was written, but the client cannot send: %v", err)
		}
	}
}

// TestNotifyWaitingForWriteGivesUp: a notify waiting behind a blocked
// write gives up when its ctx ends, sending nothing and leaving the
// client connected; cancelling the blocked write ends it with
// context.Canceled (and the client, when part of its packet was written).
func TestNotifyWaitingForWriteGivesUp(t *testing.T) {
	c := dialStalled(t, stalled(t, nil))
	blockedCtx, cancelBlocked := context.WithCancel(context.Background())
	defer cancelBlocked()
	blocked := make(chan error, 1)
	go func() { blocked <- c.NotifyRaw(blockedCtx, "game.big", big) }()
	testkit.Eventually(t, 10*time.Second, func() bool { return client.WriteLockHeld(c) }, "the big notify writing")

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := c.NotifyRaw(ctx, "game.small", []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting notify: %v, want context.DeadlineExceeded", err)
	}
	if err := c.Err(); err != nil {
		t.Fatalf("the waiting notify ended the client: %v", err)
	}

	cancelBlocked()
	select {
	case err := <-blocked:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("blocked notify: %v, want context.Canceled", err)
		}
	case <-time.After(10*time.Second):
		t.Fatal("cancelling did not interrupt the blocked notify")
	}
	select {
	case <-c.Done(): // part of the packet was written
		if !errors.Is(c.Err(), context.Canceled) {
			t.Errorf("the client ended with %v", c.Err())
		}
	default: // cancelled before its write began (a slow run): nothing was sent
	}
}
