package ws

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"github.com/gobwas/ws"
)

const (
	testMaxBody    = 1 << 20
	testMaxPending = 4 << 20
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	l, h := listen(t, Options{EventLoops: 2}, testMaxBody, testMaxPending)
	c := dialRaw(t, l)
	c.upgrade()
	p := h.next(t)
	c.send(wire.PacketHandshake, []byte(`{"sys":{"type":"js-websocket"}}`))
	c.send(wire.PacketData, []byte("hello"))
	if got := p.packet(t); !bytes.Equal(got, mustPacket(wire.PacketHandshake, []byte(`{"sys":{"type":"js-websocket"}}`))) {
		t.Errorf("first packet %q", got)
	}
	if got := p.packet(t); !bytes.Equal(got, mustPacket(wire.PacketData, []byte("hello"))) {
		t.Errorf("second packet %q", got)
	}
	if got := c.message(); !bytes.Equal(got, mustPacket(wire.PacketData, []byte("hello"))) {
		t.Errorf("echo %q", got)
	}
	if got := p.conn.RemoteAddr().String(); got != c.nc.LocalAddr().String() {
		t.Errorf("remote address %s, want %s", got, c.nc.LocalAddr())
	}
}

// TestSplitHandshake writes the upgrade request in two parts and waits
// until the server has buffered the first part before writing the second,
// then dribbles a whole request one byte per read.
func TestSplitHandshake(t *testing.T) {
	t.Parallel()
	l := New("127.0.0.1:0", Options{EventLoops: 1})
	partial := make(chan int, 1024)
	l.onPartialHeader = func(n int) { partial <- n }
	l, h := listenWith(t, l, testMaxBody, testMaxPending)
	waitBuffered := func(want int) {
		t.Helper()
		for {
			select {
			case n := <-partial:
				if n == want {
					return
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("the server did not buffer %d header bytes within 5s", want)
			}
		}
	}

	t.Run("two writes", func(t *testing.T) {
		req := []byte(upgradeRequest("/", ""))
		c := dialRaw(t, l)
		half := len(req) / 2
		c.write(req[:half])
		waitBuffered(half) // the first part was read and kept, no answer yet
		c.write(req[half:])
		c.expect101()
		p := h.next(t)
		c.send(wire.PacketData, []byte("after a split upgrade"))
		if got := c.message(); !bytes.Equal(got, mustPacket(wire.PacketData, []byte("after a split upgrade"))) {
			t.Errorf("echo %q", got)
		}
		p.packet(t)
	})

	t.Run("byte by byte", func(t *testing.T) {
		req := []byte(upgradeRequest("/", ""))
		c := dialRaw(t, l)
		for i := range len(req) - 1 {
			c.write(req[i : i+1])
			waitBuffered(i + 1)
		}
		c.write(req[len(req)-1:])
		c.expect101()
		h.next(t)
		c.send(wire.PacketData, []byte("x"))
		c.message()
	})

	t.Run("frame in the same write", func(t *testing.T) {
		c := dialRaw(t, l)
		msg := frame(true, ws.OpBinary, mustPacket(wire.PacketData, []byte("pipelined")), true)
		c.write(append([]byte(upgradeRequest("/", "")), msg...))
		c.expect101()
		h.next(t)
		if got := c.message(); !bytes.Equal(got, mustPacket(wire.PacketData, []byte("pipelined"))) {
			t.Errorf("echo %q", got)
		}
	})
}

// TestFragmentedMessage sends one packet in three fragments with a ping
// between them, each written separately, then a whole message.
func TestFragmentedMessage(t *testing.T) {
	t.Parallel()
	l, h := listen(t, Options{EventLoops: 1}, testMaxBody, testMaxPending)
	c := dialRaw(t, l)
	c.upgrade()
	p := h.next(t)
	pkt := mustPacket(wire.PacketData, []byte("fragmented across three frames"))
	c.write(frame(false, ws.OpBinary, pkt[:3], true))
	c.write(frame(true, ws.OpPing, []byte("mid"), true))
	if hd, payload, err := c.readFrame(); err != nil || hd.OpCode != ws.OpPong || string(payload) != "mid" {
		t.Fatalf("ping between fragments: %+v %q %v", hd, payload, err)
	}
	c.write(frame(false, ws.OpContinuation, pkt[3:10], true))
	c.write(frame(true, ws.OpContinuation, pkt[10:], true))
	if got := p.packet(t); !bytes.Equal(got, pkt) {
		t.Errorf("reassembled %q, want %q", got, pkt)
	}
	if got := c.message(); !bytes.Equal(got, pkt) {
		t.Errorf("echo %q", got)
	}
	// The reassembly buffer is dropped once the message is complete, and a
	// whole frame after it takes the no-copy path again.
	c.send(wire.PacketData, []byte("whole"))
	if got := p.packet(t); !bytes.Equal(got, mustPacket(wire.PacketData, []byte("whole"))) {
		t.Errorf("after fragments %q", got)
	}
	c.message()
}

// TestFrameSplitAcrossWrites sends a frame (64-bit length) in pieces: the
// header alone, then the payload in small writes.
func TestFrameSplitAcrossWrites(t *testing.T) {
	t.Parallel()
	l, h := listen(t, Options{EventLoops: 1, ReadBufferCap: 4096}, testMaxBody, testMaxPending)
	c := dialRaw(t, l)
	c.upgrade()
	p := h.next(t)
	pkt := mustPacket(wire.PacketData, bytes.Repeat([]byte{'z'}, 70_000)) // larger than the read buffer
	f := frame(true, ws.OpBinary, pkt, true)
	c.write(f[:1])
	c.write(f[1:14])
	for off := 14; off < len(f); off += 9000 {
		c.write(f[off:min(off+9000, len(f))])
	}
	if got := p.packet(t); !bytes.Equal(got, pkt) {
		t.Fatalf("got %d bytes, want the %d-byte packet", len(got), len(pkt))
	}
	if got := c.message(); !bytes.Equal(got, pkt) {
		t.Errorf("echo of %d bytes", len(got))
	}
}

func TestProtocolViolationsClose(t *testing.T) {
	t.Parallel()
	l, h := listen(t, Options{EventLoops: 2}, 1024, testMaxPending)
	data := mustPacket(wire.PacketData, []byte("x"))
	cases := []struct {
		name string
		send []byte
		code ws.StatusCode
	}{
		{"unmasked frame", frame(true, ws.OpBinary, data, false), ws.StatusProtocolError},
		{"text frame", frame(true, ws.OpText, data, true), ws.StatusUnsupportedData},
		{"partial packet", frame(true, ws.OpBinary, data[:len(data)-1], true), ws.StatusProtocolError},
		{"two packets in one message", frame(true, ws.OpBinary, append(append([]byte(nil), data...), data...), true), ws.StatusProtocolError},
		{"empty message", frame(true, ws.OpBinary, nil, true), ws.StatusProtocolError},
		{"header only", frame(true, ws.OpBinary, data[:3], true), ws.StatusProtocolError},
		{"invalid packet type", frame(true, ws.OpBinary, []byte{9, 0, 0, 0}, true), ws.StatusProtocolError},
		{"continuation without a start", frame(true, ws.OpContinuation, data, true), ws.StatusProtocolError},
		{"new message inside a fragmented one", append(frame(false, ws.OpBinary, data[:2], true), frame(true, ws.OpBinary, data, true)...), ws.StatusProtocolError},
		{"fragmented ping", frame(false, ws.OpPing, nil, true), ws.StatusProtocolError},
		{"reserved opcode", frame(true, ws.OpCode(3), data, true), ws.StatusProtocolError},
		{"rsv bit", func() []byte { f := frame(true, ws.OpBinary, data, true); f[0] |= 0x40; return f }(), ws.StatusProtocolError},
		// MaxBody 1024: a message holds at most 1028 bytes. Only the header
		// is sent: the server must not wait for the declared payload.
		{"oversized declared length", oversizedHeader(16 << 20), ws.StatusMessageTooBig},
		{"oversized fragmented message", append(frame(false, ws.OpBinary, make([]byte, 600), true), frame(true, ws.OpContinuation, make([]byte, 600), true)...), ws.StatusMessageTooBig},
		{"packet length over MaxBody", frame(true, ws.OpBinary, []byte{4, 0, 0x10, 0}, true), ws.StatusProtocolError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, l)
			c.upgrade()
			p := h.next(t)
			c.write(tc.send)
			c.expectClose(tc.code)
			var pe *transport.ProtocolError
			if err := p.disconnected(t); !errors.As(err, &pe) {
				t.Errorf("OnDisconnect(%v), want a *transport.ProtocolError", err)
			}
			select {
			case b := <-p.packets:
				t.Errorf("the peer got packet %q", b)
			default:
			}
		})
	}
}

// oversizedHeader is the header alone of a masked binary frame declaring
// n payload bytes.
func oversizedHeader(n int64) []byte {
	var buf bytes.Buffer
	_ = ws.WriteHeader(&buf, ws.Header{Fin: true, OpCode: ws.OpBinary, Length: n, Masked: true, Mask: ws.NewMask()})
	return buf.Bytes()
}

func TestPing(t *testing.T) {
	t.Parallel()
	l, h := listen(t, Options{EventLoops: 1}, testMaxBody, testMaxPending)
	c := dialRaw(t, l)
	c.upgrade()
	h.next(t)
	c.write(frame(true, ws.OpPing, []byte("are you there"), true))
	hd, payload, err := c.readFrame()
	if err != nil || hd.OpCode != ws.OpPong || !hd.Fin || hd.Masked || string(payload) != "are you there" {
		t.Fatalf("got %+v %q %v, want a pong with the ping's payload", hd, payload, err)
	}
	c.write(frame(true, ws.OpPong, []byte("unsolicited"), true)) // ignored
	c.send(wire.PacketData, []byte("still open"))
	c.message()
}

// TestOnePacketPerMessage: several packets in one Write go out as one
// binary message each, also beyond one writev batch; large packets use the
// 16- and 64-bit length encodings.
func TestOnePacketPerMessage(t *testing.T) {
	t.Parallel()
	l, h := listen(t, Options{EventLoops: 1}, testMaxBody, testMaxPending)
	c := dialRaw(t, l)
	c.upgrade()
	h.next(t)

	c.send(wire.PacketData, []byte("two"))
	for _, want := range []string{"one", "two"} {
		if got := c.message(); !bytes.Equal(got, mustPacket(wire.PacketData, []byte(want))) {
			t.Fatalf("got %q, want the packet %q alone", got, want)
		}
	}

	const many = 3*batchMessages + 7
	c.send(wire.PacketData, []byte("many:"+strconv.Itoa(many)))
	for i := range many {
		if got := c.message(); !bytes.Equal(got, mustPacket(wire.PacketData, []byte(strconv.Itoa(i)))) {
			t.Fatalf("message %d: %q", i, got)
		}
	}

	for _, n := range []int{121, 122, 300, 65_531, 65_532, 200_000} { // message sizes 125, 126, ..., 65535, 65536
		c.send(wire.PacketData, []byte("big:"+strconv.Itoa(n)))
		if got := c.message(); len(got) != wire.HeaderLen+n || !bytes.Equal(got, mustPacket(wire.PacketData, bytes.Repeat([]byte{'b'}, n))) {
			t.Fatalf("big:%d: got %d bytes", n, len(got))
		}
	}
}

func TestCloseHandshake(t *testing.T) {
	t.Parallel()
	l, h := listen(t, Options{EventLoops: 1}, testMaxBody, testMaxPending)

	t.Run("client closes", func(t *testing.T) {
		c := dialRaw(t, l)
		c.upgrade()
		p := h.next(t)
		c.write(frame(true, ws.OpClose, ws.NewCloseFrameBody(ws.StatusGoingAway, "bye"), true))
		c.expectClose(ws.StatusGoingAway)
		var pe *transport.ProtocolError
		if err := p.disconnected(t); errors.As(err, &pe) {
			t.Errorf("a clean close reported %v", err)
		}
	})

	t.Run("server closes after its last packet", func(t *testing.T) {
		c := dialRaw(t, l)
		c.upgrade()
		p := h.next(t)
		c.send(wire.PacketData, []byte("close"))
		if got := c.message(); !bytes.Equal(got, mustPacket(wire.PacketData, []byte("close"))) {
			t.Errorf("last packet %q", got)
		}
		c.expectClose(ws.StatusNormalClosure)
		p.disconnected(t)
		if err := p.conn.Write(data("late")); !errors.Is(err, transport.ErrClosed) {
			t.Errorf("write after close: %v", err)
		}
	})

	t.Run("client drops the socket", func(t *testing.T) {
		c := dialRaw(t, l)
		c.upgrade()
		p := h.next(t)
		_ = c.nc.Close()
		p.disconnected(t)
	})
}

func data(s string) []byte { return mustPacket(wire.PacketData, []byte(s)) }

func TestSlowConsumer(t *testing.T) {
	t.Parallel()
	l, h := listen(t, Options{EventLoops: 1}, testMaxBody, 64<<10)
	c := dialRaw(t, l)
	c.upgrade()
	p := h.next(t)
	pkt := mustPacket(wire.PacketData, make([]byte, 16<<10))
	deadline := time.Now().Add(10 * time.Second)
	var err error
	for err == nil && time.Now().Before(deadline) { // the client never reads
		err = p.conn.Write(pkt)
	}
	if !errors.Is(err, transport.ErrSlowConsumer) && !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("writes to a peer that does not read: %v", err)
	}
	p.disconnected(t)
}

func TestUpgradeChecks(t *testing.T) {
	t.Parallel()
	l, h := listen(t, Options{
		EventLoops:  1,
		Path:        "/ws",
		CheckOrigin: func(o string) bool { return o == "http://game.example" },
	}, testMaxBody, testMaxPending)
	cases := []struct {
		name, path, extra string
		status            int
	}{
		{"good", "/ws?token=1", "Origin: http://game.example\r\n", 101},
		{"wrong path", "/other", "Origin: http://game.example\r\n", 404},
		{"wrong origin", "/ws", "Origin: http://evil.example\r\n", 403},
		{"no origin", "/ws", "", 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, l)
			c.write([]byte(upgradeRequest(tc.path, tc.extra)))
			status, head := c.response()
			if status != tc.status {
				t.Fatalf("status %d, want %d:\n%s", status, tc.status, head)
			}
			if status == 101 {
				h.next(t)
				return
			}
			c.expectEOFAfterBody()
		})
	}

	t.Run("not a websocket request", func(t *testing.T) {
		c := dialRaw(t, l)
		c.write([]byte("POST /ws HTTP/1.1\r\nHost: x\r\n\r\n"))
		if status, head := c.response(); status < 400 {
			t.Fatalf("status %d:\n%s", status, head)
		}
		c.expectEOFAfterBody()
	})
}

// expectEOFAfterBody skips an error response's body, then expects the
// connection closed.
func (c *rawClient) expectEOFAfterBody() {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, err := c.br.ReadByte(); err != nil {
			if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
				c.t.Fatal("connection still open after 5s")
			}
			_ = c.nc.Close()
			return
		}
	}
}

func TestHandshakeLimits(t *testing.T) {
	t.Parallel()
	l, h := listen(t, Options{EventLoops: 1, MaxHandshake: 1024, UpgradeTimeout: 200 * time.Millisecond}, testMaxBody, testMaxPending)

	t.Run("header over MaxHandshake", func(t *testing.T) {
		c := dialRaw(t, l)
		c.write([]byte(upgradeRequest("/", "X-Padding: "+string(bytes.Repeat([]byte{'p'}, 1100))+"\r\n")))
		c.expectEOF()
	})

	t.Run("unterminated header over MaxHandshake", func(t *testing.T) {
		c := dialRaw(t, l)
		c.write(append([]byte("GET / HTTP/1.1\r\nX-Padding: "), bytes.Repeat([]byte{'p'}, 1100)...))
		c.expectEOF()
	})

	t.Run("upgrade timeout", func(t *testing.T) {
		c := dialRaw(t, l)
		c.write([]byte("GET / HTTP/1.1\r\n"))
		start := time.Now()
		c.expectEOF()
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("closed after %v, want about 200ms", d)
		}
	})

	t.Run("an upgraded connection outlives the upgrade timeout", func(t *testing.T) {
		c := dialRaw(t, l)
		c.upgrade()
		h.next(t)
		time.Sleep(400 * time.Millisecond) // twice the upgrade timeout: nothing to wait on
		c.send(wire.PacketData, []byte("alive"))
		c.message()
	})
}

// TestRefusedConnection: a handler that refuses a connection after
// queueing a kick (the server does so when full) gets the kick delivered
// as a message before the close.
func TestRefusedConnection(t *testing.T) {
	t.Parallel()
	l, h := listen(t, Options{EventLoops: 1}, testMaxBody, testMaxPending)
	h.refuse.Store(true)
	c := dialRaw(t, l)
	c.upgrade()
	if got := c.message(); !bytes.Equal(got, wire.KickPacket("server full")) {
		t.Errorf("got %q, want the kick", got)
	}
	c.expectClose(ws.StatusNormalClosure)
}
