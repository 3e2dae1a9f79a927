package server_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/room"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/kcp"
	"github.com/gamesrv/gamesrv/runtime/transport/stdnet"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
	"github.com/gamesrv/gamesrv/runtime/transport/ws"
	"google.golang.org/protobuf/proto"
)

// roomKey is the session's room, kept in its session data.
var roomKey = gamesrv.StringKey("room")

// rooms implements the chat example's generated chatv1.RoomServiceHandler,
// reduced to Join, Say and Members (examples/chat/chatserver is the whole
// service, each room's state on a room.Room).
type rooms struct {
	chatv1.UnimplementedRoomServiceHandler // the methods not written here answer GS-404
	srv                                    *server.Server
	push                                   chatv1.RoomServicePusher
}

func (r *rooms) Join(ctx context.Context, s gamesrv.Session, req *chatv1.JoinRequest) (*chatv1.JoinResponse, error) {
	if req.GetName() == "" {
		return nil, gamesrv.NewError("CHAT-BAD-NAME", "name required") // reaches the client as is
	}
	if err := s.Bind(ctx, req.GetName()); err != nil { // uid; a second login kicks the first
		return nil, err
	}
	if err := r.srv.Group(req.GetRoom()).Add(s); err != nil { // members leave their groups when they disconnect
		return nil, err
	}
	roomKey.Set(s, req.GetRoom())
	return &chatv1.JoinResponse{Members: r.members(req.GetRoom())}, nil
}

func (r *rooms) Say(ctx context.Context, s gamesrv.Session, req *chatv1.SayRequest) error {
	room, _ := roomKey.Get(s)
	msg := &chatv1.ChatMessage{Room: room, From: s.UID(), Text: req.GetText()}
	return r.push.OnMessage(ctx, gamesrv.ToGroup(room), msg) // encoded once for every member
}

func (r *rooms) Members(_ context.Context, s gamesrv.Session, _ *chatv1.MembersRequest) (*chatv1.MembersResponse, error) {
	room, _ := roomKey.Get(s)
	return &chatv1.MembersResponse{Room: room, Members: r.members(room)}, nil
}

func (r *rooms) members(room string) []string {
	var names []string
	for _, s := range r.srv.Group(room).Members() {
		names = append(names, s.UID())
	}
	slices.Sort(names)
	return names
}

// quiet is a logger for the examples: their output is what they print.
var quiet = slog.New(slog.DiscardHandler)

// A server with the generated chat service on a loopback TCP listener,
// called by the generated client: the workflow of the README in one
// process.
func Example() {
	ctx := context.Background()
	srv, err := server.New(server.Options{Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	if err := chatv1.RegisterRoomServiceHandler(srv, &rooms{srv: srv, push: chatv1.NewRoomServicePusher(srv)}); err != nil {
		log.Fatal(err)
	}
	ln := tcp.New("127.0.0.1:0", tcp.Options{}) // port 0: Addr gives the port after Start
	if err := srv.Start(ln); err != nil {
		log.Fatal(err)
	}
	defer srv.Shutdown(ctx)

	c, err := client.Dial(ctx, "tcp://"+ln.Addr().String(), client.Options{Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	chat := chatv1.NewRoomServiceClient(c)
	resp, err := chat.Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "ann"})
	fmt.Println(resp.GetMembers(), err)
	_, err = chat.Join(ctx, &chatv1.JoinRequest{Room: "lobby"})
	fmt.Println(gamesrv.CodeOf(err))
	// Output:
	// [ann] <nil>
	// CHAT-BAD-NAME
}

// A main function: every listener feeds the same session layer, and a
// signal starts the graceful shutdown.
func ExampleServer_Serve() {
	cert, err := tls.LoadX509KeyPair("cert.pem", "key.pem")
	if err != nil {
		log.Fatal(err)
	}
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}}

	srv, err := server.New(server.Options{Logger: slog.Default()})
	if err != nil {
		log.Fatal(err)
	}
	if err := chatv1.RegisterRoomServiceHandler(srv, &rooms{srv: srv, push: chatv1.NewRoomServicePusher(srv)}); err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = srv.Serve(ctx, // returns after the graceful shutdown that ctx's end starts
		tcp.New("0.0.0.0:3250", tcp.Options{}),
		kcp.New("0.0.0.0:3251", kcp.Options{}),
		ws.New("0.0.0.0:3252", ws.Options{Path: "/ws"}),
		stdnet.New("0.0.0.0:3253", stdnet.Options{TLS: tlsConfig}))
	if err != nil {
		log.Fatal(err)
	}
}

// chatter receives the chat's pushes: the generated
// chatv1.RoomServicePushHandler.
type chatter struct {
	chatv1.UnimplementedRoomServicePushHandler
	lines chan string
}

func (c chatter) OnMessage(_ context.Context, m *chatv1.ChatMessage) {
	c.lines <- m.GetFrom() + ": " + m.GetText()
}

// A group broadcast: the handler of Say pushes the line to the room's
// group, which encodes it once and writes it to every member.
func ExampleServer_Group() {
	ctx := context.Background()
	srv, addr := startChat(server.Options{Logger: quiet})
	defer srv.Shutdown(ctx)

	player := func(name string) (chatv1.RoomServiceClient, chatter) {
		c, err := client.New(addr, client.Options{Logger: quiet})
		if err != nil {
			log.Fatal(err)
		}
		inbox := chatter{lines: make(chan string, 8)}
		_ = chatv1.RegisterRoomServicePushHandler(c, inbox) // before Connect: no push is missed
		if err := c.Connect(ctx); err != nil {
			log.Fatal(err)
		}
		chat := chatv1.NewRoomServiceClient(c)
		if _, err := chat.Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: name}); err != nil {
			log.Fatal(err)
		}
		return chat, inbox
	}
	ann, annInbox := player("ann")
	_, bobInbox := player("bob")

	_ = ann.Say(ctx, &chatv1.SayRequest{Text: "hello"}) // a notify: no answer
	fmt.Println("bob got", <-bobInbox.lines)
	fmt.Println("ann got", <-annInbox.lines)
	fmt.Println(srv.Group("lobby").Len(), "members")
	// Output:
	// bob got ann: hello
	// ann got ann: hello
	// 2 members
}

// RequireUID rejects the calls of sessions that have not bound a uid, but
// for the routes it lists.
func ExampleRequireUID() {
	ctx := context.Background()
	srv, addr := startChat(server.Options{
		Logger:       quiet,
		Interceptors: []gamesrv.Interceptor{server.RequireUID(chatv1.RoomServiceJoinRoute)},
	})
	defer srv.Shutdown(ctx)
	chat, c := dialChat(ctx, addr)
	defer c.Close()

	_, err := chat.Members(ctx, &chatv1.MembersRequest{})
	fmt.Println("before join:", gamesrv.CodeOf(err))
	_, _ = chat.Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "ann"})
	resp, err := chat.Members(ctx, &chatv1.MembersRequest{})
	fmt.Println("after join:", resp.GetMembers(), err)
	// Output:
	// before join: GS-401
	// after join: [ann] <nil>
}

// logCalls is an interceptor: it wraps every call the server runs, so it
// can time it, log it, count it, or reject it without calling next.
func logCalls(next gamesrv.Handler) gamesrv.Handler {
	return func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
		start := time.Now()
		resp, err := next(ctx, c)
		code := "OK"
		if err != nil {
			code = string(gamesrv.CodeOf(err))
		}
		fmt.Println(c.Type, c.Route, code)
		if took := time.Since(start); took > time.Second {
			fmt.Println("slow call:", c.Route, took)
		}
		return resp, err
	}
}

// playerKey is the context key under which withPlayer puts the caller.
type playerKey struct{}

// withPlayer hands the handler a derived context: the player's uid, for
// handlers to read with ctx.Value(playerKey{}).
func withPlayer(next gamesrv.Handler) gamesrv.Handler {
	return func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
		if c.Session != nil && c.Session.UID() != "" {
			ctx = context.WithValue(ctx, playerKey{}, c.Session.UID())
		}
		return next(ctx, c)
	}
}

// Interceptors wrap every call the server runs, the first one outermost:
// here logCalls sees the GS-401 that RequireUID answers before the
// handler runs.
func Example_interceptors() {
	ctx := context.Background()
	srv, addr := startChat(server.Options{
		Logger: quiet,
		Interceptors: []gamesrv.Interceptor{
			logCalls,
			server.RequireUID(chatv1.RoomServiceJoinRoute),
			withPlayer,
		},
	})
	defer srv.Shutdown(ctx)
	chat, c := dialChat(ctx, addr)
	defer c.Close()

	_, _ = chat.Members(ctx, &chatv1.MembersRequest{})
	_, _ = chat.Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "ann"})
	_, _ = chat.Members(ctx, &chatv1.MembersRequest{})
	// Output:
	// client chat.room.members GS-401
	// client chat.room.join OK
	// client chat.room.members OK
}

// world is a long-lived part of the application with a lifecycle: a world
// simulation on its own room.
type world struct {
	server.BaseComponent // no-op hooks: implement only the ones you need
	loop                 *room.Room
}

func (w *world) Init(ctx context.Context) error {
	w.loop = room.New(room.Options{Name: "world"})
	return nil
}

func (w *world) Shutdown(ctx context.Context) error { return w.loop.Close(ctx) }

// A component: Start runs its Init (and AfterInit) before the server
// accepts clients; Shutdown runs its BeforeShutdown when it begins and its
// Shutdown at the end.
func ExampleServer_RegisterComponent() {
	srv, err := server.New(server.Options{Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	w := &world{}
	if err := srv.RegisterComponent("world", w); err != nil {
		log.Fatal(err)
	}
	if err := srv.Start(); err != nil { // no listener: a backend of a cluster starts so
		log.Fatal(err)
	}
	fmt.Println("world running:", w.loop.TrySubmit(func() {}) == nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("world closed:", errors.Is(w.loop.TrySubmit(func() {}), room.ErrClosed))
	// Output:
	// world running: true
	// world closed: true
}

// startChat starts a server with opts serving the chat rooms on loopback
// TCP and returns it with its client address; the caller shuts it down.
func startChat(opts server.Options) (srv *server.Server, addr string) {
	srv, err := server.New(opts)
	if err != nil {
		log.Fatal(err)
	}
	if err := chatv1.RegisterRoomServiceHandler(srv, &rooms{srv: srv, push: chatv1.NewRoomServicePusher(srv)}); err != nil {
		log.Fatal(err)
	}
	ln := tcp.New("127.0.0.1:0", tcp.Options{})
	if err := srv.Start(ln); err != nil {
		log.Fatal(err)
	}
	return srv, "tcp://" + ln.Addr().String()
}

// dialChat connects a client to addr and returns its chat stub; the
// caller closes the client.
func dialChat(ctx context.Context, addr string) (chatv1.RoomServiceClient, *client.Client) {
	c, err := client.Dial(ctx, addr, client.Options{Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	return chatv1.NewRoomServiceClient(c), c
}
