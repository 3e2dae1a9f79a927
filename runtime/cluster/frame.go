package cluster

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
)

// maxFrameSize bounds one link frame; a larger announced length closes the
// link.
const maxFrameSize = 32 << 20

// encodeFrame returns f with its 4-byte big-endian length prefix.
func encodeFrame(f *gamesrvv1.Frame) ([]byte, error) {
	return appendPrefixedFrame(make([]byte, 0, 4+sizeFrame(f)), f)
}

// appendPrefixedFrame appends f with its length prefix to b.
func appendPrefixedFrame(b []byte, f *gamesrvv1.Frame) ([]byte, error) {
	start := len(b)
	b, err := appendFrame(append(b, 0, 0, 0, 0), f)
	if err != nil {
		return b[:start], err
	}
	size := len(b) - start - 4
	if size > maxFrameSize {
		return b[:start], fmt.Errorf("cluster: frame of %d bytes over the %d-byte limit", size, maxFrameSize)
	}
	binary.BigEndian.PutUint32(b[start:], uint32(size))
	return b, nil
}

// readFrame reads one length-prefixed frame; in may be nil.
func readFrame(r *bufio.Reader, in interner) (*gamesrvv1.Frame, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxFrameSize {
		return nil, fmt.Errorf("cluster: frame of %d bytes over the %d-byte limit", n, maxFrameSize)
	}
	buf, err := frameBytes(r, int(n))
	if err != nil {
		return nil, err
	}
	f, err := decodeFrame(buf, in) // copies what it keeps
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
