package cluster

import (
	"context"
	"errors"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/link"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
)

// System routes: what servers ask each other about sessions. User routes
// never start with "@" (the generator accepts only [A-Za-z0-9_-] segments).
const (
	routePush   = "@push"   // frontend: write a packet to sessions
	routeKick   = "@kick"   // frontend: kick a session
	routeClose  = "@close"  // frontend: close a session
	routeBind   = "@bind"   // frontend: bind a session to a uid
	routeUpdate = "@update" // frontend: change a session's data
	routeClosed = "@closed" // backend: a session ended
	routePing   = "@ping"   // any: answer at once (is the link's peer alive?)
)

// linkHandler runs the calls that arrive on n's links (the link set's
// Handler).
type linkHandler struct{ n *Node }

func (h linkHandler) HandleCall(ctx context.Context, l *link.Link, c *gamesrvv1.Call) *gamesrvv1.Reply {
	return h.n.handleCall(ctx, l, c)
}

// ServeInline runs the system notifies that only queue bytes or flip
// state, and never block, on the link's reader, in arrival order: a push
// a backend handler sent before its answer must reach the client first.
func (h linkHandler) ServeInline(l *link.Link, c *gamesrvv1.Call) bool {
	switch c.GetRoute() {
	case routePush, routeUpdate, routeKick, routeClose:
		_ = h.n.handleSystem(h.n.ctx, l, c)
		return true
	}
	return false
}

// handleCall answers an incoming call.
func (n *Node) handleCall(ctx context.Context, l *link.Link, c *gamesrvv1.Call) *gamesrvv1.Reply {
	if len(c.GetRoute()) > 0 && c.GetRoute()[0] == '@' {
		return &gamesrvv1.Reply{Error: link.WireError(n.handleSystem(ctx, l, c))}
	}
	if c.GetSession() != nil {
		return n.handleForwarded(ctx, l, c)
	}
	in := gamesrv.Call{Route: c.GetRoute(), Kind: kindOf(c.GetId() == 0), Type: gamesrv.CallRemoteIn, Peer: l.Peer.ID, Metadata: c.GetMetadata()}
	payload, err := n.host.HandleRemote(ctx, in, c.GetPayload(), gamesrv.ProtobufSerializer{})
	return &gamesrvv1.Reply{Payload: payload, Error: link.WireError(err)}
}

// handleForwarded runs a client request a frontend forwarded, with the
// backend view of its session.
func (n *Node) handleForwarded(ctx context.Context, l *link.Link, c *gamesrvv1.Call) *gamesrvv1.Reply {
	ser, err := gamesrv.SerializerByName(c.GetSerializer())
	if err != nil {
		return &gamesrvv1.Reply{Error: link.WireError(gamesrv.WrapError(gamesrv.CodeBadRequest, err))}
	}
	s := n.sessions.attach(n, l, c.GetSession())
	in := gamesrv.Call{Route: c.GetRoute(), Kind: kindOf(c.GetNotify()), Type: gamesrv.CallForwardIn, Session: s, Peer: l.Peer.ID, Metadata: c.GetMetadata()}
	payload, err := n.host.HandleRemote(ctx, in, c.GetPayload(), ser)
	return &gamesrvv1.Reply{Payload: payload, Error: link.WireError(err), Update: s.detach()}
}

// handleSystem runs a system route.
func (n *Node) handleSystem(ctx context.Context, l *link.Link, c *gamesrvv1.Call) error {
	if c.GetRoute() == routePing {
		return nil
	}
	if c.GetRoute() == routePush {
		var p gamesrvv1.PushRequest
		if err := proto.Unmarshal(c.GetPayload(), &p); err != nil {
			return err
		}
		n.host.DeliverPacket(p.GetSessionIds(), p.GetUids(), p.GetPacket())
		return nil
	}
	var r gamesrvv1.SessionRequest
	if err := proto.Unmarshal(c.GetPayload(), &r); err != nil {
		return err
	}
	if c.GetRoute() == routeClosed {
		n.sessions.closed(l.Peer.ID, r.GetSessionId())
		return nil
	}
	return n.sessionOp(ctx, c.GetRoute(), &r)
}

// sessionOp applies a backend's request to a session of this frontend.
func (n *Node) sessionOp(ctx context.Context, route string, r *gamesrvv1.SessionRequest) error {
	s, ok := n.srv.Session(r.GetSessionId())
	if !ok {
		return gamesrv.NewError(gamesrv.CodeUnavailable, "session closed")
	}
	switch route {
	case routeKick:
		return s.Kick(ctx, r.GetReason())
	case routeClose:
		return s.Close()
	case routeBind:
		return s.Bind(ctx, r.GetUid())
	case routeUpdate:
		applyUpdate(s, r.GetUpdate())
		return nil
	}
	return errors.New("cluster: unknown system route " + route)
}

func pushCall(p *gamesrvv1.PushRequest) *gamesrvv1.Call {
	b, _ := proto.Marshal(p)
	return &gamesrvv1.Call{Route: routePush, Payload: b}
}

func sessionCall(route string, r *gamesrvv1.SessionRequest) *gamesrvv1.Call {
	b, _ := proto.Marshal(r)
	return &gamesrvv1.Call{Route: route, Payload: b}
}

// cloneCall copies a call that is about to be sent (sending sets its id).
func cloneCall(c *gamesrvv1.Call) *gamesrvv1.Call {
	return proto.CloneOf(c)
}
