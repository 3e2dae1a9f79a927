package cluster

import (
	"context"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
)

// serverSide is the node as its server sees it: the serverhost.Cluster
// that New installs in the server (Host.UseCluster). The operations only
// the server calls (start, leave, close, forward, pushes to other
// frontends, session ends) are reached through it, so the documentation
// of Node is the application's API alone (docs/architecture.md, "Package
// layers"; internal/archtest lists Node's exported methods).
type serverSide struct{ n *Node }

// Start binds the link listener, starts gossip and joins the seeds; the
// server calls it once its listeners accept connections.
func (s serverSide) Start(context.Context) error { return s.n.start() }

// Leave tells the others this server is going; its links stay up.
func (s serverSide) Leave(ctx context.Context) error { return s.n.leave(ctx) }

// Close closes the node (see Node.Close).
func (s serverSide) Close(ctx context.Context) error { return s.n.Close(ctx) }

// Forward sends a client request on a route of another server type.
func (s serverSide) Forward(ctx context.Context, sess gamesrv.Session, typ, route string, payload []byte, notify bool, done serverhost.ForwardDone) {
	s.n.forwardClient(ctx, sess, typ, route, payload, notify, done)
}

// TryForward forwards a client request if that needs no waiting.
func (s serverSide) TryForward(ctx context.Context, sess gamesrv.Session, typ, route string, payload []byte, notify bool, done serverhost.ForwardDone) bool {
	return s.n.tryForward(ctx, sess, typ, route, payload, notify, done)
}

// PushToSessions writes a push packet to sessions of another frontend.
func (s serverSide) PushToSessions(ctx context.Context, frontend string, ids []int64, packet []byte) error {
	return s.n.pushToSessions(ctx, frontend, ids, packet)
}

// PushToUIDs writes a push packet to the uids the other frontends hold.
func (s serverSide) PushToUIDs(ctx context.Context, uids []string, packet []byte) error {
	return s.n.pushToUIDs(ctx, uids, packet)
}

// SessionClosed tells the backends that served sess of its end.
func (s serverSide) SessionClosed(ctx context.Context, sess gamesrv.Session) {
	s.n.sessionClosed(ctx, sess)
}

var _ serverhost.Cluster = serverSide{}
