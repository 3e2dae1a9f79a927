package ws

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"github.com/gobwas/ws"
)

// listenLinger starts a listener with the given linger bounds.
func listenLinger(t *testing.T, timeout time.Duration, budget int) (*Listener, *fakeHandler) {
	t.Helper()
	l, h := New("127.0.0.1:0", Options{EventLoops: 1}), newFakeHandler()
	cfg := transport.Config{Handler: h, MaxBody: testMaxBody, MaxPending: testMaxPending, Logger: testkit.Logger(t),
		LingerTimeout: timeout, LingerBytes: budget}
	if err := l.Start(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = l.Close(ctx)
	})
	return l, h
}

// TestLingeringClose: the messages queued before a close, and the close
// frame, reach a client that keeps sending after the close, then EOF,
// never a reset; a client that keeps sending, or never closes, is cut off
// by the linger's bounds.
func TestLingeringClose(t *testing.T) {
	t.Parallel()
	more := frame(true, ws.OpBinary, bytes.Repeat([]byte{'m'}, 1000), true)

	t.Run("queued messages, close frame, EOF", func(t *testing.T) {
		l, h := listenLinger(t, 0, 0)
		c := dialRaw(t, l)
		c.upgrade()
		p := h.next(t)
		c.send(wire.PacketData, []byte("many:200"))
		c.send(wire.PacketData, []byte("close")) // echoed, then Close
		if got := c.message(); !bytes.Equal(got, data("0")) {
			t.Fatalf("first message %q", got)
		}
		for range 32 { // the server closes meanwhile: this must not make it reset
			c.write(more)
		}
		for i := 1; i < 200; i++ {
			if got := c.message(); !bytes.Equal(got, data(strconv.Itoa(i))) {
				t.Fatalf("message %d is %q", i, got)
			}
		}
		if got := c.message(); !bytes.Equal(got, data("close")) {
			t.Fatalf("last message %q", got)
		}
		c.expectClose(ws.StatusNormalClosure)
		if err := p.disconnected(t); err != nil {
			t.Errorf("OnDisconnect(%v), want nil", err)
		}
	})

	t.Run("violation after answers", func(t *testing.T) {
		l, h := listenLinger(t, 0, 0)
		c := dialRaw(t, l)
		c.upgrade()
		p := h.next(t)
		c.write(append(frame(true, ws.OpBinary, data("a"), true), frame(true, ws.OpText, []byte("t"), true)...))
		if got := c.message(); !bytes.Equal(got, data("a")) {
			t.Fatalf("got %q, want the echo", got)
		}
		for range 32 {
			c.write(more)
		}
		c.expectClose(ws.StatusUnsupportedData)
		var pe *transport.ProtocolError
		if err := p.disconnected(t); !errors.As(err, &pe) {
			t.Errorf("OnDisconnect(%v), want a *transport.ProtocolError", err)
		}
	})

	t.Run("byte budget", func(t *testing.T) {
		l, h := listenLinger(t, time.Minute, 4<<10)
		c := dialRaw(t, l)
		c.upgrade()
		p := h.next(t)
		c.send(wire.PacketData, []byte("close"))
		_ = c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		var err error
		for sent := 0; err == nil && sent < 64<<20; sent += len(more) {
			_, err = c.nc.Write(more)
		}
		var ne net.Error
		if err == nil || errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("a client sending after the close was not cut off: %v", err)
		}
		if err := p.disconnected(t); err != nil {
			t.Errorf("OnDisconnect(%v), want nil", err)
		}
	})

	t.Run("deadline", func(t *testing.T) {
		l, h := listenLinger(t, 200*time.Millisecond, 0)
		c := dialRaw(t, l)
		c.upgrade()
		p := h.next(t)
		c.send(wire.PacketData, []byte("close"))
		if err := p.disconnected(t); err != nil { // the client did nothing: the deadline closed it
			t.Errorf("OnDisconnect(%v), want nil", err)
		}
		if got := c.message(); !bytes.Equal(got, data("close")) {
			t.Fatalf("got %q, want the echo", got)
		}
		c.expectClose(ws.StatusNormalClosure)
	})
}
