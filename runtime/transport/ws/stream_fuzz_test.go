package ws

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"github.com/gobwas/ws"
	"github.com/panjf2000/gnet/v2"
)

// Limits of the fuzzed listener: small, so that the fuzzer reaches them.
const (
	fuzzMaxHandshake = 512
	fuzzMaxBody      = 256
	fuzzMaxMessage   = wire.HeaderLen + fuzzMaxBody
)

// Modes of FuzzClientStream: the listener's options and the handler's
// behaviour.
const (
	wsModePath   = 1 << iota // Options.Path "/ws"
	wsModeOrigin             // CheckOrigin allows only "http://ok"
	wsModeRefuse             // the handler refuses the connection (kick, close, nil)
)

// FuzzClientStream feeds the listener's event handler an arbitrary byte
// stream as what a client sends, split into reads of the sizes the input
// gives: the HTTP upgrade request (which may arrive in pieces), then
// frames, fragmented or not, interleaved with control frames. A fake gnet
// connection stands for the socket; the session layer is a fake peer that
// echoes Data packets, fails on Kick packets and closes on Handshake ones.
//
// Invariants: nothing panics; before the upgrade nothing reaches the
// session layer and the listener never holds more than MaxHandshake bytes;
// the session layer is opened once, after a 101 answer, and told of the
// end once; it receives exactly the packets of the complete binary
// messages a reference reader (gobwas's header parser and RFC 6455's
// rules, written out below) finds in the stream, in order, up to the first
// violation; the listener never holds more than one message's worth of
// bytes (partial frame plus fragments); what it writes after the 101 are
// unmasked final frames: the peer's packets one per binary message, in
// order, pongs echoing the pings, and at most one close frame, last, whose
// code says what the client did wrong.
func FuzzClientStream(f *testing.F) {
	for _, s := range clientStreamSeeds() {
		f.Add(s.mode, s.stream, s.splits)
	}
	f.Fuzz(func(t *testing.T, mode byte, stream, splits []byte) {
		runClientStream(t, mode, stream, splits)
	})
}

// fakeGnet is a gnet connection without a socket: its inbound buffer is
// what the driver appended, its outbound bytes are recorded. It follows
// gnet's Peek and Discard semantics (a count <= 0 means everything). The
// methods the engine does not use are left to the nil embedded interface:
// calling one fails the input loudly.
type fakeGnet struct {
	gnet.Conn
	in     []byte
	out    bytes.Buffer
	ctx    any
	woken  atomic.Bool
	closed bool
}

func (g *fakeGnet) Peek(n int) ([]byte, error) {
	if n > len(g.in) {
		return nil, io.ErrShortBuffer
	}
	if n <= 0 {
		n = len(g.in)
	}
	return g.in[:n], nil
}

func (g *fakeGnet) Discard(n int) (int, error) {
	if n <= 0 || n >= len(g.in) {
		n = len(g.in)
	}
	g.in = g.in[n:]
	return n, nil
}

func (g *fakeGnet) Fd() int                       { return -1 } // no socket: the linger's shutdown fails and closes at once
func (g *fakeGnet) InboundBuffered() int          { return len(g.in) }
func (g *fakeGnet) OutboundBuffered() int         { return 0 }
func (g *fakeGnet) Write(b []byte) (int, error)   { return g.out.Write(b) }
func (g *fakeGnet) Context() any                  { return g.ctx }
func (g *fakeGnet) SetContext(ctx any)            { g.ctx = ctx }
func (g *fakeGnet) RemoteAddr() net.Addr          { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2} }
func (g *fakeGnet) Wake(gnet.AsyncCallback) error { g.woken.Store(true); return nil }
func (g *fakeGnet) Close() error                  { g.closed = true; return nil }
func (g *fakeGnet) Writev(bs [][]byte) (n int, _ error) {
	for _, b := range bs {
		m, _ := g.out.Write(b)
		n += m
	}
	return n, nil
}

// streamPeer is the fake session layer.
type streamPeer struct {
	conn    transport.Conn
	packets [][]byte // copies of the packets received, header included
	written [][]byte // the packets written back successfully
	closed  bool     // the peer asked for a close
	failed  bool     // OnPacket returned an error
	gone    int      // OnDisconnect calls
	opened  int      // Open calls
	refuse  bool
}

var errFuzzKick = errors.New("fuzz peer: a client may not send a kick")

func (p *streamPeer) Open(c transport.Conn) transport.Peer {
	p.opened++
	p.conn = c
	if p.refuse {
		kick := wire.KickPacket("full")
		if c.Write(kick) == nil {
			p.written = append(p.written, kick)
		}
		_ = c.Close()
		return nil
	}
	return p
}

func (p *streamPeer) OnPacket(t wire.PacketType, body []byte) error {
	pkt, _ := wire.AppendPacket(nil, t, body)
	p.packets = append(p.packets, pkt)
	switch t {
	case wire.PacketKick:
		p.failed = true
		return errFuzzKick
	case wire.PacketHandshake:
		p.closed = true
		return p.conn.Close()
	case wire.PacketData:
		if p.conn.Write(pkt) == nil {
			p.written = append(p.written, pkt)
		}
	}
	return nil
}

func (p *streamPeer) OnDisconnect(error) { p.gone++ }

func runClientStream(t *testing.T, mode byte, stream, splits []byte) {
	opts := Options{MaxHandshake: fuzzMaxHandshake}
	if mode&wsModePath != 0 {
		opts.Path = "/ws"
	}
	if mode&wsModeOrigin != 0 {
		opts.CheckOrigin = func(o string) bool { return o == "http://ok" }
	}
	l := New("fuzz", opts)
	peer := &streamPeer{refuse: mode&wsModeRefuse != 0}
	l.base.Cfg = transport.Config{Handler: peer, MaxBody: fuzzMaxBody, MaxPending: 1 << 20}
	e := &engine{l: l}
	gc := &fakeGnet{}
	e.OnOpen(gc)
	c := gc.ctx.(*conn)
	act := gnet.None
	for rest := stream; len(rest) > 0 && act == gnet.None; {
		n := len(rest)
		if len(splits) > 0 {
			n = min(n, int(splits[0])+1)
			splits = splits[1:]
		}
		gc.in = append(gc.in, rest[:n]...)
		rest = rest[n:]
		act = e.OnTraffic(gc)
		for act == gnet.None && gc.woken.Swap(false) {
			act = e.OnTraffic(gc) // gnet runs OnTraffic again after a Wake
		}
		if act == gnet.None {
			checkBuffered(t, c, gc)
		}
	}
	e.OnClose(gc, nil)
	checkClientStream(t, l, peer, c, gc, stream, act)
}

// checkBuffered checks what the listener holds between reads: less than
// MaxHandshake bytes before the upgrade, at most one message's worth
// after it.
func checkBuffered(t *testing.T, c *conn, gc *fakeGnet) {
	if !c.upgraded.Load() {
		if len(gc.in) >= fuzzMaxHandshake {
			t.Fatalf("%d bytes buffered before the upgrade, limit %d", len(gc.in), fuzzMaxHandshake)
		}
		return
	}
	if len(c.frag) > fuzzMaxMessage || len(gc.in)+len(c.frag) > ws.MaxHeaderSize+fuzzMaxMessage {
		t.Fatalf("%d bytes buffered and %d of fragments after the upgrade, limit %d", len(gc.in), len(c.frag), fuzzMaxMessage)
	}
}

// checkClientStream compares what the listener did with what the
// reference reader expects of the stream.
func checkClientStream(t *testing.T, l *Listener, peer *streamPeer, c *conn, gc *fakeGnet, stream []byte, last gnet.Action) {
	out := gc.out.Bytes()
	status, frames, ok := splitResponse(out)
	if !ok {
		if len(out) > 0 {
			t.Fatalf("the listener wrote %q, not an HTTP response", out)
		}
		if peer.opened != 0 || len(peer.packets) != 0 {
			t.Fatal("the session layer saw a connection that was never answered")
		}
		return
	}
	if status != 101 {
		if peer.opened != 0 || len(peer.packets) != 0 || last != gnet.Close {
			t.Fatalf("answered %d, yet the session layer was opened or the connection stayed (%q)", status, out)
		}
		return
	}
	if peer.opened != 1 {
		t.Fatalf("upgraded, and the session layer was opened %d times", peer.opened)
	}
	if !peer.refuse && peer.gone != 1 {
		t.Fatalf("the session layer was told of the end %d times", peer.gone)
	}
	head := bytes.Index(stream, []byte(endOfHeader)) + len(endOfHeader)
	want := readReference(stream[head:], peer)
	if peer.refuse {
		want = reference{}
	}
	if peer.closed {
		// The peer's close takes effect at the next flush: packets read in
		// the same pass still arrive. Only their order is certain.
		want.packets = want.packets[:min(len(want.packets), len(peer.packets))]
	}
	if !equalPackets(peer.packets, want.packets) {
		t.Fatalf("the session layer got %d packets %x, the reference reader %d %x (stopped: %s)",
			len(peer.packets), peer.packets, len(want.packets), want.packets, want.stop)
	}
	checkServerFrames(t, peer, want, frames, last)
}

// splitResponse splits the listener's output into the HTTP status and
// what follows the response header.
func splitResponse(out []byte) (status int, rest []byte, ok bool) {
	end := bytes.Index(out, []byte(endOfHeader))
	if end < 0 || !bytes.HasPrefix(out, []byte("HTTP/1.1 ")) || len(out) < 12 {
		return 0, nil, false
	}
	for _, d := range out[9:12] {
		status = status*10 + int(d-'0')
	}
	return status, out[end+len(endOfHeader):], true
}

// reference is what the reference reader expects: the packets delivered,
// the pongs answered, and the close code, if the stream ends in one.
type reference struct {
	packets [][]byte
	pongs   [][]byte
	code    ws.StatusCode // 0: the stream ended without a violation or close
	stop    string
}

// readReference reads frames the way RFC 6455 and the listener's
// documented limits say, independently of the listener's own parser.
func readReference(b []byte, peer *streamPeer) (ref reference) {
	r := bytes.NewReader(b)
	var frag []byte
	fragging := false
	stop := func(code ws.StatusCode, why string) reference {
		ref.code, ref.stop = code, why
		return ref
	}
	for {
		at := len(b) - r.Len()
		if r.Len() >= 2 && b[at+1]&0x80 == 0 { // checked before the rest of the header
			return stop(ws.StatusProtocolError, "unmasked")
		}
		h, err := ws.ReadHeader(r)
		switch {
		case errors.Is(err, ws.ErrHeaderLengthMSB):
			return stop(ws.StatusProtocolError, "length MSB")
		case err != nil:
			ref.stop = "end of input in a header"
			return ref
		case h.Rsv != 0:
			return stop(ws.StatusProtocolError, "rsv")
		case h.OpCode.IsControl() && (!h.Fin || h.Length > 125 || h.OpCode.IsReserved()):
			return stop(ws.StatusProtocolError, "bad control frame")
		case h.OpCode == ws.OpText:
			return stop(ws.StatusUnsupportedData, "text")
		case h.OpCode == ws.OpBinary && fragging, h.OpCode == ws.OpContinuation && !fragging:
			return stop(ws.StatusProtocolError, "fragment order")
		case !h.OpCode.IsControl() && h.OpCode != ws.OpBinary && h.OpCode != ws.OpContinuation:
			return stop(ws.StatusProtocolError, "reserved opcode")
		case !h.OpCode.IsControl() && int64(len(frag))+h.Length > fuzzMaxMessage:
			return stop(ws.StatusMessageTooBig, "too big")
		case int64(r.Len()) < h.Length:
			ref.stop = "end of input in a payload"
			return ref
		}
		payload := make([]byte, h.Length)
		_, _ = io.ReadFull(r, payload)
		ws.Cipher(payload, h.Mask, 0)
		switch h.OpCode {
		case ws.OpPing:
			ref.pongs = append(ref.pongs, payload)
			continue
		case ws.OpPong:
			continue
		case ws.OpClose:
			return stop(echoCode(payload), "close")
		}
		frag = append(frag, payload...)
		if fragging = !h.Fin; fragging {
			continue
		}
		msg := frag
		frag = nil
		typ, body, n, err := wire.SplitPacket(msg, fuzzMaxBody)
		if err != nil || n == 0 || n != len(msg) {
			return stop(ws.StatusProtocolError, "not one packet")
		}
		pkt, _ := wire.AppendPacket(nil, typ, body)
		ref.packets = append(ref.packets, pkt)
		if typ == wire.PacketKick {
			return stop(ws.StatusPolicyViolation, "the peer failed")
		}
	}
}

func equalPackets(a, b [][]byte) bool {
	return slices.EqualFunc(a, b, bytes.Equal)
}

// checkServerFrames checks the frames written after the 101: unmasked and
// final; binary messages carry the peer's packets in order; pongs echo the
// pings in order; a close frame comes last, at most once.
func checkServerFrames(t *testing.T, peer *streamPeer, want reference, out []byte, last gnet.Action) {
	r := bytes.NewReader(out)
	var msgs, pongs [][]byte
	closeCode := ws.StatusCode(0)
	for r.Len() > 0 {
		h, err := ws.ReadHeader(r)
		if err != nil || h.Masked || !h.Fin || h.Rsv != 0 || int64(r.Len()) < h.Length {
			t.Fatalf("the listener wrote a bad frame (%+v, %v) in %x", h, err, out)
		}
		if closeCode != 0 {
			t.Fatalf("a %v frame after the close frame", h.OpCode)
		}
		payload := make([]byte, h.Length)
		_, _ = io.ReadFull(r, payload)
		switch h.OpCode {
		case ws.OpBinary:
			msgs = append(msgs, payload)
		case ws.OpPong:
			pongs = append(pongs, payload)
		case ws.OpClose:
			if len(payload) != 2 {
				t.Fatalf("close frame payload %x", payload)
			}
			closeCode = ws.StatusCode(binary.BigEndian.Uint16(payload))
		default:
			t.Fatalf("the listener wrote a %v frame", h.OpCode)
		}
	}
	if len(msgs) > len(peer.written) || !equalPackets(msgs, peer.written[:len(msgs)]) {
		t.Fatalf("binary messages %x are not the packets the peer wrote %x", msgs, peer.written)
	}
	if len(pongs) > len(want.pongs) || !equalPackets(pongs, want.pongs[:len(pongs)]) {
		t.Fatalf("pongs %x do not echo the pings %x", pongs, want.pongs)
	}
	switch {
	case peer.closed || peer.refuse:
		if last == gnet.Close && closeCode == 0 {
			t.Fatal("closed without a close frame")
		}
	case want.code != 0:
		if closeCode != want.code {
			t.Fatalf("close code %d, the reference reader expects %d (%s)", closeCode, want.code, want.stop)
		}
		if len(pongs) != len(want.pongs) {
			t.Fatalf("%d pongs for %d pings", len(pongs), len(want.pongs))
		}
	default:
		if closeCode != 0 || last != gnet.None {
			t.Fatalf("closed (code %d) on a stream the reference reader accepts (%s)", closeCode, want.stop)
		}
		if len(pongs) != len(want.pongs) {
			t.Fatalf("%d pongs for %d pings", len(pongs), len(want.pongs))
		}
	}
}

// Seeds: what real clients send.

type streamSeed struct {
	mode           byte
	stream, splits []byte
}

// fuzzUpgrade is a client's upgrade request; extra lines are added
// before the blank line.
func fuzzUpgrade(path string, extra ...string) []byte {
	b := []byte("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:3252\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")
	for _, e := range extra {
		b = append(b, e+"\r\n"...)
	}
	return append(b, "\r\n"...)
}

// clientFrame is a masked client frame.
func clientFrame(fin bool, op ws.OpCode, payload []byte) []byte {
	mask := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	b0 := byte(op)
	if fin {
		b0 |= 0x80
	}
	b := []byte{b0}
	switch n := len(payload); {
	case n <= 125:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, 0x80|127), uint64(n))
	}
	b = append(b, mask[:]...)
	p := bytes.Clone(payload)
	ws.Cipher(p, mask, 0)
	return append(b, p...)
}

func packet(t wire.PacketType, body string) []byte {
	p, _ := wire.AppendPacket(nil, t, []byte(body))
	return p
}

func clientStreamSeeds() []streamSeed {
	up := fuzzUpgrade("/ws")
	hs := packet(wire.PacketHandshake, `{"sys":{"type":"js-websocket","version":"0.0.1","rsa":{}},"user":{}}`)
	data := packet(wire.PacketData, "\x00\x01\x04room.join payload")
	ack := packet(wire.PacketHandshakeAck, "")
	hb := packet(wire.PacketHeartbeat, "")
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	bin := func(p []byte) []byte { return clientFrame(true, ws.OpBinary, p) }
	everyByte := bytes.Repeat([]byte{0}, 4096)
	seeds := []streamSeed{
		// A session as the pomelo JS client sends it, whole and a byte per read.
		{0, join(up, bin(ack), bin(data), bin(hb)), nil},
		{wsModePath, join(up, bin(ack), bin(data)), everyByte},
		// Browsers: an Origin, extensions offered (none is negotiated), a subprotocol.
		{wsModeOrigin, join(fuzzUpgrade("/ws?x=1", "Origin: http://ok", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
			"Sec-WebSocket-Protocol: pomelo", "User-Agent: Mozilla/5.0"), bin(data)), []byte{10, 3, 200}},
		{wsModeOrigin, join(fuzzUpgrade("/", "Origin: http://evil"), bin(data)), nil},
		{wsModeOrigin, join(up, bin(data)), nil},
		{wsModePath, join(fuzzUpgrade("/other"), bin(data)), nil},
		{wsModeRefuse, join(up, bin(data)), nil},
		// Fragmented binary messages, with control frames between fragments.
		{0, join(up, clientFrame(false, ws.OpBinary, data[:3]), clientFrame(true, ws.OpPing, []byte("p1")),
			clientFrame(false, ws.OpContinuation, data[3:9]), clientFrame(true, ws.OpPong, nil),
			clientFrame(true, ws.OpContinuation, data[9:]), bin(hb)), []byte{0, 1, 2, 3, 4, 5, 6, 7}},
		{0, join(up, clientFrame(false, ws.OpBinary, nil), clientFrame(true, ws.OpContinuation, data)), nil},
		// Violations.
		{0, join(up, clientFrame(true, ws.OpText, []byte("{}"))), nil},
		{0, join(up, clientFrame(true, ws.OpContinuation, data)), nil},
		{0, join(up, clientFrame(false, ws.OpBinary, data[:2]), bin(data)), nil},
		{0, join(up, clientFrame(false, ws.OpPing, nil)), nil},
		{0, join(up, clientFrame(true, ws.OpPing, bytes.Repeat([]byte("x"), 126))), nil},
		{0, join(up, clientFrame(true, 0x3, data)), nil},
		{0, join(up, clientFrame(true, 0xB, nil)), nil},
		{0, join(up, []byte{0x82, 0x05, 1, 2, 3, 4, 5}), nil},                                  // unmasked
		{0, join(up, []byte{0xC2, 0x80, 0, 0, 0, 0}), nil},                                     // rsv1: no extension
		{0, join(up, []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}), nil},          // 64-bit length, MSB set
		{0, join(up, []byte{0x82, 0xff, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4}), nil}, // 2 GiB declared
		{0, join(up, bin(make([]byte, fuzzMaxMessage+1))), nil},
		{0, join(up, bin(join(data, hb))), nil},     // two packets in one message
		{0, join(up, bin(data[:len(data)-1])), nil}, // part of a packet
		{0, join(up, bin(packet(wire.PacketKick, ""))), nil},
		{0, join(up, bin(hs), bin(data)), nil},
		{0, join(up, bin([]byte{9, 0, 0, 0})), nil},
		// Close frames: empty, with a code, with a bad code.
		{0, join(up, bin(data), clientFrame(true, ws.OpClose, nil)), nil},
		{0, join(up, clientFrame(true, ws.OpClose, []byte{0x03, 0xe8, 'b', 'y', 'e'})), nil},
		{0, join(up, clientFrame(true, ws.OpClose, []byte{0x03, 0xed})), nil},
		{0, join(up, clientFrame(true, ws.OpClose, []byte{0x03})), nil},
		// Bad upgrades: too long, not HTTP, no key, a POST, a header without end.
		{0, join([]byte("GET / HTTP/1.1\r\nX: "), bytes.Repeat([]byte("a"), fuzzMaxHandshake), []byte("\r\n\r\n")), []byte{100, 100, 100}},
		{0, []byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"), nil},
		{0, []byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"), nil},
		{0, []byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"), nil},
		{0, []byte("GET / HTTP/1.1\r\nHost: x\r\n"), []byte{1}},
	}
	return seeds
}
