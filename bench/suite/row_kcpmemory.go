package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gamesrv/gamesrv/internal/kcpprobe"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// kcpBudget is row 3b's budget: bytes per idle KCP session.
const kcpBudget = 24 << 10

// serverMem is what the echo server's GET /mem answers (bench/cmd/echoserver).
type serverMem struct {
	HeapAlloc  uint64 `json:"heap_alloc"`
	StackInuse uint64 `json:"stack_inuse"`
	Goroutines int    `json:"goroutines"`
	Sessions   int    `json:"sessions"`
}

// kcpIdleResult is the memory of the echo server holding idle KCP
// sessions.
type kcpIdleResult struct {
	n             int
	before, after settle
	memBefore     serverMem
	memAfter      serverMem
	open          time.Duration
}

func (r kcpIdleResult) perSession() float64 {
	return float64(r.after.RSS-r.before.RSS) / float64(r.n)
}

func (r kcpIdleResult) heapPerSession() float64 {
	d := int64(r.memAfter.HeapAlloc+r.memAfter.StackInuse) - int64(r.memBefore.HeapAlloc+r.memBefore.StackInuse)
	return float64(d) / float64(r.n)
}

func (r kcpIdleResult) goroutinesPerSession() float64 {
	return float64(r.memAfter.Goroutines-r.memBefore.Goroutines) / float64(r.n)
}

// runKCPMemoryRow measures row 3b: the memory of the gamesrv echo server
// per idle KCP session that completed the handshake, against the same
// server per idle TCP connection.
func runKCPMemoryRow(ctx context.Context, e *env) ([]Row, error) {
	n, limitNote, err := idleTarget(e.cfg.kcpSessions)
	if err != nil {
		return nil, err
	}
	k, err := idleKCPMemory(ctx, e, n)
	if err != nil {
		return nil, err
	}
	t, err := idleMemory(ctx, e, "echoserver tcp", e.cfg.server, n, "-tcp", "127.0.0.1:0", "-heartbeat", "5m")
	if err != nil {
		return nil, err
	}
	return []Row{kcpMemoryRow(k, t, limitNote)}, nil
}

// idleKCPMemory starts the echo server with a KCP listener, opens n
// sessions that complete the handshake and stay idle, and reads the
// server's settled RSS and its /mem before and after.
func idleKCPMemory(ctx context.Context, e *env, n int) (kcpIdleResult, error) {
	p, err := e.kids.Start("echoserver kcp", e.cfg.server, "-tcp", "", "-kcp", "127.0.0.1:0", "-heartbeat", "5m", "-debug", "127.0.0.1:0")
	if err != nil {
		return kcpIdleResult{}, err
	}
	addr, err := p.AwaitWord(10*time.Second, "LISTEN", "kcp")
	if err != nil {
		return kcpIdleResult{}, err
	}
	debug, err := p.AwaitWord(10*time.Second, "DEBUG")
	if err != nil {
		return kcpIdleResult{}, err
	}
	r := kcpIdleResult{n: n}
	if r.before, err = settledRSS(p.PID(), 100*time.Millisecond, 5, 16<<10, 5*time.Second); err != nil {
		return r, err
	}
	if r.memBefore, err = readMem(ctx, debug); err != nil {
		return r, err
	}
	start := time.Now()
	clients, err := openKCPIdle(ctx, addr, n)
	defer func() {
		for _, c := range clients {
			if c != nil {
				_ = c.Close()
			}
		}
	}()
	if err != nil {
		return r, fmt.Errorf("echoserver kcp: %w", err)
	}
	r.open = time.Since(start)
	if r.after, err = settledRSS(p.PID(), 200*time.Millisecond, 6, 64<<10, 20*time.Second); err != nil {
		return r, err
	}
	if r.memAfter, err = readMem(ctx, debug); err != nil {
		return r, err
	}
	e.logf("echoserver kcp: %d sessions in %v, RSS %d -> %d KiB (%s), %.0f B/session; heap+stacks %.0f B/session, %.2f goroutines/session, %d sessions held",
		n, r.open.Round(time.Millisecond), r.before.RSS>>10, r.after.RSS>>10, r.after.text(), r.perSession(),
		r.heapPerSession(), r.goroutinesPerSession(), r.memAfter.Sessions)
	return r, p.Stop()
}

// readMem reads the echo server's GET /mem. It collects garbage first,
// which takes seconds in a server holding thousands of kcp-go sessions on
// a loaded machine.
func readMem(ctx context.Context, addr string) (serverMem, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/mem", nil)
	if err != nil {
		return serverMem{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return serverMem{}, err
	}
	defer resp.Body.Close()
	var m serverMem
	if resp.StatusCode != http.StatusOK {
		return m, fmt.Errorf("GET /mem: %s", resp.Status)
	}
	return m, json.NewDecoder(resp.Body).Decode(&m)
}

// openKCPIdle opens n KCP sessions to addr from rotating loopback source
// addresses (the listener bounds the handshakes per address); each
// completes the handshake and is left idle: a socket, no goroutine.
func openKCPIdle(ctx context.Context, addr string, n int) ([]*kcpprobe.Session, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	hs, err := handshakePacket()
	if err != nil {
		return nil, err
	}
	clients := make([]*kcpprobe.Session, n)
	workers := min(32, n)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n && ctx.Err() == nil; i += workers {
				c, err := kcpprobe.Dial(ua, net.IPv4(127, 0, 0, byte(2+i%sourceIPs)))
				if err != nil {
					errs <- fmt.Errorf("session %d: %w", i, err)
					return
				}
				clients[i] = c
				if err := kcpHandshake(c, hs); err != nil {
					errs <- fmt.Errorf("session %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return clients, err
	}
	return clients, ctx.Err()
}

// kcpHandshake sends hs, checks the code-200 answer, sends the ack and
// waits until the server acknowledged it, then leaves the session idle.
func kcpHandshake(c *kcpprobe.Session, hs []byte) error {
	answer, err := c.Exchange(hs, onePacket, 10*time.Second)
	if err != nil {
		return err
	}
	t, body, _, err := wire.SplitPacket(answer, 1<<20)
	if err != nil || t != wire.PacketHandshake {
		return fmt.Errorf("expected a handshake answer, got %v (%v)", t, err)
	}
	if _, err := wire.DecodeHandshakeResponse(body); err != nil {
		return err
	}
	if _, err := c.Exchange(wire.HandshakeAckPacket(), nil, 10*time.Second); err != nil {
		return err
	}
	c.Idle()
	return nil
}

// onePacket reports whether got begins with a whole packet, and its
// length.
func onePacket(got []byte) (int, bool) {
	_, _, n, err := wire.SplitPacket(got, 1<<20)
	return n, err == nil && n > 0
}

func kcpMemoryRow(k kcpIdleResult, t idleResult, limitNote string) Row {
	kp, tp := k.perSession(), t.perConn()
	ratio := kp / max(tp, 1)
	row := Row{
		ID: "3b", Name: fmt.Sprintf("memory per idle KCP session (%d sessions)", k.n),
		Measured: kp, Baseline: tp, Unit: "B/session", MeasuredName: "KCP session", BaselineName: "TCP connection",
		Ratio: ratio, RatioText: fmt.Sprintf("%.1f×", ratio), Budget: "≤ 24 KiB", Better: "lower", Pass: kp <= kcpBudget,
		Details: fmt.Sprintf("%sthe gamesrv echo server's VmRSS growth / sessions (echoserver -kcp, default kcp.Options, -heartbeat 5m), each session from 127.0.0.2-%d "+
			"a client without goroutines (internal/kcpprobe: kcp-go's ARQ core on its own UDP socket) that sent the handshake, read the answer, sent the ack and saw it acknowledged, then stays silent; "+
			"RSS readings wait for a quiet period as in row 3; KCP: %d -> %d KiB, opened in %v, before %s, after %s; "+
			"the server's heap and goroutine stacks after a collection (GET /mem): %.0f B/session; goroutines: %d -> %d, %.2f per session; sessions held: %d; "+
			"baseline: the same server over TCP, %d idle connections as in row 3: %d -> %d KiB",
			limitNote, 1+sourceIPs, k.before.RSS>>10, k.after.RSS>>10, k.open.Round(time.Millisecond), k.before.text(), k.after.text(),
			k.heapPerSession(), k.memBefore.Goroutines, k.memAfter.Goroutines, k.goroutinesPerSession(), k.memAfter.Sessions,
			t.n, t.before.RSS>>10, t.after.RSS>>10),
	}
	held := Check{Name: checkSessions, OK: k.memAfter.Sessions-k.memBefore.Sessions >= k.n,
		Detail: fmt.Sprintf("the server holds %d sessions, %d opened", k.memAfter.Sessions-k.memBefore.Sessions, k.n)}
	settledOK := Check{Name: checkRSSSettled, OK: k.before.Settled && k.after.Settled && t.before.Settled && t.after.Settled}
	if !settledOK.OK {
		settledOK.Detail = fmt.Sprintf("KCP before %v, after %v; TCP before %v, after %v", k.before.Settled, k.after.Settled, t.before.Settled, t.after.Settled)
	}
	return withChecks(row, held, settledOK)
}
