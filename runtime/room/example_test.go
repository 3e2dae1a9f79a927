package room_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gamesrv/gamesrv/runtime/room"
)

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
