package server

import (
	"sync"
	"time"

	"github.com/gamesrv/gamesrv/runtime/wire"
)

// tick is the resolution of the server's clock, heartbeat wheel and
// handshake deadlines.
const tick = 100 * time.Millisecond

// now returns the server's coarse monotonic clock (nanoseconds since start,
// updated every tick), cheap enough to stamp every packet.
func (srv *Server) now() int64 { return srv.clock.Load() }

// precise returns the server's monotonic clock to the nanosecond.
func (srv *Server) precise() int64 { return int64(time.Since(srv.started)) }

// since returns the time elapsed since a precise() reading.
func (srv *Server) since(at int64) time.Duration { return time.Duration(srv.precise() - at) }

// runTimers advances the clock, the heartbeat wheel and the handshake
// deadlines every tick, until the server stops.
func (srv *Server) runTimers() {
	start := srv.started
	defer srv.timers.Done()
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			now := int64(time.Since(start))
			srv.clock.Store(now)
			srv.wheel.advance(srv, now)
			srv.deadlines.expire(now)
		case <-srv.stopTimers:
			return
		}
	}
}

// wheel visits every session once per heartbeat interval, spread over the
// interval: it sends the session's heartbeat and closes it if it has been
// silent for more than two intervals. Sessions sit in intrusive lists, one
// per slot, so an idle session costs three words and no timer.
type wheel struct {
	mu    sync.Mutex
	slots []*session // list heads
	pos   int
	hb    []byte // the heartbeat packet, shared by every write
}

func newWheel(interval time.Duration) *wheel {
	n := max(1, int(interval/tick))
	return &wheel{slots: make([]*session, n), hb: wire.HeartbeatPacket()}
}

// add places s in the slot visited one interval from now.
func (w *wheel) add(s *session) {
	w.mu.Lock()
	defer w.mu.Unlock()
	slot := int32((w.pos + len(w.slots) - 1) % len(w.slots))
	s.wheelSlot, s.wheelPrev, s.wheelNext = slot, nil, w.slots[slot]
	if s.wheelNext != nil {
		s.wheelNext.wheelPrev = s
	}
	w.slots[slot] = s
}

// remove takes s out of its slot.
func (w *wheel) remove(s *session) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s.wheelPrev != nil {
		s.wheelPrev.wheelNext = s.wheelNext
	} else if w.slots[s.wheelSlot] == s {
		w.slots[s.wheelSlot] = s.wheelNext
	}
	if s.wheelNext != nil {
		s.wheelNext.wheelPrev = s.wheelPrev
	}
	s.wheelPrev, s.wheelNext = nil, nil
}

// advance visits the next slot. Writes only queue bytes, so holding the lock
// while visiting is cheap.
func (w *wheel) advance(srv *Server, now int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pos = (w.pos + 1) % len(w.slots)
	timeout := int64(2 * srv.opts.Heartbeat)
	for s := w.slots[w.pos]; s != nil; s = s.wheelNext {
		switch {
		case now-s.lastRecv.Load() > timeout:
			srv.log.Debug("heartbeat timeout", "session", s.id)
			_ = s.Close()
		case s.state.Load() == stateWorking:
			_ = s.conn.Write(w.hb)
		}
	}
}

// deadlineQueue closes connections that do not finish the handshake in
// time. Connections are appended in accept order, so deadlines are sorted.
type deadlineQueue struct {
	mu      sync.Mutex
	entries []deadline
	timeout int64
	log     func(id int64)
}

type deadline struct {
	s  *session
	at int64
}

func (q *deadlineQueue) add(s *session, now int64) {
	q.mu.Lock()
	q.entries = append(q.entries, deadline{s: s, at: now + q.timeout})
	q.mu.Unlock()
}

// expire closes the sessions whose deadline passed before they reached the
// working state.
func (q *deadlineQueue) expire(now int64) {
	q.mu.Lock()
	n := 0
	for n < len(q.entries) && q.entries[n].at <= now {
		if s := q.entries[n].s; s.state.Load() < stateWorking {
			q.log(s.id)
			_ = s.Close()
		}
		n++
	}
	q.entries = append(q.entries[:0], q.entries[n:]...)
	q.mu.Unlock()
}
