package server

import (
	"context"
	"runtime/debug"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
)

// execute runs one job on the session's worker.
func (srv *Server) execute(s *session, j *job) {
	switch j.kind {
	case jobClosed:
		s.runCloseHooks()
	case jobHandshake:
		srv.validateHandshake(s, j.hs)
	default:
		srv.handled(s, j, srv.answer(s, j))
	}
}

// answer runs a request or notify job and answers a request; it returns
// the error the client got (or that a notify ended with).
func (srv *Server) answer(s *session, j *job) *gamesrv.Error {
	if j.err == nil {
		return srv.run(s, j)
	}
	if j.kind == jobRequest {
		s.respondError(j.id, j.err)
	}
	return j.err
}

// run calls the handler of a local route and answers a request.
func (srv *Server) run(s *session, j *job) *gamesrv.Error {
	ctx, cancel := srv.handlerContext()
	resp, err := srv.invoke(ctx, j.r, gamesrv.Call{Route: j.r.desc.Name, Kind: kindOf(j), Type: gamesrv.CallClient, Session: s, Request: j.req})
	cancel()
	if err != nil {
		e := srv.clientError(err, s, j.r.desc.Name)
		if j.kind == jobRequest {
			s.respondError(j.id, e)
		}
		return e
	}
	if j.kind == jobRequest {
		s.respond(j.id, resp)
	}
	return nil
}

// handled logs a failed notify and reports the job to the metrics.
func (srv *Server) handled(s *session, j *job, e *gamesrv.Error) {
	code := "OK"
	if e != nil {
		code = string(e.Code())
		if j.kind == jobNotify {
			srv.notifyFailed(s, j, e)
		}
	}
	if !srv.timed {
		return // no metrics, no request log: no clock read
	}
	d := srv.since(j.at)
	srv.metrics.Handled(j.routeName(), j.kindName(), code, d)
	if srv.opts.LogRequests {
		srv.log.Info("handled", "session", s.id, "uid", s.UID(), "route", j.routeName(), "kind", j.kindName(), "code", code, "duration", d)
	}
}

// notifyFailed logs a notify that ended with an error, which no client
// sees: at Warn, with its route and code, at most one line per route per
// second; a line reports how many of that route's were held back since
// the previous one ("suppressed").
func (srv *Server) notifyFailed(s *session, j *job, e *gamesrv.Error) {
	route := j.routeName()
	ok, suppressed := srv.notifyLogs.allow(route, srv.precise())
	if !ok {
		return
	}
	attrs := []any{"session", s.id, "uid", s.UID(), "route", route, "code", string(e.Code()), "err", e.Message()}
	if suppressed > 0 {
		attrs = append(attrs, "suppressed", suppressed)
	}
	srv.log.Warn("notify failed", attrs...)
}

// handlerContext returns the context handlers run with: the server's, with
// the request deadline when one is configured.
func (srv *Server) handlerContext() (context.Context, context.CancelFunc) {
	if srv.opts.RequestTimeout > 0 {
		return context.WithTimeout(srv.ctx, srv.opts.RequestTimeout)
	}
	return srv.ctx, func() {}
}

// invoke runs a call of a local route through the interceptors and the
// handler, turning a panic into GS-500. c.Session is nil for a call
// through a Remote stub.
func (srv *Server) invoke(ctx context.Context, r *route, c gamesrv.Call) (resp proto.Message, err error) {
	defer func() {
		if p := recover(); p != nil {
			srv.log.Error("handler panicked", append(sessionAttrs(c.Session), "route", r.desc.Name,
				"panic", p, "stack", string(debug.Stack()))...)
			resp, err = nil, errInternal()
		}
	}()
	if r.chain == nil {
		return r.desc.Handle(ctx, r.handler, c.Session, c.Request)
	}
	return r.intercepted(ctx, c)
}

// clientError converts a handler error into what the client sees, logging
// the detail of internal errors, which never reach the client.
func (srv *Server) clientError(err error, s gamesrv.Session, route string) *gamesrv.Error {
	e := gamesrv.AsError(err)
	if e.Code() == gamesrv.CodeInternal && e.Unwrap() != nil {
		srv.log.Error("handler failed", append(sessionAttrs(s), "route", route, "err", e.Unwrap())...)
	}
	return e
}

// sessionAttrs returns the log attributes of a session (none for a call
// from another server).
func sessionAttrs(s gamesrv.Session) []any {
	if s == nil {
		return nil
	}
	return []any{"session", s.ID(), "uid", s.UID()}
}

// respond answers a request with resp.
func (s *session) respond(id uint32, resp proto.Message) {
	pkt, err := s.srv.encodeData(&wire.Header{Type: wire.MessageResponse, ID: id}, resp)
	if err != nil {
		s.srv.log.Error("response does not encode", "session", s.id, "err", err)
		s.respondError(id, errInternal())
		return
	}
	_ = s.write(pkt)
}

// respondError answers a request with a coded error.
func (s *session) respondError(id uint32, e *gamesrv.Error) {
	pkt, err := s.srv.encodeError(id, e)
	if err != nil {
		s.srv.log.Error("error response does not encode", "session", s.id, "err", err)
		return
	}
	_ = s.write(pkt)
}

// validateHandshake runs the handshake validators on the worker.
func (srv *Server) validateHandshake(s *session, hs *wire.HandshakeRequest) {
	for _, v := range srv.opts.HandshakeValidators {
		var err error
		ok := srv.safely("handshake validator", s, func() { err = v(srv.ctx, s, hs) })
		if !ok || err != nil || s.state.Load() != stateValidating {
			srv.log.Debug("handshake refused", "session", s.id, "err", err)
			s.rejectHandshake()
			return
		}
	}
	s.acceptHandshake()
}

// safely runs f and reports whether it returned normally: a panic is
// logged, not propagated.
func (srv *Server) safely(what string, s *session, f func()) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			srv.log.Error(what+" panicked", "session", s.id, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	f()
	return true
}
