// Package chatbot drives the chat example with simulated players: each bot
// connects over TCP, KCP or WebSocket, joins a room, waits for the room to
// fill, says lines, asks for the member list (timing each request), and
// checks the lines pushed to it: every line said in its room, each
// sender's in order. The bot binary and the demo both use it;
// examples/chat/tsbot is its TypeScript twin, with the same rooms, lines,
// checks and report, so the two can share rooms (PeerBots).
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
	// Addr is the server address: "tcp://host:port", "kcp://host:port" or
	// "ws://host:port/".
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
	// RoomPrefix starts every room name instead of Prefix, so that bots of
	// two runs (with two Prefixes) can share rooms. Default Prefix.
	RoomPrefix string
	// PeerBots is the number of bots of another run in the same rooms (the
	// TypeScript bots of the demo), spread the same way: its bot i in room
	// i mod Rooms. Each bot waits until its room holds its share of both
	// runs before it talks, and expects the lines of all of them. Default 0.
	PeerBots int
	// Timeout bounds the whole run. Default 30 s.
	Timeout time.Duration
}

func (c Config) withDefaults() Config {
	c.Bots = orDefault(c.Bots, 10)
	c.Rooms = orDefault(c.Rooms, 2)
	c.Messages = orDefault(c.Messages, 10)
	c.Interval = orDefault(c.Interval, 20*time.Millisecond)
	c.Timeout = orDefault(c.Timeout, 30*time.Second)
	if c.RoomPrefix == "" {
		c.RoomPrefix = c.Prefix
	}
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
	Client   string        `json:"client"` // "go", or "ts" for examples/chat/tsbot
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

// BotsInRoom returns how many of n bots join room r of rooms when bot i
// joins room i mod rooms.
func BotsInRoom(n, rooms, r int) int {
	extra := 0
	if r < n%rooms {
		extra = 1
	}
	return n/rooms + extra
}

// bot is one simulated player.
type bot struct {
	chatv1.UnimplementedRoomServicePushHandler
	room    string
	got     atomic.Int64
	members atomic.Int64  // the most members seen in the room
	changed chan struct{} // a push arrived (buffered, 1)

	mu       sync.Mutex
	next     map[string]int // the next line number expected from each sender
	disorder string         // the first line out of order
}

func newBot(room string) *bot {
	return &bot{room: room, changed: make(chan struct{}, 1), next: map[string]int{}}
}

// OnMessage counts a line and checks it is its sender's next,
// "<from> line <n>".
func (b *bot) OnMessage(_ context.Context, m *chatv1.ChatMessage) {
	b.mu.Lock()
	n := b.next[m.GetFrom()]
	b.next[m.GetFrom()] = n + 1
	if want := fmt.Sprintf("%s line %d", m.GetFrom(), n); b.disorder == "" && (m.GetRoom() != b.room || m.GetText() != want) {
		b.disorder = fmt.Sprintf("got %q in %s, want %q in %s", m.GetText(), m.GetRoom(), want, b.room)
	}
	b.mu.Unlock()
	b.got.Add(1)
	b.poke()
}

// OnMembers records the room's size.
func (b *bot) OnMembers(_ context.Context, m *chatv1.MembersChanged) {
	b.seeMembers(len(m.GetMembers()))
}

func (b *bot) seeMembers(n int) {
	for {
		old := b.members.Load()
		if int64(n) <= old || b.members.CompareAndSwap(old, int64(n)) {
			break
		}
	}
	b.poke()
}

// poke wakes await.
func (b *bot) poke() {
	select {
	case b.changed <- struct{}{}:
	default:
	}
}

// await waits until cond holds, checking it after each push.
func (b *bot) await(ctx context.Context, cond func() bool) bool {
	for !cond() {
		select {
		case <-b.changed:
		case <-ctx.Done():
			return cond()
		}
	}
	return true
}

func (r *run) bot(ctx context.Context, i int) {
	name := fmt.Sprintf("%sbot-%d", r.cfg.Prefix, i)
	room := fmt.Sprintf("%sroom-%d", r.cfg.RoomPrefix, i%r.cfg.Rooms)
	b := newBot(room)
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
	r.play(ctx, rooms, b, name, i%r.cfg.Rooms)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.disorder != "" {
		r.fail(name, b.disorder, nil)
	}
}

// play joins, waits for every bot and for its room to fill, talks, waits
// for every line, and checks what arrived.
func (r *run) play(ctx context.Context, rooms chatv1.RoomServiceClient, b *bot, name string, room int) {
	resp, err := timed(r, func() (*chatv1.JoinResponse, error) {
		return rooms.Join(ctx, &chatv1.JoinRequest{Room: b.room, Name: name})
	})
	r.arrive(&r.pending, r.joined)
	if err != nil {
		r.fail(name, "join", err)
		r.arrive(&r.pendingSay, r.said)
		return
	}
	b.seeMembers(len(resp.GetMembers()))
	size := BotsInRoom(r.cfg.Bots, r.cfg.Rooms, room) + BotsInRoom(r.cfg.PeerBots, r.cfg.Rooms, room)
	if !wait(ctx, r.joined) {
		r.fail(name, "wait for the other bots to join", ctx.Err())
		r.arrive(&r.pendingSay, r.said)
		return
	}
	if !b.await(ctx, func() bool { return b.members.Load() >= int64(size) }) {
		r.fail(name, fmt.Sprintf("wait for %d members in %s (saw %d)", size, b.room, b.members.Load()), ctx.Err())
		r.arrive(&r.pendingSay, r.said)
		return
	}
	// Bots leave once they got every line, maybe before another's last
	// Members request: the room's size is the one it filled to.
	r.talk(ctx, rooms, name)
	r.arrive(&r.pendingSay, r.said)
	want := int64(size * r.cfg.Messages)
	r.add(&r.expected, want)
	if !wait(ctx, r.said) || !b.await(ctx, func() bool { return b.got.Load() >= want }) || b.got.Load() != want {
		r.fail(name, fmt.Sprintf("got %d of %d lines", b.got.Load(), want), ctx.Err())
	}
	r.add(&r.received, b.got.Load())
}

// talk says the bot's lines, timing a Members request after each.
func (r *run) talk(ctx context.Context, rooms chatv1.RoomServiceClient, name string) {
	tick := time.NewTicker(r.cfg.Interval)
	defer tick.Stop()
	for n := range r.cfg.Messages {
		if err := rooms.Say(ctx, &chatv1.SayRequest{Text: fmt.Sprintf("%s line %d", name, n)}); err != nil {
			r.fail(name, "say", err)
			return
		}
		r.add(&r.sent, 1)
		if _, err := timed(r, func() (*chatv1.MembersResponse, error) {
			return rooms.Members(ctx, &chatv1.MembersRequest{})
		}); err != nil {
			r.fail(name, "members", err)
			return
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
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
	if err == nil {
		r.failures = append(r.failures, fmt.Sprintf("%s: %s", bot, what))
		return
	}
	r.failures = append(r.failures, fmt.Sprintf("%s: %s: %v", bot, what, err))
}

func (r *run) report(elapsed time.Duration) *Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	slices.Sort(r.latencies)
	return &Report{
		Client: "go", Addr: r.cfg.Addr, Bots: r.cfg.Bots, Sent: r.sent, Received: r.received, Expected: r.expected,
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
	s := fmt.Sprintf("%-3s%-28s %4d bots  said %6d  received %7d/%-7d  %5d requests  p50 %-9v p99 %-9v in %v",
		r.Client, r.Addr, r.Bots, r.Sent, r.Received, r.Expected, r.Requests,
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Elapsed.Round(time.Millisecond))
	for _, f := range r.Failures {
		s += "\n  FAIL " + f
	}
	return s
}
