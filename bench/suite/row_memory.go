package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gamesrv/gamesrv/bench/internal/rlimit"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// fdReserve is the number of file descriptors row 3 leaves to each process
// besides the idle connections (stdio, pipes, epoll, listener...).
const fdReserve = 64

// sourceIPs is the number of loopback source addresses (127.0.0.2...)
// the idle connections rotate over, so that ephemeral ports never run
// short.
const sourceIPs = 8

// idleResult is the memory of one server holding idle connections.
type idleResult struct {
	n             int
	before, after settle
	open          time.Duration // to open and hand-shake every connection
	alive, probed int           // connections found open after the reading
}

// perConn returns the RSS growth per connection in bytes.
func (r idleResult) perConn() float64 {
	return float64(r.after.RSS-r.before.RSS) / float64(r.n)
}

// runMemoryRow measures row 3: the RSS growth of a server per idle TCP
// connection that completed the handshake, gamesrv against bare gnet.
func runMemoryRow(ctx context.Context, e *env) ([]Row, error) {
	n, limitNote, err := idleTarget(e.cfg.idleConns)
	if err != nil {
		return nil, err
	}
	g, err := idleMemory(ctx, e, "echoserver", e.cfg.server, n, "-tcp", "127.0.0.1:0", "-heartbeat", "5m")
	if err != nil {
		return nil, err
	}
	b, err := idleMemory(ctx, e, "gnetecho", e.cfg.gnet, n, "-addr", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return []Row{memoryRow(g, b, e.cfg.idleConns, limitNote)}, nil
}

// idleTarget raises the suite's open-file limit for n connections and
// returns how many it can hold, with a note when that is fewer than n.
func idleTarget(n int) (int, string, error) {
	limit, err := rlimit.RaiseNoFile(uint64(n + fdReserve))
	if err != nil {
		return 0, "", err
	}
	if int(limit) >= n+fdReserve {
		return n, "", nil
	}
	got := int(limit) - fdReserve
	if got < n/2 {
		return 0, "", fmt.Errorf("RLIMIT_NOFILE is %d: too low for %d connections", limit, n)
	}
	return got, fmt.Sprintf("%d connections instead of %d: the hard RLIMIT_NOFILE of this machine is %d and cannot be raised (no CAP_SYS_RESOURCE), and each process needs %d descriptors besides the connections; ",
		got, n, limit, fdReserve), nil
}

// idleMemory starts a server, reads its settled RSS, opens n idle
// connections that complete the handshake, reads the settled RSS again,
// checks a sample of connections is still open, then closes everything.
func idleMemory(ctx context.Context, e *env, name, bin string, n int, args ...string) (idleResult, error) {
	p, err := e.kids.Start(name, bin, args...)
	if err != nil {
		return idleResult{}, err
	}
	addr, err := p.AwaitWord(10*time.Second, "LISTEN", "tcp")
	if err != nil {
		return idleResult{}, err
	}
	r := idleResult{n: n}
	if r.before, err = settledRSS(p.PID(), 100*time.Millisecond, 5, 16<<10, 5*time.Second); err != nil {
		return r, err
	}
	start := time.Now()
	conns, err := openIdle(ctx, addr, n)
	defer func() { closeAll(conns) }() // on error paths
	if err != nil {
		return r, fmt.Errorf("%s: %w", name, err)
	}
	r.open = time.Since(start)
	if r.after, err = settledRSS(p.PID(), 200*time.Millisecond, 6, 64<<10, 20*time.Second); err != nil {
		return r, err
	}
	r.alive, r.probed = probeAlive(conns, 100)
	e.logf("%s: %d connections in %v, RSS %d -> %d KiB (%s), %.0f B/conn, %d/%d probed still open",
		name, n, r.open.Round(time.Millisecond), r.before.RSS>>10, r.after.RSS>>10,
		r.after.text(), r.perConn(), r.alive, r.probed)
	closeAll(conns)
	conns = nil
	return r, p.Stop()
}

// openIdle opens n connections to addr from rotating loopback source
// addresses; each sends the handshake, reads the answer and sends the ack,
// so that the server holds n completed, idle sessions.
func openIdle(ctx context.Context, addr string, n int) ([]net.Conn, error) {
	hs, err := handshakePacket()
	if err != nil {
		return nil, err
	}
	conns := make([]net.Conn, n)
	workers := min(32, n)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				c, err := dialIdle(ctx, addr, i, hs)
				if err != nil {
					errs <- fmt.Errorf("connection %d: %w", i, err)
					return
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	close(errs)
	return conns, <-errs
}

// dialIdle opens connection i and completes the handshake.
func dialIdle(ctx context.Context, addr string, i int, hs []byte) (net.Conn, error) {
	src := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%sourceIPs))}
	d := net.Dialer{LocalAddr: src, Timeout: 10 * time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if err := handshake(c, hs); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// handshake sends hs, checks the server's code-200 answer, sends the ack.
func handshake(c net.Conn, hs []byte) error {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(hs); err != nil {
		return err
	}
	var hdr [wire.HeaderLen]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return err
	}
	t, size, err := wire.ParseHeader(hdr[:])
	if err != nil || t != wire.PacketHandshake {
		return fmt.Errorf("expected a handshake answer, got %v (%v)", t, err)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(c, body); err != nil {
		return err
	}
	if _, err := wire.DecodeHandshakeResponse(body); err != nil {
		return err
	}
	_, err = c.Write(wire.HandshakeAckPacket())
	return err
}

// handshakePacket is a client's handshake packet.
func handshakePacket() ([]byte, error) {
	body, err := wire.EncodeHandshakeRequest(&wire.HandshakeRequest{
		Sys: wire.HandshakeSys{Platform: "bench", LibVersion: "1"}, User: []byte("{}"),
	})
	if err != nil {
		return nil, err
	}
	return wire.AppendPacket(nil, wire.PacketHandshake, body)
}

// probeAlive checks up to max connections spread over conns: a read that
// times out means the server still holds the connection open.
func probeAlive(conns []net.Conn, most int) (alive, probed int) {
	step := max(1, len(conns)/most)
	for i := 0; i < len(conns); i += step {
		probed++
		_ = conns[i].SetReadDeadline(time.Now().Add(5 * time.Millisecond))
		var b [1]byte
		if _, err := conns[i].Read(b[:]); errors.Is(err, os.ErrDeadlineExceeded) {
			alive++
		}
	}
	return alive, probed
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		if c != nil {
			_ = c.Close()
		}
	}
}

func memoryRow(g, b idleResult, asked int, limitNote string) Row {
	gp, bp := g.perConn(), b.perConn()
	ratio := gp / max(bp, 1)
	row := Row{
		ID: "3", Name: fmt.Sprintf("memory per idle TCP connection (%d connections)", g.n),
		Measured: gp, Baseline: bp, Unit: "B/conn",
		MeasuredName: "gamesrv", BaselineName: "bare gnet", Ratio: ratio, RatioText: fmt.Sprintf("%.1f×", ratio),
		Budget: "≤ 2 KiB", Better: "lower", Pass: gp <= 2048,
		Details: fmt.Sprintf("%sserver VmRSS growth / connections, each connection a raw socket from 127.0.0.2-%d that sent the handshake, read the answer and sent the ack, then stays idle; "+
			"each RSS reading waits for a quiet period (before: 5 polls 100 ms apart within 16 KiB, at most 5 s; after: 6 polls 200 ms apart within 64 KiB, at most 20 s; "+
			"a reading that never settles keeps the last poll and fails the check), user space only (kernel socket buffers not included); "+
			"gamesrv (-heartbeat 5m so no heartbeat lands): %d -> %d KiB, opened in %v, before %s, after %s, %d/%d probed open; "+
			"bare gnet: %d -> %d KiB, opened in %v, before %s, after %s, %d/%d probed open; reference from docs/architecture.md#budgets: Pitaya 27-32 KiB, bare gnet ~0.55 KiB",
			limitNote, 1+sourceIPs,
			g.before.RSS>>10, g.after.RSS>>10, g.open.Round(time.Millisecond), g.before.text(), g.after.text(), g.alive, g.probed,
			b.before.RSS>>10, b.after.RSS>>10, b.open.Round(time.Millisecond), b.before.text(), b.after.text(), b.alive, b.probed),
	}
	return withChecks(row, probedCheck(g, b), settledCheck(g, b))
}

// probedCheck checks that the servers still held the connections probed
// after the reading: a server that dropped them would look cheap.
func probedCheck(g, b idleResult) Check {
	return Check{
		Name:   checkProbedOpen,
		OK:     g.probed > 0 && g.alive == g.probed && b.probed > 0 && b.alive == b.probed,
		Detail: fmt.Sprintf("gamesrv %d/%d, bare gnet %d/%d", g.alive, g.probed, b.alive, b.probed),
	}
}

// settledCheck checks that every RSS reading came after a quiet period.
func settledCheck(g, b idleResult) Check {
	c := Check{Name: checkRSSSettled, OK: true}
	var unsettled []string
	for _, r := range []struct {
		name string
		s    settle
	}{{"gamesrv before", g.before}, {"gamesrv after", g.after}, {"bare gnet before", b.before}, {"bare gnet after", b.after}} {
		if !r.s.Settled {
			c.OK = false
			unsettled = append(unsettled, r.name)
		}
	}
	if !c.OK {
		c.Detail = "not settled: " + strings.Join(unsettled, ", ")
	}
	return c
}
