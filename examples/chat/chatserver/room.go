package chatserver

import (
	"errors"
	"slices"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/room"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// errRoomGone: the room closed for idleness; the join goes to a new room.
var errRoomGone = errors.New("chat room closed")

// chatRoom is one chat room. The fields after exec belong to exec's
// goroutine: only the room's tasks (the methods below, run through
// exec) read or write them.
type chatRoom struct {
	name  string
	h     *Handler
	group *server.Group
	exec  *room.Room

	members map[int64]member      // by session id
	history []*chatv1.ChatMessage // the last Options.History lines, oldest first
	idle    *room.Timer           // runs while the room has no members
	gone    bool                  // closed for idleness

	// Guarded by the directory's lock (Handler.mu), not by the goroutine.
	empty   bool // no members: the directory may retire the room
	retired bool // out of the directory: joins go to a new room
}

// member is a player in the room.
type member struct {
	name string
	s    gamesrv.Session
}

// newChatRoom opens a room with no members: its idle timer starts with it.
func newChatRoom(h *Handler, name string) *chatRoom {
	r := &chatRoom{name: name, h: h, group: h.srv.Group(name), members: map[int64]member{}}
	r.exec = room.New(room.Options{Name: "chat " + name, Logger: h.log, QueueSize: h.opts.RoomQueueSize})
	_ = r.exec.TrySubmit(r.startIdle) // the first task of an empty queue: cannot fail
	return r
}

// join adds the session to the room, replays the history to it, tells the
// members and returns them.
func (r *chatRoom) join(s gamesrv.Session, name string) ([]string, error) {
	if r.gone || !r.h.claim(r) {
		return nil, errRoomGone
	}
	if err := r.group.Add(s); err != nil { // the session closed meanwhile
		if len(r.members) == 0 {
			r.h.vacate(r)
		}
		return nil, err
	}
	r.replace(s.ID(), name)
	r.idle.Stop()
	r.idle = nil
	r.members[s.ID()] = member{name: name, s: s}
	members, _ := r.names()
	for _, msg := range r.history {
		_ = r.h.push.OnMessage(r.h.ctx, gamesrv.ToSession(s), msg)
	}
	_ = r.h.push.OnMembers(r.h.ctx, gamesrv.ToGroup(r.name), &chatv1.MembersChanged{Room: r.name, Joined: name, Members: members})
	return members, nil
}

// replace removes another session playing name: names are uids, so it is
// a session that a duplicate login kicked. Bind returns after its close
// hook (which leaves the room) has run, unless the wait was cut short (the
// Join then fails, and a retry lands here); the room does not rely on it.
func (r *chatRoom) replace(id int64, name string) {
	for other, m := range r.members {
		if other != id && m.name == name {
			delete(r.members, other)
			r.group.Remove(m.s)
		}
	}
}

// leave removes the session; the last one out starts the idle timer.
func (r *chatRoom) leave(s gamesrv.Session) {
	m, ok := r.members[s.ID()]
	if !ok {
		return // never joined, or replaced by a new login of its player
	}
	delete(r.members, s.ID())
	r.group.Remove(s)
	if len(r.members) == 0 {
		r.h.vacate(r)
		r.startIdle()
		return
	}
	members, _ := r.names()
	_ = r.h.push.OnMembers(r.h.ctx, gamesrv.ToGroup(r.name), &chatv1.MembersChanged{Room: r.name, Left: m.name, Members: members})
}

// say pushes a member's line to the room and keeps it in the history.
func (r *chatRoom) say(id int64, text string, atUnixMs int64) {
	from, ok := r.members[id]
	if !ok {
		return // left (or was kicked) after saying it
	}
	msg := &chatv1.ChatMessage{Room: r.name, From: from.name, Text: text, SentAtUnixMs: atUnixMs}
	_ = r.h.push.OnMessage(r.h.ctx, gamesrv.ToGroup(r.name), msg)
	r.remember(msg)
}

// remember appends msg to the history, dropping the oldest line when full.
func (r *chatRoom) remember(msg *chatv1.ChatMessage) {
	switch limit := r.h.opts.History; {
	case limit == 0:
	case len(r.history) < limit:
		r.history = append(r.history, msg)
	default:
		copy(r.history, r.history[1:])
		r.history[limit-1] = msg
	}
}

// startIdle sets the timer that closes the empty room.
func (r *chatRoom) startIdle() {
	r.idle, _ = r.exec.After(r.h.opts.IdleTimeout, r.expire) // fails only if the room is closing
}

// expire closes the room: its group and its directory entry go together,
// so a new room of the same name starts with a group of its own. Joins
// already queued here find the room gone and go to the new room.
func (r *chatRoom) expire() {
	r.gone = true
	r.h.retire(r)
	r.exec.Stop()
}

// names returns the sorted player names (a room.Call function).
func (r *chatRoom) names() ([]string, error) {
	out := make([]string, 0, len(r.members))
	for _, m := range r.members {
		out = append(out, m.name)
	}
	slices.Sort(out)
	return out, nil
}

// count returns the number of members (a room.Call function).
func (r *chatRoom) count() (int, error) {
	if r.gone {
		return 0, errRoomGone
	}
	return len(r.members), nil
}
