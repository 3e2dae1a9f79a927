package server

import (
	"context"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
)

// RequireUID is an interceptor that rejects the calls of sessions without
// a bound uid with GS-401, except on the routes listed in public
// (typically the login route). Calls from other servers through Remote
// stubs, which have no session, pass; so do outgoing calls. On a frontend
// it also guards the routes it forwards, before they leave.
func RequireUID(public ...string) gamesrv.Interceptor {
	open := make(map[string]bool, len(public))
	for _, r := range public {
		open[r] = true
	}
	return func(next gamesrv.Handler) gamesrv.Handler {
		return func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
			if c.Session != nil && !c.Type.Outgoing() && c.Session.UID() == "" && !open[c.Route] {
				return nil, gamesrv.NewError(gamesrv.CodeUnauthenticated, "login required")
			}
			return next(ctx, c)
		}
	}
}

// chainRoutes wraps the handler of every local route in the interceptors,
// once, at Start: a call then allocates only its Call.
func (srv *Server) chainRoutes() {
	if len(srv.opts.Interceptors) == 0 {
		return
	}
	for _, r := range srv.reg.byName {
		if r.remote || r.chain != nil || r.desc.Handle == nil {
			continue
		}
		r.chain = gamesrv.Chain(r.terminal, srv.opts.Interceptors...)
	}
}

// terminal runs the route's handler: the innermost handler of its chain.
func (r *route) terminal(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
	return r.desc.Handle(ctx, r.handler, c.Session, c.Request)
}

// intercepted runs a call through the route's chain. c is a copy, taken
// here, so that a call without interceptors does not allocate it.
func (r *route) intercepted(ctx context.Context, c gamesrv.Call) (proto.Message, error) {
	return r.chain(ctx, &c)
}

// kindOf returns the route kind of a job.
func kindOf(j *job) gamesrv.RouteKind {
	if j.kind == jobNotify {
		return gamesrv.KindNotify
	}
	return gamesrv.KindRequest
}
