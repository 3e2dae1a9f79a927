package chatserver

import (
	"maps"
	"slices"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// The directory maps room names to the open rooms. It is the only state
// shared between rooms, guarded by Handler.mu; a room's own state lives
// on its goroutine, except the two flags below, which are the
// directory's.
//
// A room is reclaimable while it has no members (chatRoom.empty): the
// directory may then retire it to make room for another (Options.MaxRooms).
// A join claims its room under the same lock, so a room is never retired
// with a member, and a join never enters a retired room (it opens a new
// one).

// errTooManyRooms answers a join that would open a room beyond MaxRooms
// while every room has members.
func errTooManyRooms(max int) error {
	return gamesrv.Errorf(CodeTooManyRooms, "%d rooms are open, all of them with players: join one of them", max)
}

// open returns the room called name, creating it if needed, if need be in
// place of an empty room.
func (h *Handler) open(name string) (*chatRoom, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errUnavailable
	}
	if r := h.rooms[name]; r != nil {
		return r, nil
	}
	if len(h.rooms) >= h.opts.MaxRooms && !h.reclaimLocked() {
		return nil, errTooManyRooms(h.opts.MaxRooms)
	}
	r := newChatRoom(h, name) // not empty: its creator is about to join
	h.rooms[name] = r
	return r, nil
}

// reclaimLocked retires one empty room, if there is one. The caller holds
// h.mu.
func (h *Handler) reclaimLocked() bool {
	for _, r := range h.rooms {
		if r.empty {
			h.retireLocked(r)
			r.exec.Stop() // its idle timer goes with it
			return true
		}
	}
	return false
}

// retireLocked removes r from the directory (and its group from the
// server, before a new room of the same name can make one) and marks it
// retired. The caller holds h.mu.
func (h *Handler) retireLocked(r *chatRoom) {
	r.retired = true
	if h.rooms[r.name] == r {
		delete(h.rooms, r.name)
		h.srv.DeleteGroup(r.name)
	}
}

// retire is retireLocked for a room closing itself (idle).
func (h *Handler) retire(r *chatRoom) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.retireLocked(r)
}

// claim marks r as having a member, unless it was retired (the joiner
// must then open a new room). It runs on r's goroutine.
func (h *Handler) claim(r *chatRoom) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.retired {
		return false
	}
	r.empty = false
	return true
}

// vacate marks r as empty, so reclaimable. It runs on r's goroutine.
func (h *Handler) vacate(r *chatRoom) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r.empty = true
}

// serving reports whether the handler is not closed.
func (h *Handler) serving() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.closed
}

// lookup returns the room called name, or nil.
func (h *Handler) lookup(name string) *chatRoom {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rooms[name]
}

// directory returns the open rooms.
func (h *Handler) directory() []*chatRoom {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Collect(maps.Values(h.rooms))
}
