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
// updated every tick), for rate limits and anything else that can be a
// tick late.
func (srv *Server) now() int64 { return srv.clock.Load() }

// precise returns the server's monotonic clock to the nanosecond. Every
// received packet is stamped with it (session.lastRecv), so that the
// heartbeat deadline is never early.
func (srv *Server) precise() int64 { return int64(time.Since(srv.started)) }

// since returns the time elapsed since a precise() reading.
func (srv *Server) since(at int64) time.Duration { return time.Duration(srv.precise() - at) }

// runTimers advances the clock, the heartbeat wheel and the handshake
// deadlines, and ends the workers idle for workerIdle, every tick, until
// the server stops. While the server has no connection and no parked
// worker there is nothing to time, and it sleeps (sleepTimers) until a
// connection opens or a worker parks (wake): an idle server, a cluster
// backend that serves no client, does no periodic work.
func (srv *Server) runTimers() {
	defer srv.timers.Done()
	t := time.NewTimer(srv.untilNextTick())
	defer t.Stop()
	for {
		select {
		case <-t.C:
			now := srv.precise()
			srv.clock.Store(now)
			srv.wheel.advance(srv, now)
			srv.deadlines.expire(now)
			srv.workers.reap(now)
			if srv.idle() && !srv.sleepTimers() {
				return
			}
			t.Reset(srv.untilNextTick())
		case <-srv.stopTimers:
			return
		}
	}
}

// idle reports whether the server has nothing for its timers: no
// connection (sessions, their heartbeats, handshake deadlines and rate
// limits) and no parked worker to end.
func (srv *Server) idle() bool { return srv.conns.Load() == 0 && srv.workers.parked() == 0 }

// sleepTimers blocks the timer goroutine until wake; false when the server
// stops meanwhile. A connection or worker that came between the caller's
// idle check and the sleep is seen by the second check, or its wake finds
// the timers asleep.
func (srv *Server) sleepTimers() bool {
	srv.asleep.Store(true)
	if !srv.idle() && srv.asleep.CompareAndSwap(true, false) {
		return true
	}
	select {
	case <-srv.wakeTimers:
		return true
	case <-srv.stopTimers:
		return false
	}
}

// wake restarts the timers if they sleep, with the clock brought up to
// date first, so a caller may read it right after. One atomic load when
// they run.
func (srv *Server) wake() {
	if srv.asleep.Load() && srv.asleep.CompareAndSwap(true, false) {
		srv.clock.Store(srv.precise())
		srv.wakeTimers <- struct{}{} // one token per sleep: never blocks
	}
}

// untilNextTick returns the time left until the next multiple of tick on
// the server's clock.
func (srv *Server) untilNextTick() time.Duration {
	now := srv.precise()
	return time.Duration((now/int64(tick)+1)*int64(tick) - now)
}

// wheel sends every working session a heartbeat once per interval and
// closes a session that has been silent for more than
// wire.HeartbeatTimeout(interval), within one tick of that deadline.
//
// It has one slot per tick of an interval; a session sits in the slot of
// the tick it must be looked at next (its due tick): its next heartbeat,
// or its silence deadline when that comes first. Receiving a packet only
// stores the time (session.lastRecv), it never moves the session: when the
// session comes up, a deadline that moved is found and the session is put
// back in the slot of its new due tick. Sessions sit in intrusive lists,
// so an idle session costs a few words and no timer, and is looked at
// about once per interval.
type wheel struct {
	mu       sync.Mutex
	slots    []*session // list heads; tick k is in slot k % len(slots)
	last     int64      // the last tick visited
	interval int64      // ticks per heartbeat interval
	timeout  int64      // silence, in nanoseconds, beyond which a session is closed
	hb       []byte     // the heartbeat packet, shared by every write

	// beats and expired collect the sessions of one advance; only the
	// timer goroutine uses them.
	beats, expired []*session
}

func newWheel(interval time.Duration, now int64) *wheel {
	n := max(1, int64(interval/tick))
	return &wheel{
		slots:    make([]*session, n),
		last:     now / int64(tick),
		interval: n,
		timeout:  int64(wire.HeartbeatTimeout(interval)),
		hb:       wire.HeartbeatPacket(),
	}
}

// add places a new session, whose lastRecv is set, in the wheel: its first
// heartbeat is one interval from now.
func (w *wheel) add(s *session) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s.nextBeat = s.lastRecv.Load()/int64(tick) + w.interval
	w.insert(s, w.dueTick(s))
}

// dueTick returns the tick at which s must be looked at next: its next
// heartbeat, or the first tick after its silence deadline.
func (w *wheel) dueTick(s *session) int64 {
	return min(s.nextBeat, (s.lastRecv.Load()+w.timeout)/int64(tick)+1)
}

// insert puts s at the head of the slot of tick due (the next tick when due
// has passed). w.mu is held.
func (w *wheel) insert(s *session, due int64) {
	due = max(due, w.last+1)
	slot := int32(due % int64(len(w.slots)))
	s.wheelDue, s.wheelSlot, s.wheelPrev, s.wheelNext = due, slot, nil, w.slots[slot]
	if s.wheelNext != nil {
		s.wheelNext.wheelPrev = s
	}
	w.slots[slot] = s
}

// remove takes s out of the wheel, if it is in it.
func (w *wheel) remove(s *session) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s.wheelSlot < 0 {
		return
	}
	if s.wheelPrev != nil {
		s.wheelPrev.wheelNext = s.wheelNext
	} else if w.slots[s.wheelSlot] == s {
		w.slots[s.wheelSlot] = s.wheelNext
	}
	if s.wheelNext != nil {
		s.wheelNext.wheelPrev = s.wheelPrev
	}
	s.wheelPrev, s.wheelNext, s.wheelSlot = nil, nil, -1
}

// advance visits the slots of the ticks up to now (more than one when the
// timer was late; each slot at most once), then sends the heartbeats due
// and closes the sessions whose silence exceeded the timeout. The lock is
// not held while writing or closing.
func (w *wheel) advance(srv *Server, now int64) {
	w.mu.Lock()
	cur := now / int64(tick)
	for k := w.last + 1; k <= cur && k <= w.last+int64(len(w.slots)); k++ {
		w.visit(int32(k%int64(len(w.slots))), cur, now)
	}
	w.last = max(w.last, cur)
	w.mu.Unlock()

	for _, s := range w.beats {
		if s.state.Load() == stateWorking {
			_ = s.conn.Write(w.hb)
		}
	}
	for _, s := range w.expired {
		srv.log.Debug("heartbeat timeout", "session", s.id, "silent", time.Duration(now-s.lastRecv.Load()))
		_ = s.Close()
	}
	clear(w.beats)
	clear(w.expired)
	w.beats, w.expired = w.beats[:0], w.expired[:0]
}

// visit looks at the sessions of one slot at tick cur (precise time now):
// those due close when silent for too long or get their heartbeat, and go
// back into the wheel at their next due tick. w.mu is held.
func (w *wheel) visit(slot int32, cur, now int64) {
	next := w.slots[slot]
	w.slots[slot] = nil
	for s := next; s != nil; s = next {
		next = s.wheelNext
		s.wheelPrev, s.wheelNext = nil, nil
		if s.wheelDue > cur { // a later turn of the wheel
			w.insert(s, s.wheelDue)
			continue
		}
		if now-s.lastRecv.Load() > w.timeout {
			s.wheelSlot = -1
			w.expired = append(w.expired, s)
			continue
		}
		if s.nextBeat <= cur {
			w.beats = append(w.beats, s)
			s.nextBeat = max(s.nextBeat+w.interval, cur+1)
		}
		w.insert(s, w.dueTick(s))
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
