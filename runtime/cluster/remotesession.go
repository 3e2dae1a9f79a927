package cluster

import (
	"context"
	"sync"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/link"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
)

// remoteSession is a backend's view of a session held by a frontend: what
// handlers of forwarded requests receive. Push, Kick, Close and Bind travel
// to the frontend; data changes made while a request runs come back with
// its answer, later ones are sent at once. The same value serves every
// request of the session, so OnClose hooks and group memberships last
// until the frontend reports the session closed (or dies).
type remoteSession struct {
	n        *Node
	id       int64
	frontend string

	mu      sync.Mutex
	uid     string
	addr    string
	data    map[string]string
	via     *link.Link // the link of the request in progress: pushes precede its answer
	calls   int
	changes *gamesrvv1.SessionUpdate
	hooks   []func(gamesrv.Session)
	closed  bool
}

var _ gamesrv.Session = (*remoteSession)(nil)

// ID implements gamesrv.Session: the session id on its frontend.
func (s *remoteSession) ID() int64 { return s.id }

// FrontendID implements gamesrv.Session.
func (s *remoteSession) FrontendID() string { return s.frontend }

// UID implements gamesrv.Session.
func (s *remoteSession) UID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uid
}

// RemoteAddr implements gamesrv.Session.
func (s *remoteSession) RemoteAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Handshake implements gamesrv.Session. The handshake stays on the
// frontend: a backend view has an empty one.
func (s *remoteSession) Handshake() *wire.HandshakeRequest { return &wire.HandshakeRequest{} }

// Get implements gamesrv.Session.
func (s *remoteSession) Get(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	return v, ok
}

// Set implements gamesrv.Session.
func (s *remoteSession) Set(key, value string) {
	s.change(func(u *gamesrvv1.SessionUpdate) {
		if u.Set == nil {
			u.Set = map[string]string{}
		}
		u.Set[key] = value
	}, func() { s.data[key] = value })
}

// Delete implements gamesrv.Session.
func (s *remoteSession) Delete(key string) {
	s.change(func(u *gamesrvv1.SessionUpdate) {
		delete(u.Set, key)
		u.Deleted = append(u.Deleted, key)
	}, func() { delete(s.data, key) })
}

// change applies a data change locally and records it for the frontend:
// in the answer of the request in progress, or in an "@update" sent now.
func (s *remoteSession) change(record func(*gamesrvv1.SessionUpdate), apply func()) {
	s.mu.Lock()
	if s.data == nil {
		s.data = map[string]string{}
	}
	apply()
	if s.calls > 0 {
		if s.changes == nil {
			s.changes = &gamesrvv1.SessionUpdate{}
		}
		record(s.changes)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	u := &gamesrvv1.SessionUpdate{}
	record(u)
	_ = s.send(context.Background(), routeUpdate, &gamesrvv1.SessionRequest{SessionId: s.id, Update: u})
}

// Bind implements gamesrv.Session: the frontend binds (applying its
// duplicate-login policy) and answers. When it kicked a session, it
// answers once that session ended: its hooks ran on the frontend and on
// every backend that served it, this one included (the frontend's close
// notice is a call that backends answer after running the view's hooks).
// The wait is bounded by ctx (whose deadline travels with the call) and
// the frontend's BindWait; when it is cut the frontend's session is bound
// all the same, and Bind returns GS-504 and leaves this view's uid as it
// was.
func (s *remoteSession) Bind(ctx context.Context, uid string) error {
	l, err := s.link(ctx)
	if err != nil {
		return err
	}
	r, err := l.Call(ctx, sessionCall(routeBind, &gamesrvv1.SessionRequest{SessionId: s.id, Uid: uid}))
	if err != nil {
		return err
	}
	if err := link.ReplyError(r.GetError()); err != nil {
		return err
	}
	s.mu.Lock()
	s.uid = uid
	s.mu.Unlock()
	return nil
}

// Push implements gamesrv.Session: the packet is encoded here, once, and
// the frontend writes it as is.
func (s *remoteSession) Push(ctx context.Context, route string, msg proto.Message) error {
	pkt, err := s.n.host.EncodePush(route, msg)
	if err != nil {
		return err
	}
	l, err := s.link(ctx)
	if err != nil {
		return err
	}
	return l.Notify(ctx, pushCall(&gamesrvv1.PushRequest{SessionIds: []int64{s.id}, Packet: pkt}))
}

// Kick implements gamesrv.Session.
func (s *remoteSession) Kick(ctx context.Context, reason string) error {
	return s.send(ctx, routeKick, &gamesrvv1.SessionRequest{SessionId: s.id, Reason: reason})
}

// Close implements gamesrv.Session.
func (s *remoteSession) Close() error {
	return s.send(context.Background(), routeClose, &gamesrvv1.SessionRequest{SessionId: s.id})
}

// OnClose implements gamesrv.Session: f runs when the frontend reports the
// session closed, or when the frontend leaves the cluster.
func (s *remoteSession) OnClose(f func(gamesrv.Session)) {
	s.mu.Lock()
	if !s.closed {
		s.hooks = append(s.hooks, f)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	f(s)
}

// send notifies the frontend of a session operation.
func (s *remoteSession) send(ctx context.Context, route string, r *gamesrvv1.SessionRequest) error {
	l, err := s.link(ctx)
	if err != nil {
		return err
	}
	return l.Notify(ctx, sessionCall(route, r))
}

// link returns the link of the request in progress if it still works (so
// pushes precede its answer), else a link to the frontend; GS-503 once the
// frontend left the cluster.
func (s *remoteSession) link(ctx context.Context) (*link.Link, error) {
	m, ok := s.n.ms.Member(s.frontend)
	if !ok {
		return nil, gamesrv.Errorf(gamesrv.CodeUnavailable, "frontend %s is gone", s.frontend)
	}
	s.mu.Lock()
	l := s.via
	s.mu.Unlock()
	if l != nil && l.Alive() {
		return l, nil
	}
	return s.n.linkTo(ctx, m)
}

// detach ends a request: it returns the data changes to send back with the
// answer.
func (s *remoteSession) detach() *gamesrvv1.SessionUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls--
	u := s.changes
	if s.calls == 0 {
		s.changes, s.via = nil, nil
	}
	return u
}

// end marks the session closed and runs its hooks.
func (s *remoteSession) end() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	hooks := s.hooks
	s.hooks = nil
	s.mu.Unlock()
	for _, f := range hooks {
		f(s)
	}
}

// sessionRegistry holds a backend's views of frontend sessions.
type sessionRegistry struct {
	mu sync.Mutex
	m  map[sessionKey]*remoteSession
}

type sessionKey struct {
	frontend string
	id       int64
}

func (r *sessionRegistry) init() { r.m = map[sessionKey]*remoteSession{} }

// attach returns the view of a forwarded session, refreshed from the
// frontend's snapshot, and marks a request in progress on link l.
func (r *sessionRegistry) attach(n *Node, l *link.Link, snap *gamesrvv1.SessionSnapshot) *remoteSession {
	k := sessionKey{frontend: l.Peer.ID, id: snap.GetId()}
	r.mu.Lock()
	s := r.m[k]
	if s == nil {
		s = &remoteSession{n: n, id: k.id, frontend: k.frontend}
		r.m[k] = s
	}
	r.mu.Unlock()
	s.mu.Lock()
	s.uid, s.data = snap.GetUid(), snap.GetData() // the snapshot is ours
	if a := snap.GetRemoteAddr(); a != "" {
		s.addr = a // sent with the session's first request here
	}
	s.via = l
	s.calls++
	s.mu.Unlock()
	return s
}

// closed ends the view of a session its frontend closed.
func (r *sessionRegistry) closed(frontend string, id int64) {
	k := sessionKey{frontend: frontend, id: id}
	r.mu.Lock()
	s := r.m[k]
	delete(r.m, k)
	r.mu.Unlock()
	if s != nil {
		s.end()
	}
}

// dropFrontend ends the views of every session of a frontend that left.
func (r *sessionRegistry) dropFrontend(frontend string) {
	var gone []*remoteSession
	r.mu.Lock()
	for k, s := range r.m {
		if k.frontend == frontend {
			gone = append(gone, s)
			delete(r.m, k)
		}
	}
	r.mu.Unlock()
	for _, s := range gone {
		s.end()
	}
}
