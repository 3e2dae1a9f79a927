package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestMessageType(t *testing.T) {
	tests := []struct {
		t                   MessageType
		name                string
		valid, id, hasRoute bool
	}{
		{MessageRequest, "request", true, true, true},
		{MessageNotify, "notify", true, false, true},
		{MessageResponse, "response", true, true, false},
		{MessagePush, "push", true, false, true},
		{4, "message(4)", false, false, false},
		{7, "message(7)", false, false, false},
	}
	for _, tt := range tests {
		if tt.t.String() != tt.name || tt.t.Valid() != tt.valid || tt.t.HasID() != tt.id || tt.t.HasRoute() != tt.hasRoute {
			t.Errorf("MessageType(%d): %q valid=%v id=%v route=%v; want %q %v %v %v", byte(tt.t),
				tt.t.String(), tt.t.Valid(), tt.t.HasID(), tt.t.HasRoute(), tt.name, tt.valid, tt.id, tt.hasRoute)
		}
	}
}

// mustHex decodes a hex string with optional spaces and "|" separators.
func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	return unhex(t, strings.NewReplacer(" ", "", "|", "").Replace(s))
}

// TestProtocolExamples checks the byte examples of PROTOCOL.md §8.
func TestProtocolExamples(t *testing.T) {
	payload := []byte{0x0a, 0x01, 0x41}
	errPayload := mustHex(t, "0a 07 50 49 54 2d 34 30 34 12 09 6e 6f 74 20 66 6f 75 6e 64")
	tests := []struct {
		name string
		h    Header
		body []byte
		want string
	}{
		{"request", Header{Type: MessageRequest, ID: 5, Route: "room.room.join"}, payload,
			"04 00 00 14 | 00 | 05 | 0e 72 6f 6f 6d 2e 72 6f 6f 6d 2e 6a 6f 69 6e | 0a 01 41"},
		{"compressed route", Header{Type: MessageRequest, ID: 5, Code: 3, Compressed: true}, payload,
			"04 00 00 07 | 01 | 05 | 00 03 | 0a 01 41"},
		{"response", Header{Type: MessageResponse, ID: 5}, payload,
			"04 00 00 05 | 04 | 05 | 0a 01 41"},
		{"push onChat", Header{Type: MessagePush, Route: "onChat"}, payload,
			"04 00 00 0b | 06 | 06 6f 6e 43 68 61 74 | 0a 01 41"},
		{"error response", Header{Type: MessageResponse, ID: 5, Error: true}, errPayload,
			"04 00 00 16 | 24 | 05 | 0a 07 50 49 54 2d 34 30 34 | 12 09 6e 6f 74 20 66 6f 75 6e 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := mustHex(t, tt.want)
			got, err := AppendDataPacket(nil, &tt.h, tt.body)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("AppendDataPacket = %x, %v; want %x", got, err, want)
			}
			testExampleDecode(t, want, &tt.h, tt.body)
		})
	}
}

// testExampleDecode splits and decodes an example packet and compares it with h and body.
func testExampleDecode(t *testing.T, pkt []byte, h *Header, body []byte) {
	typ, msg, n, err := SplitPacket(pkt, 0)
	if err != nil || typ != PacketData || n != len(pkt) {
		t.Fatalf("SplitPacket = %v, %d, %v", typ, n, err)
	}
	m, err := DecodeMessage(msg)
	if err != nil {
		t.Fatalf("DecodeMessage: %v", err)
	}
	if got := headerOf(&m); got != *h || !bytes.Equal(m.Payload, body) {
		t.Fatalf("decoded %+v %x; want %+v %x", got, m.Payload, *h, body)
	}
}

// headerOf returns the Header that re-encodes m.
func headerOf(m *Message) Header {
	return Header{
		Type:       m.Type,
		ID:         m.ID,
		Route:      string(m.Route),
		Code:       m.Code,
		Compressed: m.Compressed,
		Zlib:       m.Zlib,
		Error:      m.Error,
	}
}

func TestDecodeMessage(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Message
	}{
		{"request", "00 05 01 61 0a", Message{Type: MessageRequest, ID: 5, Route: []byte("a"), Payload: []byte{0x0a}}},
		{"notify empty payload", "02 01 61", Message{Type: MessageNotify, Route: []byte("a"), Payload: []byte{}}},
		{"push code 0", "07 00 00", Message{Type: MessagePush, Compressed: true, Payload: []byte{}}},
		{"response id 0", "04 00", Message{Type: MessageResponse, Payload: []byte{}}},
		{"response error", "24 05 0a", Message{Type: MessageResponse, ID: 5, Error: true, Payload: []byte{0x0a}}},
		{"response zlib error", "34 05 78", Message{Type: MessageResponse, ID: 5, Zlib: true, Error: true, Payload: []byte{0x78}}},
		{"unused bits ignored", "c4 05", Message{Type: MessageResponse, ID: 5, Payload: []byte{}}},
		{"redundant varint", "04 85 80 00 0a", Message{Type: MessageResponse, ID: 5, Payload: []byte{0x0a}}},
		{"max id", "04 ff ff ff ff 0f", Message{Type: MessageResponse, ID: math.MaxUint32, Payload: []byte{}}},
		{"route 255", "02 ff" + strings.Repeat("61", 255), Message{Type: MessageNotify, Route: bytes.Repeat([]byte("a"), 255), Payload: []byte{}}},
		{"empty route request", "00 05 00 0a", Message{Type: MessageRequest, ID: 5, Route: []byte{}, Payload: []byte{0x0a}}},
		{"empty route notify", "02 00", Message{Type: MessageNotify, Route: []byte{}, Payload: []byte{}}},
		{"empty route push", "06 00 0a", Message{Type: MessagePush, Route: []byte{}, Payload: []byte{0x0a}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := DecodeMessage(mustHex(t, tt.in))
			if err != nil || !messagesEqual(&m, &tt.want) || (tt.want.Route != nil && m.Route == nil) {
				t.Fatalf("DecodeMessage = %+v, %v; want %+v", m, err, tt.want)
			}
		})
	}
}

// messagesEqual compares two Messages field by field.
func messagesEqual(a, b *Message) bool {
	return a.Type == b.Type && a.ID == b.ID && a.Compressed == b.Compressed && a.Code == b.Code &&
		bytes.Equal(a.Route, b.Route) && a.Zlib == b.Zlib && a.Error == b.Error && bytes.Equal(a.Payload, b.Payload)
}

func TestDecodeMessageErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrEmptyMessage},
		{"type 4", "08 05", ErrInvalidMessageType},
		{"type 5", "0a", ErrInvalidMessageType},
		{"type 6", "0c 01 61", ErrInvalidMessageType},
		{"type 7 with unused bits", "ce", ErrInvalidMessageType},
		{"varint 6 bytes", "04 80 80 80 80 80 01", ErrInvalidID},
		{"varint 2^32", "04 80 80 80 80 10", ErrInvalidID},
		{"varint 2^35-1", "04 ff ff ff ff 7f", ErrInvalidID},
		{"varint truncated", "04 80", ErrTruncated},
		{"varint missing", "04", ErrTruncated},
		{"request id missing", "00", ErrTruncated},
		{"request id 0", "00 00 01 61", ErrInvalidID},
		{"request id 0 redundant", "00 80 00 01 61", ErrInvalidID},
		{"route length missing", "00 05", ErrTruncated},
		{"route truncated", "00 05 0e 72 6f", ErrTruncated},
		{"route code missing", "01 05", ErrTruncated},
		{"route code truncated", "01 05 00", ErrTruncated},
		{"notify route code truncated", "03 00", ErrTruncated},
		{"error flag request", "20 05 01 61", ErrInvalidFlag},
		{"error flag notify", "22 01 61", ErrInvalidFlag},
		{"error flag push", "26 01 61", ErrInvalidFlag},
		{"compressed response", "05 05 00 03", ErrInvalidFlag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := DecodeMessage(mustHex(t, tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecodeMessage(%s) = %+v, %v; want %v", tt.in, m, err, tt.want)
			}
			checkErrPrefix(t, err)
		})
	}
}

// checkErrPrefix checks that err's text starts with "wire: ".
func checkErrPrefix(t *testing.T, err error) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), "wire: ") {
		t.Errorf("error %q lacks the wire: prefix", err)
	}
}

func TestAppendHeader(t *testing.T) {
	route255 := strings.Repeat("r", MaxRouteLen)
	tests := []struct {
		name string
		h    Header
		want string
	}{
		{"request", Header{Type: MessageRequest, ID: 1, Route: "a.b"}, "00 01 03 612e62"},
		{"request compressed", Header{Type: MessageRequest, ID: 300, Code: 0x0102, Compressed: true}, "01 ac02 0102"},
		{"compressed ignores route", Header{Type: MessageNotify, Route: "x", Code: 7, Compressed: true}, "03 0007"},
		{"notify ignores id", Header{Type: MessageNotify, ID: 9, Route: "a"}, "02 01 61"},
		{"push zlib", Header{Type: MessagePush, Route: "a", Zlib: true}, "16 01 61"},
		{"response ignores route", Header{Type: MessageResponse, ID: 5, Route: "a", Compressed: true}, "04 05"},
		{"response id 0", Header{Type: MessageResponse}, "04 00"},
		{"response error zlib", Header{Type: MessageResponse, ID: 2, Error: true, Zlib: true}, "34 02"},
		{"route 255", Header{Type: MessageNotify, Route: route255}, "02 ff" + hex.EncodeToString([]byte(route255))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendHeader([]byte{0xaa}, &tt.h)
			want := append([]byte{0xaa}, mustHex(t, tt.want)...)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("AppendHeader = %x, %v; want %x", got, err, want)
			}
		})
	}
}

func TestAppendHeaderErrors(t *testing.T) {
	tests := []struct {
		name string
		h    Header
		want error
	}{
		{"type 4", Header{Type: 4, ID: 1}, ErrInvalidMessageType},
		{"type 7", Header{Type: 7, Route: "a"}, ErrInvalidMessageType},
		{"route 256", Header{Type: MessageRequest, ID: 1, Route: strings.Repeat("r", 256)}, ErrRouteTooLong},
		{"push route 1000", Header{Type: MessagePush, Route: strings.Repeat("r", 1000)}, ErrRouteTooLong},
		{"empty route request", Header{Type: MessageRequest, ID: 1}, ErrInvalidRoute},
		{"empty route notify", Header{Type: MessageNotify}, ErrInvalidRoute},
		{"empty route push", Header{Type: MessagePush}, ErrInvalidRoute},
		{"request id 0", Header{Type: MessageRequest, Route: "a"}, ErrInvalidID},
		{"request id 0 compressed", Header{Type: MessageRequest, Compressed: true}, ErrInvalidID},
		{"error request", Header{Type: MessageRequest, ID: 1, Route: "a", Error: true}, ErrInvalidFlag},
		{"error notify", Header{Type: MessageNotify, Route: "a", Error: true}, ErrInvalidFlag},
		{"error push", Header{Type: MessagePush, Route: "a", Error: true}, ErrInvalidFlag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte{0xaa}
			got, err := AppendHeader(dst, &tt.h)
			if !errors.Is(err, tt.want) || !bytes.Equal(got, dst) {
				t.Fatalf("AppendHeader = %x, %v; want %x, %v", got, err, dst, tt.want)
			}
			checkErrPrefix(t, err)
			if _, err := AppendMessage(nil, &tt.h, []byte{1}); !errors.Is(err, tt.want) {
				t.Errorf("AppendMessage error %v; want %v", err, tt.want)
			}
			if _, err := AppendDataPacket(nil, &tt.h, []byte{1}); !errors.Is(err, tt.want) {
				t.Errorf("AppendDataPacket error %v; want %v", err, tt.want)
			}
		})
	}
}

func TestAppendDataPacketSize(t *testing.T) {
	h := &Header{Type: MessageResponse, ID: 5}
	tests := []struct {
		name    string
		payload int
		wantErr error
	}{
		{"body exactly MaxBodyLen", MaxBodyLen - 2, nil},
		{"body MaxBodyLen+1", MaxBodyLen - 1, ErrBodyTooLarge},
		{"2^24-byte payload", 1 << 24, ErrBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte{0xaa}
			got, err := AppendDataPacket(dst, h, make([]byte, tt.payload))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("AppendDataPacket error %v; want %v", err, tt.wantErr)
			}
			if err != nil && !bytes.Equal(got, dst) {
				t.Fatalf("AppendDataPacket changed dst on error: %d bytes", len(got))
			}
			if err == nil && !bytes.Equal(got[:5], []byte{0xaa, 4, 0xff, 0xff, 0xff}) {
				t.Fatalf("header %x", got[:5])
			}
		})
	}
}

func TestIDRoundTrip(t *testing.T) {
	ids := []struct {
		id  uint32
		len int
	}{{1, 1}, {127, 1}, {128, 2}, {300, 2}, {1<<14 - 1, 2}, {1 << 14, 3}, {1<<31 - 1, 5}, {math.MaxUint32, 5}}
	for _, typ := range []MessageType{MessageRequest, MessageResponse} {
		for _, tt := range ids {
			h := Header{Type: typ, ID: tt.id, Route: "r"}
			b, err := AppendMessage(nil, &h, []byte{0x7f})
			if err != nil || len(b) != 1+tt.len+2*boolInt(typ.HasRoute())+1 {
				t.Fatalf("%v id %d: AppendMessage = %x, %v", typ, tt.id, b, err)
			}
			if m, err := DecodeMessage(b); err != nil || m.ID != tt.id || m.Type != typ {
				t.Fatalf("%v id %d: DecodeMessage = %+v, %v", typ, tt.id, m, err)
			}
		}
	}
}

// boolInt returns 1 for true and 0 for false.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestVarint(t *testing.T) {
	tests := []struct {
		in      string
		v       uint32
		n       int
		wantErr error
	}{
		{"00", 0, 1, nil},
		{"7f", 127, 1, nil},
		{"8001", 128, 2, nil},
		{"ac02 ff", 300, 2, nil},
		{"ffffffff07", 1<<31 - 1, 5, nil},
		{"ffffffff0f", math.MaxUint32, 5, nil},
		{"8080808010", 0, 0, ErrInvalidID},
		{"808080808001", 0, 0, ErrInvalidID},
		{"ffffffffff", 0, 0, ErrInvalidID},
		{"", 0, 0, ErrTruncated},
		{"ffff", 0, 0, ErrTruncated},
	}
	for _, tt := range tests {
		v, n, err := readVarint(mustHex(t, tt.in))
		if v != tt.v || n != tt.n || !errors.Is(err, tt.wantErr) {
			t.Errorf("readVarint(%s) = %d, %d, %v; want %d, %d, %v", tt.in, v, n, err, tt.v, tt.n, tt.wantErr)
		}
		if tt.wantErr == nil && (varintLen(tt.v) != len(appendVarint(nil, tt.v)) || varintLen(tt.v) > tt.n) {
			t.Errorf("varintLen(%d) = %d; appendVarint wrote %x", tt.v, varintLen(tt.v), appendVarint(nil, tt.v))
		}
	}
}

func TestDecodeMessageAliases(t *testing.T) {
	in := mustHex(t, "00 05 01 61 0a 0b")
	m, err := DecodeMessage(in)
	if err != nil {
		t.Fatal(err)
	}
	if &m.Route[0] != &in[3] || &m.Payload[0] != &in[4] {
		t.Error("Route and Payload do not alias the input")
	}
	if cap(m.Route) != 1 {
		t.Errorf("cap(Route) = %d; want 1 so appends cannot clobber the payload", cap(m.Route))
	}
}

func TestDecodeMessageAllocs(t *testing.T) {
	body := mustHex(t, "00050e726f6f6d2e726f6f6d2e6a6f696e0a0141")
	var m Message
	var err error
	allocs := testing.AllocsPerRun(100, func() { m, err = DecodeMessage(body) })
	if allocs != 0 || err != nil || m.ID != 5 {
		t.Fatalf("DecodeMessage: %v allocs/op, %v", allocs, err)
	}
}

func TestAppendDataPacketAllocs(t *testing.T) {
	h := &Header{Type: MessageRequest, ID: 5, Route: "room.room.join"}
	payload := []byte{0x0a, 0x01, 0x41}
	buf := make([]byte, 0, 64)
	var err error
	allocs := testing.AllocsPerRun(100, func() { buf, err = AppendDataPacket(buf[:0], h, payload) })
	if allocs != 0 || err != nil {
		t.Fatalf("AppendDataPacket: %v allocs/op, %v", allocs, err)
	}
}
