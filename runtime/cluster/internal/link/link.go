// Package link is one link of the cluster: a TCP (or TLS) connection to
// a peer that both ends send calls on. It matches replies to waiting
// calls, enforces their deadlines (with the link set's sweeper, see
// Link.Expire), runs incoming calls within the limit announced in the
// handshake (on its reader while they are cheap, else on a goroutine
// pool: see batch.go), and cancels what the peer gave up on. The
// link set above it (package linkset) dials and accepts links and picks
// the link to each peer; the node on top (package cluster) handles the
// calls. Both reach the link's callbacks through Host.
//
// Frames are encoded by package linkwire and the handshake is package
// linkhello's; this package imports nothing else of the cluster.
package link

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkhello"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkwire"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// Host is what a link needs of the node it belongs to. Its methods are
// called on the link's reader (ServeInline), on the reader or pool
// goroutines (HandleCall) or on the goroutine that failed the link
// (Closed).
type Host interface {
	// HandleCall runs an incoming call and returns its reply (the link
	// sets its id and sends it; a notify's reply is dropped). It may
	// block: a call that holds the reader too long loses it (see batch).
	HandleCall(ctx context.Context, l *Link, c *gamesrvv1.Call) *gamesrvv1.Reply
	// ServeInline runs c on the reader when it is a system notify that
	// never blocks, and reports whether it did.
	ServeInline(l *Link, c *gamesrvv1.Call) bool
	// Closed is called once when the link failed or was closed.
	Closed(l *Link, err error)
	// ArmSweep wakes the sweeper that enforces call deadlines: a call
	// with a deadline started.
	ArmSweep()
}

// Recorder receives the link errors the link counts itself (dropped
// notifies); metrics.Recorder satisfies it.
type Recorder interface{ LinkError(peer string) }

// Config is what the links of one node share.
type Config struct {
	ID            string       // this server's id, for error messages
	Log           *slog.Logger // never nil
	Metrics       Recorder     // never nil
	Pool          GoPool       // runs incoming calls
	Watchdog      *Watchdog    // hands a stalled reader's reading on; never nil, run by the owner
	ReadBuffers   *linkwire.ReadBuffers
	MaxInflight   int           // outgoing calls waiting for replies, at most
	MaxConcurrent int           // incoming requests (and notifies) running, at most
	CallTimeout   time.Duration // a write that makes no progress this long fails the link
	WriteBuffer   int           // bytes waiting to be written before senders wait
}

// Link is one TCP connection to a peer. Both ends send calls on it: a
// reader dispatches replies to waiting callers and runs incoming calls
// (or hands them to the pool, see batch); senders write through a
// combining writer.
type Link struct {
	// Peer is who the handshake found at the other end.
	Peer linkhello.Peer
	// Dialed: this server dialled the link (else it accepted it).
	Dialed bool
	// Retired: a link that lost to another link to the same peer; it gets
	// no new work and closes once idle (see CloseIfIdle).
	Retired atomic.Bool

	host Host
	cfg  *Config
	conn net.Conn
	rd   *linkwire.Reader
	// strings interns the recurring strings of received frames; only the
	// reader uses it.
	strings linkwire.Interner
	w       *linkwire.Writer
	done    chan struct{}
	once    sync.Once
	err     atomic.Pointer[error]

	nextID    atomic.Uint64
	slots     chan struct{} // outgoing calls waiting for replies
	mu        sync.Mutex
	pending   map[uint64]pendingCall
	serving   map[uint64]*incoming
	notifySeq uint64                // keys of running notifies in serving
	graceOver bool                  // a retired link's grace has passed
	queued    []*incoming           // calls of the current read; the reader's
	running   atomic.Pointer[batch] // calls the reader runs, if it does
	requests  chan struct{}         // incoming requests running
	notifies  chan struct{}         // incoming notifies running
	wg        sync.WaitGroup
}

// New returns the link over conn, whose handshake (read through br) found
// peer. Run starts it.
func New(h Host, cfg *Config, conn net.Conn, br *bufio.Reader, peer linkhello.Peer, dialed bool) *Link {
	l := &Link{
		host: h, cfg: cfg, conn: conn, rd: linkwire.NewReader(conn, cfg.ReadBuffers, br), Peer: peer, Dialed: dialed, strings: linkwire.Interner{},
		done:     make(chan struct{}),
		slots:    make(chan struct{}, inflight(cfg.MaxInflight, peer.MaxConcurrent)),
		pending:  map[uint64]pendingCall{},
		serving:  map[uint64]*incoming{},
		requests: make(chan struct{}, cfg.MaxConcurrent),
		notifies: make(chan struct{}, cfg.MaxConcurrent),
	}
	l.w = linkwire.NewWriter(conn, cfg.CallTimeout, cfg.WriteBuffer, l.Fail)
	return l
}

// inflight is how many calls a link keeps waiting for replies: ours
// (MaxInflight), or fewer when the peer runs fewer at once.
func inflight(mine, peers int) int {
	if peers > 0 {
		return min(mine, peers)
	}
	return mine
}

// LocalAddr returns the local address of the link's connection.
func (l *Link) LocalAddr() net.Addr { return l.conn.LocalAddr() }

// RemoteAddr returns the peer's address of the link's connection.
func (l *Link) RemoteAddr() net.Addr { return l.conn.RemoteAddr() }

// Run starts the reader, which the watchdog watches until the link fails.
func (l *Link) Run() {
	l.cfg.Watchdog.add(l)
	l.wg.Add(1)
	go l.readLoop()
}

// Alive reports whether the link still works.
func (l *Link) Alive() bool {
	select {
	case <-l.done:
		return false
	default:
		return true
	}
}

// Fail closes the link once with err: pending calls fail at once, running
// handlers are cancelled.
func (l *Link) Fail(err error) {
	l.once.Do(func() {
		l.err.Store(&err)
		close(l.done)
		l.w.Fail(err)
		_ = l.conn.Close()
		l.mu.Lock()
		pending, serving := l.pending, l.serving
		l.pending, l.serving = nil, nil
		l.mu.Unlock()
		for _, p := range pending {
			l.answer(p, nil, l.LostError())
		}
		for _, s := range serving {
			s.cancel()
		}
		l.cfg.Watchdog.remove(l)
		l.host.Closed(l, err)
	})
}

// errRetired closes a link that another link to the same peer replaced.
var errRetired = errors.New("cluster: link replaced by another link to the peer")

// CloseIfIdle closes a retired link once no call waits or runs on it;
// otherwise the last of them closes it when it ends (see settled).
func (l *Link) CloseIfIdle() {
	l.mu.Lock()
	idle := l.pending != nil && len(l.pending) == 0 && len(l.serving) == 0
	l.graceOver = true
	l.mu.Unlock()
	if idle {
		l.Fail(errRetired)
	}
}

// settled is called after a call left pending or serving: a retired link
// whose grace has passed closes when it becomes idle.
func (l *Link) settled() {
	if !l.Retired.Load() {
		return
	}
	l.mu.Lock()
	idle := l.graceOver && l.pending != nil && len(l.pending) == 0 && len(l.serving) == 0
	l.mu.Unlock()
	if idle {
		go l.Fail(errRetired)
	}
}

// Close fails the link and waits for its goroutines.
func (l *Link) Close(err error) {
	l.Fail(err)
	l.wg.Wait()
}

// LostError is the error of calls that were pending when the link failed.
func (l *Link) LostError() error {
	return gamesrv.Errorf(gamesrv.CodeUnavailable, "server %s is unreachable", l.Peer.ID)
}

// readLoop reads frames until the link fails. Calls decoded from a read
// run on this goroutine once no whole frame is left to decode (see
// batch); if one stalls, a new goroutine takes over the reading and this
// one ends with the call.
func (l *Link) readLoop() {
	defer l.wg.Done()
	for {
		if !l.rd.HasFrame() && !l.runQueued() {
			return // a call stalled: the reading went on without it
		}
		f, err := l.rd.Frame(l.strings)
		if err != nil {
			l.Fail(err)
			l.handQueued()
			return
		}
		if !l.dispatch(f) {
			l.handQueued()
			return
		}
	}
}

// dispatch handles one received frame; false once the link is closed.
func (l *Link) dispatch(f *gamesrvv1.Frame) bool {
	switch b := f.GetBody().(type) {
	case *gamesrvv1.Frame_Reply:
		l.deliver(b.Reply)
	case *gamesrvv1.Frame_Call:
		return l.serve(b.Call)
	case *gamesrvv1.Frame_Cancel:
		l.cancelServing(b.Cancel.GetId())
	default:
		l.Fail(errors.New("cluster: unexpected frame on an open link"))
		return false
	}
	return true
}

func (l *Link) deliver(r *gamesrvv1.Reply) {
	l.mu.Lock()
	p, ok := l.pending[r.GetId()]
	delete(l.pending, r.GetId())
	l.mu.Unlock()
	if ok {
		l.answer(p, r, nil)
		l.settled()
	}
}

// send writes a frame, waiting under ctx while the link's writer is full.
func (l *Link) send(ctx context.Context, f *gamesrvv1.Frame) error {
	l.flushReplies()
	if err := l.w.Send(ctx, f); err != nil {
		return l.sendError(ctx, err)
	}
	return nil
}

// sendError is the error of a send under ctx that failed with err.
func (l *Link) sendError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return l.LostError()
}

// sendAll writes frames in one batch, waiting under ctx while the
// link's writer is full.
func (l *Link) sendAll(ctx context.Context, fs []*gamesrvv1.Frame) error {
	if err := l.w.SendAll(ctx, fs); err != nil {
		return l.sendError(ctx, err)
	}
	return nil
}

// trySend writes a frame without waiting for room; for cancels, which are
// hints.
func (l *Link) trySend(f *gamesrvv1.Frame) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = l.w.Send(ctx, f)
}
