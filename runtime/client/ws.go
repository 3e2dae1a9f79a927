package client

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/gobwas/ws"
)

// wsConn adapts a WebSocket client connection to the packet stream the
// client reads and writes: every binary message carries one whole packet.
// Pings are answered; a close frame ends the stream.
type wsConn struct {
	net.Conn           // the TCP connection: deadlines, addresses, Close
	src      io.Reader // buffered reads from Conn
	left     int64     // payload bytes left in the current data frame
	wmu      sync.Mutex
}

// dialWS opens a WebSocket to a "ws://host:port/path" URL over what dial
// returns.
func dialWS(ctx context.Context, url string, dial dialFunc) (net.Conn, error) {
	conn, br, _, err := ws.Dialer{NetDial: dial}.Dial(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("client: dial %s: %w", url, err)
	}
	var src io.Reader = conn
	if br != nil {
		src = io.MultiReader(br, conn)
	}
	return &wsConn{Conn: conn, src: bufio.NewReader(src)}, nil
}

// Read returns bytes of the binary messages, in order.
func (c *wsConn) Read(p []byte) (int, error) {
	for c.left == 0 {
		if err := c.nextFrame(); err != nil {
			return 0, err
		}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.src.Read(p)
	c.left -= int64(n)
	return n, err
}

// nextFrame reads the next frame header, answering control frames.
func (c *wsConn) nextFrame() error {
	h, err := ws.ReadHeader(c.src)
	if err != nil {
		return err
	}
	switch h.OpCode {
	case ws.OpBinary, ws.OpContinuation:
		c.left = h.Length
		return nil
	case ws.OpClose:
		return io.EOF
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(c.src, payload); err != nil {
		return err
	}
	if h.OpCode == ws.OpPing {
		_, err := c.writeFrame(ws.OpPong, payload)
		return err
	}
	return nil // pong or text: ignored
}

// Write sends p, one whole packet, as one binary message. On failure n is
// 0 only when nothing of the frame reached the connection (the client
// keeps a connection whose interrupted write sent nothing); otherwise it
// counts the frame's bytes written, at most len(p).
func (c *wsConn) Write(p []byte) (int, error) {
	n, err := c.writeFrame(ws.OpBinary, p)
	if err != nil {
		return min(n, len(p)), err
	}
	return len(p), nil
}

// writeFrame writes one masked client frame and returns the bytes of it
// written.
func (c *wsConn) writeFrame(op ws.OpCode, p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	f := ws.NewFrame(op, true, append([]byte(nil), p...))
	w := countingWriter{w: c.Conn}
	err := ws.WriteFrame(&w, ws.MaskFrameInPlace(f))
	return w.n, err
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.n += n
	return n, err
}
