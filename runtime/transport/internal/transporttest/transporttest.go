// Package transporttest holds what the transports' tests share: a fake
// session layer whose peers answer scripted requests, and the client side
// of the lossless-close scenarios every stream transport must pass (TCP on
// gnet, and ServeConn over TCP and TLS).
package transporttest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// Timeout bounds every wait of the scenarios: far above what they take, so
// that only a broken transport reaches it.
const Timeout = 10 * time.Second

// Handler is a fake session layer: every connection gets a [Peer].
type Handler struct {
	peers chan *Peer
}

// NewHandler returns a handler that hands the test every peer it opens.
func NewHandler() *Handler { return &Handler{peers: make(chan *Peer, 64)} }

// Open implements transport.Handler.
func (h *Handler) Open(c transport.Conn) transport.Peer {
	p := &Peer{Conn: c, closing: make(chan struct{}), done: make(chan error, 2)}
	h.peers <- p
	return p
}

// Next returns the next peer opened.
func (h *Handler) Next(t testing.TB) *Peer {
	t.Helper()
	select {
	case p := <-h.peers:
		return p
	case <-time.After(Timeout):
		t.Fatal("no connection opened")
		return nil
	}
}

// Peer answers Data packets by their body:
//
//	"echo:X"         a Data packet "X"
//	"close:N:SIZE"   N Data packets of SIZE bytes (numbered, see Packet), then Close
//	"established"    calls Established when the connection implements it
//
// Anything else is ignored.
type Peer struct {
	Conn     transport.Conn
	closing  chan struct{} // closed when the peer called Close
	done     chan error
	packets  atomic.Int64
	disconns atomic.Int32
}

// OnPacket implements transport.Peer.
func (p *Peer) OnPacket(t wire.PacketType, body []byte) error {
	p.packets.Add(1)
	if t != wire.PacketData {
		return nil
	}
	cmd, arg, _ := strings.Cut(string(body), ":")
	switch cmd {
	case "echo":
		return p.Conn.Write(Packet(arg))
	case "close":
		ns, ss, _ := strings.Cut(arg, ":")
		n, _ := strconv.Atoi(ns)
		size, _ := strconv.Atoi(ss)
		for i := range n {
			if err := p.Conn.Write(Numbered(i, size)); err != nil {
				return err
			}
		}
		err := p.Conn.Close()
		close(p.closing)
		return err
	case "established":
		if e, ok := p.Conn.(transport.Establisher); ok {
			e.Established()
		}
	}
	return nil
}

// OnDisconnect implements transport.Peer.
func (p *Peer) OnDisconnect(err error) {
	p.disconns.Add(1)
	p.done <- err
}

// Packets returns the number of packets the peer received.
func (p *Peer) Packets() int64 { return p.packets.Load() }

// Disconnected waits for OnDisconnect and returns its reason.
func (p *Peer) Disconnected(t testing.TB) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(Timeout):
		t.Fatal("OnDisconnect not called")
		return nil
	}
}

// DisconnectedOnce checks that OnDisconnect was called exactly once, after
// Disconnected returned.
func (p *Peer) DisconnectedOnce(t testing.TB) {
	t.Helper()
	if n := p.disconns.Load(); n != 1 {
		t.Errorf("OnDisconnect called %d times", n)
	}
}

// Packet returns a Data packet carrying body.
func Packet(body string) []byte {
	p, err := wire.AppendPacket(nil, wire.PacketData, []byte(body))
	if err != nil {
		panic(err)
	}
	return p
}

// Numbered returns the i-th answer of a "close:N:SIZE" request: a Data
// packet of size bytes (at least 8) starting with i.
func Numbered(i, size int) []byte {
	body := bytes.Repeat([]byte{'.'}, max(size, 8))
	copy(body, fmt.Sprintf("%07d", i))
	p, _ := wire.AppendPacket(nil, wire.PacketData, body)
	return p
}

// ReadPackets reads packets from r until EOF and returns them; err is what
// ended the stream when it was not EOF (a reset, a timeout).
func ReadPackets(r io.Reader) (bodies []string, err error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	hdr := make([]byte, wire.HeaderLen)
	for {
		if _, err := io.ReadFull(br, hdr); err != nil {
			if errors.Is(err, io.EOF) {
				return bodies, nil
			}
			return bodies, err
		}
		_, n, err := wire.ParseHeader(hdr)
		if err != nil {
			return bodies, err
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(br, body); err != nil {
			return bodies, err
		}
		bodies = append(bodies, string(body))
	}
}

// CheckNumbered checks that bodies are the n answers of a close request,
// in order.
func CheckNumbered(t testing.TB, bodies []string, n, size int) {
	t.Helper()
	if len(bodies) != n {
		t.Fatalf("read %d packets, want %d", len(bodies), n)
	}
	for i, b := range bodies {
		if want := string(Numbered(i, size)[wire.HeaderLen:]); b != want {
			t.Fatalf("packet %d is %.20q..., want %.20q...", i, b, want)
		}
	}
}

// Dialer connects a test client to the transport under test.
type Dialer func(t testing.TB) net.Conn

// LosslessClose: the client asks for n answers and a close and, once the
// server called Close, keeps sending (a pipelining client): data that
// reaches a closed socket makes the server's kernel answer with a reset,
// and the client's kernel then drops the answers it had not read. Only then
// does the client read. It must read every answer, then EOF, never a reset;
// the server reports a clean close once.
func LosslessClose(t *testing.T, h *Handler, dial Dialer) {
	const n, size = 200, 1000
	nc := dial(t)
	defer nc.Close()
	p := h.Next(t)
	write(t, nc, Packet(fmt.Sprintf("close:%d:%d", n, size)))
	select {
	case <-p.closing:
	case <-time.After(Timeout):
		t.Fatal("the close request was not handled")
	}
	more := Packet(strings.Repeat("x", 1000))
	for range 32 { // 32 KiB, under the byte budget
		write(t, nc, more)
	}
	_ = nc.SetReadDeadline(time.Now().Add(Timeout))
	bodies, err := ReadPackets(nc)
	if err != nil {
		t.Fatalf("after %d packets: %v (want every packet, then EOF)", len(bodies), err)
	}
	CheckNumbered(t, bodies, n, size)
	_ = nc.Close()
	if err := p.Disconnected(t); err != nil {
		t.Errorf("OnDisconnect(%v), want nil for a requested close", err)
	}
	p.DisconnectedOnce(t)
}

// PipelinedClose: a pipelining client writes, in one write, a request
// for n answers and a close followed by 2 MiB of further requests, and
// reads only once everything is sent (the server being flooded closes such
// clients). The server must swallow the requests it no longer serves and
// deliver its answers, then EOF.
func PipelinedClose(t *testing.T, h *Handler, dial Dialer) {
	const n, size = 64, 100
	nc := dial(t)
	defer nc.Close()
	p := h.Next(t)
	batch := Packet(fmt.Sprintf("close:%d:%d", n, size))
	for len(batch) < 2<<20 {
		batch = append(batch, Packet("echo:pipelined")...)
	}
	write(t, nc, batch)
	_ = nc.SetReadDeadline(time.Now().Add(Timeout))
	bodies, err := ReadPackets(nc)
	if err != nil {
		t.Fatalf("after %d packets: %v (want every packet, then EOF)", len(bodies), err)
	}
	CheckNumbered(t, bodies, n, size)
	_ = nc.Close()
	if err := p.Disconnected(t); err != nil {
		t.Errorf("OnDisconnect(%v), want nil for a requested close", err)
	}
	p.DisconnectedOnce(t)
}

// ViolationAfterAnswers: a client sends two requests, then a header
// declaring a body over the limit; it reads both answers, then keeps
// sending. It must then read EOF, never a reset; the server reports a
// *transport.ProtocolError once.
func ViolationAfterAnswers(t *testing.T, h *Handler, dial Dialer, maxBody int) {
	nc := dial(t)
	defer nc.Close()
	p := h.Next(t)
	var b []byte
	b = append(b, Packet("echo:a")...)
	b = append(b, Packet("echo:b")...)
	b = append(b, byte(wire.PacketData), byte((maxBody+1)>>16), byte((maxBody+1)>>8), byte(maxBody+1))
	write(t, nc, b)
	_ = nc.SetReadDeadline(time.Now().Add(Timeout))
	br := bufio.NewReader(nc)
	first, err := ReadN(br, 2)
	if err != nil || strings.Join(first, ",") != "a,b" {
		t.Fatalf("read %q, %v; want the two answers", first, err)
	}
	more := bytes.Repeat([]byte{'z'}, 1024)
	for range 32 { // the server closes meanwhile: this must not make it reset
		write(t, nc, more)
	}
	if rest, err := ReadPackets(br); err != nil || len(rest) > 0 {
		t.Fatalf("then read %q, %v; want EOF", rest, err)
	}
	_ = nc.Close()
	var pe *transport.ProtocolError
	if err := p.Disconnected(t); !errors.As(err, &pe) {
		t.Errorf("OnDisconnect(%v), want a *transport.ProtocolError", err)
	}
	p.DisconnectedOnce(t)
}

// ReadN reads n packets from br and returns their bodies.
func ReadN(br *bufio.Reader, n int) ([]string, error) {
	var bodies []string
	hdr := make([]byte, wire.HeaderLen)
	for range n {
		if _, err := io.ReadFull(br, hdr); err != nil {
			return bodies, err
		}
		_, size, err := wire.ParseHeader(hdr)
		if err != nil {
			return bodies, err
		}
		body := make([]byte, size)
		if _, err := io.ReadFull(br, body); err != nil {
			return bodies, err
		}
		bodies = append(bodies, string(body))
	}
	return bodies, nil
}

// ByteBudget: after asking for a close, the client keeps sending and never
// reads nor closes. The server, whose linger byte budget is budget, must
// cut it off: the client's writes fail well before it sent 64 times the
// budget, and the server reports the close once.
func ByteBudget(t *testing.T, h *Handler, dial Dialer, budget int) {
	nc := dial(t)
	defer nc.Close()
	p := h.Next(t)
	write(t, nc, Packet("close:1:8"))
	chunk := bytes.Repeat([]byte{'y'}, 4<<10)
	sent := 0
	_ = nc.SetWriteDeadline(time.Now().Add(Timeout))
	var err error
	for err == nil && sent < 64*budget+(64<<20) {
		var n int
		n, err = nc.Write(chunk)
		sent += n
	}
	if err == nil || isTimeout(err) {
		t.Fatalf("the client sent %d bytes after the close without being cut off (%v)", sent, err)
	}
	if err := p.Disconnected(t); err != nil {
		t.Errorf("OnDisconnect(%v), want nil", err)
	}
	p.DisconnectedOnce(t)
}

// Deadline: after asking for a close, the client neither reads nor closes.
// The server, whose linger lasts linger, must close the connection: the
// client reads its answer, then the end of the stream, and the server
// reports the close once.
func Deadline(t *testing.T, h *Handler, dial Dialer) {
	nc := dial(t)
	defer nc.Close()
	p := h.Next(t)
	write(t, nc, Packet("close:1:8"))
	if err := p.Disconnected(t); err != nil { // the client did nothing: the deadline closed it
		t.Errorf("OnDisconnect(%v), want nil", err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(Timeout))
	bodies, err := ReadPackets(nc)
	if err != nil || len(bodies) != 1 {
		t.Fatalf("read %d packets, %v; want the answer, then EOF", len(bodies), err)
	}
	p.DisconnectedOnce(t)
}

func write(t testing.TB, nc net.Conn, b []byte) {
	t.Helper()
	_ = nc.SetWriteDeadline(time.Now().Add(Timeout))
	if _, err := nc.Write(b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
