package transport

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gamesrv/gamesrv/runtime/wire"
)

// buffersWriter is implemented by connections that take a batch of buffers
// in one call (kcp-go's UDPSession).
type buffersWriter interface {
	WriteBuffers(v [][]byte) (int, error)
}

// tryWriter is implemented by connections that can tell, without
// blocking, whether a write would wait for the peer (the KCP transport's
// sessions, whose send window may be full): TryWrite writes all of p and
// returns len(p), or writes nothing and returns 0. It never waits for the
// peer; a KCP session's datagrams may wait for room in the UDP socket's
// send buffer, which the kernel drains at the link's pace, as every KCP
// flush does.
type tryWriter interface {
	TryWrite(p []byte) (int, error)
}

// closeWriter is implemented by connections that can end their output and
// keep reading: *net.TCPConn, and the KCP transport's sessions (which end
// it once the peer acknowledged everything).
type closeWriter interface {
	CloseWrite() error
}

// streamConn runs a stream-oriented net.Conn: the goroutine that called
// ServeConn reads and splits packets; a writer goroutine, started only while
// something is queued, drains the outbound queue. An idle connection holds
// one goroutine. On a connection that can try a write (tryWriter), a
// packet written while nothing is queued is written by the caller, as
// TCP's are (Queue.PushDirect): no writer goroutine starts for it.
type streamConn struct {
	nc  net.Conn
	tw  tryWriter // nc, if it can try a write; else nil
	cfg *Config
	q   Queue

	wmu     sync.Mutex
	writing bool // a writer goroutine runs, or ended the output for good
	again   bool // something was queued while it ran

	mu        sync.Mutex
	closing   bool        // a close started: the reader discards, the writer ends the output
	reason    error       // what OnDisconnect reports for a close: the violation, or nil
	lingerEnd time.Time   // when a closing connection is closed whatever the peer does
	inputDone bool        // the output ended on a connection whose peer sends no EOF
	stopped   atomic.Bool // closing, read without the lock for every packet

	flushed chan struct{} // closed when the writer ended the output, or failed
	done    chan struct{} // closed with the socket
	once    sync.Once
}

// ServeConn serves one stream connection (a KCP session, a TLS connection,
// any net.Conn carrying packets back to back) until it closes. It blocks:
// run it in its own goroutine. The connection is closed when ServeConn
// returns.
//
// A close (Conn.Close, or a client breaking the protocol) stops the packets
// to the Peer, writes what was queued, ends the output (TLS close_notify
// and a TCP FIN when the connection has CloseWrite) and reads and discards
// until the peer closes its side, within cfg's linger bounds; only then is
// the connection closed, so the peer reads every byte queued before the
// close. A connection without CloseWrite is closed once the queue is
// written.
func ServeConn(nc net.Conn, cfg *Config) {
	c := &streamConn{nc: nc, cfg: cfg, flushed: make(chan struct{}), done: make(chan struct{})}
	c.tw, _ = nc.(tryWriter)
	peer := cfg.Handler.Open(c)
	if peer == nil { // refused: send what the handler wrote (a kick), then close
		_ = c.Close()
	}
	err := c.readLoop(peer)
	c.shutdown()
	if peer != nil {
		peer.OnDisconnect(err)
	}
}

// Write implements [Conn].
func (c *streamConn) Write(p []byte) error {
	var schedule bool
	var err error
	if c.tw != nil {
		schedule, err = c.q.PushDirect(p, c.cfg.MaxPending, c.tw.TryWrite)
	} else {
		schedule, err = c.q.Push(p, c.cfg.MaxPending)
	}
	if schedule {
		c.kick()
	}
	return err
}

// Close implements [Conn].
func (c *streamConn) Close() error {
	c.beginClose(nil)
	if c.q.Close() {
		c.kick()
	}
	return nil
}

// RemoteAddr implements [Conn].
func (c *streamConn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// Established implements [Establisher] for connections that bound the
// ones still in their handshake (KCP sessions).
func (c *streamConn) Established() {
	if e, ok := c.nc.(Establisher); ok {
		e.Established()
	}
}

// kick makes sure a writer goroutine will take what was queued: it starts
// one, or tells the running one to look again before it exits.
func (c *streamConn) kick() {
	c.wmu.Lock()
	if c.writing {
		c.again = true
		c.wmu.Unlock()
		return
	}
	c.writing = true
	c.wmu.Unlock()
	go c.writeLoop()
}

// idle reports whether the writer may exit: nothing was queued since its
// last Take.
func (c *streamConn) idle() bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.again {
		c.again = false
		return false
	}
	c.writing = false
	return true
}

// writeLoop writes what is queued and exits when the queue is empty; after
// a close it ends the output and never exits idle, so no writer runs again.
func (c *streamConn) writeLoop() {
	for {
		bufs, closing := c.q.Take()
		if closing && c.q.Overflowed() { // a slow consumer: it would not read the rest
			c.shutdown()
			close(c.flushed)
			return
		}
		if len(bufs) > 0 {
			err := c.write(bufs)
			c.q.Recycle(bufs)
			if err != nil {
				c.shutdown()
				close(c.flushed)
				return
			}
			c.q.SetBacklog(false) // all written: callers may write directly again
		}
		if closing {
			c.endOutput()
			close(c.flushed)
			return
		}
		if c.idle() {
			return
		}
	}
}

// write writes bufs under the write deadline.
func (c *streamConn) write(bufs [][]byte) error {
	if d := c.writeDeadline(); !d.IsZero() {
		_ = c.nc.SetWriteDeadline(d)
	}
	if bw, ok := c.nc.(buffersWriter); ok {
		_, err := bw.WriteBuffers(bufs)
		return err
	}
	nb := net.Buffers(bufs)
	_, err := nb.WriteTo(c.nc)
	return err
}

// writeDeadline is WriteTimeout from now, and no later than the end of the
// linger once closing; zero for none.
func (c *streamConn) writeDeadline() time.Time {
	var d time.Time
	if c.cfg.WriteTimeout > 0 {
		d = time.Now().Add(c.cfg.WriteTimeout)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing && (d.IsZero() || c.lingerEnd.Before(d)) {
		d = c.lingerEnd
	}
	return d
}

// beginClose stops the packets to the Peer and bounds the rest of the
// connection's life; reason is what OnDisconnect reports. Only the first
// call counts.
func (c *streamConn) beginClose(reason error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	timeout, _ := c.cfg.Linger()
	c.closing, c.reason, c.lingerEnd = true, reason, time.Now().Add(timeout)
	c.stopped.Store(true)
	_ = c.nc.SetReadDeadline(c.lingerEnd) // the reader may be waiting under the idle deadline
}

// fail closes a connection whose client broke the protocol.
func (c *streamConn) fail(err error) {
	c.beginClose(err)
	if c.q.Close() {
		c.kick()
	}
}

// endOutput runs on the writer once everything queued was written: the
// peer is told the stream ends, and the reader waits for the peer's own
// end. Without a way to tell it, the reader stops at once.
func (c *streamConn) endOutput() {
	c.beginClose(nil) // the queue closed itself (slow consumer)
	if closeWrite(c.nc) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inputDone = true
	_ = c.nc.SetReadDeadline(time.Now()) // wake the reader
}

// closeWrite ends nc's output after what was written: a TLS close_notify,
// then the TCP FIN. It reports whether the peer will see the end.
func closeWrite(nc net.Conn) bool {
	if tc, ok := nc.(*tls.Conn); ok {
		if tc.CloseWrite() != nil { // the handshake never completed
			return false
		}
		nc = tc.NetConn()
	}
	cw, ok := nc.(closeWriter)
	return ok && cw.CloseWrite() == nil
}

// shutdown closes the socket; a writer still running fails and exits.
func (c *streamConn) shutdown() {
	c.once.Do(func() {
		c.q.Close()
		close(c.done)
		_ = c.nc.Close()
	})
}

// readLoop reads until an error and returns what OnDisconnect reports. Once
// the connection is closing it discards what arrives, up to the linger's
// byte budget, until the peer ends its side or the linger's deadline.
func (c *streamConn) readLoop(peer Peer) error {
	buf := make([]byte, 0, 4096)
	_, budget := c.cfg.Linger()
	discarded := 0
	for {
		closing, stop := c.armRead()
		if stop {
			return c.endClose()
		}
		if closing {
			buf = buf[:0]
		} else if len(buf) == cap(buf) {
			buf = grow(buf)
		}
		n, err := c.nc.Read(buf[len(buf):cap(buf)])
		if closing || c.isClosing() {
			if discarded += n; err != nil || discarded > budget {
				return c.endClose()
			}
			continue
		}
		buf = buf[:len(buf)+n]
		if err != nil {
			return c.readError(err)
		}
		var perr error
		if buf, perr = c.drain(peer, buf); perr != nil {
			c.fail(perr)
		}
	}
}

// armRead sets the idle deadline before a read. Once closing the linger's
// deadline (set by beginClose) holds instead, and stop reports that there
// is nothing more to wait for.
func (c *streamConn) armRead() (closing, stop bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return true, c.inputDone
	}
	if c.cfg.IdleTimeout > 0 {
		_ = c.nc.SetReadDeadline(time.Now().Add(c.cfg.IdleTimeout))
	}
	return false, false
}

// isClosing reports whether a close started: no more packets for the
// Peer.
func (c *streamConn) isClosing() bool { return c.stopped.Load() }

// endClose waits, at most until the end of the linger, for the writer to
// have ended the output (the peer may close its side before it read it
// all), and returns the reason of the close.
func (c *streamConn) endClose() error {
	c.mu.Lock()
	end, reason := c.lingerEnd, c.reason
	c.mu.Unlock()
	t := time.NewTimer(time.Until(end))
	defer t.Stop()
	select {
	case <-c.flushed:
	case <-c.done:
	case <-t.C:
	}
	return reason
}

// drain hands every complete packet in buf to peer and returns the
// unconsumed rest, moved to the front of buf. It stops at a violation, or
// when the connection starts closing.
func (c *streamConn) drain(peer Peer, buf []byte) ([]byte, error) {
	off := 0
	for {
		t, body, n, err := wire.SplitPacket(buf[off:], c.cfg.MaxBody)
		if err != nil {
			return buf[:0], &ProtocolError{Err: err}
		}
		if n == 0 {
			break
		}
		if err := peer.OnPacket(t, body); err != nil {
			return buf[:0], &ProtocolError{Err: err}
		}
		off += n
		if c.isClosing() { // Close was called from OnPacket, or concurrently
			return buf[:0], nil
		}
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
