package wire

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"runtime"
	"slices"
)

// ErrInflatedTooLarge is returned by [Inflater.Inflate] when a zlib
// payload inflates to more than the limit: a zip bomb, or a payload too
// large to accept.
var ErrInflatedTooLarge = errors.New("wire: zlib payload inflates beyond the limit")

// inflateChunk is the most bytes inflated between two yields of the
// processor: inflating 256 KiB takes about a millisecond, which would
// otherwise delay every other goroutine waiting for that processor (on a
// server, every other session's work).
const inflateChunk = 32 << 10

// Inflater decompresses the payloads of messages with the zlib flag
// (0x10, [Message.Zlib]): the zlib format of RFC 1950, whose checksum is
// verified. It keeps its decompressor between payloads, so that inflating
// does not allocate the window and tables every time. The zero value is
// ready to use. An Inflater is not safe for concurrent use; pool them
// (sync.Pool) to inflate on many goroutines.
type Inflater struct {
	src bytes.Reader
	zr  io.ReadCloser // a zlib.Resetter once set
}

// Inflate appends the decompressed src to dst and returns the extended
// slice; it produces at most max bytes beyond len(dst) before failing with
// [ErrInflatedTooLarge], so the memory a payload costs is bounded by max,
// not by what it would inflate to. A payload that is not valid zlib data
// fails with the decompressor's error. On failure Inflate still returns
// what it appended, so that the caller can count the work done or reuse
// the buffer.
//
// A negative max is 0. When dst has no capacity, Inflate allocates a buffer sized from len(src)
// (at most max+1 bytes), growing it by doubling up to max+1. It inflates
// in 32 KiB slices and yields the processor between them, so that a large
// payload never holds a processor for long. src is not retained.
func (f *Inflater) Inflate(dst, src []byte, max int) ([]byte, error) {
	if max < 0 {
		max = 0
	}
	f.src.Reset(src)
	defer f.src.Reset(nil)
	if f.zr == nil {
		zr, err := zlib.NewReader(&f.src)
		if err != nil {
			return dst, err
		}
		f.zr = zr
	} else if err := f.zr.(zlib.Resetter).Reset(&f.src, nil); err != nil {
		return dst, err
	}
	if cap(dst) == 0 {
		dst = make([]byte, 0, min(max+1, 512+4*len(src)))
	}
	return readAtMost(f.zr, len(dst)+max, dst)
}

// readAtMost reads r to its end, appending to buf, which grows by
// doubling, and fails with ErrInflatedTooLarge as soon as buf holds more
// than limit bytes. The zlib reader verifies the checksum when it reaches
// the end of the stream, before it reports io.EOF.
func readAtMost(r io.Reader, limit int, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(1, min(cap(buf), limit+1-len(buf))))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), len(buf)+inflateChunk)])
		buf = buf[:len(buf)+n]
		runtime.Gosched() // a large payload inflates in slices: other goroutines run between them
		switch {
		case len(buf) > limit:
			return buf, ErrInflatedTooLarge
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return buf, err
		}
	}
}
