package transport

import (
	"errors"
	"net"
	"sync"
	"time"

	"github.com/gamesrv/gamesrv/runtime/wire"
)

// buffersWriter is implemented by connections that take a batch of buffers
// in one call (kcp-go's UDPSession).
type buffersWriter interface {
	WriteBuffers(v [][]byte) (int, error)
}

// streamConn runs a stream-oriented net.Conn: the calling goroutine reads
// and splits packets, a writer goroutine drains the outbound queue.
type streamConn struct {
	nc    net.Conn
	cfg   *Config
	q     Queue
	wake  chan struct{}
	done  chan struct{}
	close sync.Once
}

// ServeConn serves one stream connection (a KCP session, a TLS connection,
// any net.Conn carrying packets back to back) until it closes. It blocks:
// run it in its own goroutine. The connection is closed when ServeConn
// returns.
func ServeConn(nc net.Conn, cfg *Config) {
	c := &streamConn{nc: nc, cfg: cfg, wake: make(chan struct{}, 1), done: make(chan struct{})}
	peer := cfg.Handler.Open(c)
	if peer == nil { // refused: send what the handler wrote (a kick), then close
		c.flush()
		_ = nc.Close()
		return
	}
	go c.writeLoop()
	err := c.readLoop(peer)
	c.shutdown()
	peer.OnDisconnect(err)
}

// Write implements [Conn].
func (c *streamConn) Write(p []byte) error {
	schedule, err := c.q.Push(p, c.cfg.MaxPending)
	if schedule {
		c.signal()
	}
	return err
}

// Close implements [Conn].
func (c *streamConn) Close() error {
	if c.q.Close() {
		c.signal()
	}
	return nil
}

// RemoteAddr implements [Conn].
func (c *streamConn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

func (c *streamConn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// shutdown closes the socket and stops the writer.
func (c *streamConn) shutdown() {
	c.close.Do(func() {
		c.q.Close()
		close(c.done)
		_ = c.nc.Close()
	})
}

func (c *streamConn) writeLoop() {
	for {
		select {
		case <-c.wake:
			if !c.flush() {
				c.shutdown()
				return
			}
		case <-c.done:
			return
		}
	}
}

// flush writes what is queued and reports whether the connection stays open.
func (c *streamConn) flush() bool {
	bufs, closing := c.q.Take()
	if len(bufs) > 0 {
		if c.cfg.WriteTimeout > 0 {
			_ = c.nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
		}
		err := c.writeBuffers(bufs)
		c.q.Recycle(bufs)
		if err != nil {
			return false
		}
	}
	return !closing
}

func (c *streamConn) writeBuffers(bufs [][]byte) error {
	if bw, ok := c.nc.(buffersWriter); ok {
		_, err := bw.WriteBuffers(bufs)
		return err
	}
	nb := net.Buffers(bufs)
	_, err := nb.WriteTo(c.nc)
	return err
}

// readLoop reads until an error and returns it (nil when the connection was
// closed on purpose).
func (c *streamConn) readLoop(peer Peer) error {
	buf := make([]byte, 0, 4096)
	for {
		if c.cfg.IdleTimeout > 0 {
			_ = c.nc.SetReadDeadline(time.Now().Add(c.cfg.IdleTimeout))
		}
		if len(buf) == cap(buf) {
			buf = grow(buf)
		}
		n, err := c.nc.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return c.readError(err)
		}
		if buf, err = c.drain(peer, buf); err != nil {
			return err
		}
	}
}

// drain hands every complete packet in buf to peer and returns the
// unconsumed rest, moved to the front of buf.
func (c *streamConn) drain(peer Peer, buf []byte) ([]byte, error) {
	off := 0
	for {
		t, body, n, err := wire.SplitPacket(buf[off:], c.cfg.MaxBody)
		if err != nil {
			return buf, &ProtocolError{Err: err}
		}
		if n == 0 {
			break
		}
		if err := peer.OnPacket(t, body); err != nil {
			return buf, &ProtocolError{Err: err}
		}
		off += n
	}
	rest := copy(buf, buf[off:])
	return buf[:rest], nil
}

// readError maps the error that ended the read loop: nil when we closed the
// connection ourselves.
func (c *streamConn) readError(err error) error {
	select {
	case <-c.done:
		return nil
	default:
	}
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// grow doubles buf's capacity, keeping its contents.
func grow(buf []byte) []byte {
	nb := make([]byte, len(buf), 2*cap(buf))
	copy(nb, buf)
	return nb
}
