package server

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
	"github.com/gamesrv/gamesrv/runtime/wire"
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
	j.fwd.payload = append([]byte(nil), m.Payload...)
	return nil
}

// forward sends a forwarded job to its server. The session's worker does
// not wait: the session stays marked running, so its next jobs wait in its
// queue, and the answer (written by forwardDone on the link's goroutine)
// resumes it. No goroutine is held while a backend works.
func (srv *Server) forward(s *session, j *job) {
	// The context carries the deadline without a timer: the cluster
	// enforces it (its sweeper answers GS-504), which saves a timer per
	// forward; closing the links at shutdown ends the forwards still
	// waiting.
	start := time.Now()
	ctx := deadlineOnly{Context: context.Background(), deadline: start.Add(srv.opts.ForwardTimeout)}
	fj := *j
	srv.cluster.Forward(ctx, s, j.fwd.serverType, j.fwd.route, j.fwd.payload, j.kind == jobNotify,
		func(resp []byte, err error) { srv.forwardDone(s, &fj, resp, err, start) })
}

// forwardDone answers a forwarded job, reports it and resumes the session.
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
	s.resume()
}

// deadlineOnly is a context with a deadline and no timer: whoever receives
// it enforces the deadline.
type deadlineOnly struct {
	context.Context
	deadline time.Time
}

// Deadline returns the deadline.
func (c deadlineOnly) Deadline() (time.Time, bool) { return c.deadline, true }

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

// handleRemote runs the handler of route for a call that came from another
// server: a client request forwarded by a frontend (s is the session as the
// frontend described it) or an internal call through a Remote stub (s is
// nil). The payload is decoded and the response encoded with ser; the
// middleware runs and panics are recovered, as for local requests. For a
// notify the response is nil. It is serverhost.Host's HandleRemote.
func (srv *Server) handleRemote(ctx context.Context, s gamesrv.Session, route string, payload []byte, ser gamesrv.Serializer, notify bool) (out []byte, err error) {
	r := srv.reg.byName[route]
	if err := checkRemote(r, s, route, notify); err != nil {
		return nil, err
	}
	defer srv.remoteHandled(r, notify, time.Now(), &err)
	req := r.desc.NewRequest()
	if err := ser.Unmarshal(payload, req); err != nil {
		return nil, errBadRequest("payload does not unmarshal into " + string(req.ProtoReflect().Descriptor().FullName()))
	}
	resp, err := srv.invoke(ctx, s, r, 0, req)
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
