package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"

	"github.com/gamesrv/gamesrv/examples/chat/chatserver"
	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
)

// quiet is a logger for the examples: their output is what they print.
var quiet = slog.New(slog.DiscardHandler)

// chatServer starts the chat example's server on a loopback TCP port and
// returns its address and a function that stops it.
func chatServer() (addr string, stop func()) {
	srv, err := server.New(server.Options{Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := chatserver.Register(srv); err != nil {
		log.Fatal(err)
	}
	ln := tcp.New("127.0.0.1:0", tcp.Options{})
	if err := srv.Start(ln); err != nil {
		log.Fatal(err)
	}
	return "tcp://" + ln.Addr().String(), func() { _ = srv.Shutdown(context.Background()) }
}

// Dial connects and completes the handshake; the generated client then
// sends typed requests and returns typed responses or coded errors.
func ExampleDial() {
	addr, stop := chatServer()
	defer stop()
	ctx := context.Background()

	c, err := client.Dial(ctx, addr, client.Options{User: map[string]string{"token": "..."}})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	rooms := chatv1.NewRoomServiceClient(c)
	resp, err := rooms.Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "ann"})
	fmt.Println(resp.GetMembers(), err)
	_, err = rooms.Join(ctx, &chatv1.JoinRequest{Room: "", Name: "ann"})
	if gamesrv.CodeOf(err) == "CHAT-BAD-ROOM" {
		fmt.Println("refused:", gamesrv.AsError(err).Message())
	}
	// Output:
	// [ann] <nil>
	// refused: a room name is 1 to 32 letters, digits, spaces, '-', '_' or '.'
}

// members receives the chat's OnMembers pushes: the generated
// chatv1.RoomServicePushHandler.
type members struct {
	chatv1.UnimplementedRoomServicePushHandler
	changes chan *chatv1.MembersChanged
}

func (m members) OnMembers(_ context.Context, msg *chatv1.MembersChanged) { m.changes <- msg }

// New, then the push handlers, then Connect: a push the server sends
// right after the handshake finds its handler.
func ExampleNew() {
	addr, stop := chatServer()
	defer stop()
	ctx := context.Background()

	c, err := client.New(addr, client.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	h := members{changes: make(chan *chatv1.MembersChanged, 1)}
	if err := chatv1.RegisterRoomServicePushHandler(c, h); err != nil {
		log.Fatal(err)
	}
	if err := c.Connect(ctx); err != nil { // handlers first: no push is missed
		log.Fatal(err)
	}
	if _, err := chatv1.NewRoomServiceClient(c).Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "ann"}); err != nil {
		log.Fatal(err)
	}
	change := <-h.changes
	fmt.Println(change.GetJoined(), "joined", change.GetRoom())
	// Output:
	// ann joined lobby
}

// Err says why a client ended: here the server kicked it because another
// session logged in with its uid.
func ExampleClient_Err() {
	addr, stop := chatServer()
	defer stop()
	ctx := context.Background()

	join := func() *client.Client {
		c, err := client.Dial(ctx, addr, client.Options{Logger: quiet})
		if err != nil {
			log.Fatal(err)
		}
		if _, err := chatv1.NewRoomServiceClient(c).Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "ann"}); err != nil {
			log.Fatal(err)
		}
		return c
	}
	first := join()
	second := join() // the same name: the chat binds it as the uid
	defer second.Close()

	<-first.Done()
	var kick *client.KickError
	if errors.As(first.Err(), &kick) {
		fmt.Println("kicked:", kick.Reason)
	}
	// Output:
	// kicked: duplicate login
}

// Request calls a route by name, without a generated stub: what tools do.
// The messages are still protobuf messages.
func ExampleClient_Request() {
	addr, stop := chatServer()
	defer stop()
	ctx := context.Background()

	c, err := client.Dial(ctx, addr, client.Options{Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	resp := new(chatv1.JoinResponse)
	err = c.Request(ctx, "chat.room.join", &chatv1.JoinRequest{Room: "lobby", Name: "ann"}, resp)
	fmt.Println(resp.GetMembers(), err)
	_, hasCode := c.Dict()["chat.room.join"] // sent as a 2-byte code
	fmt.Println("compressed route:", hasCode)
	// Output:
	// [ann] <nil>
	// compressed route: true
}
