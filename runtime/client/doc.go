// Package client is the Go client of the gamesrv wire protocol (the
// Pomelo/Pitaya protocol) over TCP, KCP, WebSocket and TLS: the address
// says which ("tcp://host:port" or "host:port", "kcp://host:port",
// "ws://host:port/path", "tls://host:port"). Generated XxxClient stubs and
// RegisterXxxPushHandler functions take a [*Client]; bots, tests and the
// gamesrv CLI use it directly.
//
// [Dial] connects and completes the handshake:
//
//	c, err := client.Dial(ctx, "kcp://127.0.0.1:3251", client.Options{User: map[string]string{"name": "ann"}})
//	if err != nil { ... }
//	defer c.Close()
//	rooms := chatv1.NewRoomServiceClient(c)
//	resp, err := rooms.Join(ctx, &chatv1.JoinRequest{Room: "lobby"})
//
// To receive what a server pushes on connect (a welcome message, a room's
// state), create the client with [New], register push handlers, then
// [Client.Connect]:
//
//	c, err := client.New("tcp://127.0.0.1:3250", client.Options{})
//	_ = chatv1.RegisterRoomServicePushHandler(c, handler)
//	err = c.Connect(ctx)
//
// With Dial, pushes that arrive before the first handler is registered are
// held for it (up to Options.PushQueue).
//
// The client performs the handshake, sends heartbeats, closes when the
// server sends nothing for more than 2.5 heartbeat intervals (the rule the
// server applies to clients, [wire.HeartbeatTimeout]), matches responses to
// requests by ID and delivers pushes, in order, to the registered push
// handlers on one goroutine. [Client.Err] says why a client ended. It links
// none of the server's packages (not the listeners, gnet or memberlist):
// it shares only the wire codec, the core types and the KCP settings
// (runtime/transport/kcpconf) with the server, which internal/archtest
// checks.
package client
