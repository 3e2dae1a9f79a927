package ws

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"github.com/gobwas/ws"
)

// fakeHandler is a session layer for transport tests: each peer records
// the packets it receives and answers them (see peer.OnPacket).
type fakeHandler struct {
	peers chan *peer
	// refuse, when set, makes Open queue a kick, close and refuse.
	refuse atomic.Bool
}

func newFakeHandler() *fakeHandler { return &fakeHandler{peers: make(chan *peer, 16)} }

func (h *fakeHandler) Open(c transport.Conn) transport.Peer {
	if h.refuse.Load() {
		_ = c.Write(wire.KickPacket("server full"))
		_ = c.Close()
		return nil
	}
	p := &peer{conn: c, packets: make(chan []byte, 1024), done: make(chan error, 1)}
	h.peers <- p
	return p
}

// next returns the next opened peer.
func (h *fakeHandler) next(t *testing.T) *peer {
	t.Helper()
	select {
	case p := <-h.peers:
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("no connection opened within 5s")
		return nil
	}
}

type peer struct {
	conn    transport.Conn
	packets chan []byte // copies of the packets received, header included
	done    chan error
}

// OnPacket records the packet and answers a Data packet according to its
// body: "two" gets two packets in one Write, "many:N" N packets in one
// Write, "big:N" one packet with an N-byte body, "close" an echo and a
// Close; anything else is echoed.
func (p *peer) OnPacket(t wire.PacketType, body []byte) error {
	pkt := mustPacket(t, body)
	p.packets <- pkt
	if t != wire.PacketData {
		return nil
	}
	s := string(body)
	switch {
	case s == "two":
		return p.conn.Write(append(mustPacket(wire.PacketData, []byte("one")), mustPacket(wire.PacketData, []byte("two"))...))
	case strings.HasPrefix(s, "many:"):
		n, _ := strconv.Atoi(strings.TrimPrefix(s, "many:"))
		var out []byte
		for i := range n {
			out = append(out, mustPacket(wire.PacketData, []byte(strconv.Itoa(i)))...)
		}
		return p.conn.Write(out)
	case strings.HasPrefix(s, "big:"):
		n, _ := strconv.Atoi(strings.TrimPrefix(s, "big:"))
		return p.conn.Write(mustPacket(wire.PacketData, bytes.Repeat([]byte{'b'}, n)))
	case s == "close":
		_ = p.conn.Write(pkt)
		return p.conn.Close()
	}
	return p.conn.Write(pkt)
}

func (p *peer) OnDisconnect(err error) { p.done <- err }

// packet returns the next packet the peer received.
func (p *peer) packet(t *testing.T) []byte {
	t.Helper()
	select {
	case b := <-p.packets:
		return b
	case <-time.After(5 * time.Second):
		t.Fatal("no packet received within 5s")
		return nil
	}
}

// disconnected waits for OnDisconnect and returns its reason.
func (p *peer) disconnected(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("OnDisconnect not called within 5s")
		return nil
	}
}

func mustPacket(t wire.PacketType, body []byte) []byte {
	p, err := wire.AppendPacket(nil, t, body)
	if err != nil {
		panic(err)
	}
	return p
}

// listen starts a listener on a loopback port 0 with the fake handler and
// stops it when the test ends.
func listen(t *testing.T, opts Options, maxBody, maxPending int) (*Listener, *fakeHandler) {
	t.Helper()
	return listenWith(t, New("127.0.0.1:0", opts), maxBody, maxPending)
}

func listenWith(t *testing.T, l *Listener, maxBody, maxPending int) (*Listener, *fakeHandler) {
	t.Helper()
	h := newFakeHandler()
	cfg := transport.Config{Handler: h, MaxBody: maxBody, MaxPending: maxPending, Logger: testkit.Logger(t)}
	if err := l.Start(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := l.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return l, h
}

// rawClient speaks WebSocket byte by byte over a plain TCP connection.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, l *Listener) *rawClient {
	t.Helper()
	nc, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return &rawClient{t: t, nc: nc, br: bufio.NewReader(nc)}
}

const (
	testKey    = "dGhlIHNhbXBsZSBub25jZQ==" // RFC 6455 §1.3
	testAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
)

// upgradeRequest returns an HTTP upgrade request for path with extra
// header lines ("Origin: x\r\n").
func upgradeRequest(path, extra string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: game.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + testKey + "\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n"
}

func (c *rawClient) write(b []byte) {
	c.t.Helper()
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// response reads the HTTP response header and returns its status code
// and header text.
func (c *rawClient) response() (int, string) {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var head strings.Builder
	for {
		line, err := c.br.ReadString('\n')
		if err != nil {
			c.t.Fatalf("read response: %v (so far %q)", err, head.String())
		}
		head.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	fields := strings.Fields(head.String())
	if len(fields) < 2 {
		c.t.Fatalf("bad status line in %q", head.String())
	}
	status, err := strconv.Atoi(fields[1])
	if err != nil {
		c.t.Fatalf("bad status line in %q", head.String())
	}
	return status, head.String()
}

// upgrade performs the upgrade with a request for "/".
func (c *rawClient) upgrade() {
	c.t.Helper()
	c.write([]byte(upgradeRequest("/", "")))
	c.expect101()
}

func (c *rawClient) expect101() {
	c.t.Helper()
	status, head := c.response()
	if status != 101 || !strings.Contains(strings.ToLower(head), strings.ToLower("Sec-WebSocket-Accept: "+testAccept)) {
		c.t.Fatalf("upgrade response:\n%s", head)
	}
}

// frame encodes a client frame.
func frame(fin bool, op ws.OpCode, payload []byte, masked bool) []byte {
	var buf bytes.Buffer
	h := ws.Header{Fin: fin, OpCode: op, Length: int64(len(payload)), Masked: masked}
	p := append([]byte(nil), payload...)
	if masked {
		h.Mask = ws.NewMask()
		ws.Cipher(p, h.Mask, 0)
	}
	if err := ws.WriteHeader(&buf, h); err != nil {
		panic(err)
	}
	buf.Write(p)
	return buf.Bytes()
}

// send writes one masked binary message holding the packet.
func (c *rawClient) send(t wire.PacketType, body []byte) {
	c.t.Helper()
	c.write(frame(true, ws.OpBinary, mustPacket(t, body), true))
}

// readFrame reads one server frame.
func (c *rawClient) readFrame() (ws.Header, []byte, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	h, err := ws.ReadHeader(c.br)
	if err != nil {
		return h, nil, err
	}
	p := make([]byte, h.Length)
	_, err = io.ReadFull(c.br, p)
	return h, p, err
}

// message reads the next binary message, which must be a final unmasked
// frame, and returns the packet it holds.
func (c *rawClient) message() []byte {
	c.t.Helper()
	h, p, err := c.readFrame()
	if err != nil {
		c.t.Fatalf("read frame: %v", err)
	}
	if h.OpCode != ws.OpBinary || !h.Fin || h.Masked || h.Rsv != 0 {
		c.t.Fatalf("got frame %+v, want a final unmasked binary frame", h)
	}
	return p
}

// expectClose reads until a close frame, checks its code, then expects the
// server to close the TCP connection.
func (c *rawClient) expectClose(want ws.StatusCode) {
	c.t.Helper()
	for {
		h, p, err := c.readFrame()
		if err != nil {
			c.t.Fatalf("no close frame: %v", err)
		}
		if h.OpCode != ws.OpClose {
			continue
		}
		if len(p) < 2 || ws.StatusCode(binary.BigEndian.Uint16(p)) != want {
			c.t.Fatalf("close frame %x, want code %d", p, want)
		}
		break
	}
	c.expectEOF()
}

// expectEOF expects the server to end the connection with no more data
// (an orderly end, not a reset), then closes the client's side as a client
// does (the server lingers until then).
func (c *rawClient) expectEOF() {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := c.br.ReadByte()
	var ne net.Error
	switch {
	case err == nil:
		c.t.Fatalf("got byte %#x, want the connection closed", b)
	case errors.As(err, &ne) && ne.Timeout():
		c.t.Fatal("connection still open after 5s")
	case !errors.Is(err, io.EOF):
		c.t.Fatalf("connection ended with %v, want EOF", err)
	}
	_ = c.nc.Close()
}
