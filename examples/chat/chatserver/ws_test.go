package chatserver_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/examples/chat/chatserver"
	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
	"github.com/gamesrv/gamesrv/runtime/transport/ws"
)

// startChatWS runs the chat server on WebSocket and TCP listeners and
// returns the "ws://…/" and "tcp://…" addresses.
func startChatWS(t *testing.T) (wsAddr, tcpAddr string) {
	t.Helper()
	srv, err := server.New(server.Options{Logger: testkit.Logger(t), Heartbeat: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chatserver.Register(srv); err != nil {
		t.Fatal(err)
	}
	wl := ws.New("127.0.0.1:0", ws.Options{EventLoops: 2})
	tl := tcp.New("127.0.0.1:0", tcp.Options{EventLoops: 1})
	if err := srv.Start(wl, tl); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return "ws://" + wl.Addr().String() + "/", "tcp://" + tl.Addr().String()
}

// TestChatOverWebSocket runs the chat with the Go client over ws://: join,
// members, a line to the room, an application error, and a player on TCP
// in the same room (the session layer is shared by the transports).
func TestChatOverWebSocket(t *testing.T) {
	wsAddr, tcpAddr := startChatWS(t)
	ctx := context.Background()
	ann, bob := connect(t, wsAddr), connect(t, wsAddr)

	if resp, err := ann.rooms.Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "ann"}); err != nil || !slices.Equal(resp.GetMembers(), []string{"ann"}) {
		t.Fatalf("ann joins: %v, %v", resp, err)
	}
	recv(t, ann.members)
	if _, err := bob.rooms.Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "bob"}); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, ann.members); m.GetJoined() != "bob" {
		t.Errorf("ann saw %v", m)
	}
	recv(t, bob.members)

	carl := connect(t, tcpAddr)
	if _, err := carl.rooms.Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "carl"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*player{ann, bob, carl} {
		recv(t, p.members) // carl's arrival
	}

	if err := bob.rooms.Say(ctx, &chatv1.SayRequest{Text: "hi from a websocket"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*player{ann, bob, carl} {
		if m := recv(t, p.messages); m.GetFrom() != "bob" || m.GetText() != "hi from a websocket" {
			t.Errorf("got %v", m)
		}
	}
	if err := carl.rooms.Say(ctx, &chatv1.SayRequest{Text: "hi from tcp"}); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, ann.messages); m.GetFrom() != "carl" || m.GetText() != "hi from tcp" {
		t.Errorf("ann got %v", m)
	}

	if r, err := ann.rooms.Members(ctx, &chatv1.MembersRequest{}); err != nil || !slices.Equal(r.GetMembers(), []string{"ann", "bob", "carl"}) {
		t.Errorf("members: %v %v", r, err)
	}
	if _, err := ann.rooms.Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: ""}); gamesrv.CodeOf(err) != chatserver.CodeBadName {
		t.Errorf("empty name: got %v, want %s", err, chatserver.CodeBadName)
	}

	_ = bob.c.Close()
	if m := recv(t, ann.members); m.GetLeft() != "bob" {
		t.Errorf("after bob left ann saw %v", m)
	}
}
