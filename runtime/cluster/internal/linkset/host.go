package linkset

import (
	"bufio"
	"context"
	"net"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/link"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkhello"
)

// host is what the set's links call back: the node's handler (counted,
// for a graceful close), the set's bookkeeping and its sweeper.
type host struct{ s *Set }

func (h host) HandleCall(ctx context.Context, l *link.Link, c *gamesrvv1.Call) *gamesrvv1.Reply {
	h.s.serving.Add(1)
	defer h.s.serving.Add(-1)
	return h.s.cfg.Handler.HandleCall(ctx, l, c)
}

func (h host) ServeInline(l *link.Link, c *gamesrvv1.Call) bool {
	return h.s.cfg.Handler.ServeInline(l, c)
}

func (h host) Closed(l *link.Link, err error) { h.s.linkClosed(l, err) }
func (h host) ArmSweep()                      { h.s.armSweep() }

// newLink returns a link of the set over conn, whose handshake (read
// through br) found peer.
func (s *Set) newLink(conn net.Conn, br *bufio.Reader, peer linkhello.Peer, dialed bool) *link.Link {
	return link.New(host{s}, &s.linkCfg, conn, br, peer, dialed)
}

// sweepInterval is the precision of the call deadlines the set enforces.
const sweepInterval = 20 * time.Millisecond

// sweep answers GS-504 to the calls whose deadline passed and ends the
// contexts of the incoming calls whose deadline passed, until the set
// closes: no call needs a timer of its own. It ticks only while some link
// has a call with a deadline in flight; an idle set does no periodic work
// here (a call registered on an idle set wakes it, see armSweep).
//
// armed is true while the sweeper ticks: calls registered meanwhile do not
// wake it (a wake per call was a goroutine switch per call). Each tick
// clears armed before it looks at the links, so a call registered during
// the look arms it again, and the sweeper stops only when no call with a
// deadline remains and none was registered since.
func (s *Set) sweep() {
	defer s.wg.Done()
	t := time.NewTicker(sweepInterval)
	t.Stop()
	defer t.Stop()
	var links []*link.Link
	for {
		select {
		case <-s.wake:
			t.Reset(sweepInterval)
		case now := <-t.C:
			s.armed.Store(false)
			busy := false
			links = s.Links(links[:0])
			for _, l := range links {
				if l.Expire(now.UnixNano()) {
					busy = true
				}
				if l.ExpireServing(now.UnixNano()) {
					busy = true
				}
			}
			clear(links)
			if busy {
				s.armed.Store(true) // still ticking: new calls need not wake it
			} else {
				t.Stop() // a call registered since the look sent a wake
			}
		case <-s.ctx.Done():
			return
		}
	}
}

// armSweep makes sure the sweeper ticks: a call with a deadline was
// registered. While it ticks this is one atomic load; otherwise one
// goroutine wakes it (a send to a full channel fails fast).
func (s *Set) armSweep() {
	if s.armed.Load() || !s.armed.CompareAndSwap(false, true) {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
