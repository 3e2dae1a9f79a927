package room

import "context"

// Call runs f on the room's goroutine and returns its results: it is how
// a request handler replies with what the room computed. Call waits for a
// place in the queue like [Room.Submit], then for f to run.
//
// If ctx ends first, Call returns ctx.Err() at once, but f, once queued,
// still runs later and its results are dropped: a handler that gives up
// does not undo the work. If f panics, the room logs the panic and Call
// returns [ErrPanicked]. If the room closes before f runs, Call returns
// [ErrClosed].
//
// A task of r must not Call r: it would wait for itself until ctx ends.
func Call[T any](ctx context.Context, r *Room, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	var zero T
	if f == nil {
		return zero, errNilFunc
	}
	ch := make(chan result, 1)
	err := r.Submit(ctx, func() {
		res := result{err: ErrPanicked} // kept if f panics
		defer func() { ch <- res }()
		res.v, res.err = f()
	})
	if err != nil {
		return zero, err
	}
	select {
	case res := <-ch:
		return res.v, res.err
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-r.done:
	}
	select { // f may have run just before the goroutine exited
	case res := <-ch:
		return res.v, res.err
	default:
		return zero, ErrClosed
	}
}
