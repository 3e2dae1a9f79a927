package linkset

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
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

// cutProxy forwards TCP connections to target and cuts all of them on
// demand: a network failure between two live servers.
type cutProxy struct {
	ln       net.Listener
	target   string
	accepted atomic.Int32
	mu       sync.Mutex
	conns    []net.Conn
	wg       sync.WaitGroup
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() { _ = ln.Close(); p.cut(); p.wg.Wait() })
	return p
}

func (p *cutProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(up, c)
		go p.pipe(c, up)
	}
}

func (p *cutProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
}

// cut closes every forwarded connection.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}
