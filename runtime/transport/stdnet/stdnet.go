// Package stdnet serves game clients over a standard-library listener:
// plain TCP, or TLS, which gnet cannot do. Each connection runs on a reader
// and a writer goroutine (transport.ServeConn) and feeds the same session
// layer as the gnet transports.
package stdnet

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/accept"
)

// Options configures a listener. The zero value is plain TCP.
type Options struct {
	// TLS, if set, makes the listener accept TLS connections only.
	TLS *tls.Config
}

// Listener accepts game clients on a standard-library listener. Create it
// with [New] and hand it to the server, which starts and stops it.
type Listener struct {
	addr  string
	opts  Options
	ln    net.Listener
	conns *accept.Loop
}

var _ transport.Listener = (*Listener)(nil)

// New returns a listener for addr ("127.0.0.1:3253", ":0"...). Nothing is
// bound until the server starts it.
func New(addr string, opts Options) *Listener {
	return &Listener{addr: addr, opts: opts}
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
	// The TLS handshake, if any, happens on a connection's first read,
	// under the idle deadline.
	l.ln, l.conns = ln, accept.Start(ln, ln.Accept, cfg)
	return nil
}

// Close stops accepting, closes every connection and waits for their
// goroutines or ctx.
func (l *Listener) Close(ctx context.Context) error {
	if l.conns == nil {
		return nil
	}
	return l.conns.Close(ctx)
}
