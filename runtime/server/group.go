package server

import (
	"context"
	"sync"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
)

// Group is a named set of sessions that receive broadcasts together, such as
// the players of a chat room. Members leave automatically when they
// disconnect. A Group is safe for concurrent use.
type Group struct {
	srv     *Server
	name    string
	mu      sync.RWMutex
	members map[int64]*session
}

// Group returns the group called name, creating it if needed.
func (srv *Server) Group(name string) *Group {
	srv.groupMu.Lock()
	defer srv.groupMu.Unlock()
	g, ok := srv.groups[name]
	if !ok {
		g = &Group{srv: srv, name: name, members: map[int64]*session{}}
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
		for _, s := range g.snapshot() {
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

// Add makes s a member. s must be a session of this server that is still
// open.
func (g *Group) Add(s gamesrv.Session) error {
	ss, ok := s.(*session)
	if !ok || ss.srv != g.srv {
		return ErrForeignSession
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, dup := g.members[ss.id]; dup {
		return nil
	}
	if !ss.joined(g) {
		return ErrSessionClosed
	}
	g.members[ss.id] = ss
	return nil
}

// Remove makes s leave the group.
func (g *Group) Remove(s gamesrv.Session) {
	ss, ok := s.(*session)
	if !ok {
		return
	}
	ss.left(g)
	g.remove(ss)
}

func (g *Group) remove(s *session) {
	g.mu.Lock()
	delete(g.members, s.id)
	g.mu.Unlock()
}

// Contains reports whether s is a member.
func (g *Group) Contains(s gamesrv.Session) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	_, ok := g.members[s.ID()]
	return ok
}

// Len returns the number of members.
func (g *Group) Len() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.members)
}

// Members returns the members' sessions.
func (g *Group) Members() []gamesrv.Session {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]gamesrv.Session, 0, len(g.members))
	for _, s := range g.members {
		out = append(out, s)
	}
	return out
}

func (g *Group) snapshot() []*session {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]*session, 0, len(g.members))
	for _, s := range g.members {
		out = append(out, s)
	}
	return out
}

// Broadcast pushes msg on route to every member that completed its
// handshake. The packet is encoded once and the same bytes are queued on
// every connection.
func (g *Group) Broadcast(_ context.Context, route string, msg proto.Message) error {
	pkt, err := g.srv.encodePush(route, msg)
	if err != nil {
		return err
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	for _, s := range g.members {
		if s.pushable() == nil {
			_ = s.write(pkt)
		}
	}
	return nil
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
