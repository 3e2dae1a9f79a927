package server_test

import (
	"context"
	"net"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// chanConn is an in-memory transport.Conn that hands every written packet
// to a channel, so benchmarks measure the runtime without sockets.
type chanConn struct{ out chan []byte }

func (c *chanConn) Write(p []byte) error { c.out <- p; return nil }
func (c *chanConn) Close() error         { return nil }
func (c *chanConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

// openSession starts a server without listeners and returns a session that
// completed its handshake.
func openSession(b *testing.B) (transport.Peer, *chanConn) {
	srv := startServer(b, server.Options{})
	conn := &chanConn{out: make(chan []byte, 16)}
	peer := srv.Open(conn)
	if err := peer.OnPacket(wire.PacketHandshake, []byte(pomeloJSHandshake)); err != nil {
		b.Fatal(err)
	}
	<-conn.out
	_ = peer.OnPacket(wire.PacketHandshakeAck, nil)
	return peer, conn
}

// BenchmarkDispatch measures one request through the runtime: decode,
// route lookup, unmarshal, the session queue and its worker goroutine,
// the generated Handle, marshal and the write to the connection.
func BenchmarkDispatch(b *testing.B) {
	peer, conn := openSession(b)
	body, _ := wire.AppendMessage(nil, &wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("hello"))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := peer.OnPacket(wire.PacketData, body); err != nil {
			b.Fatal(err)
		}
		<-conn.out
	}
}

// BenchmarkDispatchCompressedRoute is BenchmarkDispatch with the route sent
// as a dictionary code.
func BenchmarkDispatchCompressedRoute(b *testing.B) {
	peer, conn := openSession(b)
	body, _ := wire.AppendMessage(nil, &wire.Header{Type: wire.MessageRequest, ID: 1, Compressed: true, Code: 1}, str("hello"))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = peer.OnPacket(wire.PacketData, body)
		<-conn.out
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
