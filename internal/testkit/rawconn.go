package testkit

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/wire"
	kcpgo "github.com/xtaci/kcp-go/v5"
)

// RawConn is a client connection that speaks raw packets, for tests that
// check the protocol byte by byte.
type RawConn struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

// DialRaw connects to addr ("tcp://..." or "kcp://...") and closes the
// connection when the test ends.
func DialRaw(t testing.TB, addr string) *RawConn {
	t.Helper()
	scheme, hostport, _ := strings.Cut(addr, "://")
	var nc net.Conn
	var err error
	if scheme == "kcp" {
		var s *kcpgo.UDPSession
		s, err = kcpgo.DialWithOptions(hostport, nil, 0, 0)
		if err == nil {
			s.SetNoDelay(1, 10, 2, 1)
			s.SetWindowSize(128, 128)
			nc = s
		}
	} else {
		nc, err = net.DialTimeout("tcp", hostport, 5*time.Second)
	}
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return &RawConn{t: t, nc: nc, br: bufio.NewReader(nc)}
}

// Conn returns the underlying connection.
func (c *RawConn) Conn() net.Conn { return c.nc }

// Write sends raw bytes.
func (c *RawConn) Write(b []byte) {
	c.t.Helper()
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// Send sends one packet.
func (c *RawConn) Send(t wire.PacketType, body []byte) {
	c.t.Helper()
	p, err := wire.AppendPacket(nil, t, body)
	if err != nil {
		c.t.Fatalf("encode packet: %v", err)
	}
	c.Write(p)
}

// SendMessage sends one Data packet.
func (c *RawConn) SendMessage(h *wire.Header, payload []byte) {
	c.t.Helper()
	p, err := wire.AppendDataPacket(nil, h, payload)
	if err != nil {
		c.t.Fatalf("encode message: %v", err)
	}
	c.Write(p)
}

// Next reads the next packet, failing the test after timeout.
func (c *RawConn) Next(timeout time.Duration) (wire.PacketType, []byte) {
	c.t.Helper()
	t, body, err := c.Read(timeout)
	if err != nil {
		c.t.Fatalf("read packet: %v", err)
	}
	return t, body
}

// Read reads the next packet.
func (c *RawConn) Read(timeout time.Duration) (wire.PacketType, []byte, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
	var hdr [wire.HeaderLen]byte
	if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
		return 0, nil, err
	}
	t, n, err := wire.ParseHeader(hdr[:])
	if err != nil {
		return 0, nil, err
	}
	body := make([]byte, n)
	_, err = io.ReadFull(c.br, body)
	return t, body, err
}

// NextData reads packets until a Data packet, skipping heartbeats, and
// decodes it.
func (c *RawConn) NextData(timeout time.Duration) wire.Message {
	c.t.Helper()
	for {
		t, body := c.Next(timeout)
		if t == wire.PacketHeartbeat {
			continue
		}
		if t != wire.PacketData {
			c.t.Fatalf("got a %s packet, want data", t)
		}
		m, err := wire.DecodeMessage(body)
		if err != nil {
			c.t.Fatalf("decode message: %v", err)
		}
		return m
	}
}

// Handshake sends a handshake with body, checks the 200 answer, sends the
// ack and returns the server's response.
func (c *RawConn) Handshake(body string) *wire.HandshakeResponse {
	c.t.Helper()
	c.Send(wire.PacketHandshake, []byte(body))
	t, b := c.Next(5 * time.Second)
	if t != wire.PacketHandshake {
		c.t.Fatalf("got a %s packet, want the handshake response", t)
	}
	resp, err := wire.DecodeHandshakeResponse(b)
	if err != nil {
		c.t.Fatalf("decode handshake response %q: %v", b, err)
	}
	if resp.Code != wire.HandshakeCodeOK {
		c.t.Fatalf("handshake refused: %s", b)
	}
	c.Send(wire.PacketHandshakeAck, nil)
	return resp
}

// ExpectClosed fails the test unless the server closes the connection
// within timeout; heartbeats and other packets before the close are
// skipped and returned. Then it closes the client's side, as a client
// does (a closing server reads until then, within its linger bounds).
func (c *RawConn) ExpectClosed(timeout time.Duration) []wire.PacketType {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	var seen []wire.PacketType
	for {
		t, _, err := c.Read(time.Until(deadline))
		if err == nil {
			seen = append(seen, t)
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.t.Fatalf("connection still open after %v (saw %v)", timeout, seen)
		}
		_ = c.nc.Close()
		return seen
	}
}
