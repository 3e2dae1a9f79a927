// Package servertest runs a gamesrv server in memory for tests, as
// net/http/httptest does for HTTP handlers: the real server, sessions,
// dispatch and generated stubs, with connections that are in-process
// pipes instead of sockets, so a test of a handler needs no port.
//
//	func TestJoin(t *testing.T) {
//		t.Parallel()
//		ts := servertest.New(t, server.Options{}, func(srv *server.Server) error {
//			return chatv1.RegisterRoomServiceHandler(srv, &rooms{})
//		})
//		c := ts.Client(t, client.Options{User: map[string]string{"token": "ann"}})
//		resp, err := chatv1.NewRoomServiceClient(c).Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "ann"})
//		...
//	}
//
// [New] starts the server and shuts it down when the test ends;
// [Server.Client] returns a connected client that is closed when the test
// ends (before the server). Outside a test (an Example, a TestMain, a
// program) use [Start], [Server.Dial] and [Server.Close].
//
// Everything above the transport is the production code: the handshake,
// heartbeats, limits, ordering, groups, kicks and the graceful shutdown
// behave as over TCP. What differs is the connection itself: a pipe has no
// kernel buffers (a write waits until the other side reads it), and every
// session's remote address is 127.0.0.1 with a port of its own, so the
// per-address connection limit counts all of a test's clients as one host.
// Transport behaviour (KCP, WebSocket framing, TLS, lingering closes) is
// tested on real sockets by the transport packages.
package servertest
