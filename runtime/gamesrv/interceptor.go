package gamesrv

import (
	"context"

	"google.golang.org/protobuf/proto"
)

// Call describes one call to the interceptors that wrap it: a client's
// request or notify, or a call between servers (a forwarded client call,
// a call through a Remote stub), on the side that sends it or on the side
// that runs it. The server fills it in; an interceptor may set Metadata of
// an outgoing call and read the rest.
type Call struct {
	// Route is the route's full name ("room.room.join").
	Route string
	// Kind is KindRequest or KindNotify.
	Kind RouteKind
	// Type says where the call comes from and where it goes.
	Type CallType
	// Session is the client's session: the connection on the frontend
	// that holds it, the frontend's session as a backend sees it. Nil for
	// the calls of Remote stubs (CallRemoteOut, CallRemoteIn).
	Session Session
	// Request is the decoded request. It is nil where the payload is not
	// decoded: on a frontend, for a client's call that goes to another
	// server (CallClient on a route of another server type, and
	// CallForwardOut). Such a call's response is not decoded either: next
	// returns a nil message and the client gets the backend's answer as
	// it came; an interceptor may return an error instead, or a message,
	// which replaces it.
	Request proto.Message
	// Peer is the id of the server at the other end: the caller of an
	// incoming call (CallForwardIn, CallRemoteIn), the server chosen for
	// an outgoing one (CallForwardOut, CallRemoteOut), which is known once
	// next returned. Empty for a client's call (CallClient).
	Peer string
	// Metadata travels with a call between servers, as a link frame's
	// string map: an outgoing call's interceptors set it (a trace
	// context, for example: otelgamesrv puts the W3C traceparent there)
	// and the interceptors of the server that runs the call read it. Nil
	// when empty; a client's call has none.
	Metadata map[string]string
}

// CallType says where a call comes from and where it goes.
type CallType uint8

// Call types. A client's request to a route of another server type is
// seen three times: CallClient on the frontend, CallForwardOut by the
// frontend's cluster node that sends it, and CallForwardIn on the backend
// that runs it.
const (
	// CallClient is a client's request or notify, received by this
	// server.
	CallClient CallType = iota + 1
	// CallForwardOut is a client's call this frontend sends to a server
	// of another type.
	CallForwardOut
	// CallForwardIn is a client's call a frontend forwarded to this
	// server.
	CallForwardIn
	// CallRemoteOut is a call this server makes through a Remote stub.
	CallRemoteOut
	// CallRemoteIn is a call another server (or this one) made through a
	// Remote stub, run by this server.
	CallRemoteIn
)

// String returns "client", "forward-out", "forward-in", "remote-out" or
// "remote-in".
func (t CallType) String() string {
	switch t {
	case CallClient:
		return "client"
	case CallForwardOut:
		return "forward-out"
	case CallForwardIn:
		return "forward-in"
	case CallRemoteOut:
		return "remote-out"
	case CallRemoteIn:
		return "remote-in"
	}
	return "unknown"
}

// Outgoing reports whether this server sends the call rather than runs it
// (CallForwardOut, CallRemoteOut).
func (t CallType) Outgoing() bool { return t == CallForwardOut || t == CallRemoteOut }

// Handler runs a call: it returns the response (nil for a notify) or the
// error the caller gets; a [*Error] reaches it unchanged, any other error
// becomes GS-500 (see [AsError]).
type Handler func(ctx context.Context, c *Call) (proto.Message, error)

// Interceptor wraps a call, as connect-go's interceptors and grpc's unary
// interceptors do: it gets the next handler and returns the handler to run
// instead, which may derive the context next gets (an auth principal, a
// trace span), time or log the call, and return an error without calling
// next (an auth check, a rate limit) or replace the response or the error.
// One interceptor wraps every call of a server or a cluster node, so it
// reads [Call.Type] when it cares where a call goes.
//
// An interceptor runs on the goroutine of the call and may block it: a
// client's calls run one at a time per session, so a slow interceptor
// delays its session's next calls, as a slow handler does. A panic in it
// is recovered, as in a handler: the caller gets GS-500.
type Interceptor func(next Handler) Handler

// Chain returns h wrapped by interceptors, the first one outermost: with
// Chain(h, a, b) a call runs a, which calls b, which calls h. Nil
// interceptors are skipped; Chain returns h itself when there are none.
func Chain(h Handler, interceptors ...Interceptor) Handler {
	for i := len(interceptors) - 1; i >= 0; i-- {
		if interceptors[i] != nil {
			h = interceptors[i](h)
		}
	}
	return h
}
