package chatserver

import (
	"maps"
	"slices"
)

// The directory maps room names to the open rooms. It is the only state
// shared between rooms, guarded by Handler.mu; a room's own state lives
// on its goroutine.

// open returns the room called name, creating it if needed.
func (h *Handler) open(name string) (*chatRoom, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errUnavailable
	}
	r := h.rooms[name]
	if r == nil {
		r = newChatRoom(h, name)
		h.rooms[name] = r
	}
	return r, nil
}

// lookup returns the room called name, or nil.
func (h *Handler) lookup(name string) *chatRoom {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rooms[name]
}

// forget removes r from the directory, unless another room replaced it.
func (h *Handler) forget(r *chatRoom) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rooms[r.name] == r {
		delete(h.rooms, r.name)
	}
}

// directory returns the open rooms.
func (h *Handler) directory() []*chatRoom {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Collect(maps.Values(h.rooms))
}
