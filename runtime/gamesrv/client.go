package gamesrv

import (
	"context"

	"google.golang.org/protobuf/proto"
)

// ClientConn is a game client's connection to a server, as generated
// XxxClient stubs use it. runtime/client implements it.
type ClientConn interface {
	// Request sends req on route and waits for the response, which is
	// unmarshalled into resp. An error response is returned as an [*Error].
	Request(ctx context.Context, route string, req, resp proto.Message) error
	// Notify sends req on route without waiting for anything.
	Notify(ctx context.Context, route string, req proto.Message) error
}

// PushRegistrar registers client-side push handlers. runtime/client
// implements it; generated RegisterXxxPushHandler functions call it.
type PushRegistrar interface {
	// RegisterPushHandler registers handler for every push route of desc.
	// handler must implement the generated push handler interface of desc.
	RegisterPushHandler(desc *ServiceDesc, handler any) error
}
