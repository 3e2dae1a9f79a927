package server

import (
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
)

// jobKind says what a queued job does.
type jobKind uint8

const (
	jobRequest   jobKind = iota // run a handler and answer
	jobNotify                   // run a handler, no answer
	jobHandshake                // run the handshake validators
	jobClosed                   // run the close hooks
	jobClose                    // close the connection of a flooding client, after the answers before it
)

// job is one unit of a session's ordered work. When err is set the job only
// answers that error, in its turn. When fwd is set the request goes to
// another server of the cluster. A refused job is a request turned away
// before it was queued (rate limit, full queue): it only answers its
// GS-429 in its turn and takes no place in the queue. When raw is set (or
// zlib), the worker decodes the payload before the job runs (decodeLate).
type job struct {
	kind    jobKind
	refused bool
	zlib    bool // raw is zlib-compressed
	id      uint32
	at      int64 // arrival, on the server's precise clock (srv.since)
	r       *route
	req     proto.Message
	err     *gamesrv.Error
	fwd     *forwardJob
	hs      *wire.HandshakeRequest // jobHandshake: the decoded handshake
	raw     *[]byte                // a payload left to the worker, large or compressed (in a bufPool box)
}

// late reports whether the worker must decode the job's payload first.
func (j *job) late() bool { return j.zlib || j.raw != nil }

// routeName names the job's route for logs and metrics.
func (j *job) routeName() string {
	switch {
	case j.fwd != nil:
		return j.fwd.route
	case j.r != nil:
		return j.r.desc.Name
	}
	return "unknown"
}

// kindName is "request" or "notify".
func (j *job) kindName() string {
	if j.kind == jobNotify {
		return "notify"
	}
	return "request"
}

// forwardJob is what a job needs to go to another server. A small
// payload's copy lives in the job's allocation (inline).
type forwardJob struct {
	route, serverType string
	payload           []byte
	inline            [forwardInline]byte
}

// forwardInline is the largest payload a forwardJob holds inline: the
// struct fills the 96-byte size class.
const forwardInline = 40

// setPayload copies p as the payload to forward.
func (f *forwardJob) setPayload(p []byte) {
	if len(p) == 0 {
		f.payload = nil
		return
	}
	if len(p) <= len(f.inline) {
		f.payload = append(f.inline[:0:len(f.inline)], p...)
		return
	}
	f.payload = append([]byte(nil), p...)
}

// jobQueue is a FIFO of jobs. The first job lives inline, so a session that
// sends one request at a time never allocates for its queue; the rest go to
// a ring that is dropped when the queue empties.
type jobQueue struct {
	first job
	n     int
	rest  []job // ring of the jobs after first
	head  int
}

func (q *jobQueue) push(j job) {
	if q.n == 0 {
		q.first, q.n = j, 1
		return
	}
	if q.n-1 == len(q.rest) {
		q.grow()
	}
	q.rest[(q.head+q.n-1)%len(q.rest)] = j
	q.n++
}

// pushFront puts j before the jobs queued.
func (q *jobQueue) pushFront(j job) {
	if q.n == 0 {
		q.push(j)
		return
	}
	if q.n-1 == len(q.rest) {
		q.grow()
	}
	q.head = (q.head - 1 + len(q.rest)) % len(q.rest)
	q.rest[q.head] = q.first
	q.first = j
	q.n++
}

func (q *jobQueue) pop() job {
	j := q.first
	q.n--
	if q.n == 0 {
		q.first, q.rest, q.head = job{}, nil, 0
		return j
	}
	q.first, q.rest[q.head] = q.rest[q.head], job{}
	q.head = (q.head + 1) % len(q.rest)
	return j
}

func (q *jobQueue) grow() {
	nb := make([]job, max(4, 2*len(q.rest)))
	for i := range q.n - 1 {
		nb[i] = q.rest[(q.head+i)%len(q.rest)]
	}
	q.rest, q.head = nb, 0
}

// enqueue adds j to the session's queue and starts a worker goroutine if
// none is running. Unless force is set, it fails when the queue has no room
// for j (see fits).
func (s *session) enqueue(j job, force bool) bool {
	s.mu.Lock()
	if !force && !s.fits(&j) {
		s.mu.Unlock()
		return false
	}
	if j.refused {
		s.refused++
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

// fits reports whether the queue has room for j: QueueSize jobs waiting to
// run, and besides them QueueSize refused requests waiting for their
// GS-429 answer. The caller holds s.mu.
func (s *session) fits(j *job) bool {
	if j.refused {
		return s.refused < s.srv.opts.QueueSize
	}
	return s.queue.n-s.refused < s.srv.opts.QueueSize
}

// work runs the session's jobs one at a time, in order, and returns when
// the queue is empty.
func (s *session) work() {
	for {
		j, ok := s.next()
		if !ok {
			return
		}
		if j.late() && !s.decodeLate(&j) {
			s.srv.jobDone() // the connection closed: nobody to answer
			continue
		}
		if j.kind == jobClose {
			_ = s.Close()
			s.srv.jobDone()
			continue
		}
		if j.fwd != nil && j.err == nil {
			s.srv.forward(s, &j) // resumes the session when answered
			return
		}
		s.srv.execute(s, &j)
		s.srv.jobDone()
	}
}

// resume continues a session whose forwarded job was answered. With jobs
// waiting, the next one goes to a worker, unless it is a forward that can
// leave at once and direct is set: then this goroutine (the link's reader,
// most often) sends it, as the event loop does for an idle session. A
// client that sends its next request as soon as it reads the answer finds
// its session still running (the answer is written first), so this path
// is the common one under load and saves a worker's wake-up per request.
// With no job waiting, the session goes idle.
func (s *session) resume(direct bool) {
	s.mu.Lock()
	if s.queue.n == 0 {
		s.running = false
		s.mu.Unlock()
		return
	}
	if direct && s.srv.canSendNow(&s.queue.first) {
		j := s.queue.pop()
		s.mu.Unlock()
		s.sendNow(&j)
		return
	}
	s.mu.Unlock()
	s.srv.workers.run(s)
}

func (s *session) next() (job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queue.n == 0 {
		s.running = false
		return job{}, false
	}
	j := s.queue.pop()
	if j.refused {
		s.refused--
	}
	return j, true
}
