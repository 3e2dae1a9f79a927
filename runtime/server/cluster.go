package server

import (
	"context"
	"errors"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
)

// useCluster makes the server part of a cluster: serverhost.Host's
// UseCluster, which runtime/cluster's New calls before Start.
func (srv *Server) useCluster(c serverhost.Cluster) error {
	if srv.state.Load() != srvNew {
		return ErrServerStarted
	}
	srv.cluster = c
	return nil
}

// RegisterRoutes declares the routes of a service served by other servers of
// the cluster. They enter the handshake dictionary, so clients may send them
// compressed, and the frontend checks their kind before forwarding. Routes of
// other server types that were not declared are forwarded too, by the
// server type in the route string.
func (srv *Server) RegisterRoutes(desc *gamesrv.ServiceDesc) error {
	if srv.state.Load() != srvNew {
		return ErrServerStarted
	}
	if desc == nil {
		return errors.New("gamesrv: RegisterRoutes with a nil service")
	}
	srv.regs = append(srv.regs, registration{desc: desc, remote: true})
	return nil
}

// ServerType returns the server's type (set at Start when
// Options.ServerType is empty).
func (srv *Server) ServerType() string { return srv.opts.ServerType }

// forwardTarget returns the server type a client route must be forwarded
// to, or "" when this server handles it (or nobody does).
func (srv *Server) forwardTarget(r *route, name []byte) string {
	if srv.cluster == nil {
		return ""
	}
	if r != nil {
		if r.remote {
			return r.service.ServerType
		}
		return ""
	}
	typ, rest, ok := strings.Cut(string(name), ".")
	if !ok || strings.Count(rest, ".") != 1 || srv.reg.types[typ] {
		return ""
	}
	return typ
}

// prepareForward fills a job that goes to another server: the route and a
// copy of the payload (the packet buffer does not outlive the I/O
// callback). A compressed payload is inflated by the worker (decodeLate).
func (s *session) prepareForward(j *job, m *wire.Message, typ string) error {
	j.fwd = &forwardJob{route: routeName(j.r, m), serverType: typ}
	if m.Zlib {
		j.raw, j.zlib = s.srv.payloads.copyOf(m.Payload), true
		return nil
	}
	j.fwd.setPayload(m.Payload)
	return nil
}

// forward sends a forwarded job to its server. The session's worker does
// not wait: the session stays marked running, so its next jobs wait in its
// queue, and the answer (written by forwardDone on the link's goroutine)
// resumes it. No goroutine is held while a backend works, unless the
// server has interceptors (forwardIntercepted).
func (srv *Server) forward(s *session, j *job) {
	f := srv.newForwardCall(s, j)
	if len(srv.opts.Interceptors) > 0 {
		srv.forwardIntercepted(f, s, &f.j, f.start)
		return
	}
	srv.cluster.Forward(f, s, j.fwd.serverType, j.fwd.route, j.fwd.payload, j.kind == jobNotify, f)
}

// forwardNow forwards j from the I/O goroutine when the session has
// nothing queued or running, which saves waking a worker for it: the
// frame joins the link's next write (the cluster's TryForward). j then
// holds the session's turn, as a forward from the worker does, until its
// answer resumes the session. It reports whether it took j; when the
// cluster cannot send without waiting (a dial, interceptors, a full
// link), j goes to a worker first in the queue, ahead of the jobs queued
// meanwhile.
func (s *session) forwardNow(j *job) bool {
	srv := s.srv
	if !srv.canSendNow(j) {
		return false
	}
	s.mu.Lock()
	if s.running { // then jobs wait, or one runs: j waits its turn
		s.mu.Unlock()
		return false
	}
	s.running = true
	srv.jobs.Add(1)
	s.mu.Unlock()
	s.sendNow(j)
	return true
}

// canSendNow reports whether j may be forwarded by a goroutine that must
// not wait (sendNow): a forward whose payload needs no decoding, on a
// server without interceptors (they run on a worker).
func (srv *Server) canSendNow(j *job) bool {
	return j.fwd != nil && j.err == nil && !j.late() && srv.cluster != nil && len(srv.opts.Interceptors) == 0
}

// sendNow forwards j, which holds the session's turn, without waiting
// (the cluster's TryForward). When the cluster cannot, j goes to a worker
// first in the queue, ahead of the jobs queued meanwhile.
func (s *session) sendNow(j *job) {
	srv := s.srv
	f := srv.newForwardCall(s, j)
	f.sending.Store(true)
	sent := srv.cluster.TryForward(f, s, j.fwd.serverType, j.fwd.route, j.fwd.payload, j.kind == jobNotify, f)
	f.sending.Store(false)
	if sent {
		return
	}
	s.mu.Lock()
	s.queue.pushFront(*j)
	s.mu.Unlock()
	srv.workers.run(s)
}

// newForwardCall starts the forward of j now.
func (srv *Server) newForwardCall(s *session, j *job) *forwardCall {
	start := time.Now()
	return &forwardCall{srv: srv, s: s, j: *j, start: start, deadline: start.Add(srv.opts.ForwardTimeout)}
}

// forwardCall is a job on its way to another server, in one allocation:
// it is the forward's context, which carries the deadline without a timer
// (the cluster enforces it: its sweeper answers GS-504, which saves a
// timer per forward; closing the links at shutdown ends the forwards
// still waiting), and it receives the answer (serverhost.ForwardDone).
type forwardCall struct {
	srv      *Server
	s        *session
	j        job
	start    time.Time
	deadline time.Time
	// sending is set while sendNow is in TryForward: an answer given
	// meanwhile (an error answered at once, or a reply faster than the
	// call's return) resumes the session through a worker, so a queue of
	// forwards that fail at once is not answered by nested calls.
	sending atomic.Bool
}

// Deadline returns the forward's deadline.
func (f *forwardCall) Deadline() (time.Time, bool) { return f.deadline, true }

// Done returns nil: whoever receives the context enforces its deadline.
func (f *forwardCall) Done() <-chan struct{} { return nil }

// Err returns nil: the context is never cancelled.
func (f *forwardCall) Err() error { return nil }

// Value returns nil: the context carries no values.
func (f *forwardCall) Value(any) any { return nil }

// ForwardDone answers the job, reports it and resumes the session.
func (f *forwardCall) ForwardDone(resp []byte, err error) {
	f.srv.forwardDone(f.s, &f.j, resp, err, f.start)
	f.s.resume(!f.sending.Load())
}

// forwardIntercepted forwards a job through the interceptors: the
// innermost handler sends it and waits for the answer, on the session's
// worker. Its response is the backend's serialized answer, unless an
// interceptor returns a message instead, which is encoded in its place.
func (srv *Server) forwardIntercepted(ctx context.Context, s *session, j *job, start time.Time) {
	var raw []byte
	send := func(ctx context.Context, _ *gamesrv.Call) (proto.Message, error) {
		answered := make(chan struct{})
		var err error
		srv.cluster.Forward(ctx, s, j.fwd.serverType, j.fwd.route, j.fwd.payload, j.kind == jobNotify,
			serverhost.ForwardDoneFunc(func(resp []byte, e error) { raw, err = resp, e; close(answered) }))
		<-answered
		return nil, err
	}
	c := &gamesrv.Call{Route: j.fwd.route, Kind: kindOf(j), Type: gamesrv.CallClient, Session: s}
	resp, err := srv.runChain(ctx, gamesrv.Chain(send, srv.opts.Interceptors...), c)
	if err == nil && resp != nil && j.kind == jobRequest {
		raw, err = srv.opts.Serializer.AppendMarshal(nil, resp)
	}
	srv.forwardDone(s, j, raw, err, start)
	s.resume(false)
}

// runChain runs h, turning a panic into GS-500.
func (srv *Server) runChain(ctx context.Context, h gamesrv.Handler, c *gamesrv.Call) (resp proto.Message, err error) {
	defer func() {
		if p := recover(); p != nil {
			srv.log.Error("interceptor panicked", append(sessionAttrs(c.Session), "route", c.Route,
				"panic", p, "stack", string(debug.Stack()))...)
			resp, err = nil, errInternal()
		}
	}()
	return h(ctx, c)
}

// forwardDone answers a forwarded job and reports it; the caller resumes
// the session then.
func (srv *Server) forwardDone(s *session, j *job, resp []byte, err error, start time.Time) {
	e := srv.forwarded(err, s, j, time.Since(start))
	switch {
	case j.kind == jobNotify:
	case e != nil:
		s.respondError(j.id, e)
	default:
		srv.respondRaw(s, j.id, resp)
	}
	srv.handled(s, j, e)
	srv.jobDone()
}

// forwarded converts the outcome of a forward and reports it.
func (srv *Server) forwarded(err error, s *session, j *job, d time.Duration) *gamesrv.Error {
	var e *gamesrv.Error
	code := "OK"
	if err != nil {
		e = srv.clientError(err, s, j.fwd.route)
		code = string(e.Code())
	}
	srv.metrics.Forwarded(j.fwd.serverType, code, d)
	return e
}

// respondRaw answers a request with an already serialized payload.
func (srv *Server) respondRaw(s *session, id uint32, payload []byte) {
	pkt, err := encodeRaw(&wire.Header{Type: wire.MessageResponse, ID: id}, payload)
	if err != nil {
		s.respondError(id, errInternal())
		return
	}
	_ = s.write(pkt)
}

// encodeRaw builds a Data packet around an already serialized payload.
func encodeRaw(h *wire.Header, payload []byte) ([]byte, error) {
	buf := make([]byte, 0, wire.HeaderLen+headerSize(h)+len(payload))
	return wire.AppendDataPacket(buf, h, payload)
}

// handleRemote runs the handler of a route for a call that came from
// another server, described by c: a client call a frontend forwarded
// (Type gamesrv.CallForwardIn, with the session as the frontend described
// it) or a call through a Remote stub (gamesrv.CallRemoteIn, without a
// session), with its Route, Kind, Peer and Metadata. The payload is
// decoded into c.Request and the response encoded with ser; the
// interceptors run and panics are recovered, as for local requests. For a
// notify the response is nil. It is serverhost.Host's HandleRemote.
func (srv *Server) handleRemote(ctx context.Context, c gamesrv.Call, payload []byte, ser gamesrv.Serializer) (out []byte, err error) {
	r := srv.reg.byName[c.Route]
	notify := c.Kind == gamesrv.KindNotify
	if err := checkRemote(r, c.Session, c.Route, notify); err != nil {
		return nil, err
	}
	defer srv.remoteHandled(r, notify, time.Now(), &err)
	req := r.desc.NewRequest()
	if err := ser.Unmarshal(payload, req); err != nil {
		return nil, errBadRequest("payload does not unmarshal into " + string(req.ProtoReflect().Descriptor().FullName()))
	}
	c.Route, c.Request = r.desc.Name, req
	resp, err := srv.invoke(ctx, r, c)
	if err != nil || notify {
		return nil, err
	}
	return ser.AppendMarshal(nil, resp)
}

// remoteHandled reports a call from another server to the metrics.
func (srv *Server) remoteHandled(r *route, notify bool, start time.Time, err *error) {
	kind, code := "request", "OK"
	if notify {
		kind = "notify"
	}
	if *err != nil {
		code = string(gamesrv.CodeOf(*err))
	}
	srv.metrics.Handled(r.desc.Name, kind, code, time.Since(start))
}

// checkRemote validates a call from another server against the route
// table: clients (through a frontend) reach only client routes, servers
// only internal ones.
func checkRemote(r *route, s gamesrv.Session, route string, notify bool) error {
	switch {
	case r == nil || r.remote || r.desc.Kind == gamesrv.KindPush:
		return errNotFound(route)
	case s != nil && r.desc.Internal, s == nil && !r.desc.Internal:
		return errNotFound(route)
	case !notify && r.desc.Kind == gamesrv.KindNotify:
		return errBadRequest("request sent to notify route " + route)
	}
	return nil
}

// deliverPacket writes an encoded push packet to local sessions, by id and
// by bound uid, skipping those that are gone or not ready: serverhost.Host's
// DeliverPacket, for pushes that other servers address to this frontend.
func (srv *Server) deliverPacket(ids []int64, uids []string, packet []byte) {
	for _, id := range ids {
		if s := srv.sessions.get(id); s != nil && s.pushable() == nil {
			_ = s.write(packet)
		}
	}
	srv.writeUIDs(uids, packet)
}

// writeUIDs writes packet to the local sessions of uids and returns the
// uids that are not connected here.
func (srv *Server) writeUIDs(uids []string, packet []byte) (missing []string) {
	for _, uid := range uids {
		srv.uidMu.Lock()
		s := srv.uids[uid]
		srv.uidMu.Unlock()
		if s == nil {
			missing = append(missing, uid)
		} else if s.pushable() == nil {
			_ = s.write(packet)
		}
	}
	return missing
}

// defaultForwardTimeout bounds a forwarded request when neither
// ForwardTimeout nor the caller says otherwise.
const defaultForwardTimeout = 5 * time.Second
