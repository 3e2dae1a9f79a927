// Package stdnet serves game clients over a standard-library listener:
// plain TCP, or TLS, which gnet cannot do. Each connection runs on a reader
// and a writer goroutine (transport.ServeConn) and feeds the same session
// layer as the gnet transports.
package stdnet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/gamesrv/gamesrv/runtime/transport"
)

// Options configures a listener. The zero value is plain TCP.
type Options struct {
	// TLS, if set, makes the listener accept TLS connections only.
	TLS *tls.Config
}

// Listener accepts game clients on a standard-library listener. Create it
// with [New] and hand it to the server, which starts and stops it.
type Listener struct {
	addr string
	opts Options
	cfg  transport.Config
	ln   net.Listener
	wg   sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

var _ transport.Listener = (*Listener)(nil)

// New returns a listener for addr ("127.0.0.1:3253", ":0"...). Nothing is
// bound until the server starts it.
func New(addr string, opts Options) *Listener {
	return &Listener{addr: addr, opts: opts, conns: map[net.Conn]struct{}{}}
}

// Network returns "tls", or "tcp-std" without TLS.
func (l *Listener) Network() string {
	if l.opts.TLS != nil {
		return "tls"
	}
	return "tcp-std"
}

// Addr returns the bound address, or nil before Start.
func (l *Listener) Addr() net.Addr {
	if l.ln == nil {
		return nil
	}
	return l.ln.Addr()
}

// Start binds the address and starts accepting.
func (l *Listener) Start(cfg transport.Config) error {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return fmt.Errorf("stdnet: listen %s: %w", l.addr, err)
	}
	if l.opts.TLS != nil {
		ln = tls.NewListener(ln, l.opts.TLS)
	}
	l.cfg, l.ln = cfg, ln
	l.wg.Add(1)
	go l.acceptLoop()
	return nil
}

func (l *Listener) acceptLoop() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
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

// serve runs one connection; the TLS handshake, if any, happens on its
// first read, under the idle deadline.
func (l *Listener) serve(c net.Conn) {
	defer l.wg.Done()
	transport.ServeConn(c, &l.cfg)
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

func (l *Listener) track(c net.Conn) bool {
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
func (l *Listener) Close(ctx context.Context) error {
	if l.ln == nil {
		return nil
	}
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
