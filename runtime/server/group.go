package server

import (
	"context"
	"sync"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/fanout"
	"google.golang.org/protobuf/proto"
)

// Group is a named set of sessions that receive broadcasts together, such as
// the players of a chat room. In a cluster a group may hold sessions of
// other frontends (the sessions a backend handler receives). Members leave
// automatically when they disconnect. A Group is safe for concurrent use.
type Group struct {
	srv    *Server
	name   string
	mu     sync.RWMutex
	local  map[int64]*session
	remote map[memberKey]gamesrv.Session
}

// memberKey identifies a session of another frontend.
type memberKey struct {
	frontend string
	id       int64
}

func newGroup(srv *Server, name string) *Group {
	return &Group{srv: srv, name: name, local: map[int64]*session{}, remote: map[memberKey]gamesrv.Session{}}
}

// Group returns the group called name, creating it if needed.
func (srv *Server) Group(name string) *Group {
	srv.groupMu.Lock()
	defer srv.groupMu.Unlock()
	g, ok := srv.groups[name]
	if !ok {
		g = newGroup(srv, name)
		srv.groups[name] = g
	}
	return g
}

// DeleteGroup removes the group called name and all its members from it.
func (srv *Server) DeleteGroup(name string) {
	srv.groupMu.Lock()
	g := srv.groups[name]
	delete(srv.groups, name)
	srv.groupMu.Unlock()
	if g != nil {
		for _, s := range g.Members() {
			g.Remove(s)
		}
	}
}

// lookupGroup returns the group called name, or nil.
func (srv *Server) lookupGroup(name string) *Group {
	srv.groupMu.Lock()
	defer srv.groupMu.Unlock()
	return srv.groups[name]
}

// Name returns the group's name.
func (g *Group) Name() string { return g.name }

// Add makes s a member: a session of this server that is still open, or,
// in a cluster, a session of another frontend.
func (g *Group) Add(s gamesrv.Session) error {
	if ss, ok := s.(*session); ok && ss.srv == g.srv {
		return g.addLocal(ss)
	}
	if g.srv.cluster == nil || s.FrontendID() == "" || s.FrontendID() == g.srv.id {
		return ErrForeignSession
	}
	k := memberKey{frontend: s.FrontendID(), id: s.ID()}
	g.mu.Lock()
	_, dup := g.remote[k]
	g.remote[k] = s
	g.mu.Unlock()
	if !dup {
		s.OnClose(func(s gamesrv.Session) { g.Remove(s) })
	}
	return nil
}

func (g *Group) addLocal(s *session) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, dup := g.local[s.id]; dup {
		return nil
	}
	if !s.joined(g) {
		return ErrSessionClosed
	}
	g.local[s.id] = s
	return nil
}

// Remove makes s leave the group.
func (g *Group) Remove(s gamesrv.Session) {
	if ss, ok := s.(*session); ok && ss.srv == g.srv {
		ss.left(g)
		g.remove(ss)
		return
	}
	g.mu.Lock()
	delete(g.remote, memberKey{frontend: s.FrontendID(), id: s.ID()})
	g.mu.Unlock()
}

func (g *Group) remove(s *session) {
	g.mu.Lock()
	delete(g.local, s.id)
	g.mu.Unlock()
}

// Contains reports whether s is a member.
func (g *Group) Contains(s gamesrv.Session) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if ss, ok := s.(*session); ok && ss.srv == g.srv {
		return g.local[ss.id] != nil
	}
	return g.remote[memberKey{frontend: s.FrontendID(), id: s.ID()}] != nil
}

// Len returns the number of members.
func (g *Group) Len() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.local) + len(g.remote)
}

// Members returns the members' sessions.
func (g *Group) Members() []gamesrv.Session {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]gamesrv.Session, 0, len(g.local)+len(g.remote))
	for _, s := range g.local {
		out = append(out, s)
	}
	for _, s := range g.remote {
		out = append(out, s)
	}
	return out
}

// Broadcast pushes msg on route to every member that completed its
// handshake. The packet is encoded once: the same bytes are queued on every
// local connection, and sent in one message to each other frontend that
// holds members, with the list of its sessions.
func (g *Group) Broadcast(ctx context.Context, route string, msg proto.Message) error {
	pkt, err := g.srv.encodePush(route, msg)
	if err != nil {
		return err
	}
	remote, n := g.writeLocal(pkt)
	g.srv.metrics.Pushed(route, n)
	return g.srv.pushRemote(ctx, remote, pkt)
}

// pushRemote sends pkt to the sessions of other frontends, to the
// frontends in parallel (bounded, fanout.Max): one slow or unreachable
// frontend delays only its own sessions.
func (srv *Server) pushRemote(ctx context.Context, remote map[string][]int64, pkt []byte) error {
	frontends := make([]string, 0, len(remote))
	for frontend := range remote {
		frontends = append(frontends, frontend)
	}
	return fanout.Each(frontends, func(frontend string) error {
		return srv.cluster.PushToSessions(ctx, frontend, remote[frontend], pkt)
	})
}

// writeLocal writes pkt to the local members and returns the remote ones
// by frontend, and the number of members reached.
func (g *Group) writeLocal(pkt []byte) (map[string][]int64, int) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	n := 0
	for _, s := range g.local {
		if s.pushable() == nil && s.write(pkt) == nil {
			n++
		}
	}
	if len(g.remote) == 0 {
		return nil, n
	}
	byFrontend := make(map[string][]int64)
	for k := range g.remote {
		byFrontend[k.frontend] = append(byFrontend[k.frontend], k.id)
	}
	return byFrontend, n + len(g.remote)
}

// joined records g in the session's groups, unless the session is closed.
func (s *session) joined(g *Group) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return false
	}
	s.groups = append(s.groups, g)
	return true
}

func (s *session) left(g *Group) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.groups {
		if x == g {
			s.groups = append(s.groups[:i], s.groups[i+1:]...)
			return
		}
	}
}
