package servertest

import (
	"context"
	"errors"
	"net"
	"sync"

	"github.com/gamesrv/gamesrv/runtime/transport"
)

// ErrClosed is returned by the dials of a server that was closed.
var ErrClosed = errors.New("servertest: server closed")

// network is what the in-memory listener reports as its network, in the
// server's logs and metrics labels.
const network = "mem"

// addr is an address of the in-memory network.
type addr string

func (a addr) Network() string { return network }
func (a addr) String() string  { return string(a) }

// listenerAddr is the address of every in-memory listener.
const listenerAddr = addr("servertest")

// listener is a transport.Listener without a socket: each dial makes a
// net.Pipe whose server end is served by transport.ServeConn, as the
// stdnet transport serves accepted TCP connections.
type listener struct {
	mu      sync.Mutex
	cfg     transport.Config
	started bool
	closed  bool
	conns   map[net.Conn]struct{}
	port    int // the last client port given out
	wg      sync.WaitGroup
}

var _ transport.Listener = (*listener)(nil)

func newListener() *listener { return &listener{conns: map[net.Conn]struct{}{}} }

// Network implements transport.Listener.
func (l *listener) Network() string { return network }

// Addr implements transport.Listener.
func (l *listener) Addr() net.Addr { return listenerAddr }

// Start implements transport.Listener: from now on dials are served.
func (l *listener) Start(cfg transport.Config) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started {
		return errors.New("servertest: listener started twice")
	}
	l.cfg, l.started = cfg, true
	return nil
}

// dial opens a connection to the server and returns the client's end.
func (l *listener) dial() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started || l.closed {
		return nil, ErrClosed
	}
	l.port = l.port%65535 + 1
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: l.port}
	cli, srv := net.Pipe()
	sc := &pipeConn{Conn: srv, local: listenerAddr, remote: remote}
	l.conns[sc] = struct{}{}
	l.wg.Add(1)
	go l.serve(sc)
	return &pipeConn{Conn: cli, local: remote, remote: listenerAddr}, nil
}

// serve runs the session layer on one connection until it closes.
func (l *listener) serve(c net.Conn) {
	defer l.wg.Done()
	transport.ServeConn(c, &l.cfg)
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

// Close implements transport.Listener: later dials fail, every connection
// is closed, and Close waits for their goroutines or ctx.
func (l *listener) Close(ctx context.Context) error {
	l.mu.Lock()
	l.closed = true
	for c := range l.conns {
		_ = c.Close()
	}
	l.mu.Unlock()
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pipeConn is one end of a net.Pipe with the addresses of a connection.
type pipeConn struct {
	net.Conn
	local, remote net.Addr
}

func (c *pipeConn) LocalAddr() net.Addr  { return c.local }
func (c *pipeConn) RemoteAddr() net.Addr { return c.remote }
