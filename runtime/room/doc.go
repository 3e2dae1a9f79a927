// Package room runs game logic on serial executors. A [Room] is one
// goroutine that runs, one at a time, the tasks submitted to it and the
// timers set on it, so the state it owns (a match, a table, a chat room)
// needs no locks: read and write it only from the room's tasks.
//
//	r := room.New(room.Options{Name: "table-7", Logger: logger})
//	defer r.Close(ctx)
//
//	err := r.Submit(ctx, table.deal) // fire and forget
//	seat, err := room.Call(ctx, r, func() (int, error) { // and wait for the reply
//		return table.sit(player)
//	})
//	step, err := r.Every(100*time.Millisecond, table.step) // a game loop
//	idle, err := r.After(time.Minute, table.close)        // a timeout
//
// A request handler hands work to a room with [Room.Submit] or
// [Room.TrySubmit], or with [Call] when it replies with what the room
// computed. Rooms are values owned by the application: a process may run
// any number of them, and the package holds no state of its own.
//
// # Ordering
//
// Tasks run in the order they were queued: two tasks submitted by one
// goroutine run in submission order, and no two tasks of a room ever run
// at the same time. What a goroutine did before a Submit happens before
// the task runs, and each task happens before the next one of the room,
// so a task sees every effect of the tasks before it. A timer's run is queued, when the room finds it due,
// behind the tasks already waiting; it never jumps ahead of them.
//
// # Timers
//
// [Room.After] and [Room.Every] add a timer to the room's own heap; the
// room's goroutine sleeps until the earliest one is due, so timers cost no
// goroutine and no runtime timer each. [Timer.Stop] is exact: a run that
// has not started when Stop returns never starts. Called from a task of
// the room, it therefore guarantees that the function will not run again;
// called from another goroutine, a run that already started may still be
// in progress when Stop returns (Stop does not wait for it).
//
// A [Room.Every] timer keeps its phase: its runs are due at d, 2d, 3d...
// after it was set. When a run ends after the next tick (because it or the
// tasks before it were slow), the ticks missed are dropped, not queued:
// the next run is due at the first tick still in the future. A timer never
// has more than one run waiting, so runs never pile up.
//
// # Panics and shutdown
//
// A panicking task or timer is recovered and logged with its stack; the
// room keeps running. [Room.Close] refuses new work, cancels the timers,
// runs the tasks already queued and waits for the goroutine to exit.
// [Room.Stop] does the same without waiting, so a room can close itself
// from one of its own tasks.
//
// # Goroutines
//
// [New] starts the room's goroutine; it exits after Close or Stop, once
// the queue is empty (or at once when Close's context ends). Close, [Call]
// and a Submit on a full queue block their caller; nothing else blocks, and
// the package starts no other goroutine.
package room
