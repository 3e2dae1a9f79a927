package testkit

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
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
// discards otherwise. Records logged after the test ended (a timer of a
// library firing late) are dropped: testing panics on them.
func Logger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	w := &testWriter{t: t}
	t.Cleanup(w.stop)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testWriter writes to t.Log until the test ends.
type testWriter struct {
	t     testing.TB
	mu    sync.Mutex
	ended bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.ended {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	w.ended = true
	w.mu.Unlock()
}
