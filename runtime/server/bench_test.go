package server_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// chanConn is an in-memory transport.Conn that hands every written packet
// to a channel, so benchmarks measure the runtime without sockets.
// Closing it disconnects its peer, as a transport does, so the server's
// shutdown does not wait for it.
type chanConn struct {
	out    chan []byte
	stall  *time.Timer // fails a benchmark whose answer never comes
	peer   transport.Peer
	closed sync.Once
}

func (c *chanConn) Write(p []byte) error { c.out <- p; return nil }
func (c *chanConn) Close() error {
	c.closed.Do(func() { c.peer.OnDisconnect(nil) })
	return nil
}
func (c *chanConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

// next returns the next packet written, failing b after timeout. The timer
// is reused, so waiting costs no allocation.
func (c *chanConn) next(b *testing.B) []byte {
	c.stall.Reset(timeout)
	select {
	case p := <-c.out:
		return p
	case <-c.stall.C:
		b.Fatalf("no packet written within %v", timeout)
		return nil
	}
}

// openSession starts a server without listeners and returns a session that
// completed its handshake, and the handshake's route dictionary.
func openSession(b *testing.B) (transport.Peer, *chanConn, map[string]uint16) {
	return openSessionWith(b, server.Options{})
}

// openSessionWith is openSession with a server configured by opts.
func openSessionWith(b *testing.B, opts server.Options) (transport.Peer, *chanConn, map[string]uint16) {
	srv := startServer(b, opts)
	conn := &chanConn{out: make(chan []byte, 16), stall: time.NewTimer(timeout)}
	b.Cleanup(func() { conn.stall.Stop() })
	peer := srv.Open(conn)
	conn.peer = peer
	if err := peer.OnPacket(wire.PacketHandshake, []byte(pomeloJSHandshake)); err != nil {
		b.Fatal(err)
	}
	t, body, _, err := wire.SplitPacket(conn.next(b), 0)
	if err != nil || t != wire.PacketHandshake {
		b.Fatalf("handshake response: %s %v", t, err)
	}
	resp, err := wire.DecodeHandshakeResponse(body)
	if err != nil {
		b.Fatal(err)
	}
	if err := peer.OnPacket(wire.PacketHandshakeAck, nil); err != nil {
		b.Fatal(err)
	}
	return peer, conn, resp.Sys.Dict
}

// BenchmarkDispatch measures one request through the runtime: decode,
// route lookup, unmarshal, the session queue and its worker goroutine,
// the generated Handle, marshal and the write to the connection.
func BenchmarkDispatch(b *testing.B) {
	peer, conn, _ := openSession(b)
	body, err := wire.AppendMessage(nil, &wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("hello"))
	if err != nil {
		b.Fatal(err)
	}
	benchmarkDispatch(b, peer, conn, body)
}

// BenchmarkDispatchIntercepted is BenchmarkDispatch through one interceptor
// that only calls the handler: the cost of the interceptor chain (the Call
// it gets is the one allocation it adds).
func BenchmarkDispatchIntercepted(b *testing.B) {
	pass := func(next gamesrv.Handler) gamesrv.Handler {
		return func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) { return next(ctx, c) }
	}
	peer, conn, _ := openSessionWith(b, server.Options{Interceptors: []gamesrv.Interceptor{pass}})
	body, err := wire.AppendMessage(nil, &wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("hello"))
	if err != nil {
		b.Fatal(err)
	}
	benchmarkDispatch(b, peer, conn, body)
}

// BenchmarkDispatchCompressedRoute is BenchmarkDispatch with the route sent
// as a dictionary code, the one the handshake gave for the echo route.
func BenchmarkDispatchCompressedRoute(b *testing.B) {
	peer, conn, dict := openSession(b)
	code, ok := dict[echoRoute]
	if !ok {
		b.Fatalf("the handshake dictionary %v has no code for %s", dict, echoRoute)
	}
	body, err := wire.AppendMessage(nil, &wire.Header{Type: wire.MessageRequest, ID: 1, Compressed: true, Code: code}, str("hello"))
	if err != nil {
		b.Fatal(err)
	}
	benchmarkDispatch(b, peer, conn, body)
}

// benchmarkDispatch sends body, a request for the echo route, in a loop
// and checks each answer is an echo.
func benchmarkDispatch(b *testing.B, peer transport.Peer, conn *chanConn, body []byte) {
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := peer.OnPacket(wire.PacketData, body); err != nil {
			b.Fatal(err)
		}
		if pkt := conn.next(b); len(pkt) < wire.HeaderLen+2 || pkt[wire.HeaderLen]&wire.FlagError != 0 {
			b.Fatalf("answer % x, want an echo", pkt)
		}
	}
}

// BenchmarkTCPRequest measures a sequential request/response over loopback
// TCP with the Go client (client and server on the same cores).
func BenchmarkTCPRequest(b *testing.B) { benchmarkRequest(b, "tcp") }

// BenchmarkKCPRequest is BenchmarkTCPRequest over KCP.
func BenchmarkKCPRequest(b *testing.B) { benchmarkRequest(b, "kcp") }

func benchmarkRequest(b *testing.B, network string) {
	srv := startServer(b, server.Options{})
	c, err := client.Dial(context.Background(), srv.addr(network), client.Options{Logger: quietLogger(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	req, resp := wrapperspb.String("hello"), new(wrapperspb.StringValue)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := c.Request(context.Background(), echoRoute, req, resp); err != nil {
			b.Fatal(err)
		}
	}
}
