package linkwire

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"runtime"
	"sync"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
)

// Writer writes a link's frames without a writer goroutine: the first
// sender writes, and senders that arrive while it writes add their frames
// to its next batch (flat combining). Frames coalesce into few writes and
// no goroutine hop is needed. Senders wait (under their context) while
// more than limit bytes are waiting; a write that does not complete within
// timeout fails the link rather than blocking senders forever.
type Writer struct {
	conn    net.Conn
	timeout time.Duration
	limit   int
	onError func(error)
	// partialOK: a write that timed out may be resumed (plain TCP), so a
	// sender's own deadline bounds its write.
	partialOK bool

	frames sync.Pool // *[]byte: encoded frames

	mu      sync.Mutex
	buf     []byte // frames waiting for the next write
	spare   []byte
	writing bool
	err     error
	room    chan struct{} // closed when the waiting bytes dropped under limit; nil while nobody waits
}

// NewWriter returns the writer of conn. A write that makes no progress
// for timeout fails, senders wait while more than limit bytes are
// waiting, and onError is called with the error of a failed write (the
// link closes).
func NewWriter(conn net.Conn, timeout time.Duration, limit int, onError func(error)) *Writer {
	_, isTLS := conn.(*tls.Conn) // a TLS write that timed out cannot be resumed
	return &Writer{conn: conn, timeout: timeout, limit: limit, onError: onError, partialOK: !isTLS}
}

// isTimeout reports whether err is a deadline's timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Send encodes f (outside the lock) and adds it to the next batch; unless
// another sender is writing, it writes the batch.
func (w *Writer) Send(ctx context.Context, f *gamesrvv1.Frame) error {
	b, err := w.encode(f)
	if err != nil {
		return err
	}
	return w.send(ctx, b, true)
}

// SendAll is Send for frames that are a batch already (the replies to
// the calls of one read): they join the next write, in order, and a
// sender that writes does so at once, without yielding for others to
// join.
func (w *Writer) SendAll(ctx context.Context, fs []*gamesrvv1.Frame) error {
	b, err := w.encode(fs...)
	if err != nil {
		return err
	}
	return w.send(ctx, b, false)
}

// send adds the encoded frames b to the next batch and writes it unless
// another sender is writing, after yielding to let others join when
// yield is set; b returns to the pool.
func (w *Writer) send(ctx context.Context, b *[]byte, yield bool) error {
	w.mu.Lock()
	if err := w.waitRoom(ctx); err != nil {
		w.mu.Unlock()
		w.frames.Put(b)
		return err
	}
	if !w.join(b) {
		w.mu.Unlock()
		return nil
	}
	if yield {
		w.mu.Unlock()
		runtime.Gosched() // let concurrent senders join this write
		w.mu.Lock()
	}
	var until time.Time
	if w.partialOK {
		until, _ = ctx.Deadline()
	}
	err := w.flush(until)
	if err == errHandOff {
		// This sender's deadline passed mid-write: it returns, and a
		// goroutine finishes the write under the link's own timeout.
		w.mu.Unlock()
		go w.finish()
		return context.DeadlineExceeded
	}
	w.writing = false
	w.mu.Unlock()
	if err != nil {
		w.onError(err)
	}
	return err
}

// Queue adds f to the next write without waiting, for a sender that must
// not wait (a server's event loop): unless a write is under way, a new
// goroutine writes, and the frames queued until it does join its write.
// Queue does not wait for room: the caller checks Full first, so the
// batch exceeds the limit by no more than the frames of such senders.
func (w *Writer) Queue(f *gamesrvv1.Frame) error {
	b, err := w.encode(f)
	if err != nil {
		return err
	}
	w.mu.Lock()
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		w.frames.Put(b)
		return err
	}
	write := w.join(b)
	w.mu.Unlock()
	if write {
		go w.finish()
	}
	return nil
}

// join adds the encoded frames b to the next batch, w.mu held, and
// reports whether the caller writes it: no write was under way (the
// writer is now writing). b returns to the pool.
func (w *Writer) join(b *[]byte) (write bool) {
	w.buf = append(w.buf, (*b)...)
	w.frames.Put(b)
	if w.writing {
		return false
	}
	w.writing = true
	return true
}

// Full reports whether senders would wait for room now.
func (w *Writer) Full() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err == nil && len(w.buf) > w.limit
}

// errHandOff: the writing sender's deadline passed with bytes unwritten.
var errHandOff = errors.New("cluster: write handed off")

// finish writes what a sender whose deadline passed left unwritten.
func (w *Writer) finish() {
	w.mu.Lock()
	err := w.flush(time.Time{})
	w.writing = false
	w.mu.Unlock()
	if err != nil {
		w.onError(err)
	}
}

// waitRoom waits, with w.mu held on entry and return, until the batch has
// room or the writer failed.
func (w *Writer) waitRoom(ctx context.Context) error {
	for w.err == nil && len(w.buf) > w.limit {
		if w.room == nil {
			w.room = make(chan struct{})
		}
		room := w.room
		w.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			w.mu.Lock()
			return ctx.Err()
		}
		w.mu.Lock()
	}
	return w.err
}

// encode marshals fs, each length-prefixed, into a pooled buffer.
func (w *Writer) encode(fs ...*gamesrvv1.Frame) (*[]byte, error) {
	b, _ := w.frames.Get().(*[]byte)
	if b == nil {
		b = new([]byte)
	}
	*b = (*b)[:0]
	for _, f := range fs {
		var err error
		if *b, err = AppendPrefixed(*b, f); err != nil {
			w.frames.Put(b)
			return nil, err
		}
	}
	return b, nil
}

// flush writes batches until none is waiting; w.mu is held on entry and
// return, and released during each write. A write that makes no progress
// for the link's timeout fails the link. With until set (the writing
// sender's deadline), a write still going at until stops there and flush
// returns errHandOff, the unwritten bytes first in the batch: a TCP write
// that timed out can be resumed, so the stream stays whole.
func (w *Writer) flush(until time.Time) error {
	for len(w.buf) > 0 {
		out := w.buf
		w.buf = w.spare[:0]
		w.signalRoom()
		w.mu.Unlock()
		deadline := time.Now().Add(w.timeout)
		mine := !until.IsZero() && until.Before(deadline)
		if mine {
			deadline = until
		}
		_ = w.conn.SetWriteDeadline(deadline)
		n, err := w.conn.Write(out)
		w.mu.Lock()
		if err != nil && mine && isTimeout(err) {
			rest := make([]byte, 0, len(out)-n+len(w.buf))
			w.buf = append(append(rest, out[n:]...), w.buf...)
			return errHandOff
		}
		if cap(out) <= 1<<20 {
			w.spare = out[:0]
		}
		if err != nil {
			w.err = err
			w.signalRoom()
			return err
		}
	}
	if cap(w.buf) > keptWriteBuf {
		w.buf = nil // a link that goes idle keeps no large buffer
	}
	if cap(w.spare) > keptWriteBuf {
		w.spare = nil
	}
	return nil
}

// keptWriteBuf is the largest batch buffer a link keeps between writes.
const keptWriteBuf = 4 << 10

// signalRoom wakes the senders waiting for room, if any: a flush that
// nobody waits for allocates nothing.
func (w *Writer) signalRoom() {
	if w.room != nil {
		close(w.room)
		w.room = nil
	}
}

// Fail makes every later send fail with err.
func (w *Writer) Fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
		w.signalRoom()
	}
	w.mu.Unlock()
}
