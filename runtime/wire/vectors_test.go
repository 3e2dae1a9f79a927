package wire

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// vectors is the content of testdata/vectors.json.
type vectors struct {
	Packets  []packetVector  `json:"packets"`
	Messages []messageVector `json:"messages"`
}

// packetVector is one entry of "packets".
type packetVector struct {
	Name    string `json:"name"`
	Type    byte   `json:"type"`
	BodyHex string `json:"body_hex"`
	WireHex string `json:"wire_hex"`
}

// messageVector is one entry of "messages".
type messageVector struct {
	Name       string          `json:"name"`
	ID         uint32          `json:"id"`
	Type       byte            `json:"type"`
	Compressed bool            `json:"compressRoute"`
	Route      json.RawMessage `json:"route"`
	BodyHex    string          `json:"body_hex"`
	Gzip       bool            `json:"gzip"`
	MessageHex string          `json:"message_hex"`
	PacketHex  string          `json:"packet_hex"`
	Decoded    decodedVector   `json:"decoded_back"`
}

// decodedVector is the "decoded_back" object of a message vector.
type decodedVector struct {
	ID      uint32          `json:"id"`
	Type    byte            `json:"type"`
	Route   json.RawMessage `json:"route"`
	BodyHex string          `json:"body_hex"`
}

// loadVectors reads testdata/vectors.json.
func loadVectors(tb testing.TB) *vectors {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "vectors.json"))
	if err != nil {
		tb.Fatal(err)
	}
	v := new(vectors)
	if err := json.Unmarshal(data, v); err != nil {
		tb.Fatal(err)
	}
	if len(v.Packets) == 0 || len(v.Messages) == 0 {
		tb.Fatal("vectors.json has no packets or messages")
	}
	return v
}

// unhex decodes a hex string or fails the test.
func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// vectorRoute is a decoded "route" value: text, a dictionary code, or none.
type vectorRoute struct {
	text       string
	code       uint16
	compressed bool
}

// parseRoute decodes a "route" value: a string, a number or null.
func parseRoute(tb testing.TB, raw json.RawMessage) vectorRoute {
	tb.Helper()
	var r vectorRoute
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return r
	case raw[0] == '"':
		err := json.Unmarshal(raw, &r.text)
		return checkRoute(tb, r, err)
	}
	r.compressed = true
	err := json.Unmarshal(raw, &r.code)
	return checkRoute(tb, r, err)
}

// checkRoute fails the test on a route parse error.
func checkRoute(tb testing.TB, r vectorRoute, err error) vectorRoute {
	tb.Helper()
	if err != nil {
		tb.Fatalf("bad route: %v", err)
	}
	return r
}

// header returns the Header that encodes v.
func (v *messageVector) header(tb testing.TB) *Header {
	r := parseRoute(tb, v.Route)
	if r.compressed != v.Compressed && v.Route != nil && string(v.Route) != "null" {
		tb.Fatalf("compressRoute %v but route %s", v.Compressed, v.Route)
	}
	return &Header{
		Type:       MessageType(v.Type),
		ID:         v.ID,
		Route:      r.text,
		Code:       r.code,
		Compressed: r.compressed,
		Zlib:       v.Gzip,
	}
}

func TestVectorPackets(t *testing.T) {
	for _, v := range loadVectors(t).Packets {
		t.Run(v.Name, func(t *testing.T) {
			body, wire := unhex(t, v.BodyHex), unhex(t, v.WireHex)
			got, err := AppendPacket(nil, PacketType(v.Type), body)
			if err != nil || !bytes.Equal(got, wire) {
				t.Fatalf("AppendPacket = %x, %v; want %x", got, err, wire)
			}
			typ, gotBody, n, err := SplitPacket(wire, 0)
			if err != nil || typ != PacketType(v.Type) || !bytes.Equal(gotBody, body) || n != len(wire) {
				t.Fatalf("SplitPacket = %v, %x, %d, %v", typ, gotBody, n, err)
			}
		})
	}
}

func TestVectorMessages(t *testing.T) {
	for _, v := range loadVectors(t).Messages {
		t.Run(v.Name, func(t *testing.T) {
			testVectorEncode(t, &v)
			testVectorDecode(t, &v)
		})
	}
}

// testVectorEncode checks AppendMessage and AppendDataPacket against v.
func testVectorEncode(t *testing.T, v *messageVector) {
	h, body := v.header(t), unhex(t, v.BodyHex)
	msg, err := AppendMessage(nil, h, body)
	if want := unhex(t, v.MessageHex); err != nil || !bytes.Equal(msg, want) {
		t.Errorf("AppendMessage = %x, %v; want %x", msg, err, want)
	}
	pkt, err := AppendDataPacket(nil, h, body)
	if want := unhex(t, v.PacketHex); err != nil || !bytes.Equal(pkt, want) {
		t.Errorf("AppendDataPacket = %x, %v; want %x", pkt, err, want)
	}
}

// testVectorDecode checks DecodeMessage against v's decoded_back.
func testVectorDecode(t *testing.T, v *messageVector) {
	m, err := DecodeMessage(unhex(t, v.MessageHex))
	if err != nil {
		t.Fatalf("DecodeMessage: %v", err)
	}
	d, r := v.Decoded, parseRoute(t, v.Decoded.Route)
	if m.Type != MessageType(d.Type) || m.ID != d.ID || m.Zlib != v.Gzip || m.Error {
		t.Errorf("decoded %+v; want type %d id %d zlib %v", m, d.Type, d.ID, v.Gzip)
	}
	if m.Compressed != r.compressed || m.Code != r.code || string(m.Route) != r.text {
		t.Errorf("decoded route %v %d %q; want %+v", m.Compressed, m.Code, m.Route, r)
	}
	if want := unhex(t, d.BodyHex); !bytes.Equal(m.Payload, want) {
		t.Errorf("decoded payload %x; want %x", m.Payload, want)
	}
}
