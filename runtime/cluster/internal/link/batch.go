package link

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
)

// The reader runs the calls one read brought itself, when they are
// cheap, and sends their replies in one write: under load a read brings
// several calls (a frontend's forwards coalesce in its writer), and
// waking a pool goroutine for them, then a thread for that goroutine,
// was most of what a forwarded call cost the backend (docs/measuring.md,
// row 7). Three rules keep the calls behind a slow one moving, and the
// replies held are written every replyHold:
//
//   - the reader runs calls only while it has no whole frame left to
//     decode, so it never delays bytes it already read;
//   - once a read's calls have taken inlineBudget, the reader hands the
//     rest to the pool, so expensive handlers still run in parallel;
//   - a call that runs longer than batchStall (it blocks: a lock, a
//     database, a call to another server) loses the reader: the Watchdog
//     starts a new reader and hands the calls not started to the pool.
//     A call that waits for a reply on the same link hands the reading
//     on at once (see handOffReading).
const (
	// inlineBudget is how long the reader runs one read's calls before it
	// hands the rest to the pool. It is wall time, which includes the time
	// the system took the reader away: on a busy machine that is longer
	// than a batch of cheap calls runs, and a budget of 50 µs sent a tenth
	// of the calls to the pool under the forwarded benchmark's load, each
	// a goroutine and a thread to wake, for no parallelism gained (the
	// time was lost before the reader looked; docs/measuring.md).
	inlineBudget = 500 * time.Microsecond
	// replyHold is how long the reader keeps the replies of a batch it is
	// still running before it writes them: a reply waits for the calls
	// after it in the same read for no longer than this.
	replyHold = 50 * time.Microsecond
	// batchStall is how long a call may hold the reader before the
	// watchdog hands the reading to a new goroutine.
	batchStall = time.Millisecond
)

// batch is the calls of one read that the reader runs.
type batch struct {
	l     *Link
	since atomic.Int64 // when the running call started (UnixNano)

	mu      sync.Mutex
	calls   []*incoming
	next    int                // calls[next:] have not started
	handed  bool               // the reading went to a new goroutine
	over    bool               // the reader finished the batch
	replies []*gamesrvv1.Frame // replies not sent yet
}

// queue adds a call to those of the current read.
func (l *Link) queue(in *incoming) { l.queued = append(l.queued, in) }

// runQueued runs the calls of the current read on the reader, as the
// rules above say, and sends their replies. It reports false when a call
// stalled and the reading went to a new goroutine: the caller is no longer
// the reader and must not touch the reader's state.
func (l *Link) runQueued() bool {
	if len(l.queued) == 0 {
		return true
	}
	b := &batch{l: l, calls: append([]*incoming(nil), l.queued...)}
	clear(l.queued)
	l.queued = l.queued[:0]
	start := time.Now().UnixNano()
	b.since.Store(start)
	l.running.Store(b)
	l.cfg.Watchdog.Arm()
	ran := 0
	flushAt := start + int64(replyHold)
	for now := start; ; now = time.Now().UnixNano() {
		if now-start > int64(inlineBudget) {
			b.toPool()
			break
		}
		if now > flushAt {
			b.sendHeld(now)
			now = time.Now().UnixNano() // the send may have waited for the writer
			flushAt = now + int64(replyHold)
		}
		in := b.take(now)
		if in == nil {
			break
		}
		ran++
		in.batch = b
		b.answered(in.handle())
	}
	handed := b.finish()
	l.settled() // its notifies left serving too
	l.wg.Add(-ran)
	return !handed
}

// handQueued gives the calls of the current read to the pool: the reader
// stops.
func (l *Link) handQueued() {
	for _, in := range l.queued {
		l.cfg.Pool.Run(in)
	}
	clear(l.queued)
	l.queued = l.queued[:0]
}

// take returns the next call to run, starting now, or nil when none is
// left to the reader; the call's start is what the watchdog times.
func (b *batch) take(now int64) *incoming {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.next == len(b.calls) {
		return nil
	}
	in := b.calls[b.next]
	b.calls[b.next] = nil
	b.next++
	b.since.Store(now)
	return in
}

// answered keeps a call's reply for the batch's write, or sends it at
// once when the batch lost the reader.
func (b *batch) answered(r *gamesrvv1.Frame) {
	if r == nil {
		return
	}
	b.mu.Lock()
	if !b.handed {
		b.replies = append(b.replies, r)
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	b.send([]*gamesrvv1.Frame{r})
}

// toPool hands the calls not started to the pool.
func (b *batch) toPool() {
	b.mu.Lock()
	rest := b.calls[b.next:]
	b.next = len(b.calls)
	b.mu.Unlock()
	b.runRest(rest)
}

// finish ends the batch: it sends the replies held and reports whether
// the reading went to a new goroutine meanwhile.
func (b *batch) finish() (handed bool) {
	b.sendHeld(time.Now().UnixNano())
	b.l.running.CompareAndSwap(b, nil)
	b.mu.Lock()
	b.over = true
	handed = b.handed
	b.mu.Unlock()
	return handed
}

// handOff gives the reading to a new goroutine and the calls not started
// to the pool: the batch's running call stalled. The stalled call goes on
// on the old reader, which ends with it.
func (b *batch) handOff() {
	b.mu.Lock()
	if b.handed || b.over {
		b.mu.Unlock()
		return
	}
	b.handed = true
	rest := b.calls[b.next:]
	b.next = len(b.calls)
	rs := b.replies
	b.replies = nil
	l := b.l
	// Counted before the old reader can see handed and end: its own
	// count keeps Close waiting until then.
	read := l.Alive()
	if read {
		l.wg.Add(1)
	}
	if len(rs) > 0 {
		l.wg.Add(1)
	}
	b.mu.Unlock()
	l.running.CompareAndSwap(b, nil)
	if read {
		go l.readLoop()
	}
	b.runRest(rest)
	if len(rs) > 0 { // not on the watchdog, which must not wait for the writer
		go func() {
			defer l.wg.Done()
			b.send(rs)
		}()
	}
}

// sendHeld writes the replies held, at now. The send is timed like a
// call: it waits while the writer is full, which may last until the peer
// reads, and the peer may be waiting for this reader.
func (b *batch) sendHeld(now int64) {
	b.since.Store(now)
	b.send(b.takeReplies())
}

// runRest hands calls the batch will not run to the pool, and forgets
// them: a handler that keeps its context keeps the batch, not them.
func (b *batch) runRest(rest []*incoming) {
	for i, in := range rest {
		b.l.cfg.Pool.Run(in)
		rest[i] = nil
	}
}

// takeReplies returns the replies held, which the caller sends.
func (b *batch) takeReplies() []*gamesrvv1.Frame {
	b.mu.Lock()
	defer b.mu.Unlock()
	rs := b.replies
	b.replies = nil
	return rs
}

// send writes replies in one batch of the link's writer; a retired link
// whose last calls they answer may close after that (settled).
func (b *batch) send(rs []*gamesrvv1.Frame) {
	if len(rs) > 0 {
		_ = b.l.sendAll(context.Background(), rs)
		b.l.settled()
	}
}

// flushReplies sends the replies the reader's batch holds before a frame
// the link sends now: a handler's push or call after earlier calls of its
// batch answered must not overtake their replies.
func (l *Link) flushReplies() {
	if b := l.running.Load(); b != nil {
		b.send(b.takeReplies())
	}
}

// handOffReading hands the reading on when ctx is that of a call this
// link's reader runs: the reply to the call about to be sent needs a
// reader. (A call that waits some other way is the watchdog's.)
func (l *Link) handOffReading(ctx context.Context) {
	if b, _ := ctx.Value(readerKey{}).(*batch); b != nil && b.l == l {
		b.handOff()
	}
}

// readerKey is the context key under which a call the reader runs finds
// its batch (incoming.Value).
type readerKey struct{}

// checkStall hands the reading on when the reader's running call started
// more than batchStall before now, and reports whether the reader runs
// calls.
func (l *Link) checkStall(now int64) (running bool) {
	b := l.running.Load()
	if b == nil {
		return false
	}
	if now-b.since.Load() > int64(batchStall) {
		b.handOff()
	}
	return true
}

// Watchdog times the calls that links' readers run (see batch) and hands
// the reading on when one stalls. It ticks every batchStall only while a
// reader ran calls since its last tick; idle links cost it nothing. The
// links of a node share one, and Run runs it.
type Watchdog struct {
	*Ticker

	mu    sync.Mutex
	links map[*Link]struct{}
}

// NewWatchdog returns a watchdog with no links.
func NewWatchdog() *Watchdog {
	w := &Watchdog{links: map[*Link]struct{}{}}
	var links []*Link
	w.Ticker = NewTicker(batchStall, func(now time.Time) (running bool) {
		links = w.snapshot(links[:0])
		for _, l := range links {
			if l.checkStall(now.UnixNano()) {
				running = true
			}
		}
		clear(links)
		return running
	})
	return w
}

// add and remove keep the links the watchdog looks at: a link that
// runs, until it fails (Link.Fail removes it after it stops being Alive,
// so a link never stays here once failed).
func (w *Watchdog) add(l *Link) {
	w.mu.Lock()
	if l.Alive() {
		w.links[l] = struct{}{}
	}
	w.mu.Unlock()
}

func (w *Watchdog) remove(l *Link) {
	w.mu.Lock()
	delete(w.links, l)
	w.mu.Unlock()
}

// snapshot appends the links to dst.
func (w *Watchdog) snapshot(dst []*Link) []*Link {
	w.mu.Lock()
	defer w.mu.Unlock()
	for l := range w.links {
		dst = append(dst, l)
	}
	return dst
}
