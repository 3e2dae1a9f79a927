package chatserver_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/examples/chat/chatserver"
	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/internal/testkit"
	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/servertest"
	"google.golang.org/protobuf/reflect/protodesc"
)

// startChat runs the chat server on TCP and KCP and returns both addresses:
// the tests of the transports and the Go client on real sockets.
func startChat(t *testing.T) map[string]string {
	t.Helper()
	srv, err := server.New(server.Options{Logger: testkit.Logger(t), Heartbeat: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chatserver.Register(srv); err != nil {
		t.Fatal(err)
	}
	tcpAddr, kcpAddr := testkit.Serve(t, srv)
	return map[string]string{"tcp": tcpAddr, "kcp": kcpAddr}
}

// startChatWith runs the chat server with opts in memory (the handler's
// tests: no port) and returns it with the handler, whose rooms close with
// the server when the test ends.
func startChatWith(t *testing.T, opts chatserver.Options) (*servertest.Server, *chatserver.Handler) {
	t.Helper()
	var h *chatserver.Handler
	ts := servertest.New(t, server.Options{Logger: testkit.Logger(t), Heartbeat: time.Second}, func(srv *server.Server) (err error) {
		h, err = chatserver.RegisterWithOptions(srv, opts)
		return err
	})
	return ts, h
}

// player is a connected client with its typed stub and the pushes it got.
type player struct {
	chatv1.UnimplementedRoomServicePushHandler
	c        *client.Client
	rooms    chatv1.RoomServiceClient
	messages chan *chatv1.ChatMessage
	members  chan *chatv1.MembersChanged
}

func (p *player) OnMessage(_ context.Context, m *chatv1.ChatMessage)    { p.messages <- m }
func (p *player) OnMembers(_ context.Context, m *chatv1.MembersChanged) { p.members <- m }

// connect connects a player to addr over a real socket.
func connect(t *testing.T, addr string) *player {
	t.Helper()
	c, err := client.Dial(context.Background(), addr, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return newPlayer(t, c)
}

// play connects a player to an in-memory server.
func play(t *testing.T, ts *servertest.Server) *player {
	t.Helper()
	return newPlayer(t, ts.Client(t, client.Options{Logger: testkit.Logger(t)}))
}

func newPlayer(t *testing.T, c *client.Client) *player {
	t.Helper()
	p := &player{c: c, rooms: chatv1.NewRoomServiceClient(c),
		messages: make(chan *chatv1.ChatMessage, 16), members: make(chan *chatv1.MembersChanged, 16)}
	if err := chatv1.RegisterRoomServicePushHandler(c, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		var zero T
		t.Fatalf("no %T push within 5s", zero)
		return zero
	}
}

func TestChatEndToEnd(t *testing.T) {
	for _, network := range []string{"tcp", "kcp"} {
		t.Run(network, func(t *testing.T) {
			addr := startChat(t)[network]
			ctx := context.Background()
			ann, bob := connect(t, addr), connect(t, addr)

			resp, err := ann.rooms.Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "ann"}) // request
			if err != nil || !slices.Equal(resp.GetMembers(), []string{"ann"}) {
				t.Fatalf("ann joins: %v, %v", resp, err)
			}
			recv(t, ann.members) // her own arrival
			if _, err := bob.rooms.Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "bob"}); err != nil {
				t.Fatal(err)
			}
			if m := recv(t, ann.members); m.GetJoined() != "bob" || len(m.GetMembers()) != 2 {
				t.Errorf("ann saw %v", m)
			}

			if err := bob.rooms.Say(ctx, &chatv1.SayRequest{Text: "hi ann"}); err != nil { // notify
				t.Fatal(err)
			}
			for _, p := range []*player{ann, bob} { // typed push to the whole room
				if m := recv(t, p.messages); m.GetFrom() != "bob" || m.GetText() != "hi ann" || m.GetRoom() != "lobby" {
					t.Errorf("got %v", m)
				}
			}

			_, err = ann.rooms.Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: ""}) // error
			if gamesrv.CodeOf(err) != chatserver.CodeBadName {
				t.Errorf("empty name: got %v, want %s", err, chatserver.CodeBadName)
			}
			loner := connect(t, addr)
			if _, err := loner.rooms.Members(ctx, &chatv1.MembersRequest{}); gamesrv.CodeOf(err) != chatserver.CodeNotInRoom {
				t.Errorf("members before join: got %v", err)
			}

			_ = bob.c.Close()
			if m := recv(t, ann.members); m.GetLeft() != "bob" || !slices.Equal(m.GetMembers(), []string{"ann"}) {
				t.Errorf("after bob left ann saw %v", m)
			}
		})
	}
}

// TestDuplicateLoginKicksTheFirst: the second login's join response lists
// the player once (it listed the kicked session too: ["ann", "ann"]).
func TestDuplicateLoginKicksTheFirst(t *testing.T) {
	ts, _ := startChatWith(t, chatserver.Options{})
	ctx := context.Background()
	first, second := play(t, ts), play(t, ts)
	if _, err := first.rooms.Join(ctx, &chatv1.JoinRequest{Room: "r", Name: "ann"}); err != nil {
		t.Fatal(err)
	}
	resp, err := second.rooms.Join(ctx, &chatv1.JoinRequest{Room: "r", Name: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(resp.GetMembers(), []string{"ann"}) {
		t.Errorf("the second login's join lists %q, want [ann]", resp.GetMembers())
	}
	select {
	case <-first.c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the first session was not kicked")
	}
	var kick *client.KickError
	if !errors.As(first.c.Err(), &kick) || kick.Reason != "duplicate login" {
		t.Errorf("first client ended with %v, want a duplicate login kick", first.c.Err())
	}
	if r, err := second.rooms.Members(ctx, &chatv1.MembersRequest{}); err != nil || !slices.Equal(r.GetMembers(), []string{"ann"}) {
		t.Errorf("members after the kick: %v %v, want [ann]", r.GetMembers(), err)
	}
}

func TestDescribeRoute(t *testing.T) {
	ts, _ := startChatWith(t, chatserver.Options{})
	p := play(t, ts)
	var resp gamesrvv1.DescribeResponse
	if err := p.c.Request(context.Background(), gamesrv.DescribeRoute, &gamesrvv1.DescribeRequest{}, &resp); err != nil {
		t.Fatal(err)
	}
	byRoute := map[string]*gamesrvv1.RouteSchema{}
	for _, r := range resp.GetRoutes() {
		byRoute[r.GetRoute()] = r
	}
	join := byRoute[chatv1.RoomServiceJoinRoute]
	if join.GetKind() != "request" || join.GetRequestType() != "chat.v1.JoinRequest" || join.GetResponseType() != "chat.v1.JoinResponse" || join.GetCode() == 0 {
		t.Errorf("join: %v", join)
	}
	if push := byRoute[chatv1.RoomServiceOnMessageRoute]; push.GetKind() != "push" || push.GetRequestType() != "chat.v1.ChatMessage" {
		t.Errorf("push: %v", push)
	}
	if _, ok := byRoute[chatv1.RoomServiceRoomStatsRoute]; ok {
		t.Error("an internal route is described to clients")
	}
	files, err := protodesc.NewFiles(resp.GetFiles())
	if err != nil {
		t.Fatalf("the descriptors do not link: %v", err)
	}
	if _, err := files.FindDescriptorByName("chat.v1.RoomService"); err != nil {
		t.Error(err)
	}
}
