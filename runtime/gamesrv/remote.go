package gamesrv

import (
	"context"

	"google.golang.org/protobuf/proto"
)

// RemoteConn makes server-to-server calls, as generated XxxRemote stubs use
// it. The target server is chosen from the route's server type and the
// call options.
type RemoteConn interface {
	// Call sends req to one server and unmarshals its response into resp.
	Call(ctx context.Context, route string, req, resp proto.Message, opts ...CallOption) error
	// Notify sends req to one server without waiting for a response.
	Notify(ctx context.Context, route string, req proto.Message, opts ...CallOption) error
	// Broadcast sends req to every server of the route's type and returns
	// one result per server.
	Broadcast(ctx context.Context, route string, req proto.Message, newResp func() proto.Message, opts ...CallOption) []Result
}

// Result is the outcome of a broadcast call on one server.
type Result struct {
	// ServerID is the server that answered (or failed).
	ServerID string
	// Response is the server's response; nil when Err is set.
	Response proto.Message
	// Err is the call's error.
	Err error
}

// Reply is a typed [Result], returned by generated Broadcast methods.
type Reply[T proto.Message] struct {
	// ServerID is the server that answered (or failed).
	ServerID string
	// Response is the server's response; the zero value when Err is set.
	Response T
	// Err is the call's error.
	Err error
}

// Replies converts broadcast results to typed replies.
func Replies[T proto.Message](results []Result) []Reply[T] {
	out := make([]Reply[T], len(results))
	for i, r := range results {
		out[i] = Reply[T]{ServerID: r.ServerID, Err: r.Err}
		if v, ok := r.Response.(T); ok && r.Err == nil {
			out[i].Response = v
		}
	}
	return out
}

// CallOption configures one server-to-server call.
type CallOption interface {
	applyToCall(*CallOptions)
}

// CallOptions is the resolved form of a list of [CallOption]s, read by
// [RemoteConn] implementations.
type CallOptions struct {
	// ServerID, if set, sends the call to exactly that server.
	ServerID string
	// Key is the key of sticky selection. Setting it without a policy
	// selects PolicySticky.
	Key string
	// Policy selects the server among those of the route's type.
	Policy Policy
	// Router, if set, selects the server instead of Policy.
	Router Router
}

// NewCallOptions applies opts in order.
func NewCallOptions(opts ...CallOption) CallOptions {
	var o CallOptions
	for _, opt := range opts {
		opt.applyToCall(&o)
	}
	return o
}

type callOptionFunc func(*CallOptions)

func (f callOptionFunc) applyToCall(o *CallOptions) { f(o) }

// ToServer sends the call to the server with the given id.
func ToServer(id string) CallOption {
	return callOptionFunc(func(o *CallOptions) { o.ServerID = id })
}

// WithKey selects the server by rendezvous hashing of key (PolicySticky):
// calls with the same key go to the same server while the set of servers of
// the type does not change, and only the keys of a server that leaves move.
func WithKey(key string) CallOption {
	return callOptionFunc(func(o *CallOptions) {
		o.Key = key
		if o.Policy == PolicyDefault {
			o.Policy = PolicySticky
		}
	})
}

// WithPolicy selects the server with p.
func WithPolicy(p Policy) CallOption {
	return callOptionFunc(func(o *CallOptions) { o.Policy = p })
}

// WithRouter selects the server with a custom function.
func WithRouter(r Router) CallOption {
	return callOptionFunc(func(o *CallOptions) { o.Router = r })
}

// Policy chooses one server among the servers of a type.
type Policy uint8

// Selection policies.
const (
	// PolicyDefault uses the policy the cluster is configured with for the
	// server type: for remote calls cluster.Options.Policies, round robin
	// when it has none for the type; for client requests forwarded to
	// another server type cluster.Options.ForwardPolicy, sticky by the
	// session's uid when it has none. (WithKey turns PolicyDefault into
	// PolicySticky.)
	PolicyDefault Policy = iota
	// PolicyRandom picks uniformly at random.
	PolicyRandom
	// PolicyRoundRobin cycles through the servers.
	PolicyRoundRobin
	// PolicyWeighted picks at random in proportion to the servers' weights.
	PolicyWeighted
	// PolicySticky picks by rendezvous hashing of the call's key.
	PolicySticky
)

// String returns the policy's name.
func (p Policy) String() string {
	switch p {
	case PolicyDefault:
		return "default"
	case PolicyRandom:
		return "random"
	case PolicyRoundRobin:
		return "round-robin"
	case PolicyWeighted:
		return "weighted"
	case PolicySticky:
		return "sticky"
	}
	return "unknown"
}

// ServerInfo describes a server that a [Router] may choose.
type ServerInfo struct {
	// ID is the server id.
	ID string
	// Type is the server type.
	Type string
	// Weight is the server's weight (at least 1).
	Weight int
	// Frontend is true for servers that hold client connections.
	Frontend bool
	// Version is the application version the server announces.
	Version string
}

// Router chooses the server of a call among candidates (never empty) and
// returns its id. key is the call's key, if any.
type Router func(ctx context.Context, route, key string, candidates []ServerInfo) (string, error)

// ServerKey returns the session-data key that pins a session to one server
// of serverType: while it holds the id of a live server, the frontend
// forwards the session's requests for that type there. A backend handler
// pins a player to itself after it joined a room there. When the pinned
// server cannot be reached (its link broke, it cannot be dialled, or it
// left the cluster) the request fails with GS-503 and the pin is cleared,
// so the next request goes to a live server.
func ServerKey(serverType string) Key[string] {
	return StringKey("gamesrv.server." + serverType)
}
