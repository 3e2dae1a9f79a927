package server

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// OnPacket implements transport.Peer. It runs on the transport's I/O
// goroutine: it decodes and queues, it never runs a handler. Any packet
// counts as liveness.
func (s *session) OnPacket(t wire.PacketType, body []byte) error {
	s.lastRecv.Store(s.srv.precise())
	state := s.state.Load()
	if state == stateClosed || s.flooding.Load() {
		return nil // kicked, closing, or closing once answered: ignore what is still in flight
	}
	switch t {
	case wire.PacketHandshake:
		return s.onHandshake(state, body)
	case wire.PacketHandshakeAck:
		if s.state.CompareAndSwap(stateHandshaken, stateWorking) { // accepted in any state
			if e, ok := s.conn.(interface{ Established() }); ok { // transport.Establisher
				e.Established()
			}
		}
		return nil
	case wire.PacketHeartbeat:
		return nil // liveness only: the server sends its own on a timer
	case wire.PacketData:
		if state != stateWorking {
			return protocolError("data before handshake ack")
		}
		return s.onData(body)
	}
	return protocolError("unexpected " + t.String() + " packet")
}

// onHandshake decodes the client's handshake. Without validators it is
// answered at once; otherwise the validators run on the session's worker.
// A repeated handshake is ignored.
func (s *session) onHandshake(state uint32, body []byte) error {
	if state != stateStart {
		return nil
	}
	if len(body) > s.srv.opts.MaxHandshakeSize {
		s.srv.log.Debug("handshake too large", "session", s.id, "size", len(body), "max", s.srv.opts.MaxHandshakeSize)
		s.rejectHandshake()
		return nil
	}
	hs, err := wire.DecodeHandshakeRequest(body)
	if err != nil {
		s.srv.log.Debug("bad handshake", "session", s.id, "err", err)
		s.rejectHandshake()
		return nil
	}
	hs = compactHandshake(hs)
	s.mu.Lock()
	s.hs = hs
	s.mu.Unlock()
	if len(s.srv.opts.HandshakeValidators) == 0 {
		s.acceptHandshake()
		return nil
	}
	s.state.Store(stateValidating)
	s.enqueue(job{kind: jobHandshake, hs: cloneHandshake(hs)}, true)
	return nil
}

// acceptHandshake answers code 200; the client may then send its ack.
func (s *session) acceptHandshake() {
	if s.state.CompareAndSwap(stateStart, stateHandshaken) || s.state.CompareAndSwap(stateValidating, stateHandshaken) {
		_ = s.conn.Write(s.srv.handshakeOK)
	}
}

// rejectHandshake answers code 400 and closes.
func (s *session) rejectHandshake() {
	if s.state.Swap(stateClosed) != stateClosed {
		_ = s.conn.Write(s.srv.handshakeBad)
		_ = s.conn.Close()
	}
}

// onData decodes a Data packet into a job: a decoded request for its
// handler, or the coded error it must be answered with (queued too, so
// that answers keep the arrival order).
func (s *session) onData(body []byte) error {
	m, err := wire.DecodeMessage(body)
	if err != nil {
		return err
	}
	if m.Type != wire.MessageRequest && m.Type != wire.MessageNotify {
		return protocolError("client sent a " + m.Type.String())
	}
	if s.bucket != nil && !s.bucket.allow(s.srv.now()) {
		return s.overLimit(&m)
	}
	r, err := s.srv.resolve(&m)
	if err != nil {
		return err
	}
	j := job{kind: jobRequest, id: m.ID, r: r, at: s.lastRecv.Load()} // stamped by OnPacket just now: one clock read per packet
	if m.Type == wire.MessageNotify {
		j.kind = jobNotify
	}
	if err := s.decodeInto(&j, &m); err != nil {
		return err
	}
	return s.submit(j, &m)
}

// decodeInto fills j's request message, or j's error when the route or the
// payload is bad, or prepares j to go to another server of the cluster.
// Only an oversized inflated payload is fatal.
func (s *session) decodeInto(j *job, m *wire.Message) error {
	if s.srv.stopping() {
		j.err = errShuttingDown()
		return nil
	}
	typ := s.srv.forwardTarget(j.r, m.Route)
	if j.err = s.srv.reg.checkRoute(j, m, typ); j.err != nil {
		return nil
	}
	if typ != "" {
		return s.prepareForward(j, m, typ)
	}
	return s.unmarshal(j, m)
}

// checkRoute returns the coded error a client gets for a route it cannot
// call, or cannot call this way: GS-400 for a malformed route text, GS-404
// for a well-formed one nobody serves (or a push route, whatever its
// shape). typ is the server type that serves the route elsewhere in the
// cluster, if any.
func (reg *registry) checkRoute(j *job, m *wire.Message, typ string) *gamesrv.Error {
	switch {
	case j.r == nil && !wellFormedRoute(m.Route) && !reg.pushes[string(m.Route)]:
		return errBadRequest(fmt.Sprintf("malformed route %q", m.Route))
	case j.r == nil && typ == "":
		return errNotFound(string(m.Route))
	case j.r == nil:
		return nil // another server type decides
	case !j.r.clientCallable():
		return errNotFound(j.r.desc.Name)
	case j.kind == jobRequest && j.r.desc.Kind == gamesrv.KindNotify:
		return errBadRequest("request sent to notify route " + j.r.desc.Name)
	}
	return nil
}

// loopDecodeMax is the largest payload unmarshalled on the I/O goroutine.
// A larger one (and every zlib payload) is copied and decoded by the
// session's worker, in its turn: the copy costs far less loop time than
// decoding, and a small request keeps its allocation-free path.
const loopDecodeMax = 1 << 10

// unmarshal decodes j's request, or leaves the payload to the worker (see
// loopDecodeMax).
func (s *session) unmarshal(j *job, m *wire.Message) error {
	if m.Zlib || len(m.Payload) > loopDecodeMax {
		j.raw, j.zlib = s.srv.payloads.copyOf(m.Payload), m.Zlib
		return nil
	}
	s.decodeRequest(j, m.Payload)
	return nil
}

// decodeRequest unmarshals payload into j's request, or sets j's error.
func (s *session) decodeRequest(j *job, payload []byte) {
	req := j.r.desc.NewRequest()
	if err := s.srv.opts.Serializer.Unmarshal(payload, req); err != nil {
		j.err = errBadRequest("payload does not unmarshal into " + string(req.ProtoReflect().Descriptor().FullName()))
		return
	}
	j.req = req
}

// decodeLate runs on the worker, before j: it inflates and unmarshals the
// payload the I/O goroutine left to it, or sets j's error. It reports
// false when j must not run: the connection closed, so there is nobody to
// answer and a compressed payload is not worth inflating.
func (s *session) decodeLate(j *job) bool {
	box := j.raw
	j.raw = nil
	payload := *box
	if j.zlib {
		var ok bool
		payload, ok = s.inflateLate(j, payload)
		s.srv.payloads.put(box) // inflated: the compressed bytes are done with
		if !ok || j.err != nil {
			return ok
		}
	} else {
		defer s.srv.payloads.put(box) // once unmarshalled
	}
	if j.fwd != nil {
		j.fwd.payload = payload // the forward keeps it
		return true
	}
	s.decodeRequest(j, payload)
	if j.zlib {
		s.srv.recycleInflated(payload) // the request holds copies
	}
	return true
}

// inflateLate inflates a zlib payload within the session's budget of
// inflated bytes per second (MaxInflatedBytesPerSecond): a job over the
// budget is answered GS-429 without inflating. Inflating stops at
// MaxInflatedSize: a larger payload (a zip bomb) is answered GS-400, like
// one that does not inflate; the bytes inflated count against the budget
// either way. ok is false when the session is closed: nothing is inflated.
func (s *session) inflateLate(j *job, payload []byte) (out []byte, ok bool) {
	if s.state.Load() == stateClosed {
		return nil, false
	}
	budget := s.inflateBudget()
	if budget != nil && !budget.ready(s.srv.now()) {
		j.err = errInflateRateLimited()
		return nil, true
	}
	limit := s.srv.opts.MaxInflatedSize
	out, err := s.srv.inflate(payload, limit)
	if budget != nil {
		budget.spend(float64(len(out)))
	}
	if err != nil {
		s.srv.recycleInflated(out)
	}
	switch {
	case errors.Is(err, wire.ErrInflatedTooLarge):
		j.err = errBadRequest(fmt.Sprintf("payload inflates to more than %d bytes (MaxInflatedSize)", limit))
		return nil, true
	case err != nil:
		j.err = errBadRequest("payload does not inflate")
		return nil, true
	}
	return out, true
}

// inflateBudget returns the session's bucket of inflated bytes, created on
// its first compressed payload; nil when the budget is off. It holds
// MaxInflatedSize bytes (a second's worth when that is less), so that a
// client cannot get much more inflated by reconnecting. Only the session's
// worker uses it.
func (s *session) inflateBudget() *tokenBucket {
	if s.inflated == nil && s.srv.opts.MaxInflatedBytesPerSecond > 0 {
		rate := float64(s.srv.opts.MaxInflatedBytesPerSecond)
		burst := min(rate, float64(s.srv.opts.MaxInflatedSize))
		s.inflated = &tokenBucket{tokens: burst, last: s.srv.now(), rate: rate, burst: burst}
	}
	return s.inflated
}

// overLimit handles a message beyond the session's rate limit: GS-429 for
// a request (in its turn), nothing for a notify, or the end of the
// connection.
func (s *session) overLimit(m *wire.Message) error {
	if s.srv.opts.RateLimit.Disconnect {
		s.closeWhenAnswered("rate limit exceeded")
		return nil
	}
	return s.refuse(&job{kind: jobRequest, id: m.ID}, m, errRateLimited())
}

// submit queues j, or forwards it at once when nothing waits before it
// (forwardNow). When the queue is full a request is refused with GS-429
// and a notify is dropped.
func (s *session) submit(j job, m *wire.Message) error {
	if s.forwardNow(&j) {
		return nil
	}
	if s.enqueue(j, false) {
		return nil
	}
	return s.refuse(&j, m, errQueueFull())
}

// refuse handles a message turned away before it was queued (rate limit,
// full queue). A notify is dropped. A request is answered e in its turn,
// after the answers still queued (PROTOCOL.md §7), by a refused job that
// takes no place in the queue; when QueueSize refused requests already
// wait, the client is flooding and the connection closes once the
// requests accepted so far are answered (see closeWhenAnswered).
func (s *session) refuse(j *job, m *wire.Message, e *gamesrv.Error) error {
	if m.Type != wire.MessageRequest {
		s.srv.log.Debug("notify dropped", "session", s.id, "route", routeName(j.r, m), "code", e.Code())
		s.srv.metrics.Handled(j.routeName(), "notify", string(e.Code()), 0)
		return nil
	}
	if s.enqueue(refusal(j, e, s.srv.precise()), false) {
		return nil
	}
	s.closeWhenAnswered("too many requests refused")
	return nil
}

// closeWhenAnswered ends the connection of a flooding client without
// losing an answer: from now on its packets are read and ignored, the
// jobs already queued run and answer (every accepted request gets its
// response or GS-429), and a last job closes the connection, which sends
// what is queued before closing.
func (s *session) closeWhenAnswered(reason string) {
	if s.flooding.Swap(true) {
		return
	}
	s.srv.log.Info(reason+": disconnecting after the queued answers", "session", s.id, "uid", s.UID(), "remote", s.conn.RemoteAddr())
	s.enqueue(job{kind: jobClose}, true)
}

// refusal is the refused job that answers the request of j with e. It keeps
// the route's name (for metrics and logs) but neither the decoded request
// nor a payload to forward.
func refusal(j *job, e *gamesrv.Error, at int64) job {
	r := job{kind: jobRequest, refused: true, id: j.id, at: at, r: j.r, err: e}
	if j.fwd != nil {
		r.fwd = &forwardJob{route: j.fwd.route}
	}
	return r
}

// resolve finds the route of a message. An unknown dictionary code is a
// protocol error; an unknown route string yields nil (answered GS-400 when
// malformed, GS-404 otherwise: see checkRoute).
func (srv *Server) resolve(m *wire.Message) (*route, error) {
	if m.Compressed {
		r := srv.reg.lookupCode(m.Code)
		if r == nil {
			return nil, protocolError("unknown route code")
		}
		return r, nil
	}
	return srv.reg.lookup(m.Route), nil
}

// wellFormedRoute reports whether a route text has the shape of a route
// (PROTOCOL.md §4): "service.method" or "serverType.service.method", with
// no empty part, in UTF-8.
func wellFormedRoute(name []byte) bool {
	dots, prev := 0, byte('.')
	for _, c := range name {
		if c == '.' {
			if prev == '.' {
				return false
			}
			dots++
		}
		prev = c
	}
	return prev != '.' && (dots == 1 || dots == 2) && utf8.Valid(name)
}

func routeName(r *route, m *wire.Message) string {
	if r != nil {
		return r.desc.Name
	}
	return string(m.Route)
}
