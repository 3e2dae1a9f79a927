package ws

import (
	"encoding/binary"
	"errors"

	"github.com/gamesrv/gamesrv/runtime/wire"
	"github.com/gobwas/ws"
)

// maxServerHeader is the largest header of a server frame (unmasked, 64-bit
// length).
const maxServerHeader = 10

var errFrameLength = errors.New("ws: frame length with the most significant bit set")

// frameHeader is a parsed client frame header.
type frameHeader struct {
	fin    bool
	rsv    byte
	op     ws.OpCode
	masked bool
	length int64
	mask   [4]byte
}

// headerLen returns the size of a frame header from its second byte.
func headerLen(b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// parseHeader reads a frame header; b holds exactly headerLen(b[1]) bytes.
// It does what ws.ReadHeader does without an io.Reader or an allocation.
func parseHeader(b []byte) (h frameHeader, err error) {
	h.fin = b[0]&0x80 != 0
	h.rsv = (b[0] >> 4) & 0x07
	h.op = ws.OpCode(b[0] & 0x0f)
	h.masked = b[1]&0x80 != 0
	rest := b[2:]
	switch n := b[1] & 0x7f; n {
	case 126:
		h.length = int64(binary.BigEndian.Uint16(rest))
		rest = rest[2:]
	case 127:
		if rest[0]&0x80 != 0 {
			return h, errFrameLength
		}
		h.length = int64(binary.BigEndian.Uint64(rest))
		rest = rest[8:]
	default:
		h.length = int64(n)
	}
	if h.masked {
		copy(h.mask[:], rest)
	}
	return h, nil
}

// appendHeader appends the header of an unmasked, final server frame with
// an n-byte payload: the encoding of ws.WriteHeader, without its writer.
func appendHeader(dst []byte, op ws.OpCode, n int) []byte {
	dst = append(dst, 0x80|byte(op))
	switch {
	case n <= 125:
		return append(dst, byte(n))
	case n <= 0xffff:
		return append(dst, 126, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, 127), uint64(n))
}

// closeFrame returns a close frame with a status code and no reason.
func closeFrame(code ws.StatusCode) []byte {
	return []byte{0x80 | byte(ws.OpClose), 2, byte(code >> 8), byte(code)}
}

// packetLen returns the length of the packet at the start of b. The
// session layer writes whole packets; should b hold anything else, the
// rest of b goes out as one message rather than being dropped.
func packetLen(b []byte) int {
	_, _, n, err := wire.SplitPacket(b, 0)
	if err != nil || n == 0 {
		return len(b)
	}
	return n
}
