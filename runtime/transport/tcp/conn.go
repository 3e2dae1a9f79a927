package tcp

import (
	"net"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/panjf2000/gnet/v2"
)

// conn is one client connection. Writes from any goroutine are queued and
// the event loop is woken to flush them.
type conn struct {
	gc         gnet.Conn
	peer       transport.Peer
	remote     net.Addr
	maxPending int
	q          transport.Queue
}

var _ transport.Conn = (*conn)(nil)

// Write implements [transport.Conn].
func (c *conn) Write(p []byte) error {
	schedule, err := c.q.Push(p, c.maxPending)
	if schedule {
		_ = c.gc.Wake(nil)
	}
	return err
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

// flush writes the queued packets; it runs on the event loop. The
// connection closes after a requested close, and when the bytes gnet could
// not send yet exceed the limit (the peer does not read).
func (c *conn) flush(gc gnet.Conn) gnet.Action {
	bufs, closing := c.q.Take()
	if len(bufs) > 0 {
		_, err := gc.Writev(bufs)
		c.q.Recycle(bufs)
		if err != nil {
			return gnet.Close
		}
	}
	if closing {
		return gnet.Close
	}
	if c.maxPending > 0 && gc.OutboundBuffered() > c.maxPending {
		return gnet.Close
	}
	return gnet.None
}
