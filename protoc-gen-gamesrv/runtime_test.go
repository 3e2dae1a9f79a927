//go:build !gamesrv_regen

package main

import (
	"context"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	commonv1 "github.com/gamesrv/gamesrv/protoc-gen-gamesrv/testdata/gen/common/v1"
	gamev1 "github.com/gamesrv/gamesrv/protoc-gen-gamesrv/testdata/gen/game/v1"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"google.golang.org/protobuf/proto"
)

// TestFixtureThroughRuntime runs the committed generated fixture through
// the real server and client, over TCP and KCP.
func TestFixtureThroughRuntime(t *testing.T) {
	sayers := make(chan gamesrv.Session, 1)
	srv, err := server.New(server.Options{
		Logger: testkit.Logger(t),
		Interceptors: []gamesrv.Interceptor{func(next gamesrv.Handler) gamesrv.Handler {
			return func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
				if c.Route == gamev1.RoomServiceSayRoute {
					sayers <- c.Session
				}
				return next(ctx, c)
			}
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &roomHandler{server: "room-1"}
	if err := gamev1.RegisterRoomServiceHandler(srv, h); err != nil {
		t.Fatal(err)
	}
	tcpAddr, kcpAddr := testkit.Serve(t, srv)
	for _, addr := range []string{tcpAddr, kcpAddr} {
		t.Run(addr[:3], func(t *testing.T) { exerciseFixture(t, srv, sayers, addr) })
	}
}

// pushRecorder hands pushes to the test goroutine.
type pushRecorder struct {
	gamev1.UnimplementedRoomServicePushHandler
	ch chan *gamev1.ChatMessage
}

func (p *pushRecorder) OnMessage(_ context.Context, m *gamev1.ChatMessage) { p.ch <- m }

func exerciseFixture(t *testing.T, srv *server.Server, sayers <-chan gamesrv.Session, addr string) {
	ctx := context.Background()
	c, err := client.Dial(ctx, addr, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rec := &pushRecorder{ch: make(chan *gamev1.ChatMessage, 1)}
	if err := gamev1.RegisterRoomServicePushHandler(c, rec); err != nil {
		t.Fatal(err)
	}
	rooms := gamev1.NewRoomServiceClient(c)

	resp, err := rooms.Join(ctx, &gamev1.JoinRequest{Room: "r", Player: &commonv1.Player{Name: "ann"}})
	if err != nil || len(resp.GetMembers()) == 0 || resp.GetMembers()[len(resp.GetMembers())-1].GetName() != "ann" {
		t.Fatalf("Join: %v, %v", resp, err)
	}
	if _, err := rooms.Join(ctx, &gamev1.JoinRequest{Room: "full"}); gamesrv.CodeOf(err) != "ROOM-FULL" {
		t.Errorf("Join full: %v", err)
	}
	//lint:ignore SA1019 Leave is deprecated in the fixture; calling it checks the unimplemented default.
	if _, err := rooms.Leave(ctx, &gamev1.LeaveRequest{}); gamesrv.CodeOf(err) != gamesrv.CodeNotFound {
		t.Errorf("unimplemented Leave: %v", err)
	}
	if err := rooms.Say(ctx, &gamev1.SayRequest{Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	// The session that said hello gets a typed push back from the server.
	pusher := gamev1.NewRoomServicePusher(srv)
	sess := <-sayers
	if err := pusher.OnMessage(ctx, gamesrv.ToSession(sess), &gamev1.ChatMessage{From: "server", Text: "welcome"}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-rec.ch:
		if m.GetText() != "welcome" {
			t.Errorf("push %v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no push")
	}
}

// TestFixtureDuplicatePushHandler: the real client refuses a second push
// handler for the fixture's push routes, and the generated registration
// function returns its error.
func TestFixtureDuplicatePushHandler(t *testing.T) {
	c, err := client.New("127.0.0.1:1", client.Options{Logger: testkit.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := gamev1.RegisterRoomServicePushHandler(c, &pushRecorder{}); err != nil {
		t.Fatal(err)
	}
	err = gamev1.RegisterRoomServicePushHandler(c, &pushRecorder{})
	if want := `gamesrv: push route "onMessage" registered twice (game.v1.RoomService and game.v1.RoomService)`; err == nil || err.Error() != want {
		t.Errorf("second registration: err = %v, want %s", err, want)
	}
}
