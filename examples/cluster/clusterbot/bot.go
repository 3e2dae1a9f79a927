package clusterbot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	connectorv1 "github.com/gamesrv/gamesrv/examples/cluster/gen/connector/v1"
	roomv1 "github.com/gamesrv/gamesrv/examples/cluster/gen/room/v1"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// bot is one simulated player.
type bot struct {
	roomv1.UnimplementedRoomServicePushHandler

	f                 *Fleet
	name, room, addr  string
	pushes, pushAfter atomic.Int64

	mu     sync.Mutex
	server string // the room server the bot is on now
	r      BotReport
}

func newBot(f *Fleet, i int) *bot {
	cfg := f.cfg
	b := &bot{
		f:    f,
		name: fmt.Sprintf("%sbot-%d", cfg.Prefix, i),
		room: fmt.Sprintf("%sroom-%d", cfg.Prefix, i%cfg.Rooms),
		addr: cfg.Addrs[i%len(cfg.Addrs)],
	}
	b.r = BotReport{Name: b.name, Addr: b.addr, Room: b.room, Errors: map[string]int{}, AnsweredAfter: map[string]int{}}
	return b
}

// OnMessage implements roomv1.RoomServicePushHandler: it counts the lines
// pushed to the bot.
func (b *bot) OnMessage(context.Context, *roomv1.RoomMessage) {
	b.pushes.Add(1)
	if b.f.after(time.Now()) {
		b.pushAfter.Add(1)
	}
}

// run connects, logs in, joins, then plays until ctx ends.
func (b *bot) run(ctx context.Context) {
	rooms, closeFn, err := b.enter(ctx)
	b.f.arrive()
	if err != nil {
		b.setFailure(err)
		return
	}
	defer closeFn()
	b.play(ctx, rooms)
}

// enter dials the connector, logs in and joins the bot's room.
func (b *bot) enter(ctx context.Context) (roomv1.RoomServiceClient, func(), error) {
	c, err := client.Dial(ctx, b.addr, client.Options{Logger: b.f.cfg.Logger})
	if err != nil {
		return nil, nil, fmt.Errorf("dial: %w", err)
	}
	closeFn := func() { _ = c.Close() }
	if err := roomv1.RegisterRoomServicePushHandler(c, b); err != nil {
		closeFn()
		return nil, nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, b.f.cfg.RequestTimeout)
	defer cancel()
	if _, err := connectorv1.NewGateServiceClient(c).Login(rctx, &connectorv1.LoginRequest{Name: b.name}); err != nil {
		closeFn()
		return nil, nil, fmt.Errorf("login: %w", err)
	}
	rooms := roomv1.NewRoomServiceClient(c)
	if err := b.join(ctx, rooms, false); err != nil {
		closeFn()
		return nil, nil, fmt.Errorf("join: %w", err)
	}
	return rooms, closeFn, nil
}

// play says a line and times a Ping every Interval; a GS-503 or GS-504
// sends the bot to join again.
func (b *bot) play(ctx context.Context, rooms roomv1.RoomServiceClient) {
	t := time.NewTicker(b.f.cfg.Interval)
	defer t.Stop()
	for n := 0; ; n++ {
		if err := rooms.Say(ctx, &roomv1.SayRequest{Text: fmt.Sprintf("%s line %d", b.name, n)}); err != nil {
			b.setFailure(fmt.Errorf("say: %w", err)) // only a closed connection fails a notify
			return
		}
		if err := b.ping(ctx, rooms); err != nil && ctx.Err() == nil && retryable(err) {
			b.rejoin(ctx, rooms)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// ping times one Ping request.
func (b *bot) ping(ctx context.Context, rooms roomv1.RoomServiceClient) error {
	sent := time.Now()
	resp, err := request(ctx, b.f.cfg.RequestTimeout, func(ctx context.Context) (*roomv1.PingResponse, error) {
		return rooms.Ping(ctx, &roomv1.PingRequest{})
	})
	if ctx.Err() != nil {
		return ctx.Err() // stopped: not the server's fault
	}
	if err != nil {
		b.failed(sent, err)
		return err
	}
	b.answered(sent, resp.GetServerId(), true)
	return nil
}

// join sends Join and moves the bot to the room server that answered.
func (b *bot) join(ctx context.Context, rooms roomv1.RoomServiceClient, again bool) error {
	sent := time.Now()
	resp, err := request(ctx, b.f.cfg.RequestTimeout, func(ctx context.Context) (*roomv1.JoinResponse, error) {
		return rooms.Join(ctx, &roomv1.JoinRequest{Room: b.room})
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		if again {
			b.failed(sent, err)
		}
		return err
	}
	b.joined(resp.GetServerId(), again)
	b.answered(sent, resp.GetServerId(), false)
	return nil
}

// rejoin joins again until it works, backing off between attempts, for at
// most RejoinFor. The GS-503 that sent the bot here cleared its pin to the
// dead room server, and the connector avoids a server whose link broke, so
// the first attempt normally lands on a live room server.
func (b *bot) rejoin(ctx context.Context, rooms roomv1.RoomServiceClient) {
	cfg := b.f.cfg
	deadline := time.Now().Add(cfg.RejoinFor)
	for backoff := cfg.RejoinBackoff; time.Now().Before(deadline); backoff = min(2*backoff, 4*cfg.RejoinBackoff) {
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		if b.join(ctx, rooms, true) == nil || ctx.Err() != nil {
			return
		}
	}
}

// request runs one request under the bot's request timeout.
func request[T any](ctx context.Context, timeout time.Duration, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return f(ctx)
}

// retryable reports whether err says the room server is gone or too slow:
// the bot should join again.
func retryable(err error) bool {
	c := codeOf(err)
	return c == string(gamesrv.CodeUnavailable) || c == string(gamesrv.CodeDeadlineExceeded)
}

// codeOf returns the code of an error the server sent, "timeout" when the
// bot's own deadline expired and "local" for other client-side errors.
// gamesrv.CodeOf cannot tell them apart: it maps a local
// context.DeadlineExceeded to GS-504.
func codeOf(err error) string {
	if e, ok := errors.AsType[*gamesrv.Error](err); ok {
		return string(e.Code())
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "local"
}

// failed records a request that failed.
func (b *bot) failed(sent time.Time, err error) {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.r.Errors[codeOf(err)]++
	if b.r.FirstError.IsZero() {
		b.r.FirstError = now
	}
	b.r.MaxTimeToFail = max(b.r.MaxTimeToFail, now.Sub(sent))
	b.r.LastError = err.Error()
}

// answered records a request that got its answer from server.
func (b *bot) answered(sent time.Time, server string, ping bool) {
	d := time.Since(sent)
	after := b.f.after(sent)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.r.OK++
	if after {
		b.r.AnsweredAfter[server]++
	}
	if !ping {
		return
	}
	if b.r.Rejoins > 0 {
		b.r.PingsAfterRejoin++
	}
	if after {
		b.r.LatencyAfter = append(b.r.LatencyAfter, d)
	} else {
		b.r.Latency = append(b.r.Latency, d)
	}
}

// joined moves the bot to server.
func (b *bot) joined(server string, again bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.server = server
	if b.r.First == "" {
		b.r.First = server
	}
	if again {
		b.r.Rejoins++
		b.r.RejoinedAt = time.Now()
	}
}

func (b *bot) markServer() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.r.Before = b.server
}

func (b *bot) currentServer() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.server
}

func (b *bot) setFailure(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.r.Failure = err.Error()
}

// report returns what the bot saw.
func (b *bot) report() BotReport {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.r
	r.Errors, r.AnsweredAfter = maps.Clone(r.Errors), maps.Clone(r.AnsweredAfter)
	r.After = b.server
	r.Pushes, r.PushesAfter = b.pushes.Load(), b.pushAfter.Load()
	return r
}
