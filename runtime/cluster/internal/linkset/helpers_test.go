package linkset

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/link"
)

// echoHandler answers every call with its payload.
type echoHandler struct{}

func (echoHandler) HandleCall(_ context.Context, _ *link.Link, c *gamesrvv1.Call) *gamesrvv1.Reply {
	return &gamesrvv1.Reply{Payload: c.GetPayload()}
}

func (echoHandler) ServeInline(*link.Link, *gamesrvv1.Call) bool { return false }

// errorCount counts the link errors a set records.
type errorCount struct{ n atomic.Int64 }

func (e *errorCount) LinkError(string) { e.n.Add(1) }

func testConfig(id string) Config {
	return Config{
		ID: id, Boot: id + "-boot", MaxInflight: 64, MaxConcurrent: 64,
		CallTimeout: 5 * time.Second, DialTimeout: 2 * time.Second, WriteBuffer: 1 << 20,
		Log: slog.New(slog.DiscardHandler), Metrics: new(errorCount), Handler: echoHandler{},
	}
}

// startSet returns a running set listening on loopback; cleanup closes it.
func startSet(t *testing.T, id string) *Set {
	t.Helper()
	s := New(testConfig(id))
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	s.Run()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return s
}

// targetOf is how a peer finds s.
func targetOf(s *Set) Target {
	return Target{ID: s.cfg.ID, Boot: s.cfg.Boot, Addr: s.Addr().String()}
}

// echo calls t through s and checks the answer.
func echo(s *Set, t Target) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l, err := s.Get(ctx, t)
	if err != nil {
		return err
	}
	r, err := l.Call(ctx, &gamesrvv1.Call{Route: "echo", Payload: []byte("hi")})
	if err != nil {
		return err
	}
	if string(r.GetPayload()) != "hi" {
		return io.ErrUnexpectedEOF
	}
	return nil
}
