// Package client is the Go client of the gamesrv wire protocol (the
// Pomelo/Pitaya protocol) over TCP and KCP. Generated XxxClient stubs and
// RegisterXxxPushHandler functions take a [*Client]; bots, tests and the
// gamesrv CLI use it directly.
//
//	c, err := client.Dial(ctx, "kcp://127.0.0.1:3251", client.Options{User: map[string]string{"name": "ann"}})
//	if err != nil { ... }
//	defer c.Close()
//	rooms := chatv1.NewRoomServiceClient(c)
//	resp, err := rooms.Join(ctx, &chatv1.JoinRequest{Room: "lobby"})
//
// To receive what a server pushes on connect (a welcome message, a room's
// state), register push handlers before connecting:
//
//	c, err := client.New("tcp://127.0.0.1:3250", client.Options{})
//	_ = chatv1.RegisterRoomServicePushHandler(c, handler)
//	err = c.Connect(ctx)
//
// With Dial, pushes that arrive before the first handler is registered are
// held for it (up to Options.PushQueue).
//
// The client performs the handshake, sends heartbeats, closes when the
// server falls silent for two heartbeat intervals, matches responses to
// requests by ID and delivers pushes, in order, to the registered push
// handlers on one goroutine. It links neither gnet nor memberlist.
package client
