package server

import (
	"context"
	"errors"
	"maps"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
)

// Connection states (PROTOCOL.md §2). stateValidating is Start with a
// handshake being checked off the loop.
const (
	stateStart uint32 = iota
	stateValidating
	stateHandshaken
	stateWorking
	stateClosed
)

// session is one client connection: the transport's Peer and the handler's
// gamesrv.Session. Fields that are not atomic are guarded by mu, except
// those of the heartbeat wheel (guarded by the wheel) and the immutable
// ones set at creation.
type session struct {
	srv      *Server
	conn     transport.Conn
	network  string
	id       int64
	bucket   *tokenBucket // per-session rate limit, when configured
	ipKey    netip.Addr   // the address counted for MaxConnectionsPerIP, if it is on
	state    atomic.Uint32
	lastRecv atomic.Int64 // precise server clock at the last packet received
	flooding atomic.Bool  // the client floods: its packets are ignored, the connection closes once answered
	inflated *tokenBucket // inflated bytes per second; used by the worker only

	mu      sync.Mutex
	uid     string
	hs      *wire.HandshakeRequest // what is kept of the handshake (compactHandshake)
	data    map[string]string
	hooks   []func(gamesrv.Session)
	groups  []*Group
	queue   jobQueue
	refused int  // refused jobs in queue (they take no place of QueueSize)
	running bool // a goroutine is draining queue
	done    bool // closed and cleaned up

	// ended: done and the close hooks ran (markEnded); endedCh is closed
	// then, for the Binds waiting for it (waitEnded makes it).
	ended   bool
	endedCh chan struct{}

	wheelPrev, wheelNext *session
	wheelSlot            int32 // -1 once out of the wheel
	wheelDue             int64 // the tick at which the wheel looks at the session
	nextBeat             int64 // the tick of the session's next heartbeat
}

var _ gamesrv.Session = (*session)(nil)

// ID implements gamesrv.Session.
func (s *session) ID() int64 { return s.id }

// UID implements gamesrv.Session.
func (s *session) UID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uid
}

// FrontendID implements gamesrv.Session: this server's id.
func (s *session) FrontendID() string { return s.srv.id }

// RemoteAddr implements gamesrv.Session.
func (s *session) RemoteAddr() string { return s.conn.RemoteAddr().String() }

// Handshake implements gamesrv.Session. The session keeps the decoded sys
// fields and the compacted user and rsa objects of a handshake of at most
// Options.MaxHandshakeSize bytes; each call returns a copy the caller may
// modify (empty before the handshake).
func (s *session) Handshake() *wire.HandshakeRequest {
	s.mu.Lock()
	hs := s.hs
	s.mu.Unlock()
	return cloneHandshake(hs)
}

// Get implements gamesrv.Session.
func (s *session) Get(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	return v, ok
}

// Set implements gamesrv.Session.
func (s *session) Set(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data == nil {
		s.data = make(map[string]string, 1)
	}
	s.data[key] = value
}

// Delete implements gamesrv.Session.
func (s *session) Delete(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.data, key)
}

// Data returns a copy of the session's key-value data.
func (s *session) Data() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.data)
}

// Bind implements gamesrv.Session.
func (s *session) Bind(ctx context.Context, uid string) error {
	return s.srv.bind(ctx, s, uid)
}

// Push implements gamesrv.Session.
func (s *session) Push(_ context.Context, route string, msg proto.Message) error {
	if err := s.pushable(); err != nil {
		return err
	}
	pkt, err := s.srv.encodePush(route, msg)
	if err != nil {
		return err
	}
	s.srv.metrics.Pushed(route, 1)
	return s.write(pkt)
}

// pushable reports why the session cannot receive pushes, if it cannot: a
// client must receive nothing but the handshake response before its ack.
func (s *session) pushable() error {
	switch s.state.Load() {
	case stateWorking:
		return nil
	case stateClosed:
		return ErrSessionClosed
	}
	return ErrSessionNotReady
}

// Kick implements gamesrv.Session: a Kick packet with the JSON reason
// ("kick" when reason is empty), or an empty one with Options.EmptyKick.
func (s *session) Kick(_ context.Context, reason string) error {
	if s.state.Swap(stateClosed) == stateClosed {
		return ErrSessionClosed
	}
	err := s.conn.Write(wire.KickPacket(s.srv.kickReason(reason)))
	_ = s.conn.Close()
	return err
}

// Close implements gamesrv.Session.
func (s *session) Close() error {
	if s.state.Swap(stateClosed) == stateClosed {
		return ErrSessionClosed
	}
	return s.conn.Close()
}

// OnClose implements gamesrv.Session.
func (s *session) OnClose(f func(gamesrv.Session)) {
	s.mu.Lock()
	if !s.done {
		s.hooks = append(s.hooks, f)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	f(s)
}

// write queues a packet, ignoring a connection that closed meanwhile.
func (s *session) write(pkt []byte) error {
	err := s.conn.Write(pkt)
	if errors.Is(err, transport.ErrSlowConsumer) {
		s.srv.log.Warn("slow consumer disconnected", "session", s.id, "uid", s.UID())
	}
	return err
}

// OnDisconnect implements transport.Peer: the connection is gone. Cleanup
// runs here (on the I/O goroutine, without blocking); the close hooks run on
// the session's worker after the requests already queued.
func (s *session) OnDisconnect(err error) {
	s.state.Store(stateClosed)
	uid := s.UID()
	s.end()
	s.srv.forget(s, uid)
	s.logClosed(uid, err)
}

// logClosed logs the end of a connection: at Info with the reason when the
// client broke the protocol, at Debug otherwise.
func (s *session) logClosed(uid string, err error) {
	var pe *transport.ProtocolError
	if errors.As(err, &pe) {
		s.srv.log.Info("protocol violation: connection closed", "session", s.id, "uid", uid, "remote", s.conn.RemoteAddr(), "reason", pe.Err)
		return
	}
	s.srv.log.Debug("session closed", "session", s.id, "uid", uid, "reason", err)
}

// runCloseHooks runs the OnClose hooks once, on the worker, then tells the
// servers of the cluster that handled the session's requests, which run
// the hooks of their views of it, and marks the session ended.
func (s *session) runCloseHooks() {
	s.mu.Lock()
	hooks := s.hooks
	s.hooks = nil
	s.mu.Unlock()
	for _, f := range hooks {
		s.srv.safely("close hook", s, func() { f(s) })
	}
	if s.srv.cluster != nil {
		s.srv.cluster.SessionClosed(s.srv.ctx, s)
	}
	s.markEnded()
}

// end ends the session, once: when its connection is gone, or earlier when
// a duplicate login kicks it (its connection may still be flushing the
// Kick). It releases the uid, leaves the groups and queues the close hooks
// behind the requests already queued; without hooks and cluster the
// session has ended at once.
func (s *session) end() {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return
	}
	s.done = true
	uid, groups, hooks := s.uid, s.groups, len(s.hooks) > 0
	s.groups = nil
	s.mu.Unlock()
	if uid != "" {
		s.srv.unbind(s, uid)
	}
	for _, g := range groups {
		g.remove(s)
	}
	if hooks || s.srv.cluster != nil {
		s.enqueue(job{kind: jobClosed}, true)
		return
	}
	s.markEnded()
}

// markEnded records that the session ended and its close hooks ran, and
// releases the Binds waiting for it (waitEnded).
func (s *session) markEnded() {
	s.mu.Lock()
	s.ended = true
	ch := s.endedCh
	s.mu.Unlock()
	if ch != nil {
		close(ch)
	}
}

// waitEnded waits until the session has ended and its close hooks ran, or
// until ctx is done (it then returns ctx's error).
func (s *session) waitEnded(ctx context.Context) error {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return nil
	}
	if s.endedCh == nil {
		s.endedCh = make(chan struct{})
	}
	ch := s.endedCh
	s.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
