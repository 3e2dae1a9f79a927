package tcp_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/transporttest"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
)

// startClose starts a listener with the scripted handler and returns it
// with a dialer.
func startClose(t *testing.T, cfg transport.Config) (*transporttest.Handler, transporttest.Dialer) {
	t.Helper()
	h := transporttest.NewHandler()
	cfg.Handler, cfg.Logger = h, testkit.Logger(t)
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	l := tcp.New("127.0.0.1:0", tcp.Options{EventLoops: 1})
	if err := l.Start(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = l.Close(ctx)
	})
	return h, func(t testing.TB) net.Conn {
		nc, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		return nc
	}
}

// TestLingeringClose: a close after queued answers, or after a protocol
// violation, reaches the client as every answer then EOF, never a reset;
// a client that keeps sending, or never closes, is cut off by the linger's
// bounds.
func TestLingeringClose(t *testing.T) {
	t.Run("queued answers then EOF", func(t *testing.T) {
		h, dial := startClose(t, transport.Config{})
		transporttest.LosslessClose(t, h, dial)
	})
	t.Run("pipelining client", func(t *testing.T) {
		h, dial := startClose(t, transport.Config{})
		transporttest.PipelinedClose(t, h, dial)
	})
	t.Run("violation after answers", func(t *testing.T) {
		h, dial := startClose(t, transport.Config{MaxBody: 1024})
		transporttest.ViolationAfterAnswers(t, h, dial, 1024)
	})
	t.Run("byte budget", func(t *testing.T) {
		h, dial := startClose(t, transport.Config{LingerBytes: 4 << 10, LingerTimeout: time.Minute})
		transporttest.ByteBudget(t, h, dial, 4<<10)
	})
	t.Run("deadline", func(t *testing.T) {
		h, dial := startClose(t, transport.Config{LingerTimeout: 200 * time.Millisecond})
		transporttest.Deadline(t, h, dial)
	})
}
