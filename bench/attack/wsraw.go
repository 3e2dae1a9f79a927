package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"sync"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gobwas/ws"
)

// wsStream is a WebSocket client connection carrying the packet stream:
// each Write is one binary message, Read returns the bytes of the binary
// messages in order. It closes like a browser or Node's ws package (RFC
// 6455 §7.1.1): on the server's close frame it answers one and waits for
// the server to close the TCP connection, so that the server's side is the
// one left in TIME_WAIT.
type wsStream struct {
	net.Conn // the TCP connection: deadlines, addresses, Close
	src      *bufio.Reader
	left     int64 // payload bytes left in the current data frame
	wmu      sync.Mutex
}

// dialWSRaw opens a WebSocket to a "ws://host:port/path" URL and returns
// it as a rawConn.
func dialWSRaw(ctx context.Context, url string) (*rawConn, error) {
	conn, br, _, err := ws.Dialer{}.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	var src io.Reader = conn
	if br != nil {
		src = io.MultiReader(br, conn)
	}
	s := &wsStream{Conn: conn, src: bufio.NewReader(src)}
	return &rawConn{nc: s, br: bufio.NewReader(s), ser: gamesrv.ProtobufSerializer{}}, nil
}

// Read returns bytes of the binary messages, in order.
func (c *wsStream) Read(p []byte) (int, error) {
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

// nextFrame reads the next frame header, answering pings and the close
// frame.
func (c *wsStream) nextFrame() error {
	h, err := ws.ReadHeader(c.src)
	if err != nil {
		return err
	}
	if h.OpCode == ws.OpBinary || h.OpCode == ws.OpContinuation {
		c.left = h.Length
		return nil
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(c.src, payload); err != nil {
		return err
	}
	if h.Masked {
		ws.Cipher(payload, h.Mask, 0)
	}
	switch h.OpCode {
	case ws.OpPing:
		return c.writeFrame(ws.OpPong, payload)
	case ws.OpClose:
		_ = c.writeFrame(ws.OpClose, payload) // echo the status code
		return c.awaitTCPClose()
	}
	return nil // pong or text: ignored
}

// awaitTCPClose reads until the server closes the TCP connection and
// returns io.EOF, or the error that ended it otherwise.
func (c *wsStream) awaitTCPClose() error {
	if _, err := io.Copy(io.Discard, c.src); err != nil {
		return err
	}
	return io.EOF
}

// Write sends p as one binary message.
func (c *wsStream) Write(p []byte) (int, error) {
	if err := c.writeFrame(ws.OpBinary, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// writeFrame writes one masked client frame.
func (c *wsStream) writeFrame(op ws.OpCode, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	f := ws.NewFrame(op, true, append([]byte(nil), p...))
	return ws.WriteFrame(c.Conn, ws.MaskFrameInPlace(f))
}
