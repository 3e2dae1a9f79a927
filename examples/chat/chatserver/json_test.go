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
	"github.com/gamesrv/gamesrv/runtime/transport/kcp"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
	"github.com/gamesrv/gamesrv/runtime/transport/ws"
)

// startChatJSON runs the chat server with the JSON serializer on TCP, KCP
// and WebSocket.
func startChatJSON(t *testing.T) map[string]string {
	t.Helper()
	srv, err := server.New(server.Options{Logger: testkit.Logger(t), Heartbeat: time.Second, Serializer: gamesrv.JSONSerializer{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chatserver.Register(srv); err != nil {
		t.Fatal(err)
	}
	tl := tcp.New("127.0.0.1:0", tcp.Options{EventLoops: 1})
	kl := kcp.New("127.0.0.1:0", kcp.Options{})
	wl := ws.New("127.0.0.1:0", ws.Options{EventLoops: 1})
	if err := srv.Start(tl, kl, wl); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return map[string]string{"tcp": "tcp://" + tl.Addr().String(), "kcp": "kcp://" + kl.Addr().String(), "ws": "ws://" + wl.Addr().String() + "/"}
}

// TestChatJSONSerializer: the Go client and the generated stubs follow the
// serializer a JSON server announces, for requests, responses, pushes and
// errors, on every transport.
func TestChatJSONSerializer(t *testing.T) {
	addrs := startChatJSON(t)
	for _, network := range []string{"tcp", "kcp", "ws"} {
		t.Run(network, func(t *testing.T) {
			ctx := context.Background()
			ann, bob := connect(t, addrs[network]), connect(t, addrs[network])
			if name := ann.c.Serializer().Name(); name != gamesrv.SerializerJSON {
				t.Fatalf("client uses %q", name)
			}
			room, annName, bobName := "json-"+network, "ann-"+network, "bob-"+network
			if resp, err := ann.rooms.Join(ctx, &chatv1.JoinRequest{Room: room, Name: annName}); err != nil || !slices.Equal(resp.GetMembers(), []string{annName}) {
				t.Fatalf("ann joins: %v, %v", resp, err)
			}
			recv(t, ann.members)
			if _, err := bob.rooms.Join(ctx, &chatv1.JoinRequest{Room: room, Name: bobName}); err != nil {
				t.Fatal(err)
			}
			if m := recv(t, ann.members); m.GetJoined() != bobName {
				t.Errorf("ann saw %v", m)
			}
			if err := bob.rooms.Say(ctx, &chatv1.SayRequest{Text: "hello in JSON"}); err != nil {
				t.Fatal(err)
			}
			if m := recv(t, ann.messages); m.GetFrom() != bobName || m.GetText() != "hello in JSON" || m.GetSentAtUnixMs() == 0 {
				t.Errorf("ann got %v", m)
			}
			_, err := bob.rooms.Join(ctx, &chatv1.JoinRequest{Room: "", Name: bobName})
			if gamesrv.CodeOf(err) != chatserver.CodeBadRoom {
				t.Errorf("join without a room: %v, want %s", err, chatserver.CodeBadRoom)
			}
			if _, err := ann.c.RequestRaw(ctx, "chat.room.nope", []byte(`{}`)); gamesrv.CodeOf(err) != gamesrv.CodeNotFound {
				t.Errorf("unknown route: %v, want %s", err, gamesrv.CodeNotFound)
			}
		})
	}
}
