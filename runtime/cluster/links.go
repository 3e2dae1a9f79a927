package cluster

import (
	"bufio"
	"context"
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

// linkTo returns a working link to m, dialing one if needed. The common
// case, a live link, takes no lock.
func (n *Node) linkTo(ctx context.Context, m Member) (*link.Link, error) {
	if v, ok := n.live.Load(m.ID); ok {
		if l := v.(*link.Link); l.Alive() && l.Peer.Boot == m.BootID {
			return l, nil
		}
	}
	d, l, err := n.dialFor(m)
	if l != nil || err != nil {
		return l, err
	}
	select {
	case <-d.done:
		if d.err != nil {
			return nil, gamesrv.Errorf(gamesrv.CodeUnavailable, "server %s is unreachable", m.ID)
		}
		return d.link, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// dialFor returns the live link to m, or the dial attempt to wait for
// (starting one if allowed), or the error of a recent failed attempt.
func (n *Node) dialFor(m Member) (*dialState, *link.Link, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, nil, gamesrv.NewError(gamesrv.CodeUnavailable, "cluster node closed")
	}
	if l := n.links[m.ID]; l != nil && l.Alive() && l.Peer.Boot == m.BootID {
		return nil, l, nil
	}
	d := n.dials[m.ID]
	switch {
	case d == nil:
		d = &dialState{backoff: minBackoff}
	case !isDone(d.done):
		return d, nil, nil // a dial is in progress: wait for it
	case time.Now().Before(d.retryAt):
		return nil, nil, gamesrv.Errorf(gamesrv.CodeUnavailable, "server %s is unreachable (retrying)", m.ID)
	}
	next := &dialState{done: make(chan struct{}), backoff: d.backoff, retry: d.err != nil}
	n.dials[m.ID] = next
	n.wg.Add(1)
	go n.dial(m, next)
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

// dial connects to m and runs the link handshake.
func (n *Node) dial(m Member, d *dialState) {
	defer n.wg.Done()
	l, err := n.connect(m)
	n.mu.Lock()
	if err == nil && n.closed {
		err = errNodeClosed
	}
	if err != nil {
		d.err, d.retryAt, d.backoff = err, time.Now().Add(d.backoff), min(2*d.backoff, maxBackoff)
		n.failed.Store(m.ID, struct{}{})
		n.mu.Unlock()
		n.log.Warn("cannot link to server", "peer", m.ID, "addr", m.LinkAddr, "err", err)
		n.metrics.LinkError(m.ID)
		if l != nil {
			l.Close(err)
		}
		close(d.done)
		return
	}
	d.link, d.backoff = n.adopt(l), minBackoff
	n.mu.Unlock()
	l.Run()
	close(d.done)
}

// adopt registers a new link (n.mu is held) and returns the link to use
// for its peer. Two servers that dial each other at once end up with two
// links; both ends keep the same one, the link dialled by the server with
// the lower id, and retire the other (see retire). A link to another run
// of the peer (another boot id), or to a peer whose link broke, is
// replaced at once.
func (n *Node) adopt(l *link.Link) *link.Link {
	n.all[l] = struct{}{}
	cur := n.links[l.Peer.ID]
	switch {
	case cur == nil || !cur.Alive() || cur.Peer.Boot != l.Peer.Boot || n.prefer(l, cur):
		n.setLink(l.Peer.ID, l)
		if cur != nil && cur.Alive() {
			n.retire(cur)
		}
		return l
	default:
		n.retire(l)
		return cur
	}
}

// prefer reports whether l should replace cur, a live link to the same
// run of the same peer: the link dialled by the lower id wins; between two
// links dialled by the same end, the newer one.
func (n *Node) prefer(l, cur *link.Link) bool {
	lowDials := n.id < l.Peer.ID
	return l.Dialed == lowDials || cur.Dialed != lowDials
}

// retireGrace is how long a retired link stays open at least: the peer
// may have sent calls on it before it saw the other link.
const retireGrace = time.Second

// retire takes l out of use: no new work goes to it, and it closes once
// retireGrace has passed and no call runs or waits on it. The peer, which
// follows the same rule, retires the same connection.
func (n *Node) retire(l *link.Link) {
	if l.Retired.Swap(true) {
		return
	}
	n.retiredLinks.Add(1)
	n.log.Debug("link retired: another link to the peer wins", "peer", l.Peer.ID, "dialed", l.Dialed)
	time.AfterFunc(retireGrace, l.CloseIfIdle)
}

// handshake is this server's side of the link handshake.
func (n *Node) handshake() *linkhello.Handshake {
	return &linkhello.Handshake{ID: n.id, Boot: n.boot, Secret: n.opts.LinkSecret, MaxConcurrent: n.opts.MaxConcurrent, Timeout: n.opts.DialTimeout}
}

// connect dials m's link address and authenticates both ways.
func (n *Node) connect(m Member) (*link.Link, error) {
	conn, err := n.dialLink(m.LinkAddr)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(conn, helloBufSize)
	peer, err := n.handshake().Dial(conn, br)
	if err == nil && peer.ID != m.ID {
		err = errors.New("cluster: " + m.LinkAddr + " answered as " + peer.ID + ", not " + m.ID)
	}
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return newLink(n, conn, br, peer, true), nil
}

// dialLink opens the connection of a link, over TLS when configured.
func (n *Node) dialLink(addr string) (net.Conn, error) {
	dialer := &net.Dialer{Timeout: n.opts.DialTimeout}
	if n.opts.LinkTLS == nil {
		return dialer.DialContext(n.ctx, "tcp", addr)
	}
	cfg := n.opts.LinkTLS.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName, _, _ = net.SplitHostPort(addr)
	}
	td := tls.Dialer{NetDialer: dialer, Config: cfg}
	return td.DialContext(n.ctx, "tcp", addr)
}

// acceptLoop accepts the links other servers dial.
func (n *Node) acceptLoop() {
	defer n.wg.Done()
	for {
		conn, err := n.ln.Accept()
		if err != nil {
			return // listener closed
		}
		n.wg.Add(1)
		go n.accept(conn)
	}
}

// accept authenticates an incoming link and adopts it as the way to reach
// that peer if there is none yet.
func (n *Node) accept(conn net.Conn) {
	defer n.wg.Done()
	br := bufio.NewReaderSize(conn, helloBufSize)
	peer, err := n.handshake().Listen(conn, br)
	if errors.Is(err, linkhello.ErrSameID) {
		n.log.Warn("refused a server starting with this server's id", "remote", conn.RemoteAddr().String())
		_ = conn.Close()
		return
	}
	if err != nil {
		n.log.Warn("link refused", "remote", conn.RemoteAddr().String(), "err", err)
		_ = conn.Close()
		return
	}
	l := newLink(n, conn, br, peer, false)
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		_ = conn.Close()
		return
	}
	n.adopt(l)
	n.mu.Unlock()
	l.Run()
}

// linkClosed forgets a failed link. A link to a peer that broke counts as
// a failed dial: new work avoids the peer and redials only after a backoff.
func (n *Node) linkClosed(l *link.Link, err error) {
	n.mu.Lock()
	if n.links[l.Peer.ID] == l {
		delete(n.links, l.Peer.ID)
		n.live.Delete(l.Peer.ID)
		if !n.closed && !errors.Is(err, errPeerRestarted) && !errors.Is(err, errPeerDead) {
			n.dials[l.Peer.ID] = brokenLink(err)
			n.failed.Store(l.Peer.ID, struct{}{})
		}
	}
	delete(n.all, l)
	closing := n.closed
	n.mu.Unlock()
	if l.Retired.Load() {
		n.log.Debug("retired link closed", "peer", l.Peer.ID, "err", err)
		return
	}
	if !closing && err != nil {
		n.log.Info("link closed", "peer", l.Peer.ID, "err", err)
		n.metrics.LinkError(l.Peer.ID)
	}
}

// setLink makes l the link to peer; n.mu is held.
func (n *Node) setLink(peer string, l *link.Link) {
	n.links[peer] = l
	n.live.Store(peer, l)
	n.failed.Delete(peer)
}

// reachable returns the candidates that are not leaving and whose link is
// not known to be broken, or all of them if none is: a server whose process
// died gets no new work, even before gossip declares it dead. Once its
// backoff has passed, a broken server is redialled in the background; it
// gets work again when that succeeds. Without a leaving or broken
// candidate it takes no lock.
func (n *Node) reachable(candidates []Member) []Member {
	if !n.troubled(candidates) {
		return candidates
	}
	out := candidates[:0:0]
	var redial []Member
	n.mu.Lock()
	for _, m := range candidates {
		d := n.dials[m.ID]
		switch {
		case m.Leaving:
		case d == nil || (!isDone(d.done) && !d.retry) || (isDone(d.done) && d.err == nil):
			out = append(out, m)
		case !time.Now().Before(d.retryAt):
			redial = append(redial, m)
		}
	}
	n.mu.Unlock()
	for _, m := range redial {
		_, _, _ = n.dialFor(m)
	}
	if len(out) == 0 {
		return candidates
	}
	return out
}

// troubled reports whether a candidate is leaving or had a failed link.
func (n *Node) troubled(candidates []Member) bool {
	for _, m := range candidates {
		if _, bad := n.failed.Load(m.ID); bad || m.Leaving {
			return true
		}
	}
	return false
}
