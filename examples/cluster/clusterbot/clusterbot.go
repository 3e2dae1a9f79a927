// Package clusterbot drives the cluster example with simulated players:
// each bot dials a connector over TCP or KCP, logs in, joins a room (which
// pins it to one room server), then, until stopped, says a line, times a
// Ping and notes which room server answered. When a request fails with
// GS-503 or GS-504 (its room server died) the bot records the code and how
// long the request took to fail, and joins again, which lands on a live
// room server. The demo uses it to check a room server crash.
package clusterbot

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Config describes a fleet of bots.
type Config struct {
	// Addrs are connector addresses, "tcp://host:port" or "kcp://host:port";
	// bot i dials Addrs[i%len(Addrs)].
	Addrs []string
	// Bots is the number of simulated players. Default 10.
	Bots int
	// Rooms spreads the bots over this many room names. Default 3.
	Rooms int
	// Interval is the pause between two rounds (Say + Ping) of a bot.
	// Default 50 ms.
	Interval time.Duration
	// Prefix starts every bot and room name, so fleets can share a cluster.
	Prefix string
	// RequestTimeout bounds each request on the bot's side. A request
	// that runs out is recorded as "timeout": it did not fail fast.
	// Default 3 s.
	RequestTimeout time.Duration
	// RejoinBackoff is the pause before the first re-join after a GS-503
	// or GS-504; it doubles after each failed attempt, up to 4 times its
	// value. Default 100 ms.
	RejoinBackoff time.Duration
	// RejoinFor is how long a bot keeps trying to re-join. Default 5 s.
	RejoinFor time.Duration
	// Logger receives the clients' logs. Default: discard.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	c.Bots = orDefault(c.Bots, 10)
	c.Rooms = orDefault(c.Rooms, 3)
	c.Interval = orDefault(c.Interval, 50*time.Millisecond)
	c.RequestTimeout = orDefault(c.RequestTimeout, 3*time.Second)
	c.RejoinBackoff = orDefault(c.RejoinBackoff, 100*time.Millisecond)
	c.RejoinFor = orDefault(c.RejoinFor, 5*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Fleet is a running set of bots.
type Fleet struct {
	cfg     Config
	cancel  context.CancelFunc
	bots    []*bot
	start   time.Time
	mark    atomic.Int64 // Unix ns of Mark; 0 before
	pending atomic.Int64 // bots not yet joined (or failed)
	ready   chan struct{}
	wg      sync.WaitGroup
}

// Start launches the bots. They run until Stop.
func Start(cfg Config) *Fleet {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	f := &Fleet{cfg: cfg, cancel: cancel, start: time.Now(), ready: make(chan struct{})}
	f.pending.Store(int64(cfg.Bots))
	for i := range cfg.Bots {
		b := newBot(f, i)
		f.bots = append(f.bots, b)
		f.wg.Go(func() { b.run(ctx) })
	}
	return f
}

// Ready is closed once every bot has joined a room (or failed to).
func (f *Fleet) Ready() <-chan struct{} { return f.ready }

// arrive counts a bot that joined or failed.
func (f *Fleet) arrive() {
	if f.pending.Add(-1) == 0 {
		close(f.ready)
	}
}

// Mark starts the "after" part of the run (the demo marks just before it
// kills a room server): each bot notes the room server it is on, and
// latencies, pushes and answers are counted apart from then on.
func (f *Fleet) Mark() time.Time {
	now := time.Now()
	for _, b := range f.bots {
		b.markServer()
	}
	f.mark.Store(now.UnixNano())
	return now
}

// after reports whether t is after the mark.
func (f *Fleet) after(t time.Time) bool {
	m := f.mark.Load()
	return m != 0 && t.UnixNano() >= m
}

// Servers counts the bots on each room server now; bots in no room count
// under "".
func (f *Fleet) Servers() map[string]int {
	out := map[string]int{}
	for _, b := range f.bots {
		out[b.currentServer()]++
	}
	return out
}

// Stop stops the bots, closes their connections and reports.
func (f *Fleet) Stop() *Report {
	f.cancel()
	f.wg.Wait()
	r := &Report{Elapsed: time.Since(f.start)}
	if m := f.mark.Load(); m != 0 {
		r.Mark = time.Unix(0, m)
	}
	for _, b := range f.bots {
		r.Bots = append(r.Bots, b.report())
	}
	return r
}
