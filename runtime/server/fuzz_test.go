package server_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// FuzzSessionPackets feeds a session an arbitrary sequence of packets, as a
// transport would deliver them (one at a time, from one goroutine), against
// a fake connection that records what the server writes. The input is a
// mode byte (server options) followed by a little script of operations (see
// fuzzScript): handshakes (well-formed or arbitrary bytes), acks,
// heartbeats, raw packets of any type, requests and notifies built from
// the input (string routes or dictionary codes, zlib payloads, routes that
// are internal, push-only, malformed or unknown), waits for the session's
// worker, and a client disconnect. Each input gets its own server, started
// without listeners and shut down at the end.
//
// Invariants: nothing panics (on the I/O goroutine or the worker); the
// only errors OnPacket returns are protocol errors (gamesrv's, or the wire
// package's decoding errors), and the transport closes on them; every
// write holds whole packets and the written bytes are never modified
// afterwards; the first packet written is the handshake answer, written at
// most once, and no Data packet is written before the client's ack;
// responses answer requests the server accepted, in their order, at most
// once each, and exactly once when the connection was not closed; the
// memory allocated is bounded per packet; after the shutdown no session,
// job or server goroutine is left.
func FuzzSessionPackets(f *testing.F) {
	for _, seed := range sessionSeeds() {
		f.Add(seed)
	}
	z := &deflater{} // reused, so the allocation budget is the server's alone
	z.w = zlib.NewWriter(&z.buf)
	z.deflate(nil) // the writer allocates its compressor on first use
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		runFuzzSession(t, z, in[0], in[1:])
	})
}

// Operations of a fuzz script. Each starts with one byte, taken modulo
// opCount; its arguments follow.
const (
	opHandshake  = iota // k: canned handshake k%len (k < 0x80), else k&0x7f bytes of body
	opAck               // HandshakeAck
	opHeartbeat         // Heartbeat
	opRaw               // type, n, n bytes: a packet of any type with any body
	opMessage           // flags, id, route, n, n bytes of payload (see message)
	opCanned            // flags, id, route, k: a message whose StringValue is cannedValues[k%len]
	opWait              // wait until the session's worker is idle
	opDisconnect        // the client goes away: the transport closes
	opCount
)

// Message flags of opMessage and opCanned.
const (
	msgNotify  = 1 << iota // a Notify rather than a Request
	msgCode                // route as a dictionary code
	msgZlib                // deflate the payload
	msgRawBody             // the payload bytes as they are (with msgZlib: not deflated), not a StringValue
	msgBadType             // a Response or Push: a type a client may not send
	msgWideID              // id << 24 | id: a multi-byte varint
)

// Mode bits: the server options of one input.
const (
	modeValidator    = 1 << iota // a handshake validator (refuses "deny", binds "bind")
	modeRateLimit                // RateLimit{Rate: 1, Burst: 3}
	modeDisconnect               // RateLimit.Disconnect
	modeCompression              // outbound compression from 16 bytes
	modeCompressPush             // push routes as dictionary codes
	modeEmptyKick                // empty kick packets (EmptyKick)
	modeSmallQueue               // QueueSize 2
)

var (
	cannedHandshakes = []string{
		libpitayaHandshake, pomeloJSHandshake, `{}`,
		`{"sys":{"platform":"go"},"user":{"deny":true}}`,
		`{"sys":{"platform":"go"},"user":{"bind":"fuzzer"}}`,
		`not json`, ``,
	}
	// fuzzRoutes are the routes a script's message may name, by index.
	fuzzRoutes = []string{
		fzCall, fzTell, fzSecret, fzPush, "fz.call", "gamesrv.describe",
		"test.nobody.here", "a..b", "\xff\xfe.x", "test.fz.call.more", "x", ".",
	}
	// cannedValues are the request values fuzzHandler acts on.
	cannedValues = []string{"hi", "panic", "error", "plain", "push", "kick", "close", "bind", "hook", "big", ""}
)

// The fuzz service's routes.
const (
	fzCall   = "test.fz.call"
	fzTell   = "test.fz.tell"
	fzSecret = "test.fz.secret"
	fzPush   = "onFz"
)

// fuzzHandler serves the fuzz service. Its answers depend on the request
// value (see cannedValues); nothing it does blocks.
type fuzzHandler struct{}

func (fuzzHandler) call(ctx context.Context, s gamesrv.Session, v string) (proto.Message, error) {
	switch v {
	case "panic":
		panic("fuzz handler panic")
	case "error":
		return nil, gamesrv.NewError("APP-1", "app failure")
	case "plain":
		return nil, errors.New("plain failure")
	case "push":
		if err := s.Push(ctx, fzPush, wrapperspb.String("pushed")); err != nil {
			return nil, err
		}
	case "kick":
		_ = s.Kick(ctx, "fuzz")
	case "close":
		_ = s.Close()
	case "bind":
		if err := s.Bind(ctx, "fuzzer"); err != nil {
			return nil, err
		}
	case "hook":
		s.OnClose(func(gamesrv.Session) {})
	case "big":
		return wrapperspb.String(strings.Repeat("big ", 8<<10)), nil
	}
	return wrapperspb.String(v), nil
}

var fuzzDesc = gamesrv.ServiceDesc{
	Name:       "test.Fz",
	ServerType: "test",
	Routes: []gamesrv.Route{
		{
			Name: fzCall, Method: "Call", Kind: gamesrv.KindRequest,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			Handle: func(ctx context.Context, h any, s gamesrv.Session, req proto.Message) (proto.Message, error) {
				return h.(fuzzHandler).call(ctx, s, req.(*wrapperspb.StringValue).GetValue())
			},
		},
		{
			Name: fzTell, Method: "Tell", Kind: gamesrv.KindNotify,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			Handle: func(ctx context.Context, h any, s gamesrv.Session, req proto.Message) (proto.Message, error) {
				_, err := h.(fuzzHandler).call(ctx, s, req.(*wrapperspb.StringValue).GetValue())
				return nil, err
			},
		},
		{
			Name: fzSecret, Method: "Secret", Kind: gamesrv.KindRequest, Internal: true,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			Handle: func(_ context.Context, _ any, _ gamesrv.Session, req proto.Message) (proto.Message, error) {
				return req, nil
			},
		},
		{
			Name: fzPush, Method: "OnFz", Kind: gamesrv.KindPush,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			HandlePush: func(context.Context, any, proto.Message) {},
		},
	},
}

// fuzzMaxBody is the fuzz server's MaxBodySize: small, so that a zip bomb
// reaches it at once and the allocation budget is tight.
const fuzzMaxBody = 16 << 10

// fuzzOptions returns the server options of a mode byte.
func fuzzOptions(t *testing.T, mode byte) server.Options {
	opts := server.Options{Logger: testkit.Logger(t), MaxBodySize: fuzzMaxBody}
	if mode&modeValidator != 0 {
		opts.HandshakeValidators = []server.HandshakeValidator{
			func(ctx context.Context, s gamesrv.Session, hs *wire.HandshakeRequest) error {
				switch {
				case bytes.Contains(hs.User, []byte(`"deny"`)):
					return errors.New("denied")
				case bytes.Contains(hs.User, []byte(`"bind"`)):
					return s.Bind(ctx, "fuzzer")
				}
				return nil
			},
		}
	}
	if mode&modeRateLimit != 0 {
		opts.RateLimit = server.RateLimit{Rate: 1, Burst: 3, Disconnect: mode&modeDisconnect != 0}
	}
	if mode&modeCompression != 0 {
		opts.Compression = server.Compression{Threshold: 16}
	}
	opts.CompressPushRoutes = mode&modeCompressPush != 0
	opts.EmptyKick = mode&modeEmptyKick != 0
	if mode&modeSmallQueue != 0 {
		opts.QueueSize = 2
	}
	return opts
}

// recConn is the fake transport connection: it records every write (a
// copy, and the slice itself to check it is never modified), and a Close.
type recConn struct {
	acks atomic.Int32 // acks the client had sent when a write came

	mu     sync.Mutex
	writes []recWrite
	closed bool
}

type recWrite struct {
	orig, copy []byte
	acks       int32
}

func (c *recConn) Write(p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return transport.ErrClosed
	}
	c.writes = append(c.writes, recWrite{orig: p, copy: bytes.Clone(p), acks: c.acks.Load()})
	return nil
}

func (c *recConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return nil
}

func (c *recConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *recConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

// fuzzRun is the state of one input's run: what the client sent and what
// the server was expected to do about it.
type fuzzRun struct {
	t    *testing.T
	z    *deflater
	mode byte
	srv  *server.Server
	conn *recConn
	peer transport.Peer

	dict       map[string]uint16
	handshakes int      // handshake packets OnPacket accepted
	accepted   []uint32 // ids of the requests OnPacket accepted, in order
	packets    int      // packets fed
	zlibs      int      // zlib payloads fed
	fedBytes   int      // body bytes fed
	clientGone bool     // the client disconnected (opDisconnect)
	srvClosed  bool     // the server closed the connection (a refused handshake, a kick)
	err        error    // the error OnPacket returned, if any
	gone       bool     // OnDisconnect was called
}

// deflater compresses a script's payloads with one reused zlib writer: a
// new one allocates close to a megabyte, which would drown the server's
// allocations in the budget of checkAllocation.
type deflater struct {
	buf bytes.Buffer
	w   *zlib.Writer
}

func (d *deflater) deflate(b []byte) []byte {
	d.buf.Reset()
	d.w.Reset(&d.buf)
	_, _ = d.w.Write(b)
	_ = d.w.Close()
	return bytes.Clone(d.buf.Bytes())
}

func runFuzzSession(t *testing.T, z *deflater, mode byte, script []byte) {
	before := serverGoroutines()
	srv, err := server.New(fuzzOptions(t, mode))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.RegisterService(&fuzzDesc, fuzzHandler{}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	conn := &recConn{}
	r := &fuzzRun{t: t, srv: srv, conn: conn, peer: srv.Open(conn), z: z, mode: mode}
	if r.peer == nil {
		t.Fatal("the server refused the connection")
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	allocBefore := ms.TotalAlloc
	r.play(script)
	r.waitIdle()
	r.noticeClose()
	runtime.ReadMemStats(&ms)
	r.checkAllocation(ms.TotalAlloc - allocBefore)
	r.disconnect(nil)
	r.waitIdle()
	r.checkWrites()
	if n := srv.Sessions(); n != 0 {
		t.Errorf("%d sessions left after the disconnect", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	awaitGoroutines(t, before)
}

// play runs a script until it ends or the connection is closed.
func (r *fuzzRun) play(s []byte) {
	for len(s) > 0 && !r.gone {
		op := s[0] % opCount
		s = s[1:]
		switch op {
		case opHandshake:
			var k byte
			k, s = take1(s)
			if k < 0x80 {
				r.feed(wire.PacketHandshake, []byte(cannedHandshakes[int(k)%len(cannedHandshakes)]))
				break
			}
			var body []byte
			body, s = takeN(s, int(k&0x7f))
			r.feed(wire.PacketHandshake, body)
		case opAck:
			r.conn.acks.Add(1)
			r.feed(wire.PacketHandshakeAck, nil)
		case opHeartbeat:
			r.feed(wire.PacketHeartbeat, nil)
		case opRaw:
			var typ, n byte
			typ, s = take1(s)
			n, s = take1(s)
			var body []byte
			body, s = takeN(s, int(n))
			r.feed(wire.PacketType(typ), body)
		case opMessage, opCanned:
			var hdr, arg []byte
			hdr, s = takeN(s, 4)
			if len(hdr) < 4 {
				return
			}
			if op == opMessage {
				arg, s = takeN(s, int(hdr[3]))
			} else {
				arg = []byte(cannedValues[int(hdr[3])%len(cannedValues)])
			}
			r.feed(wire.PacketData, r.message(hdr[0], hdr[1], hdr[2], arg))
		case opWait:
			r.waitIdle()
		case opDisconnect:
			r.clientGone = true
			r.disconnect(nil)
		}
		r.noticeClose()
	}
}

// message builds the body of a Data packet from a script's arguments.
func (r *fuzzRun) message(flags, id, routeIdx byte, arg []byte) []byte {
	h := wire.Header{Type: wire.MessageRequest, ID: uint32(id)}
	if flags&msgWideID != 0 {
		h.ID = uint32(id)<<24 | uint32(id)
	}
	if flags&msgNotify != 0 {
		h.Type = wire.MessageNotify
	}
	if flags&msgBadType != 0 {
		h.Type = wire.MessagePush
		if flags&msgNotify != 0 {
			h.Type = wire.MessageResponse
		}
	}
	h.Route = fuzzRoutes[int(routeIdx)%len(fuzzRoutes)]
	if flags&msgCode != 0 {
		h.Compressed = true
		code, ok := r.dict[h.Route]
		if !ok {
			code = uint16(routeIdx)
		}
		h.Code = code
	}
	payload := arg
	h.Zlib = flags&msgZlib != 0
	switch {
	case flags&msgRawBody != 0: // as it is (with msgZlib: zlib data, or not)
	case h.Zlib:
		payload = r.z.deflate(str(string(arg)))
	default:
		payload = str(string(arg))
	}
	body, err := wire.AppendMessage(nil, &h, payload)
	if err != nil {
		return rawMessage(&h, payload) // not encodable: a broken client sends it anyway
	}
	return body
}

// rawMessage encodes what wire.AppendMessage refuses to (a request id 0,
// an empty route), the way a broken client would.
func rawMessage(h *wire.Header, payload []byte) []byte {
	flag := byte(h.Type) << 1
	if h.Compressed {
		flag |= wire.FlagRouteCompressed
	}
	if h.Zlib {
		flag |= wire.FlagZlib
	}
	b := []byte{flag}
	if h.Type.HasID() {
		id := h.ID
		for ; id >= 0x80; id >>= 7 {
			b = append(b, byte(id)|0x80)
		}
		b = append(b, byte(id))
	}
	switch {
	case h.Type.HasRoute() && h.Compressed:
		b = append(b, byte(h.Code>>8), byte(h.Code))
	case h.Type.HasRoute():
		b = append(append(b, byte(len(h.Route))), h.Route...)
	}
	return append(b, payload...)
}

// feed hands one packet to the session, as the transport's I/O goroutine
// does, and closes the connection when OnPacket fails.
func (r *fuzzRun) feed(typ wire.PacketType, body []byte) {
	r.packets++
	r.fedBytes += len(body)
	var req *wire.Message
	if typ == wire.PacketData {
		if m, err := wire.DecodeMessage(body); err == nil {
			if m.Zlib {
				r.zlibs++
			}
			if m.Type == wire.MessageRequest {
				req = &m
			}
		}
	}
	// The transport's buffer is only valid during the call: give the
	// session a copy and scribble over it afterwards, as a reused read
	// buffer would be.
	buf := bytes.Clone(body)
	err := r.peer.OnPacket(typ, buf)
	for i := range buf {
		buf[i] = 0xA5
	}
	if err != nil {
		r.checkError(typ, err)
		r.err = err
		_ = r.conn.Close()
		r.disconnect(&transport.ProtocolError{Err: err})
		return
	}
	switch {
	case typ == wire.PacketHandshake:
		r.handshakes++
		r.learnDict()
	case req != nil && !r.conn.isClosed():
		r.accepted = append(r.accepted, req.ID)
	}
}

// checkError fails the test unless err is a documented protocol error.
func (r *fuzzRun) checkError(typ wire.PacketType, err error) {
	if strings.HasPrefix(err.Error(), "gamesrv: protocol error: ") {
		return
	}
	for _, known := range []error{
		wire.ErrEmptyMessage, wire.ErrInvalidMessageType, wire.ErrInvalidFlag, wire.ErrInvalidID,
		wire.ErrTruncated, wire.ErrInvalidRoute, wire.ErrRouteTooLong, wire.ErrInvalidPacketType, wire.ErrBodyTooLarge,
	} {
		if errors.Is(err, known) {
			return
		}
	}
	r.t.Fatalf("OnPacket(%s) returned an undocumented error: %v", typ, err)
}

// learnDict reads the route dictionary from the handshake answer, once
// it has been written, so that messages can use its codes.
func (r *fuzzRun) learnDict() {
	if r.dict != nil {
		return
	}
	r.waitIdle() // a validator answers on the worker
	for _, w := range r.conn.snapshot() {
		typ, body, _, err := wire.SplitPacket(w.copy, 0)
		if err == nil && typ == wire.PacketHandshake {
			if resp, err := wire.DecodeHandshakeResponse(body); err == nil && resp.Sys != nil {
				r.dict = resp.Sys.Dict
			}
			return
		}
	}
}

func (c *recConn) snapshot() []recWrite {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]recWrite(nil), c.writes...)
}

// noticeClose reports a close by the server to the session, as the
// transport does.
func (r *fuzzRun) noticeClose() {
	if !r.gone && r.conn.isClosed() {
		r.srvClosed = true
		r.disconnect(nil)
	}
}

// disconnect reports the end of the connection to the session, once, as
// the transport does after a close.
func (r *fuzzRun) disconnect(err error) {
	if r.gone {
		return
	}
	r.gone = true
	_ = r.conn.Close()
	r.peer.OnDisconnect(err)
}

// waitIdle waits until the server has no job queued or running.
func (r *fuzzRun) waitIdle() {
	deadline := time.Now().Add(timeout)
	for i := 0; r.srv.Jobs() != 0; i++ {
		if time.Now().After(deadline) {
			r.t.Fatalf("the session's worker is still busy after %v (%d jobs)", timeout, r.srv.Jobs())
		}
		if i < 100 {
			runtime.Gosched()
		} else {
			time.Sleep(50 * time.Microsecond) // polling a condition, with a deadline
		}
	}
}

// checkAllocation bounds what the server allocated while it handled the
// script: a fixed amount, plus per packet a few kilobytes, plus per zlib
// payload the inflater and at most MaxBodySize inflated (twice, as the
// buffer grows), plus per body byte a small factor; with outbound
// compression, the server's zlib writer.
func (r *fuzzRun) checkAllocation(alloc uint64) {
	budget := uint64(512<<10 + r.packets*16<<10 + r.zlibs*(64<<10+4*fuzzMaxBody) + 16*r.fedBytes)
	if r.mode&modeCompression != 0 {
		budget += 2 << 20 // the server's first zlib writer (then pooled)
	}
	if alloc > budget {
		r.t.Errorf("the server allocated %d bytes for %d packets (%d zlib, %d body bytes); budget %d",
			alloc, r.packets, r.zlibs, r.fedBytes, budget)
	}
}

// checkWrites checks what the server wrote against what it accepted.
func (r *fuzzRun) checkWrites() {
	t := r.t
	var answers []uint32
	handshakes := 0
	for i, w := range r.conn.snapshot() {
		if !bytes.Equal(w.orig, w.copy) {
			t.Errorf("write %d was modified after Write: %x, written %x", i, w.orig, w.copy)
		}
		for b := w.copy; len(b) > 0; {
			typ, body, n, err := wire.SplitPacket(b, 0)
			if err != nil || n == 0 {
				t.Fatalf("write %d does not hold whole packets: %x (%v)", i, w.copy, err)
			}
			b = b[n:]
			if typ != wire.PacketHandshake && handshakes == 0 {
				t.Fatalf("a %s packet was written before the handshake answer", typ)
			}
			switch typ {
			case wire.PacketHandshake:
				if handshakes++; handshakes > 1 {
					t.Fatalf("the handshake was answered twice")
				}
				if _, err := wire.DecodeHandshakeResponse(body); err != nil {
					t.Fatalf("handshake answer %q: %v", body, err)
				}
			case wire.PacketData:
				if w.acks == 0 {
					t.Fatalf("Data written before the client's ack: %x", body)
				}
				m, err := wire.DecodeMessage(body)
				if err != nil {
					t.Fatalf("written message %x: %v", body, err)
				}
				if m.Type == wire.MessageResponse {
					answers = append(answers, m.ID)
				}
			case wire.PacketHandshakeAck:
				t.Fatalf("the server wrote a HandshakeAck")
			}
		}
	}
	r.checkAnswers(answers, handshakes)
}

// checkAnswers checks that the responses answer the accepted requests in
// order, each at most once, and all of them when nothing closed the
// connection early.
func (r *fuzzRun) checkAnswers(answers []uint32, handshakes int) {
	t := r.t
	if len(answers) > len(r.accepted) {
		t.Fatalf("%d responses to %d accepted requests: %v for %v", len(answers), len(r.accepted), answers, r.accepted)
	}
	for i, id := range answers {
		if r.accepted[i] != id {
			t.Fatalf("response %d answers request %d; the requests accepted were %v, the responses %v", i, id, r.accepted, answers)
		}
	}
	if r.err != nil || r.clientGone || r.srvClosed {
		return // answers after the close are dropped by the transport
	}
	if len(answers) != len(r.accepted) {
		t.Fatalf("connection still open: %d responses to %d accepted requests (%v for %v)", len(answers), len(r.accepted), answers, r.accepted)
	}
	if r.handshakes > 0 && handshakes != 1 {
		t.Fatalf("connection still open: a handshake was accepted but %d answers were written", handshakes)
	}
}

// serverGoroutines counts the goroutines running code of package server.
func serverGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte("gamesrv/runtime/server.")) {
			count++
		}
	}
	return count
}

// awaitGoroutines waits until no more goroutines run server code than
// before the input.
func awaitGoroutines(t *testing.T, before int) {
	deadline := time.Now().Add(timeout)
	for {
		n := serverGoroutines()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d server goroutines left after the shutdown (%d before)", n-before, before)
		}
		time.Sleep(100 * time.Microsecond) // polling a condition, with a deadline
	}
}

func take1(s []byte) (byte, []byte) {
	if len(s) == 0 {
		return 0, s
	}
	return s[0], s[1:]
}

func takeN(s []byte, n int) ([]byte, []byte) {
	n = min(n, len(s))
	return s[:n], s[n:]
}

// Script builders for the seed corpus.
func sHandshake(k byte) []byte { return []byte{opHandshake, k} }
func sRawHandshake(body string) []byte {
	return append([]byte{opHandshake, 0x80 | byte(len(body))}, body...)
}
func sRaw(typ wire.PacketType, body []byte) []byte {
	return append([]byte{opRaw, byte(typ), byte(len(body))}, body...)
}
func sMsg(flags, id, route byte, payload []byte) []byte {
	return append([]byte{opMessage, flags, id, route, byte(len(payload))}, payload...)
}
func sCanned(flags, id, route byte, value string) []byte {
	for i, v := range cannedValues {
		if v == value {
			return []byte{opCanned, flags, id, route, byte(i)}
		}
	}
	panic("no canned value " + value)
}

var (
	sAck        = []byte{opAck}
	sHeartbeat  = []byte{opHeartbeat}
	sWait       = []byte{opWait}
	sDisconnect = []byte{opDisconnect}
)

// seed is a mode byte followed by a script.
func seed(mode byte, ops ...[]byte) []byte {
	return append([]byte{mode}, bytes.Join(ops, nil)...)
}

// sessionSeeds is the seed corpus: what real clients send (libpitaya's and
// pomelo's handshakes, string and compressed routes, zlib payloads), each
// handler behaviour, and the edge cases the protocol tests cover.
func sessionSeeds() [][]byte {
	const call, tell, secret, push, alias, describe, unknown, malformed = 0, 1, 2, 3, 4, 5, 6, 7
	hello := []byte("hello")
	bomb := deflate(make([]byte, fuzzMaxBody+1))
	var seeds [][]byte
	// Real sessions: libpitaya (string routes), pomelo JS (dictionary codes).
	seeds = append(seeds,
		seed(0, sHandshake(0), sAck, sMsg(0, 1, call, hello), sWait, sHeartbeat, sMsg(msgNotify, 0, tell, hello), sWait),
		seed(0, sHandshake(1), sAck, sMsg(msgCode, 1, call, hello), sMsg(msgCode|msgNotify, 0, tell, hello), sMsg(msgCode, 2, describe, nil), sWait),
		seed(0, sHandshake(2), sAck, sMsg(msgZlib, 1, call, hello), sMsg(msgZlib|msgCode, 2, call, hello), sWait),
		seed(0, sHandshake(0), sAck, sMsg(0, 1, alias, hello), sMsg(0, 200, call, hello), sMsg(msgWideID, 3, call, hello)),
	)
	// Every handler behaviour, as a request and as a notify.
	for _, v := range cannedValues {
		seeds = append(seeds,
			seed(0, sHandshake(0), sAck, sCanned(0, 1, call, v), sMsg(0, 2, call, hello), sWait),
			seed(0, sHandshake(1), sAck, sCanned(msgNotify, 0, tell, v), sCanned(0, 1, call, "hi")),
		)
	}
	// Routes a client may not call, or that do not exist, and bad payloads.
	for _, route := range []byte{secret, push, unknown, malformed, 8, 9, 10, 11} {
		seeds = append(seeds, seed(0, sHandshake(0), sAck, sMsg(0, 1, route, hello), sMsg(msgNotify, 0, route, hello), sMsg(msgCode, 2, route, hello), sWait))
	}
	seeds = append(seeds,
		seed(0, sHandshake(0), sAck, sMsg(msgRawBody, 1, call, []byte{0xff, 0xff}), sMsg(msgRawBody|msgZlib, 2, call, []byte("not zlib")), sWait),
		seed(0, sHandshake(0), sAck, sMsg(msgRawBody|msgZlib, 1, call, bomb)),                  // zip bomb: GS-400
		seed(0, sHandshake(0), sAck, sMsg(0, 1, tell, hello), sMsg(msgNotify, 0, call, hello)), // request to a notify route, and the reverse
		seed(0, sHandshake(0), sAck, sMsg(0, 0, call, hello)),                                  // request id 0
		seed(0, sHandshake(0), sAck, sMsg(msgBadType, 1, call, hello)),                         // a push from the client
		seed(0, sHandshake(0), sAck, sMsg(msgBadType|msgNotify, 1, call, hello)),               // a response from the client
		seed(0, sHandshake(0), sAck, sMsg(msgCode, 1, 250, hello)),                             // unknown dictionary code
	)
	// Packet order: data before the ack, ack before the handshake, twice
	// the handshake, heartbeats anywhere, packets of no client type.
	seeds = append(seeds,
		seed(0, sHandshake(0), sMsg(0, 1, call, hello)),
		seed(0, sAck, sHandshake(0), sMsg(0, 1, call, hello)),
		seed(0, sHeartbeat, sHandshake(0), sHandshake(1), sAck, sAck, sMsg(0, 1, call, hello), sHandshake(2)),
		seed(0, sMsg(0, 1, call, hello)),
		seed(0, sRaw(wire.PacketKick, nil)),
		seed(0, sHandshake(0), sAck, sRaw(wire.PacketKick, []byte(`{"reason":"x"}`))),
		seed(0, sHandshake(0), sAck, sRaw(0, nil)),
		seed(0, sHandshake(0), sAck, sRaw(6, hello)),
		seed(0, sHandshake(0), sAck, sRaw(255, hello)),
		seed(0, sHandshake(0), sAck, sRaw(wire.PacketData, nil)),
		seed(0, sHandshake(0), sAck, sRaw(wire.PacketData, []byte{0x00, 0x80, 0x80, 0x80, 0x80, 0x80})),
		seed(0, sRawHandshake(""), sAck),
		seed(0, sRawHandshake(`{"sys":[]}`)),
		seed(0, sRawHandshake(`{"sys":{"platform":5}}`)),
		seed(0, sHandshake(5)),
	)
	// Flooding: no waits, with a small queue, a rate limit (answered or
	// disconnecting), and a client that leaves with requests queued.
	flood := [][]byte{sHandshake(0), sAck}
	for id := byte(1); id <= 12; id++ {
		flood = append(flood, sMsg(0, id, call, hello), sMsg(msgNotify, 0, tell, hello))
	}
	seeds = append(seeds,
		seed(modeSmallQueue, flood...),
		seed(modeRateLimit, flood...),
		seed(modeRateLimit|modeDisconnect, flood...),
		seed(0, append(flood, sDisconnect, sMsg(0, 99, call, hello))...),
		seed(modeSmallQueue, sHandshake(0), sAck, sCanned(0, 1, call, "hook"), sCanned(0, 2, call, "kick"), sMsg(0, 3, call, hello)),
	)
	// Validators (answered on the worker), compression both ways, push
	// route codes, empty kicks.
	seeds = append(seeds,
		seed(modeValidator, sHandshake(0), sWait, sAck, sMsg(0, 1, call, hello), sWait),
		seed(modeValidator, sHandshake(3), sWait, sAck),
		seed(modeValidator, sHandshake(4), sWait, sAck, sCanned(0, 1, call, "bind"), sWait),
		seed(modeValidator, sHandshake(0), sAck, sMsg(0, 1, call, hello)),
		seed(modeCompression|modeCompressPush|modeEmptyKick, sHandshake(1), sAck, sCanned(0, 1, call, "big"), sCanned(0, 2, call, "push"), sCanned(0, 3, call, "kick")),
	)
	return seeds
}
