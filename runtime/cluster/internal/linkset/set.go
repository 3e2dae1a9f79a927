// Package linkset is the set of links of one cluster node: it dials a
// link to a peer on demand and accepts the links peers dial, keeps one
// link per pair of servers (when both dial at once, the link the lower id
// dialled wins and the other is retired), redials a broken peer with
// backoff, and enforces the deadlines of the calls on its links with one
// sweeper. Idle links hold no large buffer (package linkwire pools them).
//
// The node above it (package cluster) decides which peer a call goes to
// and handles the calls that arrive, through Handler; package link runs
// each link. This package imports link, linkhello and linkwire, nothing
// else of the cluster.
package linkset

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/link"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkhello"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkwire"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// Handler runs the calls that arrive on the set's links: the node's
// handlers. HandleCall runs on a pool goroutine; ServeInline on the
// link's reader, so it must not block.
type Handler interface {
	// HandleCall runs an incoming call and returns its reply.
	HandleCall(ctx context.Context, l *link.Link, c *gamesrvv1.Call) *gamesrvv1.Reply
	// ServeInline runs c on the link's reader when it is a system notify
	// that never blocks, and reports whether it did.
	ServeInline(l *link.Link, c *gamesrvv1.Call) bool
}

// Config is what a set needs: who this server is, the link settings and
// the handler of incoming calls.
type Config struct {
	ID            string        // this server's id
	Boot          string        // this server's boot id
	Secret        []byte        // the link secret; empty: none
	TLS           *tls.Config   // TLS on links: the listener's config, cloned for dialling; nil: none
	MaxInflight   int           // calls a link keeps waiting for replies
	MaxConcurrent int           // incoming requests (and notifies) a link runs at once
	CallTimeout   time.Duration // a write that makes no progress this long fails the link
	DialTimeout   time.Duration // dial and handshake
	WriteBuffer   int           // bytes waiting for a link's writer before senders wait
	Log           *slog.Logger  // never nil
	Metrics       link.Recorder // never nil
	Handler       Handler
}

// Target is a server to link to, as the membership describes it.
type Target struct {
	ID   string // its server id
	Boot string // its boot id: a link to another run of it is not used
	Addr string // its advertised link address
}

// Errors a link fails with when the node learns that its peer is gone:
// such a link does not count as a broken one (no backoff for the peer).
var (
	ErrPeerDead      = errors.New("cluster: the server is dead")
	ErrPeerRestarted = errors.New("cluster: the server restarted")
)

// errClosed fails the links of a set that closes.
var errClosed = errors.New("cluster: node closed")

// Set is the links of one node, at most one in use per peer.
type Set struct {
	cfg      Config
	linkCfg  link.Config
	hs       linkhello.Handshake
	ctx      context.Context // dials; cancelled by Close
	cancel   context.CancelFunc
	ln       net.Listener
	readBufs linkwire.ReadBuffers // large read buffers of links with traffic
	pool     link.GoPool          // goroutines of incoming calls
	retired  atomic.Int64         // links that lost to another link to the same peer
	serving  atomic.Int64         // incoming calls running, for a graceful close
	sweeper  *link.Ticker         // ticks sweep while calls with a deadline are in flight
	swept    []*link.Link         // the links sweep looks at; the sweeper's
	live     sync.Map             // peer id -> *link.Link: lock-free copy of links
	failed   sync.Map             // peer id -> struct{}: peers whose last dial or link failed

	mu     sync.Mutex
	links  map[string]*link.Link // the link used to reach each peer
	all    map[*link.Link]struct{}
	dials  map[string]*dialState
	closed bool
	wg     sync.WaitGroup
}

// New returns an empty set; Listen binds its listener and Run starts it.
func New(cfg Config) *Set {
	s := &Set{
		cfg: cfg, pool: link.NewGoPool(),
		links: map[string]*link.Link{}, all: map[*link.Link]struct{}{}, dials: map[string]*dialState{},
		hs: linkhello.Handshake{ID: cfg.ID, Boot: cfg.Boot, Secret: cfg.Secret, MaxConcurrent: cfg.MaxConcurrent, Timeout: cfg.DialTimeout},
	}
	s.sweeper = link.NewTicker(sweepInterval, s.sweep)
	s.linkCfg = link.Config{
		ID: cfg.ID, Log: cfg.Log, Metrics: cfg.Metrics, Pool: s.pool, Watchdog: link.NewWatchdog(), ReadBuffers: &s.readBufs,
		MaxInflight: cfg.MaxInflight, MaxConcurrent: cfg.MaxConcurrent,
		CallTimeout: cfg.CallTimeout, WriteBuffer: cfg.WriteBuffer,
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Listen binds the link listener on addr (with TLS when configured).
func (s *Set) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cluster: link listener: %w", err)
	}
	s.ln = ln
	if s.cfg.TLS != nil {
		s.ln = tls.NewListener(ln, s.cfg.TLS)
	}
	return nil
}

// Addr returns the listener's address; nil before Listen.
func (s *Set) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Run accepts the links peers dial and starts the sweeper of call
// deadlines and the links' watchdog, until Close.
func (s *Set) Run() {
	s.wg.Add(1)
	go s.acceptLoop()
	for _, t := range []*link.Ticker{s.sweeper, s.linkCfg.Watchdog.Ticker} {
		s.wg.Go(func() { t.Run(s.ctx) })
	}
}

// Close stops accepting links, lets the incoming calls finish (until ctx
// is done), then closes every link, stops dialling and waits for the
// set's goroutines. Later calls do nothing.
func (s *Set) Close(ctx context.Context) {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	s.mu.Unlock()
	if already {
		return
	}
	if s.ln != nil {
		_ = s.ln.Close()
	}
	s.awaitServing(ctx)
	for _, l := range s.Links(nil) {
		l.Close(errClosed)
	}
	s.cancel()
	s.wg.Wait()
	s.pool.Stop()
}

// awaitServing waits until no incoming call runs, or ctx is done.
func (s *Set) awaitServing(ctx context.Context) {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for s.serving.Load() > 0 {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// Len returns the number of open links, retired ones (closing once idle)
// included.
func (s *Set) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.all)
}

// Links appends the open links, retired ones included, to dst.
func (s *Set) Links(dst []*link.Link) []*link.Link {
	s.mu.Lock()
	defer s.mu.Unlock()
	for l := range s.all {
		dst = append(dst, l)
	}
	return dst
}

// Retired returns how many links lost to another link to the same peer.
func (s *Set) Retired() int64 { return s.retired.Load() }

// Has reports whether t has a working link to its run. It takes no lock.
func (s *Set) Has(t Target) bool {
	v, ok := s.live.Load(t.ID)
	if !ok {
		return false
	}
	l := v.(*link.Link)
	return l.Alive() && l.Peer.Boot == t.Boot
}

// Current returns the link in use to peer id, or nil.
func (s *Set) Current(id string) *link.Link {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.links[id]
}

// Drop forgets what the set knows of peer id's dials, and returns its
// links to fail (with ErrPeerDead or ErrPeerRestarted): all of them, or
// when it restarted, those to another run than boot.
func (s *Set) Drop(id, boot string, restarted bool) []*link.Link {
	s.mu.Lock()
	defer s.mu.Unlock()
	var gone []*link.Link
	for l := range s.all {
		if l.Peer.ID == id && (!restarted || l.Peer.Boot != boot) {
			gone = append(gone, l)
		}
	}
	delete(s.dials, id)
	s.failed.Delete(id)
	return gone
}

// Probe dials addr and runs the handshake up to the listener's hello,
// which it returns: who answers there. The connection never becomes a
// link.
func (s *Set) Probe(addr string) (*gamesrvv1.Hello, error) {
	conn, err := s.dialConn(addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return s.hs.Probe(conn, bufio.NewReaderSize(conn, helloBufSize))
}

// Get returns a working link to t, dialing one if needed (waiting under
// ctx for the dial). The common case, a live link, takes no lock.
func (s *Set) Get(ctx context.Context, t Target) (*link.Link, error) {
	if l := s.Live(t); l != nil {
		return l, nil
	}
	d, l, err := s.dialFor(t)
	if l != nil || err != nil {
		return l, err
	}
	select {
	case <-d.done:
		if d.err != nil {
			return nil, gamesrv.Errorf(gamesrv.CodeUnavailable, "server %s is unreachable", t.ID)
		}
		return d.link, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Live returns the working link to t, or nil when there is none yet; it
// neither dials nor waits.
func (s *Set) Live(t Target) *link.Link {
	if v, ok := s.live.Load(t.ID); ok {
		if l := v.(*link.Link); l.Alive() && l.Peer.Boot == t.Boot {
			return l
		}
	}
	return nil
}

// Troubled reports whether the last dial of or link to peer id failed. It
// takes no lock.
func (s *Set) Troubled(id string) bool {
	_, bad := s.failed.Load(id)
	return bad
}

// Usable reports whether t may get new work: no dial or link to it
// failed, or its first dial is still running, or the last one succeeded.
// A peer whose backoff has passed is redialled in the background and gets
// work again once that succeeds.
func (s *Set) Usable(t Target) bool {
	s.mu.Lock()
	d := s.dials[t.ID]
	switch {
	case d == nil || (!isDone(d.done) && !d.retry) || (isDone(d.done) && d.err == nil):
		s.mu.Unlock()
		return true
	case !time.Now().Before(d.retryAt):
		s.mu.Unlock()
		_, _, _ = s.dialFor(t)
		return false
	}
	s.mu.Unlock()
	return false
}

// Connect starts a dial to every target without a working link (unless
// one runs or the target backs off). With wait, it waits under ctx until
// one of those dials succeeds or all failed, and reports whether one
// succeeded; without, it reports false.
func (s *Set) Connect(ctx context.Context, targets []Target, wait bool) bool {
	var dials []*dialState
	for _, t := range targets {
		if d, _, _ := s.dialFor(t); d != nil {
			dials = append(dials, d)
		}
	}
	return wait && firstLinked(ctx, dials)
}

// firstLinked waits until one of the dials succeeded, and reports whether
// one did before all failed or ctx was done.
func firstLinked(ctx context.Context, dials []*dialState) bool {
	if len(dials) == 0 {
		return false
	}
	done := make(chan *dialState, len(dials))
	stop := make(chan struct{})
	defer close(stop)
	for _, d := range dials {
		go func() {
			select {
			case <-d.done:
				done <- d
			case <-stop:
			}
		}()
	}
	for range dials {
		select {
		case d := <-done:
			if d.err == nil {
				return true
			}
		case <-ctx.Done():
			return false
		}
	}
	return false
}
