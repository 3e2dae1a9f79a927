package tcp

import (
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/gnetrun"
	"github.com/panjf2000/gnet/v2"
)

// conn is one client connection. Writes from any goroutine are queued and
// the event loop is woken to flush them.
type conn struct {
	gnetrun.Conn // Peer is nil when the handler refused the connection
	fd           int
	cfg          *transport.Config
}

var _ transport.Conn = (*conn)(nil)

// Write implements [transport.Conn]. When the connection is idle the
// calling goroutine writes to the socket itself (one non-blocking write
// instead of waking the event loop to do it); otherwise the packet is
// queued for the loop.
func (c *conn) Write(p []byte) error {
	schedule, err := c.Q.PushDirect(p, c.MaxPending, c.writeSocket)
	if schedule {
		_ = c.GC.Wake(nil)
	}
	return err
}

// flush writes the queued packets; it runs on the event loop. What
// follows (a close, a linger) is gnetrun.Conn.Flushed.
func (c *conn) flush(gc gnet.Conn) gnet.Action {
	bufs, closing := c.Q.Take()
	if len(bufs) > 0 {
		err := writev(gc, bufs)
		c.Q.Recycle(bufs)
		if err != nil {
			return gnet.Close
		}
		c.Q.SetBacklog(gc.OutboundBuffered() > 0)
	}
	return c.Flushed(gc, closing, c.cfg, nil)
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
