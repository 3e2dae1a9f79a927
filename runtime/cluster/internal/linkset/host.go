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
func (h host) ArmSweep()                      { h.s.sweeper.Arm() }

// newLink returns a link of the set over conn, whose handshake (read
// through br) found peer.
func (s *Set) newLink(conn net.Conn, br *bufio.Reader, peer linkhello.Peer, dialed bool) *link.Link {
	return link.New(host{s}, &s.linkCfg, conn, br, peer, dialed)
}

// sweepInterval is the precision of the call deadlines the set enforces.
const sweepInterval = 20 * time.Millisecond

// sweep answers GS-504 to the calls whose deadline passed and ends the
// contexts of the incoming calls whose deadline passed, and reports
// whether calls with a later deadline remain. It is the tick of the set's
// sweeper (a link.Ticker), which ticks only while some link has a call
// with a deadline in flight: an idle set does no periodic work here, and
// a call registered on an idle set arms it (Host.ArmSweep).
func (s *Set) sweep(now time.Time) (busy bool) {
	s.swept = s.Links(s.swept[:0])
	for _, l := range s.swept {
		if l.Expire(now.UnixNano()) {
			busy = true
		}
		if l.ExpireServing(now.UnixNano()) {
			busy = true
		}
	}
	clear(s.swept)
	return busy
}
