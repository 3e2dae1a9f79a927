package room

import "errors"

// Errors returned by rooms.
var (
	// ErrClosed: the room was closed (or is closing) and takes no more
	// work, or it stopped before running the task of a [Call].
	ErrClosed = errors.New("gamesrv: room closed")
	// ErrFull: the room's queue is full; see [Options.QueueSize].
	ErrFull = errors.New("gamesrv: room queue full")
	// ErrPanicked: the function given to [Call] panicked. The panic was
	// logged by the room.
	ErrPanicked = errors.New("gamesrv: room task panicked")
	// ErrBadPeriod: [Room.Every] needs a positive period.
	ErrBadPeriod = errors.New("gamesrv: room timer period must be positive")
	// errNilFunc: a task or timer was given a nil function.
	errNilFunc = errors.New("gamesrv: room task is nil")
)
