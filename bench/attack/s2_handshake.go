package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/gamesrv/gamesrv/runtime/wire"
)

// runHandshake measures scenario 2: the server's RSS growth when
// connections that each sent the largest handshake the server accepts
// stay open and idle.
func runHandshake(ctx context.Context, e *env, s *Scenario) error {
	// The search runs on a server of its own: its garbage would otherwise
	// be reused by the measured connections and hide part of their cost.
	search, err := startChat(e, anyPort)
	if err != nil {
		return err
	}
	largest, steps, err := largestHandshake(ctx, search.tcp)
	if err != nil {
		return err
	}
	if err := search.Stop(); err != nil {
		return err
	}
	e.logf("largest accepted handshake: %d bytes (%d tries); opening %d connections", largest, len(steps), e.cfg.handshakeConns)
	srv, err := startChat(e, anyPort)
	if err != nil {
		return err
	}
	before, err := srv.settledRSS(100*time.Millisecond, 5, 16<<10, 5*time.Second)
	if err != nil {
		return err
	}
	start := time.Now()
	conns, refused := openHandshaken(ctx, srv.tcp, e.cfg.handshakeConns, handshakeBody(largest))
	opened := time.Since(start)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	after, err := srv.settledRSS(200*time.Millisecond, 6, 256<<10, 20*time.Second)
	if err != nil {
		return err
	}
	alive, probed := probeOpen(conns, 50)
	growth := float64(after.RSS-before.RSS) / 1e6
	perConn := float64(after.RSS-before.RSS) / float64(max(len(conns), 1))
	e.logf("RSS %d -> %d KiB (%.1f MB, %.0f B per connection), %d/%d probed open", before.RSS>>10, after.RSS>>10, growth, perConn, alive, probed)

	s.figure("largest_handshake", float64(largest), "B")
	s.figure("connections", float64(len(conns)), "count")
	s.figure("rss_before", float64(before.RSS)/1e6, "MB")
	s.figure("rss_after", float64(after.RSS)/1e6, "MB")
	s.figure("rss_growth", growth, "MB")
	s.figure("rss_growth_per_connection", perConn, "B")
	s.Headline = fmt.Sprintf("+%.1f MB for %d connections with a %s handshake (%s each)", growth, len(conns), sizeText(largest), sizeText(int(perConn)))
	s.Details = fmt.Sprintf("the largest handshake body the server answers with code 200 is found by doubling then bisecting on a server of its own (tries: %s); "+
		"on a fresh server, %d connections from their own loopback addresses each send a handshake body of exactly %d bytes (JSON, the padding in \"user\"), read code 200, send the ack and stay idle; "+
		"growth of the server's VmRSS (user space; kernel socket buffers not included), each reading after a quiet period (before: 5 polls 100 ms apart within 16 KiB or 1%%, at most 5 s; "+
		"after: 6 polls 200 ms apart within 256 KiB or 1%%, at most 20 s): %d -> %d KiB, before %s, after %s; opened in %v; handshakes not accepted: %s",
		stepsText(steps), e.cfg.handshakeConns, largest, before.RSS>>10, after.RSS>>10, before.text(), after.text(), opened.Round(time.Millisecond), refused.String())
	s.finish(growth < 10,
		searchCheck(steps, largest),
		Check{Name: checkHandshakes, OK: len(conns) == e.cfg.handshakeConns && refused.total() == 0,
			Detail: fmt.Sprintf("%d of %d accepted", len(conns), e.cfg.handshakeConns)},
		Check{Name: checkHeldOpen, OK: probed > 0 && alive == probed, Detail: fmt.Sprintf("%d/%d", alive, probed)},
		Check{Name: checkRSSSettled, OK: before.Settled && after.Settled, Detail: "before " + before.text() + ", after " + after.text()},
	)
	return nil
}

// try is one handshake size tried by the search and its outcome.
type try struct {
	size     int
	accepted bool
	how      string // how a refusal looked: "code 400", "EOF", "reset"...
}

// largestHandshake returns the largest handshake body the server at addr
// accepts: doubling from 1 KiB up to the protocol's 16 MiB, then
// bisecting between the last accepted and the first refused size. The
// smallest body must be accepted.
func largestHandshake(ctx context.Context, addr string) (int, []try, error) {
	var steps []try
	probe := func(size int) (bool, error) {
		ok, how, err := acceptsHandshake(ctx, addr, size)
		if err != nil {
			return false, fmt.Errorf("handshake of %d bytes: %w", size, err)
		}
		steps = append(steps, try{size, ok, how})
		return ok, nil
	}
	ok, err := probe(len(minHandshake))
	if err != nil {
		return 0, steps, err
	}
	if !ok {
		return 0, steps, errors.New("the server refuses the smallest handshake")
	}
	lo, hi := len(minHandshake), 0 // lo accepted, hi refused (0: none yet)
	for size := 1024; hi == 0; size = min(size*2, wire.MaxBodyLen) {
		if ok, err = probe(size); err != nil {
			return 0, steps, err
		}
		switch {
		case !ok:
			hi = size
		case size == wire.MaxBodyLen:
			return size, steps, nil
		default:
			lo = size
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if ok, err = probe(mid); err != nil {
			return 0, steps, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, steps, nil
}

// acceptsHandshake sends one handshake of size bytes on a new connection
// and reports whether the server answered code 200; when it did not, how
// says what it did. An error is a handshake that got no verdict in 10 s.
func acceptsHandshake(ctx context.Context, addr string, size int) (ok bool, how string, err error) {
	c, err := dialRaw(ctx, addr, nil)
	if err != nil {
		return false, "", err
	}
	defer c.Close()
	err = c.handshake(handshakeBody(size), 10*time.Second)
	switch {
	case err == nil:
		return true, "", nil
	case errors.Is(err, errRejected):
		return false, err.Error(), nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return false, "", err
	}
	return false, endOf(err), nil
}

// openHandshaken opens n connections, each from its own loopback address,
// that send the handshake body, read code 200 and send the ack. It
// returns the connections accepted and how the others were refused.
func openHandshaken(ctx context.Context, addr string, n int, body []byte) ([]*rawConn, counts) {
	var mu sync.Mutex
	var conns []*rawConn
	var refused counts
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(8, n) {
		wg.Go(func() {
			for i := range work {
				c, err := dialRaw(ctx, addr, sourceIP(i))
				if err == nil {
					if err = c.handshake(body, 30*time.Second); err != nil {
						_ = c.Close()
					}
				}
				mu.Lock()
				if err != nil {
					refused.add(endOf(err), err.Error())
				} else {
					conns = append(conns, c)
				}
				mu.Unlock()
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	return conns, refused
}

// probeOpen checks up to most connections spread over conns: a read that
// times out, or returns a heartbeat, means the server holds the
// connection open.
func probeOpen(conns []*rawConn, most int) (alive, probed int) {
	step := max(1, len(conns)/most)
	for i := 0; i < len(conns); i += step {
		probed++
		c := conns[i]
		_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
		var b [1]byte
		n, err := c.br.Read(b[:])
		var ne net.Error
		if n > 0 || errors.As(err, &ne) && ne.Timeout() {
			alive++
		}
		if n > 0 {
			_ = c.br.UnreadByte()
		}
		_ = c.nc.SetReadDeadline(time.Time{})
	}
	return alive, probed
}

// searchCheck checks the search converged: the size found was accepted and
// one byte more refused (or it is the protocol's maximum).
func searchCheck(steps []try, largest int) Check {
	okAt, refusedAbove := false, largest == wire.MaxBodyLen
	for _, t := range steps {
		okAt = okAt || t.size == largest && t.accepted
		refusedAbove = refusedAbove || t.size == largest+1 && !t.accepted
	}
	return Check{Name: checkSearch, OK: okAt && refusedAbove,
		Detail: fmt.Sprintf("%d bytes accepted: %v; %d refused: %v", largest, okAt, largest+1, refusedAbove)}
}

// stepsText prints the search's tries.
func stepsText(steps []try) string {
	s := ""
	for i, t := range steps {
		if i > 0 {
			s += ", "
		}
		if t.accepted {
			s += fmt.Sprintf("%d ok", t.size)
		} else {
			s += fmt.Sprintf("%d refused (%s)", t.size, t.how)
		}
	}
	return s
}

// sizeText prints a byte size in B, KiB or MiB.
func sizeText(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
