package server

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"runtime"
	"slices"
)

// errInflatedTooLarge: a zlib payload inflates beyond the limit (a zip
// bomb, or a payload too large to accept).
var errInflatedTooLarge = errors.New("inflated payload over the limit")

// inflater is a zlib reader kept in the server's pool with its source, so
// that inflating does not allocate the decompressor's window and tables
// for every payload.
type inflater struct {
	src bytes.Reader
	zr  io.ReadCloser // a zlib.Resetter
}

// inflate decompresses a zlib payload, producing at most max bytes: it
// stops there and fails with errInflatedTooLarge. It returns what it
// produced even on failure, so that the caller can count the work done;
// the caller may hand the result back with recycleInflated once nothing
// refers to it. At most inflateSlots payloads are inflated at once, so
// that inflating never takes every CPU from the I/O loops.
func (srv *Server) inflate(b []byte, max int) ([]byte, error) {
	if srv.inflateSlots != nil {
		srv.inflateSlots <- struct{}{}
		defer func() { <-srv.inflateSlots }()
	}
	f, _ := srv.inflaters.Get().(*inflater)
	if f == nil {
		f = new(inflater)
	}
	defer func() {
		f.src.Reset(nil)
		srv.inflaters.Put(f)
	}()
	f.src.Reset(b)
	if f.zr == nil {
		zr, err := zlib.NewReader(&f.src)
		if err != nil {
			return nil, err
		}
		f.zr = zr
	} else if err := f.zr.(zlib.Resetter).Reset(&f.src, nil); err != nil {
		return nil, err
	}
	var buf []byte
	if p, _ := srv.inflated.Get().(*[]byte); p != nil {
		buf = (*p)[:0]
	} else {
		buf = make([]byte, 0, min(max+1, 512+4*len(b)))
	}
	return readAtMost(f.zr, max, buf)
}

// recycleInflated keeps a buffer inflate returned for the next payload, so
// that inflating does not allocate (nor keep the collector busy) once
// the buffers have grown.
func (srv *Server) recycleInflated(b []byte) {
	if cap(b) > 0 {
		b = b[:0]
		srv.inflated.Put(&b)
	}
}

// newInflateSlots returns the semaphore of concurrent inflates: half the
// CPUs, at least one.
func newInflateSlots() chan struct{} {
	return make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))
}

// inflateChunk is the most bytes inflated between two yields of the
// processor: inflating 256 KiB takes about a millisecond, which would
// otherwise delay every other session's work waiting for that processor.
const inflateChunk = 32 << 10

// readAtMost reads r to its end, appending to buf, which grows by
// doubling, and fails with errInflatedTooLarge as soon as more than max
// bytes were read.
func readAtMost(r io.Reader, max int, buf []byte) ([]byte, error) {
	if cap(buf) == 0 {
		buf = make([]byte, 0, min(max+1, 512))
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), max+1-len(buf)))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), len(buf)+inflateChunk)])
		buf = buf[:len(buf)+n]
		runtime.Gosched() // a large payload inflates in slices: other sessions' work runs between them
		switch {
		case len(buf) > max:
			return buf, errInflatedTooLarge
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return buf, err
		}
	}
}
