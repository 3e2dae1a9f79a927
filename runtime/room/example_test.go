package room_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"time"

	"github.com/gamesrv/gamesrv/runtime/room"
)

// cardTable is a card table's state. It belongs to its room: only the room's
// tasks and timers read or write it, so it needs no lock.
type cardTable struct {
	dealt  bool
	seats  []string
	steps  int
	ended  chan struct{} // closed by the third step
	closed bool
}

func (t *cardTable) deal() { t.dealt = true }
func (t *cardTable) tick() {}
func (t *cardTable) sit(player string) (int, error) {
	t.seats = append(t.seats, player)
	return len(t.seats), nil
}
func (t *cardTable) close() { t.closed = true }
func (t *cardTable) step() {
	if t.steps < 3 {
		t.steps++
		if t.steps == 3 {
			close(t.ended)
		}
	}
}

// Everything a room does: tasks, a task with a reply, a game loop and a
// timeout, all on the room's goroutine.
func ExampleNew() {
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	table, player := &cardTable{ended: make(chan struct{})}, "ann"

	r := room.New(room.Options{Name: "table-7", Logger: logger}) // QueueSize default 1024
	defer r.Close(ctx)                                           // runs what is queued, stops timers

	err := r.Submit(ctx, func() { table.deal() }) // queue and return (waits for space under ctx)
	if err != nil {
		log.Fatal(err)
	}
	err = r.TrySubmit(func() { table.tick() }) // or room.ErrFull at once
	if err != nil {
		log.Fatal(err)
	}
	seat, err := room.Call(ctx, r, func() (int, error) { // run in the room, wait for the result
		return table.sit(player)
	})
	fmt.Println("seat", seat, err)

	step, _ := r.Every(10*time.Millisecond, table.step) // a game loop; keeps its phase
	idle, _ := r.After(time.Minute, table.close)        // a timeout
	fmt.Println("timeout cancelled:", idle.Stop())      // exact: a run not started never starts
	<-table.ended
	step.Stop()

	state, _ := room.Call(ctx, r, func() (string, error) {
		return fmt.Sprintf("dealt=%v steps=%d closed=%v", table.dealt, table.steps, table.closed), nil
	})
	fmt.Println(state)
	// Output:
	// seat 1 <nil>
	// timeout cancelled: true
	// dealt=true steps=3 closed=false
}

// A table's state lives in a room: handlers change it with Call and get
// their reply from the room, without locks.
func ExampleCall() {
	ctx := context.Background()
	r := room.New(room.Options{Name: "table-1"})
	defer r.Close(ctx)

	seats := map[string]int{} // owned by the room
	sit := func(player string) (int, error) {
		if s, ok := seats[player]; ok {
			return s, nil
		}
		seats[player] = len(seats) + 1
		return seats[player], nil
	}
	for _, p := range []string{"ann", "bob", "ann"} {
		seat, err := room.Call(ctx, r, func() (int, error) { return sit(p) })
		fmt.Println(p, seat, err)
	}
	// Output:
	// ann 1 <nil>
	// bob 2 <nil>
	// ann 1 <nil>
}

// An idle timeout: set when the last player leaves, cancelled when one
// comes back. Both happen on the room, so Stop is exact.
func ExampleRoom_After() {
	ctx := context.Background()
	r := room.New(room.Options{Name: "lobby"})
	defer r.Close(ctx)

	closed := make(chan struct{})
	var idle *room.Timer // owned by the room
	leave := func() { idle, _ = r.After(10*time.Millisecond, func() { close(closed) }) }
	join := func() { fmt.Println("cancelled:", idle.Stop()) }

	_ = r.Submit(ctx, leave)
	_ = r.Submit(ctx, join)
	_ = r.Submit(ctx, leave)
	<-closed
	fmt.Println("closed after being idle")
	// Output:
	// cancelled: true
	// closed after being idle
}

// A game loop: a tick every 10 ms until the match ends.
func ExampleRoom_Every() {
	ctx := context.Background()
	r := room.New(room.Options{Name: "match"})
	defer r.Close(ctx)

	ended := make(chan struct{})
	ticks := 0 // owned by the room
	_, _ = room.Call(ctx, r, func() (*room.Timer, error) {
		var loop *room.Timer
		loop, err := r.Every(10*time.Millisecond, func() {
			ticks++
			if ticks == 3 {
				loop.Stop()
				close(ended)
			}
		})
		return loop, err
	})
	<-ended
	fmt.Println("ticks:", ticks)
	// Output:
	// ticks: 3
}
