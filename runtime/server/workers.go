package server

import "time"

// workerIdle is how long a worker goroutine waits for another session
// before it ends.
const workerIdle = time.Second

// workers runs sessions' queues on goroutines that outlive one burst: a
// worker that drained a session waits briefly for the next one, so under
// load goroutines (and their grown stacks) are reused instead of created
// per request, and an idle server has none.
type workers struct {
	idle chan *session // unbuffered: a send succeeds only if a worker waits
	quit chan struct{} // closed when the server stops: idle workers end
}

func newWorkers() workers { return workers{idle: make(chan *session), quit: make(chan struct{})} }

// run drains s's queue on an idle worker, or on a new one.
func (w workers) run(s *session) {
	select {
	case w.idle <- s:
	default:
		go w.loop(s)
	}
}

func (w workers) loop(s *session) {
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		s.work()
		t.Reset(workerIdle)
		select {
		case s = <-w.idle:
		case <-t.C:
			return
		case <-w.quit:
			return
		}
	}
}

// stop makes idle workers end; busy ones end when their session is done.
func (w workers) stop() { close(w.quit) }
