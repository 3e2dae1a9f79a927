package server

import (
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
)

// jobKind says what a queued job does.
type jobKind uint8

const (
	jobRequest   jobKind = iota // run a handler and answer
	jobNotify                   // run a handler, no answer
	jobHandshake                // run the handshake validators
	jobClosed                   // run the close hooks
)

// job is one unit of a session's ordered work. When err is set the job only
// answers that error, in its turn. When forward is set the request goes to
// another server: forward is its route, payload the raw request.
type job struct {
	kind    jobKind
	id      uint32
	r       *route
	req     proto.Message
	err     *gamesrv.Error
	forward string
	fwdType string
	payload []byte
}

// jobQueue is a growable ring of jobs. It starts empty and small, and
// returns to nothing when a session goes idle.
type jobQueue struct {
	buf  []job
	head int
	n    int
}

func (q *jobQueue) push(j job) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)%len(q.buf)] = j
	q.n++
}

func (q *jobQueue) pop() job {
	j := q.buf[q.head]
	q.buf[q.head] = job{}
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return j
}

func (q *jobQueue) grow() {
	nb := make([]job, max(4, 2*len(q.buf)))
	for i := range q.n {
		nb[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = nb, 0
}

// release drops an empty ring larger than the initial size, so an idle
// session keeps at most a small one.
func (q *jobQueue) release() {
	if q.n == 0 && len(q.buf) > 4 {
		q.buf, q.head = nil, 0
	}
}

// enqueue adds j to the session's queue and starts a worker goroutine if
// none is running. Unless force is set, it fails when QueueSize jobs are
// already waiting.
func (s *session) enqueue(j job, force bool) bool {
	s.mu.Lock()
	if !force && s.queue.n >= s.srv.opts.QueueSize {
		s.mu.Unlock()
		return false
	}
	s.queue.push(j)
	s.srv.jobs.Add(1)
	start := !s.running
	s.running = true
	s.mu.Unlock()
	if start {
		s.srv.workers.run(s)
	}
	return true
}

// work runs the session's jobs one at a time, in order, and returns when
// the queue is empty.
func (s *session) work() {
	for {
		j, ok := s.next()
		if !ok {
			return
		}
		s.srv.execute(s, &j)
		s.srv.jobDone()
	}
}

func (s *session) next() (job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queue.n == 0 {
		s.running = false
		s.queue.release()
		return job{}, false
	}
	return s.queue.pop(), true
}
