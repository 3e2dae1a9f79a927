// Package accept serves the connections of a listener in the standard
// library's style (an Accept method, one goroutine per connection running
// transport.ServeConn), tracking them so that closing ends them all. The
// KCP and stdnet transports share it.
package accept

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"

	"github.com/gamesrv/gamesrv/runtime/transport"
)

// Loop accepts and serves connections until it is closed.
type Loop struct {
	ln     io.Closer
	accept func() (net.Conn, error)
	cfg    transport.Config
	wg     sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// Start serves the connections accept returns, until it fails (ln was
// closed). Closing ln must make accept fail.
func Start(ln io.Closer, accept func() (net.Conn, error), cfg transport.Config) *Loop {
	l := &Loop{ln: ln, accept: accept, cfg: cfg, conns: map[net.Conn]struct{}{}}
	l.wg.Add(1)
	go l.run()
	return l
}

func (l *Loop) run() {
	defer l.wg.Done()
	for {
		c, err := l.accept()
		if err != nil {
			return // the listener was closed
		}
		if !l.track(c) {
			_ = c.Close()
			return
		}
		l.wg.Add(1)
		go l.serve(c)
	}
}

func (l *Loop) serve(c net.Conn) {
	defer l.wg.Done()
	transport.ServeConn(c, &l.cfg)
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

// track records a connection so that Close can end it; false once closed.
func (l *Loop) track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.conns[c] = struct{}{}
	return true
}

// Close stops accepting, closes every connection and waits for their
// goroutines or ctx.
func (l *Loop) Close(ctx context.Context) error {
	l.mu.Lock()
	l.closed = true
	for c := range l.conns {
		_ = c.Close()
	}
	l.mu.Unlock()
	err := l.ln.Close()
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
