// Package server is the gamesrv application server: it accepts game clients
// on any number of transports, runs the Pomelo/Pitaya protocol state
// machine (handshake, heartbeat, kick), and dispatches requests through the
// generated route tables.
//
// A minimal server:
//
//	srv, err := server.New(server.Options{Logger: logger})
//	if err != nil { ... }
//	if err := chatv1.RegisterRoomServiceHandler(srv, &rooms{}); err != nil { ... }
//	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//	defer stop()
//	err = srv.Serve(ctx, tcp.New(":3250", tcp.Options{}), kcp.New(":3251", kcp.Options{}))
//
// # Execution
//
// Transports decode packets on their I/O goroutines (gnet event loops, KCP
// readers) and never run handlers there. Each session has a bounded queue:
// its requests run one at a time, in arrival order, on a goroutine that
// exists only while the queue is not empty, so a slow handler delays only
// its own session and an idle session costs no goroutine. A push issued by
// a handler is written before that handler's response.
//
// # Errors
//
// Handlers return [gamesrv.Error] values for application errors; they
// reach the client unchanged. A panic or a plain Go error becomes GS-500
// with a generic message (the detail is logged); a full queue or the rate
// limit GS-429, answered in its turn like any other response; a malformed
// route, an undecodable payload or a Request to a notify route GS-400; an
// unknown route GS-404.
package server
