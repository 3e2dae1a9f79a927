package ws

import (
	"cmp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/gnetrun"
	"github.com/gobwas/ws"
	"github.com/panjf2000/gnet/v2"
)

// conn is one client connection: an HTTP request until the upgrade, then a
// WebSocket. Writes from any goroutine are queued and the event loop is
// woken to flush them; Close (of gnetrun.Conn) ends the connection with a
// close frame (1000) after what was queued. Fields without a comment about
// it are loop-only.
type conn struct {
	gnetrun.Conn
	l         *Listener
	timer     *time.Timer   // the upgrade deadline; stopped at the upgrade
	upgraded  atomic.Bool   // read by the timer
	frag      []byte        // the fragments of a message being reassembled
	fragging  bool          // frag holds the first fragments of a message
	closeCode ws.StatusCode // the close frame's status; 0: normal closure
}

var _ transport.Conn = (*conn)(nil)

// Write implements [transport.Conn].
func (c *conn) Write(p []byte) error {
	schedule, err := c.Q.Push(p, c.MaxPending)
	if schedule {
		_ = c.GC.Wake(nil)
	}
	return err
}

// upgradeExpired closes a connection still speaking HTTP at its deadline.
func (c *conn) upgradeExpired() {
	if !c.upgraded.Load() {
		_ = c.GC.Close()
	}
}

// flush sends the queued packets, one binary message each; it runs on the
// event loop. A closing connection then sends its close frame (once
// upgraded); what follows is gnetrun.Conn.Flushed.
func (c *conn) flush(gc gnet.Conn) gnet.Action {
	bufs, closing := c.Q.Take()
	if len(bufs) > 0 {
		err := writeMessages(gc, bufs)
		c.Q.Recycle(bufs)
		if err != nil {
			return gnet.Close
		}
	}
	var last []byte
	if closing && c.upgraded.Load() {
		last = closeFrame(cmp.Or(c.closeCode, ws.StatusNormalClosure))
	}
	return c.Flushed(gc, closing, &c.l.base.Cfg, last)
}

// startLinger begins the close once the last bytes were written.
func (c *conn) startLinger(gc gnet.Conn) gnet.Action {
	return c.StartLinger(gc, &c.l.base.Cfg)
}

// closeWith closes the connection after what was queued, with a close
// frame carrying code.
func (c *conn) closeWith(gc gnet.Conn, code ws.StatusCode) gnet.Action {
	c.closeCode = code
	c.Q.Close()
	return c.flush(gc)
}

// breach closes, with a close frame, a connection whose client broke the
// protocol, after what was queued for it (the answers to its earlier
// packets); OnClose reports err to the peer.
func (c *conn) breach(gc gnet.Conn, code ws.StatusCode, err error) gnet.Action {
	c.Violation = &transport.ProtocolError{Err: err}
	return c.closeWith(gc, code)
}

// batchMessages bounds the messages per writev: two iovecs each, under
// Linux's IOV_MAX of 1024 (writev fails with EINVAL above it).
const batchMessages = 256

// frameBatch holds the headers and iovecs of one writev. Batches are
// pooled: they are needed only during a flush, so an idle connection holds
// none.
type frameBatch struct {
	hdrs []byte // never grows past its capacity: iov points into it
	iov  [][]byte
}

var batches = sync.Pool{New: func() any {
	return &frameBatch{hdrs: make([]byte, 0, batchMessages*maxServerHeader), iov: make([][]byte, 0, 2*batchMessages)}
}}

// writeMessages writes every packet of bufs as one binary message. gnet
// sends or copies everything it is given, so bufs may be reused after.
func writeMessages(gc gnet.Conn, bufs [][]byte) error {
	b := batches.Get().(*frameBatch)
	defer batches.Put(b)
	for _, buf := range bufs {
		for len(buf) > 0 {
			if len(b.iov) == cap(b.iov) {
				if err := b.write(gc); err != nil {
					return err
				}
			}
			n := packetLen(buf)
			start := len(b.hdrs)
			b.hdrs = appendHeader(b.hdrs, ws.OpBinary, n)
			b.iov = append(b.iov, b.hdrs[start:len(b.hdrs):len(b.hdrs)], buf[:n:n])
			buf = buf[n:]
		}
	}
	return b.write(gc)
}

// write sends the batch and empties it.
func (b *frameBatch) write(gc gnet.Conn) error {
	var err error
	if len(b.iov) > 0 {
		_, err = gc.Writev(b.iov)
	}
	clear(b.iov)
	b.iov, b.hdrs = b.iov[:0], b.hdrs[:0]
	return err
}
