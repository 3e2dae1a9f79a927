// Package chatserver implements the chat example's RoomService: players
// join rooms, say lines that every member receives, and see members come
// and go.
//
// Each chat room is a [room.Room]: its members, its recent lines and its
// idle timer belong to the room's goroutine, so they need no lock. Join,
// Leave and Members hand their work to the room with [room.Call] and reply
// with what it computed; Say submits the line and returns (it is a
// notify). The room pushes through a server group, so a line is encoded
// once and the same bytes are written to every member. A room left empty
// closes itself after [Options.IdleTimeout] unless someone joins first;
// the others close at the end of the server's Shutdown.
package chatserver

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/room"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// Application error codes.
const (
	CodeBadName      gamesrv.Code = "CHAT-BAD-NAME"
	CodeBadRoom      gamesrv.Code = "CHAT-BAD-ROOM"
	CodeNotInRoom    gamesrv.Code = "CHAT-NOT-IN-ROOM"
	CodeTooManyRooms gamesrv.Code = "CHAT-TOO-MANY-ROOMS"
)

// maxNameLen is the longest player or room name, in characters.
const maxNameLen = 32

// roomKey stores the session's current room in its session data.
var roomKey = gamesrv.StringKey("room")

// Options configures the chat service. The zero value gives the defaults
// written on each field.
type Options struct {
	// History is the number of recent lines each room keeps. A player who
	// joins gets them as OnMessage pushes, oldest first, before the
	// OnMembers push of their arrival. Default 0: no history, so a client
	// receives exactly the lines said while it is in the room (the bots
	// of examples/chat/chatbot count on that).
	History int

	// IdleTimeout is how long a room without members lives on, keeping
	// its history, before it closes itself; a join cancels it. Default
	// 30 s.
	IdleTimeout time.Duration

	// RoomQueueSize bounds the work waiting on each room: a player's Say
	// or Join waits (holding only that player's requests) while the queue
	// is full. Default 1024.
	RoomQueueSize int

	// MaxRooms is the number of rooms open at once, each with its
	// goroutine, idle ones included. A join that would open one more
	// closes an idle room (one without members) instead; when every room
	// has members it fails with CHAT-TOO-MANY-ROOMS. A player is in one
	// room at a time, so a client cannot hold more rooms than it holds
	// sessions. Default 1,000.
	MaxRooms int
}

const defaultMaxRooms = 1000

func (o Options) withDefaults() Options {
	if o.History < 0 {
		o.History = 0
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 30 * time.Second
	}
	if o.MaxRooms <= 0 {
		o.MaxRooms = defaultMaxRooms
	}
	return o
}

// Handler implements chatv1.RoomServiceHandler.
type Handler struct {
	srv  *server.Server
	push chatv1.RoomServicePusher
	opts Options
	log  *slog.Logger
	ctx  context.Context // of the rooms' pushes; cancelled by Close
	stop context.CancelFunc

	mu     sync.Mutex // guards the directory below, never a room's state
	rooms  map[string]*chatRoom
	closed bool
}

var _ chatv1.RoomServiceHandler = (*Handler)(nil)

// errUnavailable answers requests once the handler is closed.
var errUnavailable = gamesrv.NewError(gamesrv.CodeUnavailable, "the chat service is shutting down")

// Register creates the handler with the default [Options] and registers it
// on srv.
func Register(srv *server.Server) (*Handler, error) {
	return RegisterWithOptions(srv, Options{})
}

// RegisterWithOptions creates the handler and registers it on srv, with a
// component that closes the rooms at the end of the server's Shutdown.
func RegisterWithOptions(srv *server.Server, opts Options) (*Handler, error) {
	ctx, stop := context.WithCancel(context.Background())
	h := &Handler{srv: srv, push: chatv1.NewRoomServicePusher(srv), opts: opts.withDefaults(),
		log: srv.Logger(), ctx: ctx, stop: stop, rooms: map[string]*chatRoom{}}
	err := chatv1.RegisterRoomServiceHandler(srv, h)
	if err == nil {
		err = srv.RegisterComponent("chat rooms", lifecycle{h: h})
	}
	if err != nil {
		stop()
		return nil, err
	}
	return h, nil
}

// lifecycle closes the handler's rooms when the server shuts down.
type lifecycle struct {
	server.BaseComponent
	h *Handler
}

// Shutdown runs after the last session is gone: it closes the rooms.
func (c lifecycle) Shutdown(ctx context.Context) error { return c.h.Close(ctx) }

// Join enters a room, leaving the previous one. The player's name becomes
// the session's uid: a second login with the same name kicks the first.
func (h *Handler) Join(ctx context.Context, s gamesrv.Session, req *chatv1.JoinRequest) (*chatv1.JoinResponse, error) {
	name, roomName := strings.TrimSpace(req.GetName()), strings.TrimSpace(req.GetRoom())
	if err := checkName(CodeBadName, "name", name); err != nil {
		return nil, err
	}
	if err := checkRoomName(roomName); err != nil {
		return nil, err
	}
	if err := s.Bind(ctx, name); err != nil {
		return nil, err
	}
	if old, ok := roomKey.Get(s); ok && old != roomName {
		h.leave(ctx, s, old)
	} else if !ok {
		s.OnClose(func(s gamesrv.Session) { h.leaveCurrent(context.Background(), s) })
	}
	roomKey.Set(s, roomName) // before entering: a close from now on leaves the room
	members, err := h.enter(ctx, s, roomName, name)
	if err != nil {
		roomKey.Delete(s)
		return nil, err
	}
	return &chatv1.JoinResponse{Members: members}, nil
}

func checkName(code gamesrv.Code, what, v string) error {
	if v == "" || utf8.RuneCountInString(v) > maxNameLen {
		return gamesrv.Errorf(code, "%s must be 1 to %d characters", what, maxNameLen)
	}
	return nil
}

// checkRoomName accepts 1 to maxNameLen letters, digits, spaces, '-', '_'
// and '.': a room name is also a server group's name and is shown to every
// member.
func checkRoomName(v string) error {
	ok := v != "" && utf8.RuneCountInString(v) <= maxNameLen
	for _, c := range v {
		ok = ok && (unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune(" -_.", c))
	}
	if !ok {
		return gamesrv.Errorf(CodeBadRoom, "a room name is 1 to %d letters, digits, spaces, '-', '_' or '.'", maxNameLen)
	}
	return nil
}

// Say hands a line to the caller's room, which pushes it to every member.
func (h *Handler) Say(ctx context.Context, s gamesrv.Session, req *chatv1.SayRequest) error {
	r, err := h.current(s)
	if err != nil {
		return err
	}
	id, text, at := s.ID(), req.GetText(), time.Now().UnixMilli()
	return roomErr(r.exec.Submit(ctx, func() { r.say(id, text, at) }))
}

// Members lists the caller's room.
func (h *Handler) Members(ctx context.Context, s gamesrv.Session, _ *chatv1.MembersRequest) (*chatv1.MembersResponse, error) {
	r, err := h.current(s)
	if err != nil {
		return nil, err
	}
	members, err := room.Call(ctx, r.exec, r.names)
	if err != nil {
		return nil, roomErr(err)
	}
	return &chatv1.MembersResponse{Room: r.name, Members: members}, nil
}

// Leave leaves the caller's room.
func (h *Handler) Leave(ctx context.Context, s gamesrv.Session, _ *chatv1.LeaveRequest) (*chatv1.LeaveResponse, error) {
	if !h.leaveCurrent(ctx, s) {
		return nil, gamesrv.NewError(CodeNotInRoom, "not in a room")
	}
	return &chatv1.LeaveResponse{}, nil
}

// RoomStats counts the members of every open room, idle ones (0 members)
// included (server-to-server only).
func (h *Handler) RoomStats(ctx context.Context, _ *chatv1.RoomStatsRequest) (*chatv1.RoomStatsResponse, error) {
	out := &chatv1.RoomStatsResponse{Members: map[string]int32{}}
	for _, r := range h.directory() {
		n, err := room.Call(ctx, r.exec, r.count)
		switch {
		case errors.Is(err, room.ErrClosed) || errors.Is(err, errRoomGone):
			continue // closed since the directory was read
		case err != nil:
			return nil, err
		}
		out.Members[r.name] = int32(n)
	}
	return out, nil
}

// Close closes every room, after running the work already queued on them,
// or until ctx ends. Requests after Close are answered GS-503. The
// server's Shutdown calls it (the handler is a component of the server);
// calling it again does nothing.
func (h *Handler) Close(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	rooms := h.rooms
	h.rooms = map[string]*chatRoom{}
	h.mu.Unlock()
	for _, r := range rooms { // stop them all, then wait: they drain in parallel
		r.exec.Stop()
	}
	var errs []error
	for _, r := range rooms {
		errs = append(errs, r.exec.Close(ctx))
		h.srv.DeleteGroup(r.name)
	}
	h.stop()
	return errors.Join(errs...)
}

// enter adds s to the room called roomName, opening it if needed, and
// returns its members. A room that closed (idle, or reclaimed for another
// room) just before is replaced by a new one.
func (h *Handler) enter(ctx context.Context, s gamesrv.Session, roomName, name string) ([]string, error) {
	for {
		r, err := h.open(roomName)
		if err != nil {
			return nil, err
		}
		members, err := room.Call(ctx, r.exec, func() ([]string, error) { return r.join(s, name) })
		if !errors.Is(err, errRoomGone) && !(errors.Is(err, room.ErrClosed) && h.serving()) {
			return members, roomErr(err)
		}
	}
}

// leaveCurrent leaves the session's room, if any; it also runs when the
// session closes.
func (h *Handler) leaveCurrent(ctx context.Context, s gamesrv.Session) bool {
	roomName, ok := roomKey.Get(s)
	if ok {
		roomKey.Delete(s)
		h.leave(ctx, s, roomName)
	}
	return ok
}

// leave removes s from the room called roomName and waits until it is
// done, so the caller's next request sees the change.
func (h *Handler) leave(ctx context.Context, s gamesrv.Session, roomName string) {
	if r := h.lookup(roomName); r != nil {
		_, _ = room.Call(ctx, r.exec, func() (struct{}, error) { r.leave(s); return struct{}{}, nil })
	}
}

// current returns the caller's room.
func (h *Handler) current(s gamesrv.Session) (*chatRoom, error) {
	roomName, ok := roomKey.Get(s)
	if !ok {
		return nil, gamesrv.NewError(CodeNotInRoom, "join a room first")
	}
	r := h.lookup(roomName)
	if r == nil {
		return nil, roomErr(room.ErrClosed)
	}
	return r, nil
}

// roomErr turns a closed room (the handler is closing) into GS-503.
func roomErr(err error) error {
	if errors.Is(err, room.ErrClosed) {
		return errUnavailable
	}
	return err
}
