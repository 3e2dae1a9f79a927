package cluster

import (
	"bufio"
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkhello"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkwire"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// link is one TCP connection to a peer. Both ends send calls on it: a
// reader dispatches replies to waiting callers and incoming calls to
// handlers; senders write through a combining writer.
type link struct {
	n    *Node
	conn net.Conn
	rd   *linkwire.Reader
	peer linkhello.Peer
	// dialed: this server dialled the link (else it accepted it).
	dialed bool
	// retired: a link that lost to another link to the same peer; it gets
	// no new work and closes once idle (see Node.adopt).
	retired atomic.Bool
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
	serving   map[uint64]servingCall
	notifySeq uint64        // keys of running notifies in serving
	graceOver bool          // a retired link's grace has passed
	requests  chan struct{} // incoming requests running
	notifies  chan struct{} // incoming notifies running
	wg        sync.WaitGroup
}

func newLink(n *Node, conn net.Conn, br *bufio.Reader, peer linkhello.Peer, dialed bool) *link {
	l := &link{
		n: n, conn: conn, rd: linkwire.NewReader(conn, &n.readBufs, br), peer: peer, dialed: dialed, strings: linkwire.Interner{},
		done:     make(chan struct{}),
		slots:    make(chan struct{}, inflight(n.opts.MaxInflight, peer.MaxConcurrent)),
		pending:  map[uint64]pendingCall{},
		serving:  map[uint64]servingCall{},
		requests: make(chan struct{}, n.opts.MaxConcurrent),
		notifies: make(chan struct{}, n.opts.MaxConcurrent),
	}
	l.w = linkwire.NewWriter(conn, n.opts.CallTimeout, n.opts.WriteBuffer, l.fail)
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

// run starts the reader.
func (l *link) run() {
	l.wg.Add(1)
	go l.readLoop()
}

// alive reports whether the link still works.
func (l *link) alive() bool {
	select {
	case <-l.done:
		return false
	default:
		return true
	}
}

// fail closes the link once with err: pending calls fail at once, running
// handlers are cancelled.
func (l *link) fail(err error) {
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
			p.answer(nil, l.lostError())
		}
		for _, s := range serving {
			s.cancel(err)
		}
		l.n.linkClosed(l, err)
	})
}

// errRetired closes a link that another link to the same peer replaced.
var errRetired = errors.New("cluster: link replaced by another link to the peer")

// closeIfIdle closes a retired link once no call waits or runs on it;
// otherwise the last of them closes it when it ends (see settled).
func (l *link) closeIfIdle() {
	l.mu.Lock()
	idle := l.pending != nil && len(l.pending) == 0 && len(l.serving) == 0
	l.graceOver = true
	l.mu.Unlock()
	if idle {
		l.fail(errRetired)
	}
}

// settled is called after a call left pending or serving: a retired link
// whose grace has passed closes when it becomes idle.
func (l *link) settled() {
	if !l.retired.Load() {
		return
	}
	l.mu.Lock()
	idle := l.graceOver && l.pending != nil && len(l.pending) == 0 && len(l.serving) == 0
	l.mu.Unlock()
	if idle {
		go l.fail(errRetired)
	}
}

// close fails the link and waits for its goroutines.
func (l *link) close(err error) {
	l.fail(err)
	l.wg.Wait()
}

// lostError is the error of calls that were pending when the link failed.
func (l *link) lostError() error {
	return gamesrv.Errorf(gamesrv.CodeUnavailable, "server %s is unreachable", l.peer.ID)
}

func (l *link) readLoop() {
	defer l.wg.Done()
	for {
		f, err := l.rd.Frame(l.strings)
		if err != nil {
			l.fail(err)
			return
		}
		if !l.dispatch(f) {
			return
		}
	}
}

// dispatch handles one received frame; false once the link is closed.
func (l *link) dispatch(f *gamesrvv1.Frame) bool {
	switch b := f.GetBody().(type) {
	case *gamesrvv1.Frame_Reply:
		l.deliver(b.Reply)
	case *gamesrvv1.Frame_Call:
		return l.serve(b.Call)
	case *gamesrvv1.Frame_Cancel:
		l.cancelServing(b.Cancel.GetId())
	default:
		l.fail(errors.New("cluster: unexpected frame on an open link"))
		return false
	}
	return true
}

func (l *link) deliver(r *gamesrvv1.Reply) {
	l.mu.Lock()
	p, ok := l.pending[r.GetId()]
	delete(l.pending, r.GetId())
	l.mu.Unlock()
	if ok {
		p.answer(r, nil)
		l.settled()
	}
}

// send writes a frame, waiting under ctx while the link's writer is full.
func (l *link) send(ctx context.Context, f *gamesrvv1.Frame) error {
	if err := l.w.Send(ctx, f); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return l.lostError()
	}
	return nil
}

// trySend writes a frame without waiting for room; for cancels, which are
// hints.
func (l *link) trySend(f *gamesrvv1.Frame) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = l.w.Send(ctx, f)
}
