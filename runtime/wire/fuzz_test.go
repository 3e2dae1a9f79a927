package wire

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func FuzzSplitPacket(f *testing.F) {
	v := loadVectors(f)
	for _, p := range v.Packets {
		f.Add(unhex(f, p.WireHex), 0)
	}
	for _, m := range v.Messages {
		f.Add(unhex(f, m.PacketHex), 16)
	}
	for _, s := range []string{"", "04", "040000", "04000003aa", "00000000", "06000000", "04ffffff", "02000000040000020405"} {
		f.Add(mustHex(f, s), 0)
	}
	f.Fuzz(func(t *testing.T, data []byte, maxBody int) {
		typ, body, n, err := SplitPacket(data, maxBody)
		if err != nil {
			checkSplitError(t, data, typ, body, n, err)
			return
		}
		if n == 0 {
			checkNeedMore(t, data, typ, body)
			return
		}
		checkSplit(t, data, maxBody, typ, body, n)
	})
}

// checkSplitError checks a failed SplitPacket.
func checkSplitError(t *testing.T, data []byte, typ PacketType, body []byte, n int, err error) {
	if n != 0 || body != nil || typ != 0 {
		t.Fatalf("SplitPacket(%x) = %v, %x, %d with error %v", data, typ, body, n, err)
	}
	if !errors.Is(err, ErrInvalidPacketType) && !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("SplitPacket(%x): unexpected error %v", data, err)
	}
}

// checkNeedMore checks a SplitPacket that asked for more bytes.
func checkNeedMore(t *testing.T, data []byte, typ PacketType, body []byte) {
	if typ != 0 || body != nil {
		t.Fatalf("SplitPacket(%x) = %v, %x with n == 0", data, typ, body)
	}
	if len(data) < HeaderLen {
		return
	}
	if _, size, err := ParseHeader(data); err != nil || HeaderLen+size <= len(data) {
		t.Fatalf("SplitPacket(%x) wants more bytes; header %d, %v", data, size, err)
	}
}

// checkSplit checks a successful SplitPacket: re-encoding reproduces the consumed bytes.
func checkSplit(t *testing.T, data []byte, maxBody int, typ PacketType, body []byte, n int) {
	if n > len(data) || n != HeaderLen+len(body) || len(body) > bodyLimit(maxBody) {
		t.Fatalf("SplitPacket(%x, %d) = %d bytes, body %d", data, maxBody, n, len(body))
	}
	re, err := AppendPacket(nil, typ, body)
	if err != nil || !bytes.Equal(re, data[:n]) {
		t.Fatalf("re-encoded %x, %v; want %x", re, err, data[:n])
	}
}

func FuzzDecodeMessage(f *testing.F) {
	for _, m := range loadVectors(f).Messages {
		f.Add(unhex(f, m.MessageHex))
	}
	bad := []string{"", "08", "0e05", "c405", "0480808080808001", "04ffffffff1f", "0080", "000000",
		"000500", "00050e72", "0105", "2005016161", "050500", "06", "020161", "0485800005"}
	for _, s := range bad {
		f.Add(mustHex(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMessage(data)
		if err != nil {
			checkMessageError(t, data, err)
			return
		}
		checkReencode(t, data, &m)
	})
}

// checkMessageError checks that a DecodeMessage error is one of the sentinels.
func checkMessageError(t *testing.T, data []byte, err error) {
	sentinels := []error{ErrEmptyMessage, ErrInvalidMessageType, ErrInvalidFlag, ErrInvalidID, ErrTruncated, ErrInvalidRoute}
	for _, want := range sentinels {
		if errors.Is(err, want) && strings.HasPrefix(err.Error(), "wire: ") {
			return
		}
	}
	t.Fatalf("DecodeMessage(%x): unexpected error %v", data, err)
}

// checkReencode re-encodes a decoded message, decodes it again and compares.
func checkReencode(t *testing.T, data []byte, m *Message) {
	h := headerOf(m)
	re, err := AppendMessage(nil, &h, m.Payload)
	if h.Type.HasRoute() && !h.Compressed && h.Route == "" { // decoded as is, never encoded
		if !errors.Is(err, ErrInvalidRoute) {
			t.Fatalf("AppendMessage(%+v) with an empty route: %v, want ErrInvalidRoute", h, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("AppendMessage(%+v) of DecodeMessage(%x): %v", h, data, err)
	}
	if len(re) > len(data) || (data[0]&flagUnused == 0 && len(re) == len(data) && !bytes.Equal(re, data)) {
		t.Fatalf("re-encoded %x; input %x", re, data)
	}
	m2, err := DecodeMessage(re)
	if err != nil || !messagesEqual(m, &m2) {
		t.Fatalf("DecodeMessage(%x) = %+v, %v; first decoding %+v", re, m2, err, *m)
	}
}

func FuzzDecodeHandshakeRequest(f *testing.F) {
	for _, p := range loadVectors(f).Packets {
		if PacketType(p.Type) == PacketHandshake {
			f.Add(unhex(f, p.BodyHex))
		}
	}
	seeds := []string{
		`{"sys":{"platform":"android","libVersion":"0.3.5","clientBuildNumber":"20","clientVersion":"2.1"},"user":{"a":1}}`,
		`{"sys":{"type":"js-websocket","version":"0.0.1","rsa":{}},"user":{}}`,
		``, `{`, `null`, `{"sys":[]}`, `{"user":"x"}`, `{"sys":{"platform":5}}`, `{"sys":{"rsa":"x"}}`,
		`{"sys":{}}x`, `{"user":{"<":"\u0000"}, "sys":{"version":"\xff"}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		body := bytes.Clone(data)
		r, err := DecodeHandshakeRequest(body)
		if err != nil {
			if r != nil || !errors.Is(err, ErrInvalidHandshake) {
				t.Fatalf("DecodeHandshakeRequest(%q) = %+v, %v", data, r, err)
			}
			return
		}
		checkHandshakeRoundTrip(t, data, r, body)
	})
}

// checkHandshakeRoundTrip checks that a decoded handshake re-encodes stably
// and does not alias the body it was decoded from.
func checkHandshakeRoundTrip(t *testing.T, data []byte, r *HandshakeRequest, body []byte) {
	enc, err := EncodeHandshakeRequest(r)
	if err != nil {
		t.Fatalf("EncodeHandshakeRequest of %q: %v", data, err)
	}
	clear(body)
	if after, err := EncodeHandshakeRequest(r); err != nil || !bytes.Equal(after, enc) {
		t.Fatalf("decoded %q aliases its body: %s then %s (%v)", data, enc, after, err)
	}
	r2, err := DecodeHandshakeRequest(enc)
	if err != nil {
		t.Fatalf("DecodeHandshakeRequest(%s), re-encoded from %q: %v", enc, data, err)
	}
	if enc2, err := EncodeHandshakeRequest(r2); err != nil || !bytes.Equal(enc2, enc) {
		t.Fatalf("unstable round trip of %q: %s then %s (%v)", data, enc, enc2, err)
	}
}

// FuzzDecodeHandshakeResponse checks the client's decoder of the server's
// handshake answer: errors wrap ErrInvalidHandshake, and what decodes
// re-encodes to a body that decodes to the same answer.
func FuzzDecodeHandshakeResponse(f *testing.F) {
	seeds := []string{
		`{"code":200,"sys":{"dict":{"chat.room.join":1},"heartbeat":30,"serializer":"protobuf"}}`,
		`{"code":200,"sys":{"heartbeat":1,"serializer":"json"}}`,
		`{"code":400}`, `{"code":500,"sys":{}}`, `{"code":200}`, `{"code":200,"sys":{"heartbeat":0}}`,
		`{"code":200,"sys":{"heartbeat":1.5}}`, `{"code":200,"sys":{"dict":{"a":70000},"heartbeat":3}}`,
		``, `null`, `[]`, `{"code":"200"}`, `{}x`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeHandshakeResponse(data)
		if err != nil {
			if r != nil || !errors.Is(err, ErrInvalidHandshake) {
				t.Fatalf("DecodeHandshakeResponse(%q) = %+v, %v", data, r, err)
			}
			return
		}
		enc, err := EncodeHandshakeResponse(r)
		if err != nil {
			t.Fatalf("EncodeHandshakeResponse of %q: %v", data, err)
		}
		r2, err := DecodeHandshakeResponse(enc)
		if err != nil {
			t.Fatalf("DecodeHandshakeResponse(%s), re-encoded from %q: %v", enc, data, err)
		}
		if enc2, err := EncodeHandshakeResponse(r2); err != nil || !bytes.Equal(enc2, enc) {
			t.Fatalf("unstable round trip of %q: %s then %s (%v)", data, enc, enc2, err)
		}
	})
}
