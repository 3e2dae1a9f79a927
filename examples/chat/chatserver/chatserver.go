// Package chatserver implements the chat example's RoomService: players
// join rooms, say lines that every member receives, and see members come
// and go. Each room is a server group, so a line is encoded once and the
// same bytes are written to every member.
package chatserver

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// Application error codes.
const (
	CodeBadName   gamesrv.Code = "CHAT-BAD-NAME"
	CodeBadRoom   gamesrv.Code = "CHAT-BAD-ROOM"
	CodeNotInRoom gamesrv.Code = "CHAT-NOT-IN-ROOM"
)

const maxNameLen = 32

// roomKey stores the session's current room in its session data.
var roomKey = gamesrv.StringKey("room")

// Handler implements chatv1.RoomServiceHandler.
type Handler struct {
	srv  *server.Server
	push chatv1.RoomServicePusher

	mu    sync.Mutex
	rooms map[string]map[int64]string // room -> session id -> player name
}

var _ chatv1.RoomServiceHandler = (*Handler)(nil)

// Register creates the handler and registers it on srv.
func Register(srv *server.Server) (*Handler, error) {
	h := &Handler{srv: srv, push: chatv1.NewRoomServicePusher(srv), rooms: map[string]map[int64]string{}}
	return h, chatv1.RegisterRoomServiceHandler(srv, h)
}

// Join enters a room, leaving the previous one. The player's name becomes
// the session's uid: a second login with the same name kicks the first.
func (h *Handler) Join(ctx context.Context, s gamesrv.Session, req *chatv1.JoinRequest) (*chatv1.JoinResponse, error) {
	name, room := strings.TrimSpace(req.GetName()), strings.TrimSpace(req.GetRoom())
	if err := checkName(CodeBadName, "name", name); err != nil {
		return nil, err
	}
	if err := checkName(CodeBadRoom, "room", room); err != nil {
		return nil, err
	}
	if err := s.Bind(ctx, name); err != nil {
		return nil, err
	}
	if old, ok := roomKey.Get(s); ok && old != room {
		h.leave(ctx, s, old)
	} else if !ok {
		s.OnClose(func(s gamesrv.Session) { h.leaveCurrent(context.Background(), s) })
	}
	roomKey.Set(s, room)
	members, err := h.addMember(s, room, name)
	if err != nil {
		return nil, err
	}
	_ = h.push.OnMembers(ctx, gamesrv.ToGroup(room), &chatv1.MembersChanged{Room: room, Joined: name, Members: members})
	return &chatv1.JoinResponse{Members: members}, nil
}

func checkName(code gamesrv.Code, what, v string) error {
	if v == "" || utf8.RuneCountInString(v) > maxNameLen {
		return gamesrv.Errorf(code, "%s must be 1 to %d characters", what, maxNameLen)
	}
	return nil
}

// Say pushes a line to the caller's room.
func (h *Handler) Say(ctx context.Context, s gamesrv.Session, req *chatv1.SayRequest) error {
	room, ok := roomKey.Get(s)
	if !ok {
		return gamesrv.NewError(CodeNotInRoom, "join a room first")
	}
	return h.push.OnMessage(ctx, gamesrv.ToGroup(room), &chatv1.ChatMessage{
		Room: room, From: s.UID(), Text: req.GetText(), SentAtUnixMs: time.Now().UnixMilli(),
	})
}

// Members lists the caller's room.
func (h *Handler) Members(_ context.Context, s gamesrv.Session, _ *chatv1.MembersRequest) (*chatv1.MembersResponse, error) {
	room, ok := roomKey.Get(s)
	if !ok {
		return nil, gamesrv.NewError(CodeNotInRoom, "join a room first")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return &chatv1.MembersResponse{Room: room, Members: names(h.rooms[room])}, nil
}

// Leave leaves the caller's room.
func (h *Handler) Leave(ctx context.Context, s gamesrv.Session, _ *chatv1.LeaveRequest) (*chatv1.LeaveResponse, error) {
	if !h.leaveCurrent(ctx, s) {
		return nil, gamesrv.NewError(CodeNotInRoom, "not in a room")
	}
	return &chatv1.LeaveResponse{}, nil
}

// RoomStats counts the members of every room (server-to-server only).
func (h *Handler) RoomStats(context.Context, *chatv1.RoomStatsRequest) (*chatv1.RoomStatsResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := &chatv1.RoomStatsResponse{Members: make(map[string]int32, len(h.rooms))}
	for room, members := range h.rooms {
		out.Members[room] = int32(len(members))
	}
	return out, nil
}

// leaveCurrent leaves the session's room, if any; it also runs when the
// session closes.
func (h *Handler) leaveCurrent(ctx context.Context, s gamesrv.Session) bool {
	room, ok := roomKey.Get(s)
	if ok {
		roomKey.Delete(s)
		h.leave(ctx, s, room)
	}
	return ok
}

func (h *Handler) leave(ctx context.Context, s gamesrv.Session, room string) {
	name := s.UID()
	members := h.removeMember(s, room)
	if len(members) == 0 {
		return
	}
	_ = h.push.OnMembers(ctx, gamesrv.ToGroup(room), &chatv1.MembersChanged{Room: room, Left: name, Members: members})
}

// addMember adds s to the room's group and member list. Rooms and groups
// change together under mu, so a room emptied and deleted concurrently
// cannot leave a new member in a deleted group.
func (h *Handler) addMember(s gamesrv.Session, room, name string) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.srv.Group(room).Add(s); err != nil {
		return nil, err
	}
	m := h.rooms[room]
	if m == nil {
		m = map[int64]string{}
		h.rooms[room] = m
	}
	m[s.ID()] = name
	return names(m), nil
}

// removeMember removes s from the room, deleting the room and its group
// when it becomes empty, and returns the remaining members.
func (h *Handler) removeMember(s gamesrv.Session, room string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.srv.Group(room).Remove(s)
	m := h.rooms[room]
	delete(m, s.ID())
	if len(m) == 0 {
		delete(h.rooms, room)
		h.srv.DeleteGroup(room)
		return nil
	}
	return names(m)
}

// names returns the sorted player names of a room.
func names(m map[int64]string) []string {
	out := make([]string, 0, len(m))
	for _, name := range m {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
