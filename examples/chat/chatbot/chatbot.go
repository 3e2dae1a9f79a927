// Package chatbot drives the chat example with simulated players: each bot
// connects over TCP or KCP, joins a room, says lines, asks for the member
// list (timing each request), and counts the lines pushed to it. The bot
// binary and the demo both use it.
package chatbot

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/client"
)

// Config describes a bot run.
type Config struct {
	// Addr is the server address, "tcp://host:port" or "kcp://host:port".
	Addr string
	// Bots is the number of simulated players. Default 10.
	Bots int
	// Rooms spreads the bots over this many rooms. Default 2.
	Rooms int
	// Messages is the number of lines each bot says. Default 10.
	Messages int
	// Interval is the pause between two lines of a bot. Default 20 ms.
	Interval time.Duration
	// Prefix starts every bot and room name, so runs can share a server.
	Prefix string
	// Timeout bounds the whole run. Default 30 s.
	Timeout time.Duration
}

func (c Config) withDefaults() Config {
	c.Bots = orDefault(c.Bots, 10)
	c.Rooms = orDefault(c.Rooms, 2)
	c.Messages = orDefault(c.Messages, 10)
	c.Interval = orDefault(c.Interval, 20*time.Millisecond)
	c.Timeout = orDefault(c.Timeout, 30*time.Second)
	return c
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Report is what a run did.
type Report struct {
	Addr     string        `json:"addr"`
	Bots     int           `json:"bots"`
	Sent     int64         `json:"sent"`     // lines said
	Received int64         `json:"received"` // lines pushed to bots
	Expected int64         `json:"expected"` // lines each bot should have got, summed
	Requests int           `json:"requests"` // timed requests
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	Failures []string      `json:"failures,omitempty"`
}

// OK reports whether every bot got every line and nothing failed.
func (r *Report) OK() bool { return len(r.Failures) == 0 && r.Received == r.Expected }

// Run runs the bots and reports. It returns an error only if the run could
// not start; bot failures are in the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	r := &run{cfg: cfg, joined: make(chan struct{}), said: make(chan struct{})}
	r.pending.Store(int64(cfg.Bots))
	r.pendingSay.Store(int64(cfg.Bots))
	start := time.Now()
	var wg sync.WaitGroup
	for i := range cfg.Bots {
		wg.Go(func() { r.bot(ctx, i) })
	}
	wg.Wait()
	return r.report(time.Since(start)), nil
}

// run is the shared state of one Run.
type run struct {
	cfg        Config
	pending    atomic.Int64  // bots not yet joined
	pendingSay atomic.Int64  // bots still saying lines
	joined     chan struct{} // closed when every bot joined
	said       chan struct{} // closed when every bot said all its lines

	mu        sync.Mutex
	latencies []time.Duration
	failures  []string
	sent      int64
	received  int64
	expected  int64
}

// bot is one simulated player.
type bot struct {
	chatv1.UnimplementedRoomServicePushHandler
	got atomic.Int64
}

func (b *bot) OnMessage(context.Context, *chatv1.ChatMessage) { b.got.Add(1) }

func (r *run) bot(ctx context.Context, i int) {
	b := new(bot)
	name := fmt.Sprintf("%sbot-%d", r.cfg.Prefix, i)
	room := fmt.Sprintf("%sroom-%d", r.cfg.Prefix, i%r.cfg.Rooms)
	c, err := client.Dial(ctx, r.cfg.Addr, client.Options{User: map[string]string{"name": name}})
	if err != nil {
		r.fail(name, "dial", err)
		r.arrive(&r.pending, r.joined)
		r.arrive(&r.pendingSay, r.said)
		return
	}
	defer c.Close()
	if err := chatv1.RegisterRoomServicePushHandler(c, b); err != nil {
		r.fail(name, "register push handler", err)
	}
	rooms := chatv1.NewRoomServiceClient(c)
	r.play(ctx, rooms, b, name, room)
}

// play joins, waits for every bot, talks, waits for every line, and checks
// what arrived.
func (r *run) play(ctx context.Context, rooms chatv1.RoomServiceClient, b *bot, name, room string) {
	_, err := timed(r, func() (*chatv1.JoinResponse, error) {
		return rooms.Join(ctx, &chatv1.JoinRequest{Room: room, Name: name})
	})
	r.arrive(&r.pending, r.joined)
	if err != nil {
		r.fail(name, "join", err)
		r.arrive(&r.pendingSay, r.said)
		return
	}
	if !wait(ctx, r.joined) {
		r.fail(name, "wait for the other bots", ctx.Err())
		return
	}
	members := r.talk(ctx, rooms, name)
	r.arrive(&r.pendingSay, r.said)
	want := int64(members * r.cfg.Messages)
	r.add(&r.expected, want)
	if !wait(ctx, r.said) || !r.awaitLines(ctx, b, want) {
		r.fail(name, fmt.Sprintf("got %d of %d lines", b.got.Load(), want), ctx.Err())
	}
	r.add(&r.received, b.got.Load())
}

// talk says the bot's lines, timing a Members request after each, and
// returns the room's size.
func (r *run) talk(ctx context.Context, rooms chatv1.RoomServiceClient, name string) int {
	members := 0
	tick := time.NewTicker(r.cfg.Interval)
	defer tick.Stop()
	for n := range r.cfg.Messages {
		if err := rooms.Say(ctx, &chatv1.SayRequest{Text: fmt.Sprintf("%s line %d", name, n)}); err != nil {
			r.fail(name, "say", err)
			return members
		}
		r.add(&r.sent, 1)
		resp, err := timed(r, func() (*chatv1.MembersResponse, error) {
			return rooms.Members(ctx, &chatv1.MembersRequest{})
		})
		if err != nil {
			r.fail(name, "members", err)
			return members
		}
		members = len(resp.GetMembers())
		select {
		case <-tick.C:
		case <-ctx.Done():
			return members
		}
	}
	return members
}

// awaitLines waits until the bot received want lines.
func (r *run) awaitLines(ctx context.Context, b *bot, want int64) bool {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for b.got.Load() < want {
		select {
		case <-t.C:
		case <-ctx.Done():
			return false
		}
	}
	return b.got.Load() == want
}

// timed runs a request and records its latency.
func timed[T any](r *run, f func() (T, error)) (T, error) {
	start := time.Now()
	v, err := f()
	if err == nil {
		r.mu.Lock()
		r.latencies = append(r.latencies, time.Since(start))
		r.mu.Unlock()
	}
	return v, err
}

// arrive counts a bot at a barrier and closes it after the last one.
func (r *run) arrive(pending *atomic.Int64, ch chan struct{}) {
	if pending.Add(-1) == 0 {
		close(ch)
	}
}

func wait(ctx context.Context, ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		return false
	}
}

func (r *run) add(v *int64, n int64) {
	r.mu.Lock()
	*v += n
	r.mu.Unlock()
}

func (r *run) fail(bot, what string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf("%s: %s: %v", bot, what, err))
}

func (r *run) report(elapsed time.Duration) *Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	slices.Sort(r.latencies)
	return &Report{
		Addr: r.cfg.Addr, Bots: r.cfg.Bots, Sent: r.sent, Received: r.received, Expected: r.expected,
		Requests: len(r.latencies), P50: percentile(r.latencies, 0.50), P99: percentile(r.latencies, 0.99),
		Elapsed: elapsed, Failures: r.failures,
	}
}

// percentile returns the p-quantile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// String summarizes the report on a few lines.
func (r *Report) String() string {
	s := fmt.Sprintf("%-28s %4d bots  said %6d  received %7d/%-7d  %5d requests  p50 %-9v p99 %-9v in %v",
		r.Addr, r.Bots, r.Sent, r.Received, r.Expected, r.Requests,
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Elapsed.Round(time.Millisecond))
	for _, f := range r.Failures {
		s += "\n  FAIL " + f
	}
	return s
}
