package linkwire

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
)

const (
	// smallRead is the read buffer a link owns. An idle link waits for
	// its next frame in it, so an idle link holds no large buffer.
	smallRead = 2 << 10
	// bigRead is the size of the pooled buffers a link reads into while
	// traffic flows: it takes one when a read fills its small buffer or a
	// frame does not fit it, and gives it back once it has consumed every
	// byte read.
	bigRead = 64 << 10
)

// ReadBuffers pools the large read buffers of a node's links; the zero
// value is ready for use.
type ReadBuffers struct{ pool sync.Pool }

func (p *ReadBuffers) get() *[]byte {
	if b, ok := p.pool.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, bigRead)
	return &b
}

func (p *ReadBuffers) put(b *[]byte) { p.pool.Put(b) }

// Reader reads a link's length-prefixed frames. It reads into its
// small buffer while frames are few and small, and into a pooled large
// one while they keep coming; frames over bigRead get a buffer of their
// own.
type Reader struct {
	r          io.Reader
	pool       *ReadBuffers
	small      []byte
	big        *[]byte // held while buffered bytes remain, else nil
	buf        []byte  // small or *big
	start, end int     // buffered bytes: buf[start:end]
}

// NewReader reads r, after the bytes the handshake's reader buffered.
func NewReader(r io.Reader, pool *ReadBuffers, handshake *bufio.Reader) *Reader {
	lr := &Reader{r: r, pool: pool, small: make([]byte, smallRead)}
	lr.buf = lr.small
	if n := handshake.Buffered(); n > 0 {
		b, _ := handshake.Peek(n)
		if n > len(lr.buf) {
			lr.takeBig()
		}
		lr.end = copy(lr.buf, b)
	}
	return lr
}

// Frame reads and decodes the next frame; in may be nil. The frame's
// bytes in the buffer are valid until the next call, and Decode copies
// what it keeps.
func (lr *Reader) Frame(in Interner) (*gamesrvv1.Frame, error) {
	body, err := lr.next()
	if err != nil {
		return nil, err
	}
	f, err := Decode(body, in)
	if err != nil {
		return nil, fmt.Errorf("cluster: bad frame: %w", err)
	}
	return f, nil
}

// HasFrame reports whether a whole frame is buffered, so the next Frame
// returns without reading the connection.
func (lr *Reader) HasFrame() bool {
	n := lr.end - lr.start
	return n >= 4 && n-4 >= int(binary.BigEndian.Uint32(lr.buf[lr.start:]))
}

// next returns the body of the next frame.
func (lr *Reader) next() ([]byte, error) {
	if err := lr.need(4); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(lr.buf[lr.start:]))
	if n > MaxFrameSize {
		return nil, fmt.Errorf("cluster: frame of %d bytes over the %d-byte limit", n, MaxFrameSize)
	}
	lr.start += 4
	if n > bigRead {
		body := make([]byte, n)
		got := copy(body, lr.buf[lr.start:lr.end])
		lr.start += got
		if _, err := io.ReadFull(lr.r, body[got:]); err != nil {
			return nil, noEOF(err)
		}
		return body, nil
	}
	if err := lr.need(n); err != nil {
		return nil, noEOF(err)
	}
	body := lr.buf[lr.start : lr.start+n]
	lr.start += n
	return body, nil
}

// noEOF turns an EOF inside a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// need reads until k bytes are buffered.
func (lr *Reader) need(k int) error {
	for lr.end-lr.start < k {
		if lr.start == lr.end {
			lr.start, lr.end = 0, 0
			lr.releaseBig() // nothing buffered: wait in the small buffer
		}
		switch {
		case k > len(lr.buf):
			lr.takeBig()
		case lr.start+k > len(lr.buf):
			lr.end = copy(lr.buf, lr.buf[lr.start:lr.end])
			lr.start = 0
		}
		m, err := lr.r.Read(lr.buf[lr.end:])
		lr.end += m
		if lr.end == len(lr.buf) && lr.big == nil {
			lr.takeBig() // a full small buffer: more is coming
		}
		if err != nil && lr.end-lr.start < k {
			return err
		}
	}
	return nil
}

// takeBig moves the buffered bytes into a pooled large buffer.
func (lr *Reader) takeBig() {
	if lr.big != nil {
		return
	}
	lr.big = lr.pool.get()
	lr.end = copy(*lr.big, lr.buf[lr.start:lr.end])
	lr.start = 0
	lr.buf = *lr.big
}

// releaseBig gives the large buffer back; nothing is buffered.
func (lr *Reader) releaseBig() {
	if lr.big == nil {
		return
	}
	lr.pool.put(lr.big)
	lr.big = nil
	lr.buf = lr.small
}
