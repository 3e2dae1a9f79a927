// Package linger closes a gnet connection without losing what was sent:
// the TCP and WebSocket transports share it.
//
// Closing a socket whose receive buffer still holds unread bytes makes the
// kernel send a reset instead of a FIN, and a reset makes the peer's kernel
// drop what the peer had not read yet: the last responses, the kick. So a
// closing connection first lets gnet send everything it buffered, then
// shuts down its output (the FIN follows the last byte), then reads and
// discards until the peer closes its side; the socket is closed then, or
// at the linger's deadline, or once the peer sent more than the byte
// budget. Nothing blocks the event loop: a timer wakes the connection while
// gnet still holds unsent bytes and closes it at the deadline.
package linger

import (
	"time"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/panjf2000/gnet/v2"
)

// poll is how often a lingering connection checks whether gnet sent
// everything it buffered (gnet has no callback for it).
const poll = 10 * time.Millisecond

// Linger is the close of one connection. Its methods run on the event
// loop; its timer only wakes or closes the connection, which gnet allows
// from any goroutine (and ignores once the connection is gone).
type Linger struct {
	gc       gnet.Conn
	deadline time.Time
	budget   int
	read     int
	shut     bool // the output is shut down
	timer    *time.Timer
}

// Start begins the close of gc once the last bytes were written (they may
// still sit in gnet's outbound buffer), with cfg's bounds, and returns what
// the event handler must return.
func Start(gc gnet.Conn, cfg *transport.Config) (*Linger, gnet.Action) {
	timeout, budget := cfg.Linger()
	l := &Linger{gc: gc, deadline: time.Now().Add(timeout), budget: budget}
	l.timer = time.AfterFunc(timeout, l.fire)
	return l, l.OnTraffic()
}

// OnTraffic runs for every read or wake-up of the closing connection: it
// discards what arrived and shuts the output down once gnet sent
// everything.
func (l *Linger) OnTraffic() gnet.Action {
	n, _ := l.gc.Discard(-1)
	if l.read += n; l.read > l.budget {
		return gnet.Close
	}
	if !l.shut && l.gc.OutboundBuffered() == 0 {
		if err := shutdownWrite(l.gc.Fd()); err != nil {
			return gnet.Close
		}
		l.shut = true
	}
	wait := time.Until(l.deadline)
	if wait <= 0 {
		return gnet.Close
	}
	if !l.shut {
		wait = min(wait, poll)
	}
	l.timer.Reset(wait)
	return gnet.None
}

// fire runs on the timer's goroutine.
func (l *Linger) fire() {
	if time.Now().Before(l.deadline) {
		_ = l.gc.Wake(nil) // OnTraffic looks at the outbound buffer again
		return
	}
	_ = l.gc.Close()
}

// Stop stops the timer; call it from OnClose.
func (l *Linger) Stop() { l.timer.Stop() }
