package server

import (
	"runtime"

	"github.com/gamesrv/gamesrv/runtime/wire"
)

// inflate decompresses a zlib payload, producing at most max bytes: it
// stops there and fails with wire.ErrInflatedTooLarge. It returns what it
// produced even on failure, so that the caller can count the work done;
// the caller may hand the result back with recycleInflated once nothing
// refers to it. Inflaters (with their decompressor's window and tables)
// and output buffers are pooled. At most inflateSlots payloads are
// inflated at once, so that inflating never takes every CPU from the I/O
// loops; wire.Inflater yields the processor between slices of a large
// payload.
func (srv *Server) inflate(b []byte, max int) ([]byte, error) {
	if srv.inflateSlots != nil {
		srv.inflateSlots <- struct{}{}
		defer func() { <-srv.inflateSlots }()
	}
	f, _ := srv.inflaters.Get().(*wire.Inflater)
	if f == nil {
		f = new(wire.Inflater)
	}
	defer srv.inflaters.Put(f)
	var buf []byte
	if p, _ := srv.inflated.Get().(*[]byte); p != nil {
		buf = (*p)[:0]
	}
	return f.Inflate(buf, b, max)
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
