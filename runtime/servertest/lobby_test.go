package servertest_test

import (
	"context"
	"slices"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// lobby is the handler under test in this package's tests and examples:
// Join binds the player's name and adds the session to the room's group,
// Say pushes a line to the caller's room, Members lists it.
type lobby struct {
	chatv1.UnimplementedRoomServiceHandler
	srv  *server.Server
	push chatv1.RoomServicePusher
}

// roomKey holds the session's room.
var roomKey = gamesrv.StringKey("room")

// registerLobby registers a lobby on srv (the register function of
// servertest.New).
func registerLobby(srv *server.Server) error {
	return chatv1.RegisterRoomServiceHandler(srv, &lobby{srv: srv, push: chatv1.NewRoomServicePusher(srv)})
}

func (l *lobby) Join(ctx context.Context, s gamesrv.Session, req *chatv1.JoinRequest) (*chatv1.JoinResponse, error) {
	if req.GetName() == "" || req.GetRoom() == "" {
		return nil, gamesrv.NewError("CHAT-BAD-NAME", "a name and a room are required")
	}
	if err := s.Bind(ctx, req.GetName()); err != nil {
		return nil, err
	}
	roomKey.Set(s, req.GetRoom())
	if err := l.srv.Group(req.GetRoom()).Add(s); err != nil {
		return nil, err
	}
	return &chatv1.JoinResponse{Members: l.members(req.GetRoom())}, nil
}

func (l *lobby) Say(ctx context.Context, s gamesrv.Session, req *chatv1.SayRequest) error {
	room, ok := roomKey.Get(s)
	if !ok {
		return gamesrv.NewError("CHAT-NOT-IN-ROOM", "join a room first")
	}
	return l.push.OnMessage(ctx, gamesrv.ToGroup(room), &chatv1.ChatMessage{Room: room, From: s.UID(), Text: req.GetText()})
}

func (l *lobby) Members(_ context.Context, s gamesrv.Session, _ *chatv1.MembersRequest) (*chatv1.MembersResponse, error) {
	room, ok := roomKey.Get(s)
	if !ok {
		return nil, gamesrv.NewError("CHAT-NOT-IN-ROOM", "join a room first")
	}
	return &chatv1.MembersResponse{Room: room, Members: l.members(room)}, nil
}

// members returns the uids in the room's group, sorted.
func (l *lobby) members(room string) []string {
	var names []string
	for _, s := range l.srv.Group(room).Members() {
		names = append(names, s.UID())
	}
	slices.Sort(names)
	return names
}

// lines is a push handler that hands the lines it receives to a channel.
type lines struct {
	chatv1.UnimplementedRoomServicePushHandler
	ch chan *chatv1.ChatMessage
}

func newLines() *lines { return &lines{ch: make(chan *chatv1.ChatMessage, 16)} }

func (p *lines) OnMessage(_ context.Context, m *chatv1.ChatMessage) { p.ch <- m }
