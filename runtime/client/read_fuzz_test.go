package client

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// serverStream is what a server sends after the handshake, for seeds: a
// heartbeat, a response, an error response, a push by route and by
// dictionary code, a zlib push, a kick.
func serverStream(tb testing.TB) [][]byte {
	payload, _ := proto.Marshal(wrapperspb.String("hello"))
	msg := func(h wire.Header, p []byte) []byte {
		b, err := wire.AppendDataPacket(nil, &h, p)
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	return [][]byte{
		wire.HeartbeatPacket(),
		msg(wire.Header{Type: wire.MessageResponse, ID: 1}, payload),
		msg(wire.Header{Type: wire.MessageResponse, ID: 2, Error: true}, []byte{0x0a, 6, 'G', 'S', '-', '4', '0', '4'}),
		msg(wire.Header{Type: wire.MessagePush, Route: "onMessage"}, payload),
		msg(wire.Header{Type: wire.MessagePush, Code: 7, Compressed: true}, payload),
		msg(wire.Header{Type: wire.MessagePush, Route: "onMessage", Zlib: true}, deflateBytes(payload)),
		msg(wire.Header{Type: wire.MessageResponse, ID: 3, Zlib: true}, deflateBytes(bytes.Repeat(payload, 100))),
		wire.KickPacket("duplicate login"),
	}
}

func deflateBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

// FuzzReadPacket reads packets from any byte stream, as the client reads
// what a server sends. Invariants: nothing panics; every packet read
// re-encodes to exactly the bytes it consumed, agrees with
// wire.SplitPacket, and has a body no larger than the limit; the stream
// ends with io.EOF only between packets, with io.ErrUnexpectedEOF inside
// one, or with the wire package's header errors; and the memory allocated
// follows the bytes that arrived, not the length a header declares.
func FuzzReadPacket(f *testing.F) {
	stream := bytes.Join(serverStream(f), nil)
	f.Add(stream, uint32(0))
	f.Add(stream, uint32(16))
	f.Add([]byte{4, 0xff, 0xff, 0xff}, uint32(0))                                  // 16 MiB declared, nothing sent
	f.Add([]byte{4, 0x01, 0x00, 0x00, 1, 2, 3}, uint32(0))                         // 64 KiB declared, 3 bytes sent
	f.Add(append([]byte{4, 0x01, 0x20, 0x00}, make([]byte, 72<<10)...), uint32(0)) // 72 KiB, all there
	f.Add([]byte{4, 0, 0, 2}, uint32(0))                                           // the connection ends after a header
	f.Add([]byte{9, 0, 0, 0}, uint32(0))
	f.Add([]byte{4, 0, 0}, uint32(0))
	f.Fuzz(func(t *testing.T, stream []byte, limit uint32) {
		maxBody := int(limit%(wire.MaxBodyLen+1)) + 1
		if limit == 0 {
			maxBody = wire.MaxBodyLen
		}
		br := bufio.NewReaderSize(bytes.NewReader(stream), 16<<10)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		defer func() {
			runtime.ReadMemStats(&ms)
			if alloc := ms.TotalAlloc - before; alloc > uint64(4*len(stream)+256<<10) {
				t.Fatalf("reading a %d-byte stream allocated %d bytes", len(stream), alloc)
			}
		}()
		for off := 0; ; {
			typ, body, err := readPacket(br, maxBody)
			wt, wbody, n, werr := wire.SplitPacket(stream[off:], maxBody)
			if err != nil {
				checkReadError(t, stream[off:], err, werr, n)
				return
			}
			if werr != nil || n == 0 || wt != typ || !bytes.Equal(wbody, body) {
				t.Fatalf("readPacket at %d: %s %.64x; SplitPacket: %s %.64x %d %v", off, typ, body, wt, wbody, n, werr)
			}
			if len(body) > maxBody {
				t.Fatalf("a %d-byte body over the %d-byte limit", len(body), maxBody)
			}
			again, err := wire.AppendPacket(nil, typ, body)
			if err != nil || !bytes.Equal(again, stream[off:off+n]) {
				t.Fatalf("packet %s %.64x re-encodes to %.64x (%v), read from %.64x", typ, body, again, err, stream[off:off+n])
			}
			off += n
		}
	})
}

// checkReadError checks why readPacket stopped on rest, the bytes left,
// given what wire.SplitPacket says of them.
func checkReadError(t *testing.T, rest []byte, err, werr error, n int) {
	t.Helper()
	switch {
	case len(rest) == 0:
		if err != io.EOF {
			t.Fatalf("at the end of the stream: %v, want io.EOF", err)
		}
	case werr != nil:
		if !errors.Is(err, wire.ErrInvalidPacketType) && !errors.Is(err, wire.ErrBodyTooLarge) {
			t.Fatalf("on %.32x: %v; SplitPacket: %v", rest, err, werr)
		}
	case n == 0:
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("in a packet cut short (%.32x): %v, want io.ErrUnexpectedEOF", rest, err)
		}
	default:
		t.Fatalf("readPacket failed on a whole packet %.32x: %v", rest, err)
	}
}

// refInflate is the reference: the whole zlib stream, checksum verified,
// read with the same bound.
func refInflate(b []byte, max int) ([]byte, bool) {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, false
	}
	out, err := io.ReadAll(io.LimitReader(zr, int64(max)+1))
	if err != nil || len(out) > max {
		return nil, false
	}
	// The stream ended within the bound: its checksum was verified at EOF.
	return out, zr.Close() == nil
}

// FuzzClientData hands the client's packet handler (onPacket, onData)
// the packets of any byte stream, after a handshake whose dictionary
// names two push routes, with three requests waiting. Invariants: nothing
// panics; each waiting request gets the first response with its id, with
// the payload as sent (inflated when zlib) and its error flag; pushes are
// queued in order, with their routes resolved through the dictionary; a
// kick ends the client with a KickError carrying the reason; and the
// client stops exactly where a reference reading of the stream, written
// from PROTOCOL.md, says it must.
func FuzzClientData(f *testing.F) {
	for _, p := range serverStream(f) {
		f.Add(p)
	}
	f.Add(bytes.Join(serverStream(f), nil))
	f.Add([]byte{4, 0, 0, 0})                                     // an empty message
	f.Add([]byte{4, 0, 0, 3, 0x00, 0x01, 0x00})                   // a request from the server
	f.Add([]byte{4, 0, 0, 3, 0x07, 0x00, 0x63})                   // a push with an unknown route code
	f.Add([]byte{4, 0, 0, 4, 0x14, 0x01, 0x78, 0x9c})             // a zlib response cut short
	f.Add([]byte{5, 0, 0, 4, 'n', 'u', 'l', 'l'})                 // a kick whose body is JSON null
	f.Add([]byte{1, 0, 0, 2, '{', '}'})                           // a second handshake
	f.Add([]byte{4, 0, 0, 2, 0x04, 0x02, 4, 0, 0, 2, 0x04, 0x02}) // two answers to one request
	f.Fuzz(func(t *testing.T, stream []byte) {
		const maxBody = 4 << 10
		c := newClient("tcp://fuzz", "tcp", "fuzz", Options{MaxBodySize: maxBody, PushQueue: 256}.withDefaults())
		dict := map[string]uint16{"room.room.join": 1, "onMessage": 7, "onMembers": 8}
		if err := c.applyHandshake(&wire.HandshakeResponse{Code: 200, Sys: &wire.HandshakeResponseSys{Dict: dict, Heartbeat: 1, Serializer: "protobuf"}}); err != nil {
			t.Fatal(err)
		}
		replies := map[uint32]chan reply{}
		for range 3 {
			id, ch, err := c.register()
			if err != nil {
				t.Fatal(err)
			}
			replies[id] = ch
		}
		want := readServerStream(stream, maxBody, dict, replies)
		br := bufio.NewReader(bytes.NewReader(stream))
		var err error
		for i := 0; err == nil; i++ {
			var typ wire.PacketType
			var body []byte
			if typ, body, err = readPacket(br, maxBody); err == nil {
				err = c.onPacket(typ, body)
			}
			if err != nil && i != want.packets {
				t.Fatalf("the client stopped at packet %d (%v); the reference at packet %d (%s)", i, err, want.packets, want.why)
			}
		}
		checkClientEnd(t, err, want)
		for id, ch := range replies {
			select {
			case r := <-ch:
				w, ok := want.replies[id]
				if !ok || r.isError != w.isError || !bytes.Equal(r.payload, w.payload) {
					t.Fatalf("request %d got %x (error %v); the reference %x (error %v, answered %v)", id, r.payload, r.isError, w.payload, w.isError, ok)
				}
			default:
				if _, ok := want.replies[id]; ok {
					t.Fatalf("request %d got no reply", id)
				}
			}
		}
		var pushes []push
		for len(c.pushes) > 0 {
			pushes = append(pushes, <-c.pushes)
		}
		// Without a push handler the queue keeps the latest PushQueue pushes.
		if n := len(want.pushes); n > cap(c.pushes) {
			want.pushes = want.pushes[n-cap(c.pushes):]
		}
		if len(pushes) != len(want.pushes) {
			t.Fatalf("%d pushes queued; the reference %d", len(pushes), len(want.pushes))
		}
		for i, p := range pushes {
			if p.route != want.pushes[i].route || !bytes.Equal(p.payload, want.pushes[i].payload) {
				t.Fatalf("push %d: %q %x; the reference %q %x", i, p.route, p.payload, want.pushes[i].route, want.pushes[i].payload)
			}
		}
	})
}

// serverReading is what the reference reading of a server stream
// expects of the client.
type serverReading struct {
	packets int // the index of the packet the client stops at
	why     string
	kick    *KickError
	eof     bool // the stream ends cleanly, between packets
	replies map[uint32]reply
	pushes  []push
}

// readServerStream reads stream as PROTOCOL.md describes what a server
// sends, independently of the client's code.
func readServerStream(stream []byte, maxBody int, dict map[string]uint16, waiting map[uint32]chan reply) (w serverReading) {
	w.replies = map[uint32]reply{}
	stop := func(why string) serverReading { w.why = why; return w }
	for ; ; w.packets++ {
		if len(stream) == 0 {
			w.eof = true
			return stop("end of stream")
		}
		typ, body, n, err := wire.SplitPacket(stream, maxBody)
		if err != nil || n == 0 {
			return stop(fmt.Sprintf("not a whole packet: %v", err))
		}
		stream = stream[n:]
		switch typ {
		case wire.PacketHeartbeat:
			continue
		case wire.PacketKick:
			var k struct {
				Reason string `json:"reason"`
			}
			_ = json.Unmarshal(body, &k) // an empty or odd body: no reason
			w.kick = &KickError{Reason: k.Reason}
			return stop("kick")
		case wire.PacketData:
		default:
			return stop("a " + typ.String() + " packet after the handshake")
		}
		m, err := wire.DecodeMessage(body)
		if err != nil {
			return stop("undecodable message")
		}
		payload := m.Payload
		if m.Zlib {
			var ok bool
			if payload, ok = refInflate(m.Payload, maxBody); !ok {
				return stop("bad zlib payload")
			}
		}
		switch m.Type {
		case wire.MessageResponse:
			if _, done := w.replies[m.ID]; !done && waiting[m.ID] != nil {
				w.replies[m.ID] = reply{payload: bytes.Clone(payload), isError: m.Error}
			}
		case wire.MessagePush:
			route := string(m.Route)
			if m.Compressed {
				route = ""
				for r, code := range dict {
					if code == m.Code {
						route = r
					}
				}
				if route == "" {
					return stop("unknown push route code")
				}
			}
			w.pushes = append(w.pushes, push{route: route, payload: bytes.Clone(payload)})
		default:
			return stop("a " + m.Type.String() + " from the server")
		}
	}
}

// checkClientEnd checks the error the client stopped with.
func checkClientEnd(t *testing.T, err error, want serverReading) {
	t.Helper()
	var kick *KickError
	switch {
	case want.kick != nil:
		if !errors.As(err, &kick) || kick.Reason != want.kick.Reason {
			t.Fatalf("the client ended with %v; the reference: kicked with reason %q", err, want.kick.Reason)
		}
	case want.eof:
		if err != io.EOF {
			t.Fatalf("the client ended with %v at the end of the stream", err)
		}
	case errors.As(err, &kick) || err == io.EOF:
		t.Fatalf("the client ended with %v; the reference: %s", err, want.why)
	}
}
