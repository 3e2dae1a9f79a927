package server_test

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// pomeloJSHeartbeats answers heartbeats the way pomelo-jsclient-websocket
// 0.1.1 does: on receiving the server's heartbeat it sends its own H (plus
// late, a timer firing late) later, and ignores the server's heartbeats
// while its own is pending. It reads c until the connection ends, then
// reports on closed when the server closed it; sent receives the time of
// every heartbeat it wrote.
type pomeloJSHeartbeats struct {
	nc     net.Conn
	h      time.Duration
	late   time.Duration
	closed chan error
	data   chan wire.Message

	mu      sync.Mutex
	pending *time.Timer
	sent    []time.Time
	stopped bool
}

func startPomeloJSHeartbeats(t *testing.T, c *testkit.RawConn, h, late time.Duration) *pomeloJSHeartbeats {
	p := &pomeloJSHeartbeats{nc: c.Conn(), h: h, late: late, closed: make(chan error, 1), data: make(chan wire.Message, 16)}
	p.sent = append(p.sent, time.Now()) // the ack Handshake just sent
	go p.read(c)
	t.Cleanup(p.stop)
	return p
}

func (p *pomeloJSHeartbeats) read(c *testkit.RawConn) {
	for {
		typ, body, err := c.Read(time.Minute)
		if err != nil {
			p.closed <- err
			return
		}
		switch typ {
		case wire.PacketHeartbeat:
			p.onServerHeartbeat()
		case wire.PacketData:
			if m, err := wire.DecodeMessage(body); err == nil {
				p.data <- m
			}
		}
	}
}

func (p *pomeloJSHeartbeats) onServerHeartbeat() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pending != nil || p.stopped {
		return // "already in a heartbeat interval"
	}
	p.pending = time.AfterFunc(p.h+p.late, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.pending = nil
		if p.stopped {
			return
		}
		_ = p.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := p.nc.Write(wire.HeartbeatPacket()); err == nil {
			p.sent = append(p.sent, time.Now())
		}
	})
}

// stop cancels a pending heartbeat; the connection is closed by the
// RawConn's cleanup.
func (p *pomeloJSHeartbeats) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	if p.pending != nil {
		p.pending.Stop()
	}
}

// longestSilence returns the longest time between two heartbeats sent,
// and how many were sent.
func (p *pomeloJSHeartbeats) longestSilence() (time.Duration, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var longest time.Duration
	for i := 1; i < len(p.sent); i++ {
		longest = max(longest, p.sent[i].Sub(p.sent[i-1]))
	}
	return longest, len(p.sent) - 1
}

// TestHeartbeatPomeloJSClientStaysConnected: a client that answers the
// server's heartbeats one interval late, and ignores those that arrive
// while its answer is pending, is silent for about 2H at a time; it must
// stay connected (it was closed at 2H before). The second case adds a
// quarter interval of timer lateness on the client.
func TestHeartbeatPomeloJSClientStaysConnected(t *testing.T) {
	const h = time.Second
	for _, tt := range []struct {
		name string
		late time.Duration
	}{
		{"as pomelo-jsclient-websocket", 0},
		{"with late timers", h / 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, server.Options{Heartbeat: h})
			c := testkit.DialRaw(t, srv.tcpAddr)
			c.Handshake(pomeloJSHandshake)
			p := startPomeloJSHeartbeats(t, c, h, tt.late)
			select {
			case err := <-p.closed:
				longest, n := p.longestSilence()
				t.Fatalf("connection ended (%v) after %d heartbeats; longest silence %v", err, n, longest)
			case <-time.After(5 * h):
			}
			c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("alive"))
			select {
			case m := <-p.data:
				if m.ID != 1 || unstr(t, m.Payload) != "alive" {
					t.Errorf("got %+v", m)
				}
			case err := <-p.closed:
				t.Fatalf("connection ended: %v", err)
			case <-time.After(timeout):
				t.Fatal("no answer after 5 intervals")
			}
			longest, n := p.longestSilence()
			t.Logf("H=%v: %d client heartbeats in 5H, longest silence %v (closed only beyond %v)", h, n, longest, wire.HeartbeatTimeout(h))
			if n < 2 {
				t.Errorf("the client sent %d heartbeats: the server's heartbeats did not drive it", n)
			}
		})
	}
}

// TestHeartbeatSilentClientClosedAtDeadline: a connection that sends
// nothing after its handshake ack is closed after more than
// wire.HeartbeatTimeout(H) of silence, never before, and within about a
// tick of that deadline (it closed at about 3H before). The upper bound
// is generous for a loaded machine but stays under 3H - H/10.
func TestHeartbeatSilentClientClosedAtDeadline(t *testing.T) {
	const h = 2 * time.Second
	deadline := wire.HeartbeatTimeout(h) // 5 s
	const slack = 500 * time.Millisecond // tick (100 ms) + scheduling on a loaded machine
	srv := startServer(t, server.Options{Heartbeat: h})
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for i := range 3 { // three connections, at different phases of the tick
		c := testkit.DialRaw(t, srv.tcpAddr)
		c.Send(wire.PacketHandshake, []byte(pomeloJSHandshake))
		if typ, _ := c.Next(timeout); typ != wire.PacketHandshake {
			t.Fatalf("got %s, want the handshake response", typ)
		}
		last := time.Now() // before the server receives the ack
		c.Send(wire.PacketHandshakeAck, nil)
		wg.Go(func() {
			for {
				typ, _, err := c.Read(deadline + 2*time.Second)
				if err == nil {
					if typ != wire.PacketHeartbeat {
						errs <- errors.New("unexpected " + typ.String())
						return
					}
					continue
				}
				silent := time.Since(last)
				var ne net.Error
				switch {
				case errors.As(err, &ne) && ne.Timeout():
					t.Errorf("connection %d still open after %v of silence", i, silent)
				case silent <= deadline:
					t.Errorf("connection %d closed after %v of silence, before the %v deadline", i, silent, deadline)
				case silent > deadline+slack:
					t.Errorf("connection %d closed after %v of silence, more than %v after the %v deadline", i, silent, slack, deadline)
				default:
					t.Logf("connection %d closed after %v of silence (deadline %v, +%v)", i, silent, deadline, silent-deadline)
				}
				return
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
