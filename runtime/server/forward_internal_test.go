package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// fakeCluster records the forwards a server makes. TryForward takes a
// request when take is set; either way each request taken waits in sent
// for the test to answer it.
type fakeCluster struct {
	take bool
	sent chan sentForward
}

// sentForward is a request the fake took, and how it left the server.
type sentForward struct {
	fromLoop bool // TryForward (the I/O goroutine), not Forward (the worker)
	payload  string
	done     serverhost.ForwardDone
}

func (c *fakeCluster) Start(context.Context) error { return nil }
func (c *fakeCluster) Leave(context.Context) error { return nil }
func (c *fakeCluster) Close(context.Context) error { return nil }
func (c *fakeCluster) Forward(_ context.Context, _ gamesrv.Session, _, _ string, payload []byte, _ bool, done serverhost.ForwardDone) {
	c.sent <- sentForward{payload: string(payload), done: done}
}
func (c *fakeCluster) TryForward(_ context.Context, _ gamesrv.Session, _, _ string, payload []byte, _ bool, done serverhost.ForwardDone) bool {
	if !c.take {
		return false
	}
	c.sent <- sentForward{fromLoop: true, payload: string(payload), done: done}
	return true
}
func (c *fakeCluster) PushToSessions(context.Context, string, []int64, []byte) error { return nil }
func (c *fakeCluster) PushToUIDs(context.Context, []string, []byte) error            { return nil }
func (c *fakeCluster) SessionClosed(context.Context, gamesrv.Session)                {}

// packetConn keeps the packets written to it; Close ends the session, as
// a transport does once the connection closed.
type packetConn struct {
	mu      sync.Mutex
	packets [][]byte
	wrote   chan struct{}
	peer    transport.Peer
}

func (c *packetConn) Write(p []byte) error {
	c.mu.Lock()
	c.packets = append(c.packets, p)
	c.mu.Unlock()
	select {
	case c.wrote <- struct{}{}:
	default: // the kick at shutdown, when nobody counts
	}
	return nil
}
func (c *packetConn) Close() error {
	go c.peer.OnDisconnect(nil)
	return nil
}
func (c *packetConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

// answerID decodes the id of the response packet p.
func answerID(t *testing.T, p []byte) uint32 {
	t.Helper()
	m, err := wire.DecodeMessage(p[wire.HeaderLen:])
	if err != nil || m.Type != wire.MessageResponse {
		t.Fatalf("packet %x: %+v, %v; want a response", p, m, err)
	}
	return m.ID
}

// TestForwardLeavesFromTheLoop: a forwarded request of a session with
// nothing queued leaves from the I/O goroutine (TryForward); the next one,
// sent while it waits for its answer, waits in the queue and leaves from
// the worker once the first is answered. When TryForward declines, the
// worker forwards the first, still ahead of the second. Answers keep the
// requests' order either way.
func TestForwardLeavesFromTheLoop(t *testing.T) {
	for _, take := range []bool{true, false} {
		t.Run(map[bool]string{true: "taken", false: "declined"}[take], func(t *testing.T) {
			fc := &fakeCluster{take: take, sent: make(chan sentForward, 2)}
			srv, err := New(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.useCluster(fc); err != nil {
				t.Fatal(err)
			}
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = srv.Shutdown(context.Background()) }()
			conn := &packetConn{wrote: make(chan struct{}, 8)}
			peer := srv.open(conn, "mem")
			conn.peer = peer
			if err := peer.OnPacket(wire.PacketHandshake, []byte(`{"sys":{"type":"js-websocket","version":"0.0.1"},"user":{}}`)); err != nil {
				t.Fatal(err)
			}
			<-conn.wrote // the handshake's answer
			if err := peer.OnPacket(wire.PacketHandshakeAck, nil); err != nil {
				t.Fatal(err)
			}
			for _, r := range []struct {
				id      uint32
				payload string
			}{{1, "first"}, {2, "second"}} {
				body, err := wire.AppendMessage(nil, &wire.Header{Type: wire.MessageRequest, ID: r.id, Route: "room.room.echo"}, []byte(r.payload))
				if err != nil {
					t.Fatal(err)
				}
				if err := peer.OnPacket(wire.PacketData, body); err != nil {
					t.Fatal(err)
				}
			}
			first := <-fc.sent
			if first.payload != "first" || first.fromLoop != take {
				t.Fatalf("first forward %q from the loop %v; want %q from the loop %v", first.payload, first.fromLoop, "first", take)
			}
			select {
			case f := <-fc.sent:
				t.Fatalf("%q left before the first was answered", f.payload)
			default:
			}
			first.done.ForwardDone([]byte{}, nil)
			second := <-fc.sent
			if second.payload != "second" || second.fromLoop {
				t.Fatalf("second forward %q from the loop %v; want %q from the worker", second.payload, second.fromLoop, "second")
			}
			second.done.ForwardDone([]byte{}, nil)
			<-conn.wrote
			<-conn.wrote
			conn.mu.Lock()
			defer conn.mu.Unlock()
			if got := conn.packets[1:]; len(got) != 2 || answerID(t, got[0]) != 1 || answerID(t, got[1]) != 2 {
				t.Fatalf("%d answers after the handshake, want responses 1 then 2", len(got))
			}
		})
	}
}
