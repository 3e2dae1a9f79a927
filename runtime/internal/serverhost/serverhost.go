// Package serverhost is what gamesrv's own packages need of a
// runtime/server.Server beyond its public API: runtime/cluster forwards,
// serves remote calls and delivers pushes through it, runtime/admin reads
// its state. Keeping these methods here keeps the documentation of
// runtime/server the application's API alone (docs/architecture.md,
// "Package layers").
//
// A server carries its Host in its exported field Internal, of type
// [Handle], whose content only packages under runtime/ can reach (with
// [Of]): the pattern of drpc's Options.Internal.
package serverhost

import (
	"context"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/metrics"
	"google.golang.org/protobuf/proto"
)

// Host is a server as gamesrv's own packages use it.
type Host interface {
	// UseCluster makes the server part of a cluster. It must be called
	// before Start (it fails with server.ErrServerStarted after);
	// runtime/cluster's New calls it.
	UseCluster(c Cluster) error
	// HandleRemote runs the handler of a route for a call that came from
	// another server, described by c: a client call a frontend forwarded
	// (Type gamesrv.CallForwardIn, with the session as the frontend
	// described it) or a call through a Remote stub (gamesrv.CallRemoteIn,
	// without a session), with its Route, Kind, Peer and Metadata. The
	// payload is decoded into c.Request and the response encoded with ser;
	// the interceptors run and panics are recovered, as for local
	// requests. For a notify the response is nil.
	HandleRemote(ctx context.Context, c gamesrv.Call, payload []byte, ser gamesrv.Serializer) ([]byte, error)
	// DeliverPacket writes an encoded push packet to local sessions, by id
	// and by bound uid, skipping those that are gone or not ready: the
	// pushes other servers address to this frontend.
	DeliverPacket(ids []int64, uids []string, packet []byte)
	// EncodePush encodes a push packet for clients, once, so that the same
	// bytes can be written to many sessions, here or on other frontends.
	EncodePush(route string, msg proto.Message) ([]byte, error)
	// Metrics returns the server's recorder (metrics.Nop by default), for
	// components that record in the same place.
	Metrics() metrics.Recorder
	// Serializer returns the serializer of client payloads.
	Serializer() gamesrv.Serializer
	// Frontend reports whether the server accepts client connections (it
	// was started with at least one listener).
	Frontend() bool
	// Stats returns a snapshot of the server's state.
	Stats() Stats
	// SessionInfos describes up to max open sessions (all if max <= 0),
	// by id.
	SessionInfos(max int) []SessionInfo
	// GroupSizes returns the number of members of every group, by name.
	GroupSizes() map[string]int
	// Schema returns the description of the server's routes and messages
	// (what the gamesrv.describe route answers); nil before Start.
	Schema() *gamesrvv1.DescribeResponse
}

// Handle carries a server's Host in the server's exported field Internal.
// It has no exported field or method: outside runtime/, where [Of] cannot
// be imported, it is opaque.
type Handle struct{ h Host }

// NewHandle returns a Handle carrying h; runtime/server's New calls it.
func NewHandle(h Host) Handle { return Handle{h: h} }

// Of returns the Host a Handle carries: nil for the zero Handle (a server
// not made by server.New).
func Of(h Handle) Host { return h.h }

// Cluster connects a server to the other servers of its cluster.
// runtime/cluster's New installs an unexported adapter of its Node with
// [Host.UseCluster], so these methods are not in the Node's documentation;
// the server calls it to forward client requests of other server types,
// to reach sessions held by other frontends, and on its own start and
// shutdown.
type Cluster interface {
	// Start is called by Server.Start once the listeners accept connections.
	Start(ctx context.Context) error
	// Leave is called when shutdown begins: other servers stop sending new
	// work to this one.
	Leave(ctx context.Context) error
	// Close is called at the end of shutdown.
	Close(ctx context.Context) error
	// Forward sends a client request (or notify) on a route of another
	// server type, with a snapshot of s, and calls done.ForwardDone exactly
	// once with the serialized response or the error, after applying to s
	// the data changes the remote handler made. It returns once the request
	// is sent (or failed): done runs later on another goroutine, or before
	// Forward returns when sending failed, and must not block. ctx carries
	// the forward's deadline but no timer (no Done channel): Forward
	// enforces ctx.Deadline() itself and answers GS-504 when it passes.
	Forward(ctx context.Context, s gamesrv.Session, serverType, route string, payload []byte, notify bool, done ForwardDone)
	// TryForward is Forward for a goroutine that must not wait (the I/O
	// loop, or the goroutine that delivered the answer the request waited
	// for): it sends the request only when that needs no waiting (no dial,
	// no interceptor, room on the link) and reports whether it took it. When
	// it took it, done is called as for Forward (at once for a request no
	// server can take); when it did not, nothing was sent, done is not
	// called, and the server forwards from the session's worker.
	TryForward(ctx context.Context, s gamesrv.Session, serverType, route string, payload []byte, notify bool, done ForwardDone) bool
	// PushToSessions writes an encoded push packet to sessions held by the
	// frontend frontendID.
	PushToSessions(ctx context.Context, frontendID string, ids []int64, packet []byte) error
	// PushToUIDs writes an encoded push packet to the sessions bound to
	// uids on the other frontends.
	PushToUIDs(ctx context.Context, uids []string, packet []byte) error
	// SessionClosed tells the servers that handled requests of s that it
	// closed, so that their views of it run their OnClose hooks, and
	// returns once they have (or failed to answer), bounded by ctx and the
	// cluster's own call timeout. The server calls it on the session's
	// worker, after the requests it had queued and its local close hooks;
	// a Bind that kicked s waits for it.
	SessionClosed(ctx context.Context, s gamesrv.Session)
}

// ForwardDone receives the outcome of a forwarded request
// (Cluster.Forward). The server passes the struct that already holds the
// forward's state, so waiting for the answer costs no closure.
type ForwardDone interface {
	// ForwardDone is called exactly once with the serialized response or
	// the error; it must not block.
	ForwardDone(resp []byte, err error)
}

// ForwardDoneFunc is a function used as a ForwardDone.
type ForwardDoneFunc func(resp []byte, err error)

// ForwardDone calls f.
func (f ForwardDoneFunc) ForwardDone(resp []byte, err error) { f(resp, err) }

// Stats is a snapshot of a server's state, for admin pages and tests.
type Stats struct {
	// Sessions is the number of open sessions.
	Sessions int
	// QueuedJobs is the number of requests and notifies queued or running.
	QueuedJobs int64
	// PushEncodes counts the push packets encoded since start: a group
	// broadcast encodes one, whatever the number of members.
	PushEncodes int64
	// Groups is the number of groups.
	Groups int
	// Uptime is the time since the server was created.
	Uptime time.Duration
}

// SessionInfo describes one open session.
type SessionInfo struct {
	// ID is the session id.
	ID int64
	// UID is the bound user id; empty before Bind.
	UID string
	// Network is the transport the session came on ("tcp", "kcp"...).
	Network string
	// RemoteAddr is the client's address.
	RemoteAddr string
	// Working reports that the handshake is complete.
	Working bool
	// Idle is the time since the last packet from the client.
	Idle time.Duration
}
