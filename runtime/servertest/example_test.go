package servertest_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/servertest"
)

// quiet is the logger of the examples: their output is what they print.
var quiet = slog.New(slog.DiscardHandler)

// A handler tested through the generated client, without a port. In a
// test, servertest.New(t, ...) and ts.Client(t, ...) do the same and
// close everything when the test ends.
func Example() {
	ts, err := servertest.Start(server.Options{Logger: quiet}, func(srv *server.Server) error {
		return chatv1.RegisterRoomServiceHandler(srv, &lobby{srv: srv, push: chatv1.NewRoomServicePusher(srv)})
	})
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()

	ctx := context.Background()
	c, err := ts.Dial(ctx, client.Options{Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	rooms := chatv1.NewRoomServiceClient(c)

	resp, err := rooms.Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "ann"})
	fmt.Println(resp.GetMembers(), err)
	_, err = rooms.Join(ctx, &chatv1.JoinRequest{Room: "lobby"})
	fmt.Println(gamesrv.CodeOf(err))
	// Output:
	// [ann] <nil>
	// CHAT-BAD-NAME
}

// Two players in a room: a line one says is pushed to both, through the
// server's group, to the generated push handlers.
func ExampleServer_Dial() {
	ts, err := servertest.Start(server.Options{Logger: quiet}, registerLobby)
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()

	ctx := context.Background()
	var heard []*lines
	for _, name := range []string{"ann", "bob"} {
		c, err := ts.Dial(ctx, client.Options{Logger: quiet})
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		p := newLines()
		if err := chatv1.RegisterRoomServicePushHandler(c, p); err != nil {
			log.Fatal(err)
		}
		if _, err := chatv1.NewRoomServiceClient(c).Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: name}); err != nil {
			log.Fatal(err)
		}
		heard = append(heard, p)
		if name == "bob" {
			_ = chatv1.NewRoomServiceClient(c).Say(ctx, &chatv1.SayRequest{Text: "hi all"})
		}
	}
	for _, p := range heard {
		m := <-p.ch
		fmt.Printf("%s: %s\n", m.GetFrom(), m.GetText())
	}
	// Output:
	// bob: hi all
	// bob: hi all
}

// Close shuts the server down gracefully: its clients are kicked with the
// reason "shutdown", and later dials fail.
func ExampleServer_Close() {
	ts, err := servertest.Start(server.Options{Logger: quiet}, registerLobby)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	c, err := ts.Dial(ctx, client.Options{Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	fmt.Println(ts.Close())
	<-c.Done()
	fmt.Println(c.Err())
	_, err = ts.Dial(ctx, client.Options{Logger: quiet})
	fmt.Println(err)
	// Output:
	// <nil>
	// client: kicked by the server: shutdown
	// servertest: server closed
}
