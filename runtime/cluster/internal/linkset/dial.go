package linkset

import (
	"bufio"
	"crypto/tls"
	"errors"
	"net"
	"time"

	"github.com/gamesrv/gamesrv/runtime/cluster/internal/link"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkhello"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// dialState is an attempt (or the last failed attempt) to link to a peer.
// Callers that need the link wait for the attempt in progress; after a
// failure they fail at once until retryAt, so a dead peer costs no dial per
// call. The backoff doubles from 100 ms to 5 s.
type dialState struct {
	done    chan struct{}
	link    *link.Link
	err     error
	retryAt time.Time
	backoff time.Duration
	retry   bool // the previous attempt failed
}

const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
	// helloBufSize is the read buffer of a link's handshake.
	helloBufSize = 512
)

// dialFor returns the live link to t, or the dial attempt to wait for
// (starting one if allowed), or the error of a recent failed attempt.
func (s *Set) dialFor(t Target) (*dialState, *link.Link, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, gamesrv.NewError(gamesrv.CodeUnavailable, "cluster node closed")
	}
	if l := s.links[t.ID]; l != nil && l.Alive() && l.Peer.Boot == t.Boot {
		return nil, l, nil
	}
	d := s.dials[t.ID]
	switch {
	case d == nil:
		d = &dialState{backoff: minBackoff}
	case !isDone(d.done):
		return d, nil, nil // a dial is in progress: wait for it
	case time.Now().Before(d.retryAt):
		return nil, nil, gamesrv.Errorf(gamesrv.CodeUnavailable, "server %s is unreachable (retrying)", t.ID)
	}
	next := &dialState{done: make(chan struct{}), backoff: d.backoff, retry: d.err != nil}
	s.dials[t.ID] = next
	s.wg.Add(1)
	go s.dial(t, next)
	return next, nil, nil
}

// brokenLink is the dial state after a working link broke.
func brokenLink(err error) *dialState {
	done := make(chan struct{})
	close(done)
	return &dialState{done: done, err: err, retryAt: time.Now().Add(minBackoff), backoff: 2 * minBackoff}
}

func isDone(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// dial connects to t and runs the link handshake.
func (s *Set) dial(t Target, d *dialState) {
	defer s.wg.Done()
	l, err := s.connect(t)
	s.mu.Lock()
	if err == nil && s.closed {
		err = errClosed
	}
	if err != nil {
		d.err, d.retryAt, d.backoff = err, time.Now().Add(d.backoff), min(2*d.backoff, maxBackoff)
		s.failed.Store(t.ID, struct{}{})
		s.mu.Unlock()
		s.cfg.Log.Warn("cannot link to server", "peer", t.ID, "addr", t.Addr, "err", err)
		s.cfg.Metrics.LinkError(t.ID)
		if l != nil {
			l.Close(err)
		}
		close(d.done)
		return
	}
	d.link, d.backoff = s.adopt(l), minBackoff
	s.mu.Unlock()
	l.Run()
	close(d.done)
}

// adopt registers a new link (s.mu is held) and returns the link to use
// for its peer. Two servers that dial each other at once end up with two
// links; both ends keep the same one, the link dialled by the server with
// the lower id, and retire the other (see retire). A link to another run
// of the peer (another boot id), or to a peer whose link broke, is
// replaced at once.
func (s *Set) adopt(l *link.Link) *link.Link {
	s.all[l] = struct{}{}
	cur := s.links[l.Peer.ID]
	switch {
	case cur == nil || !cur.Alive() || cur.Peer.Boot != l.Peer.Boot || s.prefer(l, cur):
		s.setLink(l.Peer.ID, l)
		if cur != nil && cur.Alive() {
			s.retire(cur)
		}
		return l
	default:
		s.retire(l)
		return cur
	}
}

// prefer reports whether l should replace cur, a live link to the same
// run of the same peer: the link dialled by the lower id wins; between two
// links dialled by the same end, the newer one.
func (s *Set) prefer(l, cur *link.Link) bool {
	lowDials := s.cfg.ID < l.Peer.ID
	return l.Dialed == lowDials || cur.Dialed != lowDials
}

// retireGrace is how long a retired link stays open at least: the peer
// may have sent calls on it before it saw the other link.
const retireGrace = time.Second

// retire takes l out of use: no new work goes to it, and it closes once
// retireGrace has passed and no call runs or waits on it. The peer, which
// follows the same rule, retires the same connection.
func (s *Set) retire(l *link.Link) {
	if l.Retired.Swap(true) {
		return
	}
	s.retired.Add(1)
	s.cfg.Log.Debug("link retired: another link to the peer wins", "peer", l.Peer.ID, "dialed", l.Dialed)
	time.AfterFunc(retireGrace, l.CloseIfIdle)
}

// connect dials t's link address and authenticates both ways.
func (s *Set) connect(t Target) (*link.Link, error) {
	conn, err := s.dialConn(t.Addr)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(conn, helloBufSize)
	peer, err := s.hs.Dial(conn, br)
	if err == nil && peer.ID != t.ID {
		err = errors.New("cluster: " + t.Addr + " answered as " + peer.ID + ", not " + t.ID)
	}
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return s.newLink(conn, br, peer, true), nil
}

// dialConn opens the connection of a link, over TLS when configured.
func (s *Set) dialConn(addr string) (net.Conn, error) {
	dialer := &net.Dialer{Timeout: s.cfg.DialTimeout}
	if s.cfg.TLS == nil {
		return dialer.DialContext(s.ctx, "tcp", addr)
	}
	cfg := s.cfg.TLS.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName, _, _ = net.SplitHostPort(addr)
	}
	td := tls.Dialer{NetDialer: dialer, Config: cfg}
	return td.DialContext(s.ctx, "tcp", addr)
}

// acceptLoop accepts the links other servers dial.
func (s *Set) acceptLoop() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return // listener closed
		}
		s.wg.Add(1)
		go s.accept(conn)
	}
}

// accept authenticates an incoming link and adopts it as the way to reach
// that peer if there is none yet.
func (s *Set) accept(conn net.Conn) {
	defer s.wg.Done()
	br := bufio.NewReaderSize(conn, helloBufSize)
	peer, err := s.hs.Listen(conn, br)
	if errors.Is(err, linkhello.ErrSameID) {
		s.cfg.Log.Warn("refused a server starting with this server's id", "remote", conn.RemoteAddr().String())
		_ = conn.Close()
		return
	}
	if err != nil {
		s.cfg.Log.Warn("link refused", "remote", conn.RemoteAddr().String(), "err", err)
		_ = conn.Close()
		return
	}
	l := s.newLink(conn, br, peer, false)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = conn.Close()
		return
	}
	s.adopt(l)
	s.mu.Unlock()
	l.Run()
}

// linkClosed forgets a failed link. A link to a peer that broke counts as
// a failed dial: new work avoids the peer and redials only after a backoff.
func (s *Set) linkClosed(l *link.Link, err error) {
	s.mu.Lock()
	if s.links[l.Peer.ID] == l {
		delete(s.links, l.Peer.ID)
		s.live.Delete(l.Peer.ID)
		if !s.closed && !errors.Is(err, ErrPeerRestarted) && !errors.Is(err, ErrPeerDead) {
			s.dials[l.Peer.ID] = brokenLink(err)
			s.failed.Store(l.Peer.ID, struct{}{})
		}
	}
	delete(s.all, l)
	closing := s.closed
	s.mu.Unlock()
	if l.Retired.Load() {
		s.cfg.Log.Debug("retired link closed", "peer", l.Peer.ID, "err", err)
		return
	}
	if !closing && err != nil {
		s.cfg.Log.Info("link closed", "peer", l.Peer.ID, "err", err)
		s.cfg.Metrics.LinkError(l.Peer.ID)
	}
}

// setLink makes l the link to peer; s.mu is held.
func (s *Set) setLink(peer string, l *link.Link) {
	s.links[peer] = l
	s.live.Store(peer, l)
	s.failed.Delete(peer)
}
