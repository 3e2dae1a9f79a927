package testkit

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/kcp"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
)

// Serve starts srv on loopback TCP and KCP listeners (port 0), shuts it down
// when the test ends, and returns the "tcp://…" and "kcp://…" addresses.
func Serve(t testing.TB, srv *server.Server) (tcpAddr, kcpAddr string) {
	t.Helper()
	tl := tcp.New("127.0.0.1:0", tcp.Options{EventLoops: 2})
	kl := kcp.New("127.0.0.1:0", kcp.Options{})
	if err := srv.Start(tl, kl); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return "tcp://" + tl.Addr().String(), "kcp://" + kl.Addr().String()
}

// Logger returns a logger that writes to the test log with -v and
// discards otherwise.
func Logger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
