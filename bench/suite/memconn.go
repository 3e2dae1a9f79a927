package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	benchv1 "github.com/gamesrv/gamesrv/bench/gen/bench/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// memConn is an in-memory transport.Conn for the in-process rows. Write
// only counts the Data packets and remembers the last one's backing array,
// so that a broadcast can be checked to hand every connection the very
// same bytes. Close reports the disconnection to the session, as a real
// transport does.
type memConn struct {
	data  atomic.Int64
	last  atomic.Pointer[byte] // first byte of the last Data packet written
	peer  transport.Peer       // set right after Open
	close sync.Once
}

// Write implements transport.Conn.
func (c *memConn) Write(p []byte) error {
	if len(p) > 0 && wire.PacketType(p[0]) == wire.PacketData {
		c.data.Add(1)
		c.last.Store(&p[0])
	}
	return nil
}

// Close implements transport.Conn: the session learns it is disconnected,
// from another goroutine as from a transport's I/O loop.
func (c *memConn) Close() error {
	c.close.Do(func() { go c.peer.OnDisconnect(nil) })
	return nil
}

// RemoteAddr implements transport.Conn.
func (c *memConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
}

// memListener is a transport.Listener without a network: openSessions
// hands its connections to the server's Handler directly.
type memListener struct{ handler transport.Handler }

var _ transport.Listener = (*memListener)(nil)

// Network implements transport.Listener.
func (l *memListener) Network() string { return "mem" }

// Start implements transport.Listener.
func (l *memListener) Start(cfg transport.Config) error {
	l.handler = cfg.Handler
	return nil
}

// Addr implements transport.Listener.
func (l *memListener) Addr() net.Addr { return &net.UnixAddr{Name: "bench", Net: "mem"} }

// Close implements transport.Listener: the server's shutdown kicks the
// sessions, and a memConn's Close disconnects its session.
func (l *memListener) Close(context.Context) error { return nil }

// inProcess is a server started on a memListener.
type inProcess struct {
	*server.Server
	ln *memListener
}

// inProcessServer starts a gamesrv server with EchoService on a
// memListener. Its heartbeat is long so that no heartbeat lands during a
// measurement.
func inProcessServer(h benchv1.EchoServiceHandler) (*inProcess, error) {
	srv, err := server.New(server.Options{
		Logger:    slog.New(slog.DiscardHandler),
		Heartbeat: time.Hour,
	})
	if err != nil {
		return nil, err
	}
	if err := benchv1.RegisterEchoServiceHandler(srv, h); err != nil {
		return nil, err
	}
	ln := &memListener{}
	return &inProcess{Server: srv, ln: ln}, srv.Start(ln)
}

// openSessions opens n sessions on srv over memConns and drives each through
// the handshake (handshake, then ack), as a client would.
func openSessions(srv *inProcess, n int) ([]gamesrv.Session, []*memConn, error) {
	hs, err := wire.EncodeHandshakeRequest(&wire.HandshakeRequest{Sys: wire.HandshakeSys{Platform: "bench", LibVersion: "1"}, User: []byte("{}")})
	if err != nil {
		return nil, nil, err
	}
	sessions, conns := make([]gamesrv.Session, n), make([]*memConn, n)
	for i := range n {
		c := &memConn{}
		peer := srv.ln.handler.Open(c)
		if peer == nil {
			return nil, nil, fmt.Errorf("server refused connection %d", i)
		}
		c.peer = peer
		if err := peer.OnPacket(wire.PacketHandshake, hs); err != nil {
			return nil, nil, fmt.Errorf("handshake %d: %w", i, err)
		}
		if err := peer.OnPacket(wire.PacketHandshakeAck, nil); err != nil {
			return nil, nil, fmt.Errorf("ack %d: %w", i, err)
		}
		s, ok := peer.(gamesrv.Session)
		if !ok {
			return nil, nil, fmt.Errorf("peer %T is not a gamesrv.Session", peer)
		}
		sessions[i], conns[i] = s, c
	}
	return sessions, conns, nil
}

// shutdown stops an in-process server.
func shutdown(srv *inProcess) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}
