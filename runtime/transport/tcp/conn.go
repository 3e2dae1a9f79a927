package tcp

import (
	"net"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/linger"
	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// conn is one client connection. Writes from any goroutine are queued and
// the event loop is woken to flush them.
type conn struct {
	gc         gnet.Conn
	fd         int
	cfg        *transport.Config
	peer       transport.Peer // nil when the handler refused the connection
	remote     net.Addr
	maxPending int
	q          transport.Queue
	violation  error          // why the loop closed the connection, if the client broke the protocol
	linger     *linger.Linger // set once the connection is closing; loop-only
}

var _ transport.Conn = (*conn)(nil)

// Write implements [transport.Conn]. When the connection is idle the
// calling goroutine writes to the socket itself (one non-blocking write
// instead of waking the event loop to do it); otherwise the packet is
// queued for the loop.
func (c *conn) Write(p []byte) error {
	schedule, err := c.q.PushDirect(p, c.maxPending, c.writeSocket)
	if schedule {
		_ = c.gc.Wake(nil)
	}
	return err
}

// writeSocket writes to the non-blocking socket; a full socket buffer
// writes nothing (the rest is queued). It runs under the queue's lock, and
// gnet closes the descriptor only after OnClose, which closes the queue:
// the descriptor cannot have been reused by another connection.
func (c *conn) writeSocket(p []byte) (int, error) {
	for {
		n, err := unix.Write(c.fd, p)
		switch err {
		case nil:
			return n, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, nil
		}
		return 0, err
	}
}

// Close implements [transport.Conn].
func (c *conn) Close() error {
	if c.q.Close() {
		_ = c.gc.Wake(nil)
	}
	return nil
}

// RemoteAddr implements [transport.Conn]. gnet allocates the address once
// per connection and never changes it.
func (c *conn) RemoteAddr() net.Addr { return c.remote }

// flush writes the queued packets; it runs on the event loop. After a
// requested close the connection lingers (see package linger); it closes at
// once when the bytes gnet could not send yet exceed the limit (the peer
// does not read).
func (c *conn) flush(gc gnet.Conn) gnet.Action {
	bufs, closing := c.q.Take()
	if len(bufs) > 0 {
		err := writev(gc, bufs)
		c.q.Recycle(bufs)
		if err != nil {
			return gnet.Close
		}
		c.q.SetBacklog(gc.OutboundBuffered() > 0)
	}
	if closing {
		if c.q.Overflowed() { // a slow consumer: it would not read the rest
			return gnet.Close
		}
		var a gnet.Action
		c.linger, a = linger.Start(gc, c.cfg)
		return a
	}
	if c.maxPending > 0 && gc.OutboundBuffered() > c.maxPending {
		return gnet.Close
	}
	return gnet.None
}

// maxIovec is the most buffers one writev takes (IOV_MAX on Linux); gnet
// passes a longer list through and the kernel refuses it.
const maxIovec = 1024

// writev writes bufs in writev calls of at most maxIovec buffers.
func writev(gc gnet.Conn, bufs [][]byte) error {
	for len(bufs) > 0 {
		n := min(len(bufs), maxIovec)
		if _, err := gc.Writev(bufs[:n]); err != nil {
			return err
		}
		bufs = bufs[n:]
	}
	return nil
}
