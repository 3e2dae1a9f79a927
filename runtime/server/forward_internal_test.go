package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// fakeCluster records the forwards a server makes. TryForward takes a
// request when take is set; either way each request taken goes to sent,
// where it waits for the test to answer it, unless failNow is set: then
// the fake answers it GS-503 before returning, as a cluster does when no
// server of the type is up.
type fakeCluster struct {
	take    bool
	failNow atomic.Bool
	sent    chan sentForward
}

// sentForward is a request the fake took, and how it left the server.
type sentForward struct {
	try     bool // through TryForward (a goroutine that must not wait), not Forward (the worker)
	payload string
	done    serverhost.ForwardDone
}

// took records a forward, and answers it at once when failNow is set.
func (c *fakeCluster) took(f sentForward) {
	c.sent <- f
	if c.failNow.Load() {
		f.done.ForwardDone(nil, gamesrv.Errorf(gamesrv.CodeUnavailable, "no room server"))
	}
}

func (c *fakeCluster) Start(context.Context) error { return nil }
func (c *fakeCluster) Leave(context.Context) error { return nil }
func (c *fakeCluster) Close(context.Context) error { return nil }
func (c *fakeCluster) Forward(_ context.Context, _ gamesrv.Session, _, _ string, payload []byte, _ bool, done serverhost.ForwardDone) {
	c.took(sentForward{payload: string(payload), done: done})
}
func (c *fakeCluster) TryForward(_ context.Context, _ gamesrv.Session, _, _ string, payload []byte, _ bool, done serverhost.ForwardDone) bool {
	if !c.take {
		return false
	}
	c.took(sentForward{try: true, payload: string(payload), done: done})
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

// forwardSession starts a server on fc and returns a session past its
// handshake, on a connection that keeps what the server writes.
func forwardSession(t *testing.T, fc *fakeCluster) (transport.Peer, *packetConn) {
	t.Helper()
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
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx) // bounded: a failed test may leave a forward unanswered
	})
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
	return peer, conn
}

// sendRequests has the session receive requests id 1, 2, ... with the
// payloads given.
func sendRequests(t *testing.T, peer transport.Peer, payloads ...string) {
	t.Helper()
	for i, p := range payloads {
		body, err := wire.AppendMessage(nil, &wire.Header{Type: wire.MessageRequest, ID: uint32(i + 1), Route: "room.room.echo"}, []byte(p))
		if err != nil {
			t.Fatal(err)
		}
		if err := peer.OnPacket(wire.PacketData, body); err != nil {
			t.Fatal(err)
		}
	}
}

// answers waits for n packets after the handshake's and returns them.
func answers(conn *packetConn, n int) [][]byte {
	for range n {
		<-conn.wrote
	}
	conn.mu.Lock()
	defer conn.mu.Unlock()
	return append([][]byte(nil), conn.packets[1:]...)
}

// TestForwardLeavesFromTheLoop: a forwarded request of a session with
// nothing queued leaves from the I/O goroutine (TryForward); the next one,
// sent while it waits for its answer, waits in the queue and leaves once
// the first is answered, through TryForward again, from the goroutine that
// delivered the answer (no worker wakes). When TryForward declines, the
// worker forwards both, the first still ahead of the second. Answers keep
// the requests' order either way.
func TestForwardLeavesFromTheLoop(t *testing.T) {
	for _, take := range []bool{true, false} {
		t.Run(map[bool]string{true: "taken", false: "declined"}[take], func(t *testing.T) {
			fc := &fakeCluster{take: take, sent: make(chan sentForward, 4)}
			peer, conn := forwardSession(t, fc)
			sendRequests(t, peer, "first", "second")
			first := <-fc.sent
			if first.payload != "first" || first.try != take {
				t.Fatalf("first forward %q through TryForward %v; want %q, %v", first.payload, first.try, "first", take)
			}
			select {
			case f := <-fc.sent:
				t.Fatalf("%q left before the first was answered", f.payload)
			default:
			}
			first.done.ForwardDone([]byte{}, nil)
			second := <-fc.sent
			if second.payload != "second" || second.try != take {
				t.Fatalf("second forward %q through TryForward %v; want %q, %v", second.payload, second.try, "second", take)
			}
			second.done.ForwardDone([]byte{}, nil)
			if got := answers(conn, 2); len(got) != 2 || answerID(t, got[0]) != 1 || answerID(t, got[1]) != 2 {
				t.Fatalf("%d answers after the handshake, want responses 1 then 2", len(got))
			}
		})
	}
}

// TestForwardsFailingAtOnceGoToTheWorker: when the cluster answers a
// forward before TryForward returns (no server of the type), the session
// does not send its next forward from inside that answer: the worker
// takes the queue, so a queue of forwards that fail at once is answered
// in order by a loop, not by nested calls on the goroutine that resumed
// the session.
func TestForwardsFailingAtOnceGoToTheWorker(t *testing.T) {
	fc := &fakeCluster{take: true, sent: make(chan sentForward, 4)}
	peer, conn := forwardSession(t, fc)
	sendRequests(t, peer, "first", "second", "third")
	first := <-fc.sent
	fc.failNow.Store(true)
	first.done.ForwardDone([]byte{}, nil)
	for _, want := range []sentForward{{try: true, payload: "second"}, {try: false, payload: "third"}} {
		if f := <-fc.sent; f.payload != want.payload || f.try != want.try {
			t.Fatalf("forward %q through TryForward %v; want %q, %v", f.payload, f.try, want.payload, want.try)
		}
	}
	got := answers(conn, 3)
	if len(got) != 3 {
		t.Fatalf("%d answers, want 3", len(got))
	}
	for i, p := range got {
		m, err := wire.DecodeMessage(p[wire.HeaderLen:])
		if err != nil || m.ID != uint32(i+1) {
			t.Fatalf("answer %d: %+v, %v; want response %d", i, m, err, i+1)
		}
		if failed := strings.Contains(string(m.Payload), string(gamesrv.CodeUnavailable)); failed != (i > 0) {
			t.Fatalf("answer %d: %q; want GS-503 for all but the first", m.ID, m.Payload)
		}
	}
}
