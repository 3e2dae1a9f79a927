// Package roomserver implements the cluster example's RoomService, the
// backend of the cluster: players reach it through a connector, which
// forwards their requests here with a snapshot of their session.
//
// The sessions its handlers receive are backend views of the connector's
// sessions: Push, Bind and data changes travel back to the connector. Join
// pins the player to this room server (gamesrv.ServerKey("room")), so the
// connector forwards the player's later requests here; each room is a
// server group, so a line is encoded once and sent in one message to the
// connector, which writes it to every member it holds.
package roomserver

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	roomv1 "github.com/gamesrv/gamesrv/examples/cluster/gen/room/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// Application error codes.
const (
	// CodeBadRoom answers a Join with an empty or too long room name.
	CodeBadRoom gamesrv.Code = "ROOM-BAD-ROOM"
	// CodeNotLoggedIn answers a Join from a session that has no uid yet:
	// players log in on the connector first.
	CodeNotLoggedIn gamesrv.Code = "ROOM-NOT-LOGGED-IN"
	// CodeNotInRoom answers Say and Leave from a player who is in no room
	// of this server.
	CodeNotInRoom gamesrv.Code = "ROOM-NOT-IN-ROOM"
)

const maxRoomLen = 32

// pin is the session key that makes the connector forward a player's room
// requests to the room server that holds the player.
var pin = gamesrv.ServerKey(roomv1.RoomServiceServerType)

// playerKey identifies a session across the cluster: the connector that
// holds it and its id there.
type playerKey struct {
	frontend string
	id       int64
}

func keyOf(s gamesrv.Session) playerKey { return playerKey{frontend: s.FrontendID(), id: s.ID()} }

// player is a session that joined a room of this server, until it closes.
type player struct {
	uid  string
	room string // "" after Leave
}

// Handler implements roomv1.RoomServiceHandler.
type Handler struct {
	roomv1.UnimplementedRoomServiceHandler

	srv  *server.Server
	push roomv1.RoomServicePusher
	log  *slog.Logger

	mu      sync.Mutex
	players map[playerKey]*player           // sessions seen by Join, until they close
	rooms   map[string]map[playerKey]string // room -> players -> uid
}

var _ roomv1.RoomServiceHandler = (*Handler)(nil)

// Register creates the handler and registers it on srv. A nil logger
// means the server's.
func Register(srv *server.Server, log *slog.Logger) (*Handler, error) {
	if log == nil {
		log = srv.Logger()
	}
	h := &Handler{
		srv: srv, push: roomv1.NewRoomServicePusher(srv), log: log,
		players: map[playerKey]*player{}, rooms: map[string]map[playerKey]string{},
	}
	return h, roomv1.RegisterRoomServiceHandler(srv, h)
}

// Join enters a room of this server, leaving the player's previous room
// here, and pins the player to this server.
func (h *Handler) Join(_ context.Context, s gamesrv.Session, req *roomv1.JoinRequest) (*roomv1.JoinResponse, error) {
	room := strings.TrimSpace(req.GetRoom())
	if room == "" || utf8.RuneCountInString(room) > maxRoomLen {
		return nil, gamesrv.Errorf(CodeBadRoom, "room must be 1 to %d characters", maxRoomLen)
	}
	if s.UID() == "" {
		return nil, gamesrv.NewError(CodeNotLoggedIn, "log in on the connector first")
	}
	members, first, err := h.enter(s, room)
	if err != nil {
		return nil, err
	}
	if first {
		s.OnClose(h.closed)
	}
	pin.Set(s, h.srv.ID())
	h.log.Debug("player joined", "uid", s.UID(), "room", room, "frontend", s.FrontendID())
	return &roomv1.JoinResponse{ServerId: h.srv.ID(), Members: members}, nil
}

// Say pushes a line to the caller's room.
func (h *Handler) Say(ctx context.Context, s gamesrv.Session, req *roomv1.SayRequest) error {
	room, ok := h.roomOf(s)
	if !ok {
		return gamesrv.NewError(CodeNotInRoom, "join a room first")
	}
	return h.push.OnMessage(ctx, gamesrv.ToGroup(room), &roomv1.RoomMessage{
		Room: room, From: s.UID(), Text: req.GetText(), ServerId: h.srv.ID(),
	})
}

// Ping answers with this server's id.
func (h *Handler) Ping(context.Context, gamesrv.Session, *roomv1.PingRequest) (*roomv1.PingResponse, error) {
	return &roomv1.PingResponse{ServerId: h.srv.ID()}, nil
}

// Leave leaves the caller's room and unpins the player.
func (h *Handler) Leave(_ context.Context, s gamesrv.Session, _ *roomv1.LeaveRequest) (*roomv1.LeaveResponse, error) {
	if !h.leave(keyOf(s), s) {
		return nil, gamesrv.NewError(CodeNotInRoom, "not in a room")
	}
	pin.Delete(s)
	return &roomv1.LeaveResponse{}, nil
}

// Stats counts this server's players in a room and its rooms
// (server-to-server only).
func (h *Handler) Stats(context.Context, *roomv1.StatsRequest) (*roomv1.StatsResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	players := 0
	for _, m := range h.rooms {
		players += len(m)
	}
	return &roomv1.StatsResponse{ServerId: h.srv.ID(), Players: int32(players), Rooms: int32(len(h.rooms))}, nil
}

// closed runs when the connector reports the session closed (or leaves the
// cluster): the player leaves its room and is forgotten.
func (h *Handler) closed(s gamesrv.Session) {
	k := keyOf(s)
	h.mu.Lock()
	defer h.mu.Unlock()
	if p := h.players[k]; p != nil && p.room != "" {
		h.removeLocked(k, s, p.room)
	}
	delete(h.players, k)
}

// roomOf returns the room the session is in on this server.
func (h *Handler) roomOf(s gamesrv.Session) (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.players[keyOf(s)]
	if p == nil || p.room == "" {
		return "", false
	}
	return p.room, true
}

// enter moves the session into room and returns the room's members. first
// is true when the session is new to this server (its close hook is not
// installed yet). Rooms and groups change together under mu, so a room
// emptied and deleted concurrently cannot leave a new member in a deleted
// group.
func (h *Handler) enter(s gamesrv.Session, room string) (members []string, first bool, err error) {
	k := keyOf(s)
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.players[k]
	if p != nil && p.room != "" && p.room != room {
		h.removeLocked(k, s, p.room)
	}
	if err := h.srv.Group(room).Add(s); err != nil {
		return nil, false, err
	}
	first = p == nil
	if first {
		p = &player{}
		h.players[k] = p
	}
	p.uid, p.room = s.UID(), room
	m := h.rooms[room]
	if m == nil {
		m = map[playerKey]string{}
		h.rooms[room] = m
	}
	m[k] = p.uid
	return uids(m), first, nil
}

// leave takes the session out of its room; false if it was in none.
func (h *Handler) leave(k playerKey, s gamesrv.Session) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.players[k]
	if p == nil || p.room == "" {
		return false
	}
	h.removeLocked(k, s, p.room)
	p.room = ""
	return true
}

// removeLocked takes the session out of a room and its group, deleting
// both when the room becomes empty. h.mu must be held.
func (h *Handler) removeLocked(k playerKey, s gamesrv.Session, room string) {
	h.srv.Group(room).Remove(s)
	m := h.rooms[room]
	delete(m, k)
	if len(m) == 0 {
		delete(h.rooms, room)
		h.srv.DeleteGroup(room)
	}
}

// uids returns the sorted uids of a room's players.
func uids(m map[playerKey]string) []string {
	out := make([]string, 0, len(m))
	for _, uid := range m {
		out = append(out, uid)
	}
	slices.Sort(out)
	return out
}
