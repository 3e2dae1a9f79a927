package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// runRooms measures scenario 6: one client joins rooms of distinct names
// as fast as it can, a window of joins in flight, for a time or a number
// of joins; the rooms it created and the server's goroutine growth.
func runRooms(ctx context.Context, e *env, s *Scenario) error {
	cfg := e.cfg
	srv, err := startChat(e, anyPort)
	if err != nil {
		return err
	}
	c, err := dialClient(ctx, "tcp://"+srv.tcp, 0)
	if err != nil {
		return err
	}
	defer c.Close()
	g0, err := srv.settledGoroutines(ctx)
	if err != nil {
		return err
	}
	st0, err := srv.stats(ctx)
	if err != nil {
		return err
	}
	var next atomic.Int64
	var mu sync.Mutex
	var created int
	var refused, failed counts
	start := time.Now()
	end := start.Add(cfg.roomTime)
	var wg sync.WaitGroup
	for range cfg.roomWindow {
		wg.Go(func() {
			// No join is sent after the end, and every join sent is
			// awaited: the server's rooms can be compared with the
			// client's count.
			for ctx.Err() == nil && time.Now().Before(end) {
				i := next.Add(1)
				if i > int64(cfg.roomJoins) {
					return
				}
				err := join(ctx, c, fmt.Sprintf("flood-%d", i))
				var ge *gamesrv.Error
				mu.Lock()
				switch {
				case err == nil:
					created++
				case errors.As(err, &ge):
					refused.add(string(ge.Code()), ge.Message())
				default:
					failed.add("error", err.Error())
				}
				mu.Unlock()
				if c.Err() != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	attempts := created + refused.total() + failed.total()
	g1, err := srv.goroutines(ctx)
	if err != nil {
		return err
	}
	st1, err := srv.stats(ctx)
	if err != nil {
		return err
	}
	rooms := st1.Server.Groups - st0.Server.Groups
	growth := g1 - g0
	// Bounded: the rooms the server holds stay within the chat example's
	// cap (a join beyond it reclaims an empty room, as each join of this
	// client leaves one), or joins beyond it are refused with a coded error.
	capped := rooms <= chatMaxRooms || (created < attempts && appCoded(&refused))
	e.logf("%d joins in %v: %d rooms created, refused: %s, failed: %s; server rooms +%d; goroutines %d -> %d (+%d)",
		attempts, took.Round(time.Millisecond), created, refused.String(), failed.String(), rooms, g0, g1, growth)

	s.figure("joins", float64(attempts), "count")
	s.figure("rooms_created", float64(created), "count")
	s.figure("joins_refused", float64(refused.total()), "count")
	s.figure("joins_failed", float64(failed.total()), "count")
	s.figure("server_rooms", float64(rooms), "count")
	s.figure("goroutines_growth", float64(growth), "count")
	s.figure("duration", took.Seconds(), "s")
	s.Headline = fmt.Sprintf("%d rooms created in %v (%s), goroutines +%d", created, took.Round(time.Millisecond), refusedText(&refused), growth)
	connNote := "the flooding client's connection stayed open"
	if err := c.Err(); err != nil {
		connNote = "the flooding client's connection ended: " + err.Error()
	}
	s.Details = fmt.Sprintf("one TCP client joins rooms \"flood-1\", \"flood-2\"... (each join leaves the previous room, which stays open until its idle timeout) with %d joins in flight, for %v or %d joins; "+
		"%d joins in %v: %d rooms created, refused: %s, failed: %s; %s; server groups (admin) +%d; server goroutines (pprof) %d settled before, %d right after (+%d)",
		cfg.roomWindow, cfg.roomTime, cfg.roomJoins, attempts, took.Round(time.Millisecond), created, refused.String(), failed.String(), connNote, rooms, g0, g1, growth)
	s.finish(capped,
		Check{Name: checkRoomsCounted, OK: rooms > 0 && rooms <= created, Detail: fmt.Sprintf("server rooms +%d, created %d", rooms, created)},
	)
	return nil
}

// chatMaxRooms is the chat server's default -max-rooms: the rooms it holds
// at once.
const chatMaxRooms = 1000

// join joins room as "flooder", waiting at most 10 s.
func join(ctx context.Context, c *client.Client, room string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return c.Request(ctx, "chat.room.join", &chatv1.JoinRequest{Room: room, Name: "flooder"}, &chatv1.JoinResponse{})
}

// appCoded reports whether a join was refused with a coded error other
// than the server's rate and queue limits: the room cap's answer.
func appCoded(refused *counts) bool {
	for _, k := range refused.keys {
		if k != string(gamesrv.CodeRateLimited) && !strings.HasPrefix(k, "GS-5") {
			return true
		}
	}
	return false
}

// refusedText says which joins were refused, for the headline.
func refusedText(refused *counts) string {
	if refused.total() == 0 {
		return "none refused"
	}
	parts := make([]string, len(refused.keys))
	for i, k := range refused.keys {
		parts[i] = fmt.Sprintf("%d refused %s", refused.n[k], k)
	}
	return strings.Join(parts, ", ")
}
