package kcp_test

import (
	"context"
	"log/slog"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/kcpprobe"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/transporttest"
	"github.com/gamesrv/gamesrv/runtime/transport/kcp"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// BenchmarkIdleSession opens one KCP session per iteration, each sending
// one packet that establishes it (as a HandshakeAck does), then idle, and
// reports what the listener holds per idle session once the heap settled:
// live heap, goroutine stacks, goroutines, and the allocations of idle
// sessions. The clients are
// package kcpprobe's (a socket each, no goroutine); the heap figure
// includes their socket objects, a few hundred bytes. bench/suite's row 3b
// measures the same in a server process, as RSS.
//
//	go test -run '^$' -bench IdleSession -benchtime 2000x ./runtime/transport/kcp
func BenchmarkIdleSession(b *testing.B) {
	h := &idleHandler{}
	l := kcp.New("127.0.0.1:0", kcp.Options{MaxHandshakes: -1, MaxHandshakesPerIP: -1, HandshakeTimeout: time.Hour})
	if err := l.Start(transport.Config{Handler: h, MaxBody: 1 << 16, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := l.Close(ctx); err != nil {
			b.Errorf("close: %v", err)
		}
	}()
	addr := l.Addr().(*net.UDPAddr)
	var clients []*kcpprobe.Session
	defer func() {
		for _, c := range clients {
			_ = c.Close()
		}
	}()
	packet := transporttest.Packet("hello")
	m0, g0 := settled(b, h, 0)
	for b.Loop() {
		c, err := kcpprobe.Dial(addr, nil)
		if err != nil {
			b.Fatal(err)
		}
		clients = append(clients, c)
		if _, err := c.Exchange(packet, nil, 10*time.Second); err != nil {
			b.Fatal(err)
		}
		c.Idle()
	}
	n := len(clients)
	m1, g1 := settled(b, h, n)
	b.ReportMetric(float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc))/float64(n), "heap-B/session")
	b.ReportMetric(float64(int64(m1.StackInuse)-int64(m0.StackInuse))/float64(n), "stack-B/session")
	b.ReportMetric(float64(g1-g0)/float64(n), "goroutines/session")
	b.ReportMetric(idleAllocs()/float64(n), "idle-allocs/session/s")
}

// idleAllocs returns the heap allocations per second of the process over
// 200 ms: what the idle sessions allocate (their timers), the garbage that
// makes the heap, and the RSS, grow between collections.
func idleAllocs() float64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	time.Sleep(200 * time.Millisecond)
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / time.Since(start).Seconds()
}

// settled waits until n sessions are established, then returns the
// memory statistics after a collection, and the goroutines.
func settled(b *testing.B, h *idleHandler, n int) (runtime.MemStats, int) {
	b.Helper()
	end := time.Now().Add(30 * time.Second)
	for h.established.Load() < int64(n) {
		if time.Now().After(end) {
			b.Fatalf("%d of %d sessions established", h.established.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms, runtime.NumGoroutine()
}

// idleHandler establishes each session at its first packet and ignores
// the rest.
type idleHandler struct{ established atomic.Int64 }

func (h *idleHandler) Open(c transport.Conn) transport.Peer { return &idlePeer{h: h, c: c} }

type idlePeer struct {
	h    *idleHandler
	c    transport.Conn
	done bool
}

func (p *idlePeer) OnPacket(wire.PacketType, []byte) error {
	if !p.done {
		p.done = true
		if e, ok := p.c.(transport.Establisher); ok {
			e.Established()
		}
		p.h.established.Add(1)
	}
	return nil
}

func (p *idlePeer) OnDisconnect(error) {}
