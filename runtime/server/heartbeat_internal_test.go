package server

import (
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// countConn counts the packets written to it and the closes.
type countConn struct{ writes, closes atomic.Int64 }

func (c *countConn) Write([]byte) error   { c.writes.Add(1); return nil }
func (c *countConn) Close() error         { c.closes.Add(1); return nil }
func (c *countConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

// wheelServer returns a server (not started) with a heartbeat wheel of
// interval h whose clock starts at 0.
func wheelServer(h time.Duration) *Server {
	srv := &Server{opts: Options{Heartbeat: h}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	srv.wheel = newWheel(h, 0)
	return srv
}

// addWheelSession adds a working session whose last packet arrived at at.
func addWheelSession(srv *Server, conn *countConn, at int64) *session {
	s := &session{srv: srv, conn: conn}
	s.state.Store(stateWorking)
	s.lastRecv.Store(at)
	srv.wheel.add(s)
	return s
}

// TestWheelDeadlines drives the wheel with a fake clock: a session is
// closed at the first tick after more than 2.5H of silence, never before,
// whatever the phase of its last packet within a tick; it gets a
// heartbeat every H meanwhile; a packet received postpones the deadline;
// a timer that fires late catches up.
func TestWheelDeadlines(t *testing.T) {
	const h = time.Second
	timeout := int64(2*h + h/2)
	tk := int64(tick)
	tests := []struct {
		name      string
		lastRecv  int64   // when the session's last packet arrived
		recvAgain []int64 // later packets
		step      int64   // advance the clock by this much each time (late timers: several ticks)
		wantClose int64   // the clock of the advance that must close it
	}{
		{"on a tick", 0, nil, tk, timeout + tk},
		{"just after a tick", 1, nil, tk, timeout + tk},
		{"just before a tick", tk - 1, nil, tk, timeout + tk},
		{"packet postpones", 0, []int64{2 * int64(h)}, tk, 2*int64(h) + timeout + tk},
		{"late timer", 0, nil, 7 * tk, 28 * tk}, // first advance at or after 2.6 s with steps of 0.7 s
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := wheelServer(h)
			conn := &countConn{}
			s := addWheelSession(srv, conn, tt.lastRecv)
			again := tt.recvAgain
			for now := tt.step; now <= tt.wantClose; now += tt.step {
				if len(again) > 0 && again[0] <= now-tt.step {
					s.lastRecv.Store(again[0])
					again = again[1:]
				}
				srv.wheel.advance(srv, now)
				closed := conn.closes.Load() > 0
				if closed != (now == tt.wantClose) {
					t.Fatalf("at %v: closed %v, want a close at %v", time.Duration(now), closed, time.Duration(tt.wantClose))
				}
			}
			if s.wheelSlot != -1 {
				t.Error("the closed session is still in the wheel")
			}
			if want := tt.wantClose / int64(h); conn.writes.Load() < want-1 || conn.writes.Load() > want {
				t.Errorf("%d heartbeats in %v", conn.writes.Load(), time.Duration(tt.wantClose))
			}
		})
	}
}

// TestWheelRemove: a removed session is never visited again.
func TestWheelRemove(t *testing.T) {
	srv := wheelServer(time.Second)
	conns := []*countConn{{}, {}, {}}
	var ss []*session
	for _, c := range conns {
		ss = append(ss, addWheelSession(srv, c, 0))
	}
	srv.wheel.remove(ss[1]) // the middle of a slot's list
	srv.wheel.remove(ss[1]) // twice is harmless
	for now := int64(tick); now <= int64(3*time.Second); now += int64(tick) {
		srv.wheel.advance(srv, now)
	}
	if conns[1].writes.Load() != 0 || conns[1].closes.Load() != 0 {
		t.Error("a removed session was visited")
	}
	if conns[0].closes.Load() != 1 || conns[2].closes.Load() != 1 {
		t.Error("the others were not closed")
	}
}

// BenchmarkWheelAdvance measures one tick of the wheel with 100,000 live
// sessions and the default 30 s heartbeat: each tick visits the sessions
// due (1/300 of them) and writes their heartbeats.
func BenchmarkWheelAdvance(b *testing.B) {
	const n = 100_000
	h := 30 * time.Second
	srv := wheelServer(h)
	conn := &countConn{}
	ss := make([]*session, n)
	for i := range ss {
		ss[i] = addWheelSession(srv, conn, int64(i)*int64(h)/n) // spread over an interval
	}
	now := int64(h)
	srv.wheel.advance(srv, now) // catch up to the first interval
	conn.writes.Store(0)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		now += int64(tick)
		if i%int(h/tick) == 0 { // every interval, as if every session had sent something
			b.StopTimer()
			for _, s := range ss {
				s.lastRecv.Store(now)
			}
			b.StartTimer()
		}
		srv.wheel.advance(srv, now)
	}
	b.ReportMetric(float64(conn.writes.Load())/float64(b.N), "heartbeats/op")
	if conn.closes.Load() != 0 {
		b.Fatalf("%d live sessions closed", conn.closes.Load())
	}
}
