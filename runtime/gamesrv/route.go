package gamesrv

import (
	"context"

	"google.golang.org/protobuf/proto"
)

// RouteKind says how a route travels on the wire.
type RouteKind uint8

// Route kinds.
const (
	// KindRequest: the client sends a Request and gets a Response or an error.
	KindRequest RouteKind = iota + 1
	// KindNotify: the client sends a Notify and gets no reply.
	KindNotify
	// KindPush: the server sends the message to clients.
	KindPush
)

// String returns "request", "notify" or "push".
func (k RouteKind) String() string {
	switch k {
	case KindRequest:
		return "request"
	case KindNotify:
		return "notify"
	case KindPush:
		return "push"
	}
	return "unknown"
}

// HandleFunc calls one method of a handler. handler is the value given to
// [ServiceRegistrar.RegisterService]; req is the value NewRequest returned,
// filled in. For notify routes the returned message is nil. Internal
// methods ignore the session.
type HandleFunc func(ctx context.Context, handler any, s Session, req proto.Message) (proto.Message, error)

// PushFunc delivers a push message to a client-side push handler.
type PushFunc func(ctx context.Context, handler any, msg proto.Message)

// Route is one entry of a generated route table: a request, notify or push
// method of a service. Dispatch is a lookup of the route followed by
// NewRequest, unmarshal and Handle: no reflection.
type Route struct {
	// Name is the route string sent on the wire: "room.roomservice.join",
	// or the override given in the proto options.
	Name string
	// Method is the proto method name, "Join".
	Method string
	// Kind is request, notify or push.
	Kind RouteKind
	// Internal routes are called only by other servers.
	Internal bool
	// Deprecated is set when the proto method is marked deprecated.
	Deprecated bool
	// NewRequest returns a new, empty request message (for a push route,
	// the pushed message).
	NewRequest func() proto.Message
	// Handle calls the server-side handler. Nil for push routes.
	Handle HandleFunc
	// HandlePush calls the client-side push handler. Set only for push
	// routes.
	HandlePush PushFunc
}

// ServiceDesc is the route table of one proto service, generated as
// XxxService_ServiceDesc.
type ServiceDesc struct {
	// Name is the full proto name of the service, "chat.v1.RoomService".
	Name string
	// ServerType is the type of server that handles the service.
	ServerType string
	// Routes lists every method of the service: requests, notifies,
	// internal methods and pushes.
	Routes []Route
}

// ServiceRegistrar registers server-side handlers. The server implements it;
// generated RegisterXxxHandler functions call it.
type ServiceRegistrar interface {
	// RegisterService registers handler for every non-push route of desc.
	// handler must implement the generated handler interface of desc.
	RegisterService(desc *ServiceDesc, handler any) error
}

// DescribeRoute is the system route by which a server describes its routes
// and message schemas (a gamesrv.v1.DescribeResponse), for generic tools
// such as the gamesrv CLI.
const DescribeRoute = "gamesrv.describe"
