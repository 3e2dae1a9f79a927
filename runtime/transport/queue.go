package transport

import (
	"sync"
	"sync/atomic"
)

// Queue is the outbound queue of one connection: many writers push whole
// packets, one flusher takes them in batches. It bounds the bytes waiting
// and remembers a pending close, so that Close sends what was queued first.
// The zero value is an empty queue.
type Queue struct {
	mu        sync.Mutex
	bufs      [][]byte
	bytes     int
	scheduled bool        // a flush is pending: writers need not wake the flusher
	closing   bool        // close after the next flush
	closed    bool        // no more writes
	backlog   bool        // the flusher is writing, or the socket holds bytes it could not send yet
	overflow  bool        // closed because the limit was exceeded
	ending    atomic.Bool // closing, readable without the lock
	queued    atomic.Bool // bufs holds packets, readable without the lock
}

// Push queues p. schedule is true when the caller must wake the flusher.
// It fails with ErrClosed after Close, and with ErrSlowConsumer when the
// queued bytes would exceed limit (limit <= 0: no limit); the queue is then
// closed and schedule is true so the flusher closes the connection.
func (q *Queue) Push(p []byte, limit int) (schedule bool, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.push(p, limit)
}

func (q *Queue) push(p []byte, limit int) (schedule bool, err error) {
	if q.closed {
		return false, ErrClosed
	}
	if limit > 0 && q.bytes+len(p) > limit {
		q.closed, q.closing, q.overflow = true, true, true
		q.ending.Store(true)
		return q.schedule(), ErrSlowConsumer
	}
	q.add(p)
	return q.schedule(), nil
}

// add appends p to the packets queued, q.mu held.
func (q *Queue) add(p []byte) {
	q.bufs = append(q.bufs, p)
	q.bytes += len(p)
	q.queued.Store(true)
}

// PushDirect is Push for transports that may write to the socket from any
// goroutine: when the connection is idle (nothing queued, no flush pending
// or under way, no backlog) the caller writes p itself with write, without
// a hop to the flusher, and only what write could not send is queued.
// write must not block (a non-blocking socket write that returns 0 on
// EAGAIN). It runs under the queue's lock: bytes never interleave with the
// flusher's, and Close, which the transport calls before it closes the
// socket, waits for it, so a write never reaches a file descriptor the
// kernel has already handed to another connection.
func (q *Queue) PushDirect(p []byte, limit int, write func([]byte) (int, error)) (schedule bool, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.backlog || q.scheduled || len(q.bufs) > 0 {
		return q.push(p, limit)
	}
	n, err := write(p)
	if err != nil {
		q.closed, q.closing = true, true
		q.ending.Store(true)
		return q.schedule(), ErrClosed
	}
	if n == len(p) {
		return false, nil
	}
	q.add(p[n:]) // the socket is full: the flusher sends the rest
	q.backlog = true
	return q.schedule(), nil
}

// SetBacklog records, after a flush, whether the socket still holds bytes
// the flusher could not send; while it does, writes go through the flusher.
func (q *Queue) SetBacklog(b bool) {
	q.mu.Lock()
	q.backlog = b
	q.mu.Unlock()
}

// schedule marks a flush as pending and reports whether it was not already.
func (q *Queue) schedule() bool {
	if q.scheduled {
		return false
	}
	q.scheduled = true
	return true
}

// Close refuses further writes and asks the flusher to close the connection
// after sending what is queued. schedule is true when the caller must wake
// the flusher.
func (q *Queue) Close() (schedule bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closing {
		return false
	}
	q.closed, q.closing = true, true
	q.ending.Store(true)
	return q.schedule()
}

// Overflowed reports whether the queue closed itself because a Push
// exceeded the limit: the peer does not read, so there is no point in
// waiting for it to take the rest.
func (q *Queue) Overflowed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.overflow
}

// Closing reports whether the queue was closed: the connection is to close
// after the next flush. It takes no lock.
func (q *Queue) Closing() bool { return q.ending.Load() }

// Take returns the queued packets (nil if none) and whether the connection
// must be closed once they are sent. The caller hands the slice back with
// Recycle when done with it. Until a SetBacklog after Take returned
// packets, PushDirect queues: the flusher is writing.
//
// With nothing queued and no close, Take takes no lock: the I/O loop calls
// it for every read, and PushDirect holds the lock across a socket write
// (the answer to the request before, often still in its system call when
// the client's next request arrives). Whatever is queued after that check
// wakes the flusher (Push and PushDirect report schedule), so nothing waits.
func (q *Queue) Take() (bufs [][]byte, closing bool) {
	if !q.queued.Load() && !q.ending.Load() {
		return nil, false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	bufs, q.bufs = q.bufs, nil
	q.queued.Store(false)
	q.backlog = q.backlog || len(bufs) > 0
	q.bytes = 0
	q.scheduled = false
	return bufs, q.closing
}

// Recycle gives back a slice returned by Take, dropping its references to
// the packets. A small slice is kept for the next batch.
func (q *Queue) Recycle(bufs [][]byte) {
	clear(bufs)
	if cap(bufs) > 16 {
		return
	}
	q.mu.Lock()
	if q.bufs == nil {
		q.bufs = bufs[:0]
	}
	q.mu.Unlock()
}

// Len returns the number of bytes queued.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes
}
