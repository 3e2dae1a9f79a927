package server

import (
	"bytes"
	"compress/zlib"
	"io"
	"slices"
)

// errInflatedTooLarge closes the connection of a client whose zlib payload
// inflates beyond Options.MaxInflatedSize (a zip bomb). Its text keeps the
// words of earlier releases' log lines.
const errInflatedTooLarge = protocolError("inflated payload over the maximum body size of compressed payloads (MaxInflatedSize)")

// inflater is a zlib reader kept in the server's pool with its source, so
// that inflating does not allocate the decompressor's window and tables
// for every payload.
type inflater struct {
	src bytes.Reader
	zr  io.ReadCloser // a zlib.Resetter
}

// inflate decompresses a zlib payload, producing at most max bytes: it
// stops there and fails with errInflatedTooLarge. It returns what it
// produced even on failure, so that the caller can count the work done.
func (srv *Server) inflate(b []byte, max int) ([]byte, error) {
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
	return readAtMost(f.zr, max, len(b))
}

// readAtMost reads r to its end into a buffer that grows by doubling from a
// guess based on the compressed size hint, failing with
// errInflatedTooLarge as soon as more than max bytes were read.
func readAtMost(r io.Reader, max, hint int) ([]byte, error) {
	buf := make([]byte, 0, min(max+1, 512+4*hint))
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), max+1-len(buf)))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
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
