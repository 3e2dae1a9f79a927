package cluster

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"google.golang.org/protobuf/proto"
)

// maxFrameSize bounds one link frame; a larger announced length closes the
// link.
const maxFrameSize = 32 << 20

// encodeFrame returns f with its 4-byte big-endian length prefix.
func encodeFrame(f *gamesrvv1.Frame) ([]byte, error) {
	size := proto.Size(f)
	if size > maxFrameSize {
		return nil, fmt.Errorf("cluster: frame of %d bytes over the %d-byte limit", size, maxFrameSize)
	}
	buf := make([]byte, 4, 4+size)
	binary.BigEndian.PutUint32(buf, uint32(size))
	return proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(buf, f)
}

// readFrame reads one length-prefixed frame.
func readFrame(r *bufio.Reader) (*gamesrvv1.Frame, error) {
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
	f := new(gamesrvv1.Frame)
	err = proto.Unmarshal(buf, f) // copies what it keeps
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
