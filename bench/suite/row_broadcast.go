package main

import (
	"context"
	"fmt"
	"runtime"
	"time"

	benchv1 "github.com/gamesrv/gamesrv/bench/gen/bench/v1"
	"github.com/gamesrv/gamesrv/bench/internal/echosvc"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// broadcastResult is one way of sending a push to every session.
type broadcastResult struct {
	elapsed    time.Duration
	deliveries int64
	allocs     float64 // per broadcast
	rate       float64 // deliveries per second
}

// runBroadcastRow measures row 5 in process: a server with no listener,
// sessions on in-memory connections that completed the handshake, all in
// one group. It times Group.Broadcast and checks that every connection
// received the very same bytes (one encoding), against a push to each
// member with Session.Push (which encodes once per member).
func runBroadcastRow(ctx context.Context, e *env) ([]Row, error) {
	srv, err := inProcessServer(&echosvc.Handler{})
	if err != nil {
		return nil, err
	}
	defer shutdown(srv)
	n := e.cfg.sessions
	sessions, conns, err := openSessions(srv, n)
	if err != nil {
		return nil, err
	}
	g := srv.Group("bench")
	for _, s := range sessions {
		if err := g.Add(s); err != nil {
			return nil, err
		}
	}
	msg := &benchv1.Tick{Seq: 1, Data: make([]byte, 32)}
	group, err := timeBroadcasts(ctx, e.cfg.broadcasts, n, func() error {
		return g.Broadcast(ctx, benchv1.EchoServiceOnTickRoute, msg)
	})
	if err != nil {
		return nil, err
	}
	held := srv.Sessions()
	delivered, once := encodedOnce(conns, int64(e.cfg.broadcasts))
	each, err := timeBroadcasts(ctx, max(1, e.cfg.broadcasts/10), n, func() error {
		return pushEach(ctx, sessions, msg)
	})
	if err != nil {
		return nil, err
	}
	e.logf("group: %.0f deliveries/s, %.1f allocs per broadcast; %s; %s", group.rate, group.allocs, delivered, once)
	open := Check{Name: checkSessions, OK: held == n, Detail: fmt.Sprintf("%d/%d open on the server", held, n)}
	return []Row{withChecks(broadcastRow(n, e.cfg.broadcasts, group, each), open, delivered, once)}, nil
}

// timeBroadcasts runs send rounds times and measures it.
func timeBroadcasts(ctx context.Context, rounds, members int, send func() error) (broadcastResult, error) {
	if err := send(); err != nil { // warm-up
		return broadcastResult{}, err
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for range rounds {
		if err := ctx.Err(); err != nil {
			return broadcastResult{}, err
		}
		if err := send(); err != nil {
			return broadcastResult{}, err
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	d := int64(rounds) * int64(members)
	return broadcastResult{
		elapsed: elapsed, deliveries: d,
		allocs: float64(after.Mallocs-before.Mallocs) / float64(rounds),
		rate:   float64(d) / elapsed.Seconds(),
	}, nil
}

// pushEach pushes msg to every session on its own: one encoding each.
func pushEach(ctx context.Context, sessions []gamesrv.Session, msg *benchv1.Tick) error {
	for _, s := range sessions {
		if err := s.Push(ctx, benchv1.EchoServiceOnTickRoute, msg); err != nil {
			return err
		}
	}
	return nil
}

// encodedOnce checks that every connection received the expected number of
// Data packets, and that the last one is the same backing array for all:
// the broadcast encoded the packet once and handed the same bytes to every
// connection.
func encodedOnce(conns []*memConn, rounds int64) (delivered, once Check) {
	first := conns[0].last.Load()
	same, counted := 0, 0
	for _, c := range conns {
		if c.last.Load() == first {
			same++
		}
		if c.data.Load() == rounds+1 { // + the warm-up
			counted++
		}
	}
	delivered = Check{Name: checkDelivered, OK: counted == len(conns),
		Detail: fmt.Sprintf("%d/%d connections got all %d broadcasts", counted, len(conns), rounds+1)}
	once = Check{Name: checkEncodedOnce, OK: first != nil && same == len(conns),
		Detail: fmt.Sprintf("%d/%d connections hold the very same []byte (same backing array) for the last broadcast", same, len(conns))}
	return delivered, once
}

func broadcastRow(n, rounds int, group, each broadcastResult) Row {
	ratio := group.rate / max(each.rate, 1)
	return Row{
		ID: "5", Name: fmt.Sprintf("broadcast to %d sessions (Group.Broadcast)", n),
		Measured: group.rate, Baseline: each.rate, Unit: "deliveries/s",
		MeasuredName: "Group.Broadcast", BaselineName: "Session.Push per member", Ratio: ratio, RatioText: fmt.Sprintf("%.1f×", ratio),
		Budget: "≥ 1 M deliveries/s, encoded once", Better: "higher",
		Pass: group.rate >= 1e6, // and the encoded-once check
		Details: fmt.Sprintf("in process, %d sessions (in-memory transport.Conn, handshake + ack through Peer.OnPacket) in one group; "+
			"%d broadcasts of a 36-byte Tick in %v: %.0f deliveries/s, %.1f allocs per broadcast; "+
			"baseline: Session.Push to each member (one encoding per member): %.0f deliveries/s, %.0f allocs per round",
			n, rounds, group.elapsed.Round(time.Microsecond), group.rate, group.allocs, each.rate, each.allocs),
	}
}
