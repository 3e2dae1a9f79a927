package wire

import (
	"bytes"
	"testing"
)

// benchRequest is a Data packet holding a string-route request.
const benchRequest = ("\x04\x00\x00\x14\x00\x05\x0eroom.room.join\x0a\x01\x41")

// benchCompressed is a Data packet holding a compressed-route request.
const benchCompressed = ("\x04\x00\x00\x07\x01\x05\x00\x03\x0a\x01\x41")

func BenchmarkSplitPacket(b *testing.B) {
	stream := []byte(benchRequest + benchRequest + benchRequest[:10])
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		for rest := stream; ; {
			_, _, n, err := SplitPacket(rest, 1<<20)
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
			rest = rest[n:]
		}
	}
}

func BenchmarkDecodeMessage(b *testing.B) {
	benchDecode(b, []byte(benchRequest[HeaderLen:]))
}

func BenchmarkDecodeMessageCompressed(b *testing.B) {
	benchDecode(b, []byte(benchCompressed[HeaderLen:]))
}

// benchDecode benchmarks DecodeMessage on body.
func benchDecode(b *testing.B, body []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if m, err := DecodeMessage(body); err != nil || m.ID != 5 {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendDataPacket(b *testing.B) {
	h := &Header{Type: MessageRequest, ID: 5, Route: "room.room.join"}
	payload := []byte{0x0a, 0x01, 0x41}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendDataPacket(buf[:0], h, payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeHandshakeRequest(b *testing.B) {
	body := []byte(`{"sys":{"platform":"android","libVersion":"0.3.5","clientBuildNumber":"20","clientVersion":"2.1"},"user":{"token":"abcdef"}}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := DecodeHandshakeRequest(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInflate inflates a 4 KiB payload into a reused buffer with a
// reused Inflater, as the server does: only the checksum state (reset by
// compress/zlib) is allocated.
func BenchmarkInflate(b *testing.B) {
	payload := bytes.Repeat([]byte("gamesrv inflate benchmark "), 160)
	in := deflate(b, payload)
	var f Inflater
	buf := make([]byte, 0, 2*len(payload))
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		out, err := f.Inflate(buf[:0], in, len(payload))
		if err != nil || len(out) != len(payload) {
			b.Fatal(len(out), err)
		}
	}
}
