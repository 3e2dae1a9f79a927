package main

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gamesrv/gamesrv/bench/internal/rlimit"
	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
)

// fdReserve is the number of file descriptors scenario 4 leaves besides
// its connections (stdio, pipes, the probe of another address...).
const fdReserve = 256

// runPerIP measures scenario 4: one address (127.0.0.1) opens many
// connections, each sending the handshake; how many the server holds.
func runPerIP(ctx context.Context, e *env, s *Scenario) error {
	n, note := e.cfg.perIPConns, ""
	limit, err := rlimit.RaiseNoFile(uint64(n + fdReserve))
	if err != nil {
		return err
	}
	if int(limit) < n+fdReserve {
		n = int(limit) - fdReserve
		note = fmt.Sprintf(" (not %d: the open-file limit is %d)", e.cfg.perIPConns, limit)
		if n < 1 {
			return fmt.Errorf("open-file limit %d", limit)
		}
	}
	srv, err := startChat(e, anyPort)
	if err != nil {
		return err
	}
	var open atomic.Int64 // hand-shaken connections the server has not ended
	var readers sync.WaitGroup
	var mu sync.Mutex
	var held []*rawConn
	var refused counts
	start := time.Now()
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(64, n) {
		wg.Go(func() {
			for range work {
				h, err := holdConn(ctx, srv.tcp, &open, &readers)
				mu.Lock()
				if err != nil {
					refused.add(endOf(err), err.Error())
				} else {
					held = append(held, h)
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
	took := time.Since(start)
	defer func() {
		for _, c := range held {
			_ = c.Close()
		}
		readers.Wait() // they end on the closes just made
	}()
	server, client, agreed := agreeCount(ctx, srv, &open)
	other, otherHow := otherAddress(ctx, srv.tcp)
	e.logf("%d connections from 127.0.0.1 in %v: %d hand-shaken, refused: %s; the server holds %d, the client sees %d open", n, took.Round(time.Millisecond), len(held), refused.String(), server, client)

	s.figure("connections_opened", float64(n), "count")
	s.figure("handshakes_accepted", float64(len(held)), "count")
	s.figure("connections_refused", float64(refused.total()), "count")
	s.figure("connections_held_server", float64(server), "count")
	s.figure("connections_held_client", float64(client), "count")
	s.Headline = fmt.Sprintf("%d of %d connections held", server, n)
	s.Details = fmt.Sprintf("%d TCP connections%s from 127.0.0.1, 64 dialling at a time, each sending the smallest handshake (accepted: code 200, then the ack) and then reading until the server ends it; "+
		"opened in %v; %d hand-shaken, refused: %s; held after the opening: %d sessions on the server (admin), %d connections still open on the client side",
		n, note, took.Round(time.Millisecond), len(held), refused.String(), server, client)
	s.finish(server < n,
		Check{Name: checkAgree, OK: agreed, Detail: fmt.Sprintf("server %d sessions, client %d connections open", server, client)},
		Check{Name: checkOtherAddr, OK: other, Detail: otherHow},
	)
	return nil
}

// holdConn dials from 127.0.0.1, hand-shakes, and reads the connection in
// a goroutine that decrements open when the server ends it.
func holdConn(ctx context.Context, addr string, open *atomic.Int64, readers *sync.WaitGroup) (*rawConn, error) {
	c, err := dialRaw(ctx, addr, net.IPv4(127, 0, 0, 1))
	if err != nil {
		return nil, err
	}
	if err := c.handshake(minHandshake, 10*time.Second); err != nil {
		_ = c.Close()
		return nil, err
	}
	open.Add(1)
	readers.Go(func() {
		defer open.Add(-1)
		for {
			if _, _, err := c.readPacket(); err != nil {
				return
			}
		}
	})
	return c, nil
}

// agreeCount waits for the server's session count and the client's count
// of open connections to agree (the server may still be closing the
// connections it refused), for at most 10 s, and returns both.
func agreeCount(ctx context.Context, srv *chatServer, open *atomic.Int64) (server, client int, agreed bool) {
	for deadline := time.Now().Add(10 * time.Second); ctx.Err() == nil; {
		st, err := srv.stats(ctx)
		server, client = st.Server.Sessions, int(open.Load())
		if err == nil && server == client || time.Now().After(deadline) {
			return server, client, err == nil && server == client
		}
		sleepCtx(ctx, 100*time.Millisecond)
	}
	return server, client, false
}

// otherAddress checks that a client from 127.0.0.2 still gets served: it
// hand-shakes and gets an answer to a request.
func otherAddress(ctx context.Context, addr string) (bool, string) {
	c, err := dialRaw(ctx, addr, net.IPv4(127, 0, 0, 2))
	if err != nil {
		return false, "dial from 127.0.0.2: " + err.Error()
	}
	defer c.Close()
	if err := c.handshake(minHandshake, 10*time.Second); err != nil {
		return false, "handshake from 127.0.0.2: " + err.Error()
	}
	a, err := c.call(1, probeRoute, &chatv1.MembersRequest{}, 10*time.Second)
	if err != nil {
		return false, "request from 127.0.0.2: " + err.Error()
	}
	if a.code != "" {
		return true, fmt.Sprintf("127.0.0.2 answered %s", a.code)
	}
	return true, "127.0.0.2 answered"
}
