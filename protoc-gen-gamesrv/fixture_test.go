//go:build !gamesrv_regen

// This file runs the committed fixture in testdata/gen through small fakes
// of the runtime. If a change to the generator or the runtime makes the
// fixture fail to compile, regenerate it with
// go test ./protoc-gen-gamesrv -tags gamesrv_regen -run TestFixturesUpToDate -update

package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	commonv1 "github.com/gamesrv/gamesrv/protoc-gen-gamesrv/testdata/gen/common/v1"
	gamev1 "github.com/gamesrv/gamesrv/protoc-gen-gamesrv/testdata/gen/game/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
)

// roomHandler implements gamev1.RoomServiceHandler, except Leave.
type roomHandler struct {
	gamev1.UnimplementedRoomServiceHandler
	server string // id of the fake server it runs on

	mu      sync.Mutex
	members []*commonv1.Player
	said    []string
	resets  []string
}

func (h *roomHandler) Join(_ context.Context, s gamesrv.Session, req *gamev1.JoinRequest) (*gamev1.JoinResponse, error) {
	if req.GetRoom() == "full" {
		return nil, gamesrv.NewError("ROOM-FULL", "the room is full")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.members = append(h.members, &commonv1.Player{Id: s.UID(), Name: req.GetPlayer().GetName()})
	return &gamev1.JoinResponse{Members: h.members}, nil
}

func (h *roomHandler) Say(_ context.Context, s gamesrv.Session, req *gamev1.SayRequest) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.said = append(h.said, s.UID()+": "+req.GetText())
	return nil
}

func (h *roomHandler) CountPlayers(context.Context, *gamev1.CountPlayersRequest) (*gamev1.CountPlayersResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.server == "room-down" {
		return nil, gamesrv.NewError(gamesrv.CodeUnavailable, "down")
	}
	return &gamev1.CountPlayersResponse{Count: int32(len(h.members))}, nil
}

func (h *roomHandler) ResetRoom(_ context.Context, req *gamev1.ResetRoomRequest) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.resets = append(h.resets, req.GetRoom())
	h.members = nil
	return nil
}

// fakeSession is the session of one player; only ID and UID work.
type fakeSession struct {
	gamesrv.Session
	id  int64
	uid string
}

func (s *fakeSession) ID() int64   { return s.id }
func (s *fakeSession) UID() string { return s.uid }

// fakeServer records registered services and dispatches to their route
// tables, as the server runtime does.
type fakeServer struct {
	id       string
	handlers map[string]any // route → handler
	routes   map[string]*gamesrv.Route
}

func newFakeServer(id string) *fakeServer {
	return &fakeServer{id: id, handlers: make(map[string]any), routes: make(map[string]*gamesrv.Route)}
}

func (s *fakeServer) RegisterService(desc *gamesrv.ServiceDesc, handler any) error {
	for i := range desc.Routes {
		r := &desc.Routes[i]
		if r.Kind == gamesrv.KindPush {
			continue
		}
		if _, dup := s.routes[r.Name]; dup {
			return fmt.Errorf("route %s registered twice", r.Name)
		}
		s.routes[r.Name], s.handlers[r.Name] = r, handler
	}
	return nil
}

// dispatch decodes payload for route, calls its handler and encodes the
// response, like a server receiving a message on the wire.
func (s *fakeServer) dispatch(ctx context.Context, sess gamesrv.Session, route string, kind gamesrv.RouteKind, internal bool, payload []byte) ([]byte, error) {
	r, ok := s.routes[route]
	if !ok || r.Kind != kind || r.Internal != internal {
		return nil, gamesrv.Errorf(gamesrv.CodeNotFound, "no %v route %s", kind, route)
	}
	req := r.NewRequest()
	if err := proto.Unmarshal(payload, req); err != nil {
		return nil, gamesrv.WrapError(gamesrv.CodeBadRequest, err)
	}
	resp, err := r.Handle(ctx, s.handlers[route], sess, req)
	if err != nil || resp == nil {
		return nil, err
	}
	return proto.Marshal(resp)
}

// fakeClientConn is a game client connected to a fakeServer.
type fakeClientConn struct {
	server  *fakeServer
	session gamesrv.Session
}

func (c *fakeClientConn) Request(ctx context.Context, route string, req, resp proto.Message) error {
	return roundTrip(req, resp, func(payload []byte) ([]byte, error) {
		return c.server.dispatch(ctx, c.session, route, gamesrv.KindRequest, false, payload)
	})
}

func (c *fakeClientConn) Notify(ctx context.Context, route string, req proto.Message) error {
	return roundTrip(req, nil, func(payload []byte) ([]byte, error) {
		return c.server.dispatch(ctx, c.session, route, gamesrv.KindNotify, false, payload)
	})
}

// roundTrip encodes req, calls send and decodes its answer into resp.
func roundTrip(req, resp proto.Message, send func([]byte) ([]byte, error)) error {
	payload, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	out, err := send(payload)
	if err != nil || resp == nil {
		return err
	}
	return proto.Unmarshal(out, resp)
}

// fakeRemoteConn calls the internal routes of a set of fakeServers.
type fakeRemoteConn struct {
	servers []*fakeServer
}

// pick returns the server the options designate, or the first one.
func (c *fakeRemoteConn) pick(opts []gamesrv.CallOption) (*fakeServer, error) {
	id := gamesrv.NewCallOptions(opts...).ServerID
	for _, s := range c.servers {
		if id == "" || s.id == id {
			return s, nil
		}
	}
	return nil, gamesrv.Errorf(gamesrv.CodeUnavailable, "no server %q", id)
}

func (c *fakeRemoteConn) Call(ctx context.Context, route string, req, resp proto.Message, opts ...gamesrv.CallOption) error {
	s, err := c.pick(opts)
	if err != nil {
		return err
	}
	return roundTrip(req, resp, func(payload []byte) ([]byte, error) {
		return s.dispatch(ctx, nil, route, gamesrv.KindRequest, true, payload)
	})
}

func (c *fakeRemoteConn) Notify(ctx context.Context, route string, req proto.Message, opts ...gamesrv.CallOption) error {
	s, err := c.pick(opts)
	if err != nil {
		return err
	}
	return roundTrip(req, nil, func(payload []byte) ([]byte, error) {
		return s.dispatch(ctx, nil, route, gamesrv.KindNotify, true, payload)
	})
}

func (c *fakeRemoteConn) Broadcast(ctx context.Context, route string, req proto.Message, newResp func() proto.Message, _ ...gamesrv.CallOption) []gamesrv.Result {
	results := make([]gamesrv.Result, len(c.servers))
	for i, s := range c.servers {
		resp := newResp()
		err := roundTrip(req, resp, func(payload []byte) ([]byte, error) {
			return s.dispatch(ctx, nil, route, gamesrv.KindRequest, true, payload)
		})
		results[i] = gamesrv.Result{ServerID: s.id, Response: resp, Err: err}
		if err != nil {
			results[i].Response = nil
		}
	}
	return results
}

// push is one message sent through fakePusher.
type push struct {
	to      gamesrv.PushTarget
	route   string
	payload []byte
}

// fakePusher records pushes, encoded as they would go on the wire.
type fakePusher struct{ pushes []push }

func (p *fakePusher) Push(_ context.Context, to gamesrv.PushTarget, route string, msg proto.Message) error {
	b, err := proto.Marshal(msg)
	p.pushes = append(p.pushes, push{to: to, route: route, payload: b})
	return err
}

// fakePushClient is the push side of a game client: it delivers pushes
// to registered push handlers.
type fakePushClient struct {
	handlers map[string]any
	routes   map[string]*gamesrv.Route
}

func (c *fakePushClient) RegisterPushHandler(desc *gamesrv.ServiceDesc, handler any) error {
	if c.routes == nil {
		c.handlers, c.routes = make(map[string]any), make(map[string]*gamesrv.Route)
	}
	for i := range desc.Routes {
		if r := &desc.Routes[i]; r.Kind == gamesrv.KindPush {
			c.routes[r.Name], c.handlers[r.Name] = r, handler
		}
	}
	return nil
}

// deliver decodes a push received on the wire and calls its handler.
func (c *fakePushClient) deliver(ctx context.Context, p push) error {
	r, ok := c.routes[p.route]
	if !ok {
		return fmt.Errorf("no push handler for %q", p.route)
	}
	msg := r.NewRequest()
	if err := proto.Unmarshal(p.payload, msg); err != nil {
		return err
	}
	r.HandlePush(ctx, c.handlers[p.route], msg)
	return nil
}

// roomPushHandler records the pushes it receives.
type roomPushHandler struct {
	gamev1.UnimplementedRoomServicePushHandler
	messages []string
}

func (h *roomPushHandler) OnMessage(_ context.Context, msg *gamev1.ChatMessage) {
	h.messages = append(h.messages, msg.GetFrom()+": "+msg.GetText())
}

func TestFixtureRouteTable(t *testing.T) {
	desc := &gamev1.RoomService_ServiceDesc
	if desc.Name != "game.v1.RoomService" || gamev1.RoomServiceName != "game.v1.RoomService" {
		t.Errorf("Name = %q, RoomServiceName = %q", desc.Name, gamev1.RoomServiceName)
	}
	if desc.ServerType != "room" || gamev1.RoomServiceServerType != "room" {
		t.Errorf("ServerType = %q, RoomServiceServerType = %q", desc.ServerType, gamev1.RoomServiceServerType)
	}
	type route struct {
		name, method     string
		kind             gamesrv.RouteKind
		internal, deprec bool
		handle, push     bool
	}
	want := []route{
		{"room.roomservice.join", "Join", gamesrv.KindRequest, false, false, true, false},
		{"room.roomservice.say", "Say", gamesrv.KindNotify, false, false, true, false},
		{"room.roomservice.leave", "Leave", gamesrv.KindRequest, false, true, true, false},
		{"onMessage", "OnMessage", gamesrv.KindPush, false, false, false, true},
		{"room.roomservice.onplayerjoined", "OnPlayerJoined", gamesrv.KindPush, false, false, false, true},
		{"room.roomservice.countplayers", "CountPlayers", gamesrv.KindRequest, true, false, true, false},
		{"room.roomservice.resetroom", "ResetRoom", gamesrv.KindNotify, true, false, true, false},
	}
	var got []route
	for _, r := range desc.Routes {
		got = append(got, route{r.Name, r.Method, r.Kind, r.Internal, r.Deprecated, r.Handle != nil, r.HandlePush != nil})
		if r.NewRequest == nil || r.NewRequest() == nil {
			t.Errorf("%s: no NewRequest", r.Name)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("routes:\n got %+v\nwant %+v", got, want)
	}
	if gamev1.RoomServiceOnMessageRoute != "onMessage" || gamev1.RoomServiceJoinRoute != "room.roomservice.join" {
		t.Error("route constants do not match the route table")
	}
}

func TestFixtureClient(t *testing.T) {
	ctx := context.Background()
	server, h := newFakeServer("room-1"), &roomHandler{server: "room-1"}
	if err := gamev1.RegisterRoomServiceHandler(server, h); err != nil {
		t.Fatal(err)
	}
	client := gamev1.NewRoomServiceClient(&fakeClientConn{server: server, session: &fakeSession{id: 7, uid: "u7"}})

	resp, err := client.Join(ctx, &gamev1.JoinRequest{Room: "lobby", Player: &commonv1.Player{Name: "Ann"}})
	if err != nil {
		t.Fatalf("Join: %v", err)
	}
	if len(resp.GetMembers()) != 1 || resp.GetMembers()[0].GetId() != "u7" || resp.GetMembers()[0].GetName() != "Ann" {
		t.Errorf("Join response = %v", resp)
	}
	if _, err := client.Join(ctx, &gamev1.JoinRequest{Room: "full"}); gamesrv.CodeOf(err) != "ROOM-FULL" {
		t.Errorf("Join full room: err = %v, want code ROOM-FULL", err)
	}
	if err := client.Say(ctx, &gamev1.SayRequest{Text: "hi"}); err != nil {
		t.Fatalf("Say: %v", err)
	}
	if !slices.Equal(h.said, []string{"u7: hi"}) {
		t.Errorf("handler heard %q", h.said)
	}
	//lint:ignore SA1019 Leave is deprecated in the fixture; calling it checks the unimplemented default.
	_, err = client.Leave(ctx, &gamev1.LeaveRequest{})
	if gamesrv.CodeOf(err) != gamesrv.CodeNotFound {
		t.Errorf("Leave (unimplemented): err = %v, want code %s", err, gamesrv.CodeNotFound)
	}
	if err == nil || err.Error() != "GS-404: room.roomservice.leave is not implemented" {
		t.Errorf("Leave error = %q", err)
	}
}

func TestFixtureUnimplementedHandler(t *testing.T) {
	var h gamev1.RoomServiceHandler = gamev1.UnimplementedRoomServiceHandler{}
	ctx := context.Background()
	if _, err := h.CountPlayers(ctx, &gamev1.CountPlayersRequest{}); gamesrv.CodeOf(err) != gamesrv.CodeNotFound {
		t.Errorf("CountPlayers: err = %v", err)
	}
	if err := h.ResetRoom(ctx, &gamev1.ResetRoomRequest{}); gamesrv.CodeOf(err) != gamesrv.CodeNotFound {
		t.Errorf("ResetRoom: err = %v", err)
	}
	if err := h.Say(ctx, nil, &gamev1.SayRequest{}); gamesrv.CodeOf(err) != gamesrv.CodeNotFound {
		t.Errorf("Say: err = %v", err)
	}
}

func TestFixtureRemote(t *testing.T) {
	ctx := context.Background()
	conn := &fakeRemoteConn{}
	handlers := map[string]*roomHandler{}
	for _, id := range []string{"room-1", "room-2", "room-down"} {
		s, h := newFakeServer(id), &roomHandler{server: id}
		if err := gamev1.RegisterRoomServiceHandler(s, h); err != nil {
			t.Fatal(err)
		}
		conn.servers, handlers[id] = append(conn.servers, s), h
	}
	handlers["room-2"].members = []*commonv1.Player{{Id: "a"}, {Id: "b"}}
	remote := gamev1.NewRoomServiceRemote(conn)

	resp, err := remote.CountPlayers(ctx, &gamev1.CountPlayersRequest{Room: "r"}, gamesrv.ToServer("room-2"))
	if err != nil || resp.GetCount() != 2 {
		t.Errorf("CountPlayers on room-2 = %v, %v; want 2", resp, err)
	}
	resp, err = remote.CountPlayers(ctx, &gamev1.CountPlayersRequest{})
	if err != nil || resp.GetCount() != 0 {
		t.Errorf("CountPlayers on room-1 = %v, %v; want 0", resp, err)
	}
	_, err = remote.CountPlayers(ctx, &gamev1.CountPlayersRequest{}, gamesrv.ToServer("nowhere"))
	if gamesrv.CodeOf(err) != gamesrv.CodeUnavailable {
		t.Errorf("CountPlayers to an unknown server: err = %v", err)
	}

	replies := remote.BroadcastCountPlayers(ctx, &gamev1.CountPlayersRequest{})
	var got []string
	for _, r := range replies {
		got = append(got, fmt.Sprintf("%s=%d/%s", r.ServerID, r.Response.GetCount(), gamesrv.CodeOf(r.Err)))
	}
	if want := []string{"room-1=0/", "room-2=2/", "room-down=0/GS-503"}; !slices.Equal(got, want) {
		t.Errorf("BroadcastCountPlayers = %q, want %q", got, want)
	}
	if replies[2].Response != nil {
		t.Errorf("failed reply has response %v", replies[2].Response)
	}

	if err := remote.ResetRoom(ctx, &gamev1.ResetRoomRequest{Room: "r"}, gamesrv.ToServer("room-2")); err != nil {
		t.Fatalf("ResetRoom: %v", err)
	}
	if !slices.Equal(handlers["room-2"].resets, []string{"r"}) || len(handlers["room-2"].members) != 0 {
		t.Errorf("room-2 after ResetRoom: resets %q, members %v", handlers["room-2"].resets, handlers["room-2"].members)
	}
}

func TestFixtureInternalRoutesAreNotClientRoutes(t *testing.T) {
	server := newFakeServer("room-1")
	if err := gamev1.RegisterRoomServiceHandler(server, &roomHandler{}); err != nil {
		t.Fatal(err)
	}
	conn := &fakeClientConn{server: server, session: &fakeSession{}}
	err := conn.Request(context.Background(), gamev1.RoomServiceCountPlayersRoute, &gamev1.CountPlayersRequest{}, new(gamev1.CountPlayersResponse))
	if gamesrv.CodeOf(err) != gamesrv.CodeNotFound {
		t.Errorf("client request on an internal route: err = %v", err)
	}
}

func TestFixturePush(t *testing.T) {
	ctx := context.Background()
	var pusher fakePusher
	p := gamev1.NewRoomServicePusher(&pusher)
	sess := &fakeSession{id: 1}
	if err := p.OnMessage(ctx, gamesrv.ToSession(sess), &gamev1.ChatMessage{From: "ann", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if err := p.OnPlayerJoined(ctx, gamesrv.ToGroup("room-r"), &commonv1.Player{Id: "u2"}); err != nil {
		t.Fatal(err)
	}
	if len(pusher.pushes) != 2 || pusher.pushes[0].route != "onMessage" || pusher.pushes[0].to.Session() != sess ||
		pusher.pushes[1].route != gamev1.RoomServiceOnPlayerJoinedRoute || pusher.pushes[1].to.Group() != "room-r" {
		t.Fatalf("pushes = %+v", pusher.pushes)
	}

	var client fakePushClient
	h := &roomPushHandler{}
	if err := gamev1.RegisterRoomServicePushHandler(&client, h); err != nil {
		t.Fatal(err)
	}
	for _, push := range pusher.pushes {
		if err := client.deliver(ctx, push); err != nil {
			t.Fatal(err)
		}
	}
	// OnPlayerJoined went to the embedded UnimplementedRoomServicePushHandler.
	if !slices.Equal(h.messages, []string{"ann: hi"}) {
		t.Errorf("push handler got %q", h.messages)
	}
}
