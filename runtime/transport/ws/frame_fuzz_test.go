package ws

import (
	"testing"

	"github.com/gobwas/ws"
)

// FuzzParseHeader checks the frame header parser on any bytes: no panic,
// never a negative length, and the headers the server writes parse back
// to what was written.
func FuzzParseHeader(f *testing.F) {
	f.Add([]byte{0x82, 0x85, 1, 2, 3, 4}, uint32(5))
	f.Add([]byte{0x82, 0xfe, 0x01, 0x00, 1, 2, 3, 4}, uint32(256))
	f.Add([]byte{0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4}, uint32(1<<20))
	f.Add([]byte{0x88, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0}, uint32(0))
	f.Fuzz(func(t *testing.T, b []byte, n uint32) {
		if len(b) >= 2 && len(b) >= headerLen(b[1]) {
			h, err := parseHeader(b[:headerLen(b[1])])
			if err == nil && h.length < 0 {
				t.Fatalf("parseHeader(%x): length %d", b, h.length)
			}
		}
		out := appendHeader(nil, ws.OpBinary, int(n))
		if len(out) != headerLen(out[1]) {
			t.Fatalf("appendHeader(%d) wrote %d bytes, headerLen says %d", n, len(out), headerLen(out[1]))
		}
		h, err := parseHeader(out)
		if err != nil || !h.fin || h.rsv != 0 || h.op != ws.OpBinary || h.masked || h.length != int64(n) {
			t.Fatalf("appendHeader(%d) = %x parses as %+v, %v", n, out, h, err)
		}
	})
}
