package room

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
)

// Options configures a [Room]. The zero value gives the defaults written
// on each field.
type Options struct {
	// Name identifies the room in its logs. Default "room".
	Name string

	// Logger receives the panics of tasks and timers. Default
	// slog.Default().
	Logger *slog.Logger

	// QueueSize is the number of tasks that may wait to run. The room
	// takes every waiting task at once when it is ready for more, so up to
	// QueueSize further tasks may wait while a batch runs. On a full
	// queue, [Room.Submit] waits for space (or for its context) and
	// [Room.TrySubmit] returns [ErrFull]. Timer runs do not count. Default
	// 1024.
	QueueSize int
}

const defaultQueueSize = 1024

func (o Options) withDefaults() Options {
	if o.Name == "" {
		o.Name = "room"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.QueueSize <= 0 {
		o.QueueSize = defaultQueueSize
	}
	return o
}

// Room is a serial executor: one goroutine that runs the room's tasks and
// timers one at a time. All its methods are safe for concurrent use. See
// the package documentation for its ordering and timer guarantees.
type Room struct {
	name string
	log  *slog.Logger
	size int

	mu     sync.Mutex
	queue  []task        // waiting tasks, in submission order
	timers timerHeap     // pending timers, earliest first
	seq    uint64        // timers set so far; orders timers due together
	closed bool          // Stop was called: no more work
	space  chan struct{} // closed when the queue is emptied; nil if no Submit waits

	wake    chan struct{} // buffered: the goroutine should look at the queue and timers again
	abandon atomic.Bool   // Close's context ended: drop what is queued
	done    chan struct{} // closed when the goroutine has exited
}

// task is a unit of the room's work: a submitted function, or the run of
// a timer.
type task struct {
	f func()
	t *Timer
}

// New creates a room and starts its goroutine, which runs until
// [Room.Close] or [Room.Stop].
func New(opts Options) *Room {
	opts = opts.withDefaults()
	r := &Room{
		name: opts.Name,
		log:  opts.Logger,
		size: opts.QueueSize,
		wake: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	go r.run()
	return r
}

// Submit queues f to run on the room's goroutine, after the tasks queued
// before it. On a full queue it waits until there is room, or until ctx is
// done (it then returns ctx.Err() and f will not run); ctx plays no part
// once f is queued. It returns [ErrClosed] after the room was closed.
//
// A task of the room may submit to its own room: the queue is emptied
// before a batch of tasks runs, so this blocks only if one batch submits
// more than QueueSize tasks.
func (r *Room) Submit(ctx context.Context, f func()) error {
	if f == nil {
		return errNilFunc
	}
	for {
		space, err := r.enqueue(f, true)
		if space == nil {
			return err
		}
		select {
		case <-space:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// TrySubmit is [Room.Submit] that never blocks: it returns [ErrFull] when
// the queue is full.
func (r *Room) TrySubmit(f func()) error {
	if f == nil {
		return errNilFunc
	}
	_, err := r.enqueue(f, false)
	return err
}

// enqueue queues f, or returns a channel to wait on when the queue is full
// and the caller will wait.
func (r *Room) enqueue(f func(), wait bool) (chan struct{}, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.closed:
		return nil, ErrClosed
	case len(r.queue) < r.size:
		r.queue = append(r.queue, task{f: f})
		if len(r.queue) == 1 {
			r.signal()
		}
		return nil, nil
	case !wait:
		return nil, ErrFull
	}
	if r.space == nil {
		r.space = make(chan struct{})
	}
	return r.space, nil
}

// signal wakes the goroutine if it sleeps, and makes its next sleep
// return at once if it does not.
func (r *Room) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Stop starts closing the room and returns without waiting: new tasks and
// timers are refused with [ErrClosed], every timer is cancelled, and the
// goroutine exits once it has run the tasks already queued. A task may
// stop its own room. Stop on a closed room does nothing.
func (r *Room) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	r.timers.stopAll()
	r.wakeSubmitters()
	r.signal()
}

// wakeSubmitters lets the Submit calls waiting for space look again.
func (r *Room) wakeSubmitters() {
	if r.space != nil {
		close(r.space)
		r.space = nil
	}
}

// Close closes the room: like [Room.Stop], then it waits until the tasks
// already queued have run and the goroutine has exited. If ctx ends first,
// the tasks not yet started are dropped (their [Call] callers get
// [ErrClosed]), the goroutine exits when the task running, if any,
// returns, and Close returns ctx.Err() without waiting for it.
//
// A task must not Close its own room (it would wait for itself until ctx
// ends); it calls Stop instead.
func (r *Room) Close(ctx context.Context) error {
	r.Stop()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
	}
	r.abandon.Store(true)
	r.signal()
	select {
	case <-r.done:
		return nil
	default:
		return ctx.Err()
	}
}

// Done returns a channel that is closed when the room's goroutine has
// exited, after Close or Stop.
func (r *Room) Done() <-chan struct{} { return r.done }
