package cluster_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"log"
	"log/slog"
	"os"

	"github.com/gamesrv/gamesrv/examples/chat/chatserver"
	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
)

// A connector and a chat server form a cluster on loopback (ProfileFast,
// which needs no keys there). A client of the connector joins a chat room:
// the connector forwards the request to the chat server, which owns the
// room. The connector then calls the chat server's internal RoomStats
// method through the generated Remote stub.
func Example() {
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)

	// The chat server: the chat example's RoomService, no client listener.
	chat, err := server.New(server.Options{ServerID: "chat-1", Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := chatserver.Register(chat); err != nil {
		log.Fatal(err)
	}
	chatNode, err := cluster.New(chat, cluster.Options{Profile: cluster.ProfileFast})
	if err != nil {
		log.Fatal(err)
	}
	if err := chat.Start(); err != nil { // starts the node: gossip, link listener
		log.Fatal(err)
	}
	defer chat.Shutdown(ctx)

	// The connector: the client listener; RoomService's routes are served
	// by servers of type "chat".
	conn, err := server.New(server.Options{ServerID: "connector-1", ServerType: "connector", Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	if err := conn.RegisterRoutes(&chatv1.RoomService_ServiceDesc); err != nil { // dictionary codes + kind checks; optional
		log.Fatal(err)
	}
	chatJoined := make(chan struct{}, 1)
	node, err := cluster.New(conn, cluster.Options{
		Profile: cluster.ProfileFast,
		Seeds:   []string{chatNode.Membership().GossipAddr()},
		OnJoin: func(m cluster.Member) { // must not block
			if m.Type == chatv1.RoomServiceServerType {
				select {
				case chatJoined <- struct{}{}:
				default:
				}
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	ln := tcp.New("127.0.0.1:0", tcp.Options{})
	if err := conn.Start(ln); err != nil {
		log.Fatal(err)
	}
	defer conn.Shutdown(ctx)
	<-chatJoined

	// A game client talks to the connector only.
	c, err := client.Dial(ctx, "tcp://"+ln.Addr().String(), client.Options{Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	resp, err := chatv1.NewRoomServiceClient(c).Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "ann"})
	fmt.Println("joined:", resp.GetMembers(), err)

	// Server to server: the internal method, by server type (round robin
	// among the chat servers) or by id.
	remote := chatv1.NewRoomServiceRemote(node)
	stats, err := remote.RoomStats(ctx, &chatv1.RoomStatsRequest{})
	fmt.Println("rooms:", stats.GetMembers(), err)
	stats, err = remote.RoomStats(ctx, &chatv1.RoomStatsRequest{}, gamesrv.ToServer("chat-1"))
	fmt.Println("rooms of chat-1:", stats.GetMembers(), err)
	for _, r := range remote.BroadcastRoomStats(ctx, &chatv1.RoomStatsRequest{}) { // every chat server
		fmt.Println(r.ServerID, r.Response.GetMembers(), r.Err)
	}
	// Output:
	// joined: [ann] <nil>
	// rooms: map[lobby:1] <nil>
	// rooms of chat-1: map[lobby:1] <nil>
	// chat-1 map[lobby:1] <nil>
}

// The options of a server on a network: every server of the cluster gets
// the same gossip key and link secret, kept out of the source (here, as
// the example servers do, from the environment). Without them a node that
// binds beyond loopback refuses to start.
func ExampleNew() {
	gossipKey, err := base64.StdEncoding.DecodeString(os.Getenv("GAMESRV_GOSSIP_KEY")) // 16, 24 or 32 bytes
	if err != nil {
		log.Fatal(err)
	}
	srv, err := server.New(server.Options{ServerID: "room-1"})
	if err != nil {
		log.Fatal(err)
	}
	node, err := cluster.New(srv, cluster.Options{
		Seeds:           []string{"10.0.0.5:7946"},
		GossipAdvertise: "10.0.0.6",                               // the IP peers reach this server on (a pod's IP)
		GossipKey:       gossipKey,                                // encrypts gossip
		LinkSecret:      []byte(os.Getenv("GAMESRV_LINK_SECRET")), // authenticates links (add LinkTLS to encrypt them)
	})
	if err != nil {
		log.Fatal(err) // errors.Is(err, cluster.ErrInsecure) without the key or the secret
	}
	_ = node // the generated XxxRemote stubs take it
	if err := srv.Serve(context.Background()); err != nil {
		log.Fatal(err)
	}
}
