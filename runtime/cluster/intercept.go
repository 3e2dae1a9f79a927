package cluster

import (
	"context"
	"runtime/debug"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
	"google.golang.org/protobuf/proto"
)

// intercept runs an outgoing call through Options.Interceptors around
// send, turning a panic into GS-500.
func (n *Node) intercept(ctx context.Context, c *gamesrv.Call, send gamesrv.Handler) (resp proto.Message, err error) {
	defer func() {
		if p := recover(); p != nil {
			n.log.Error("cluster: interceptor panicked", "route", c.Route, "call", c.Type.String(),
				"panic", p, "stack", string(debug.Stack()))
			resp, err = nil, gamesrv.NewError(gamesrv.CodeInternal, "internal error")
		}
	}()
	return gamesrv.Chain(send, n.opts.Interceptors...)(ctx, c)
}

// intercepts reports whether outgoing calls have interceptors.
func (n *Node) intercepts() bool { return len(n.opts.Interceptors) > 0 }

// kindOf returns the route kind of a call: a notify or a request.
func kindOf(notify bool) gamesrv.RouteKind {
	if notify {
		return gamesrv.KindNotify
	}
	return gamesrv.KindRequest
}

// forwardIntercepted forwards a client call through the interceptors: the
// innermost handler sends it and waits for the answer, so the calling
// goroutine is held until then. done gets the backend's serialized answer,
// or, when an interceptor returns a message instead, that message encoded
// with the client payloads' serializer.
func (n *Node) forwardIntercepted(ctx context.Context, s gamesrv.Session, typ, route string, payload []byte, notify bool, done serverhost.ForwardDone) {
	var raw []byte
	send := func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
		answered := make(chan struct{})
		var err error
		c.Peer = n.forward(ctx, s, typ, c.Route, c.Kind == gamesrv.KindNotify, c.Metadata, payload,
			serverhost.ForwardDoneFunc(func(resp []byte, e error) { raw, err = resp, e; close(answered) }))
		<-answered // forward's done always runs: the sweeper ends a call past ctx's deadline
		return nil, err
	}
	c := &gamesrv.Call{Route: route, Kind: kindOf(notify), Type: gamesrv.CallForwardOut, Session: s}
	resp, err := n.intercept(ctx, c, send)
	if err == nil && resp != nil && !notify {
		raw, err = n.host.Serializer().AppendMarshal(nil, resp)
	}
	done.ForwardDone(raw, err)
}
