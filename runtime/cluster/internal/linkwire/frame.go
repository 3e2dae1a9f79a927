package linkwire

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
)

// MaxFrameSize bounds one link frame; a larger announced length closes the
// link.
const MaxFrameSize = 32 << 20

// Encode returns the encoding of f with its 4-byte big-endian length prefix.
func Encode(f *gamesrvv1.Frame) ([]byte, error) {
	return AppendPrefixed(make([]byte, 0, 4+sizeFrame(f)), f)
}

// AppendPrefixed appends f with its length prefix to b.
func AppendPrefixed(b []byte, f *gamesrvv1.Frame) ([]byte, error) {
	start := len(b)
	b, err := appendFrame(append(b, 0, 0, 0, 0), f)
	if err != nil {
		return b[:start], err
	}
	size := len(b) - start - 4
	if size > MaxFrameSize {
		return b[:start], fmt.Errorf("cluster: frame of %d bytes over the %d-byte limit", size, MaxFrameSize)
	}
	binary.BigEndian.PutUint32(b[start:], uint32(size))
	return b, nil
}

// Read reads one length-prefixed frame from r; in may be nil. The link
// reader of the cluster reads frames from its own buffer with Decode; Read
// serves the handshake.
func Read(r *bufio.Reader, in Interner) (*gamesrvv1.Frame, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > MaxFrameSize {
		return nil, fmt.Errorf("cluster: frame of %d bytes over the %d-byte limit", n, MaxFrameSize)
	}
	buf, err := frameBytes(r, int(n))
	if err != nil {
		return nil, err
	}
	f, err := Decode(buf, in) // copies what it keeps
	if int(n) <= r.Size() {
		_, _ = r.Discard(int(n))
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: bad frame: %w", err)
	}
	return f, nil
}

// frameBytes returns the next n bytes: in the reader's buffer when they fit
// (the caller discards them), else in a new slice.
func frameBytes(r *bufio.Reader, n int) ([]byte, error) {
	if n <= r.Size() {
		return r.Peek(n)
	}
	buf := make([]byte, n)
	_, err := io.ReadFull(r, buf)
	return buf, err
}
