package server

import (
	"context"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
)

// Call describes the request or notify being handled, for middleware.
type Call struct {
	// Route is the route-table entry being called.
	Route *gamesrv.Route
	// Session is the calling session; nil for a call from another server
	// (an internal method called through a Remote stub).
	Session gamesrv.Session
	// Request is the decoded request message.
	Request proto.Message
	// ID is the request's message ID, 0 for a notify.
	ID uint32
}

// BeforeFunc runs before a handler. Returning an error skips the handler:
// the client gets the error (a [gamesrv.Error] passes unchanged, see
// [gamesrv.AsError]). Rate limits, auth checks and logging are Before
// hooks.
type BeforeFunc func(ctx context.Context, c *Call) error

// AfterFunc runs after a handler with its response and error, and returns
// the response and error the client gets, so it may replace either.
type AfterFunc func(ctx context.Context, c *Call, resp proto.Message, err error) (proto.Message, error)

// RequireUID is a Before hook that rejects calls from sessions without a
// bound uid with GS-401, except on the routes listed in public (typically
// the login route). Calls from other servers pass.
func RequireUID(public ...string) BeforeFunc {
	open := make(map[string]bool, len(public))
	for _, r := range public {
		open[r] = true
	}
	return func(_ context.Context, c *Call) error {
		if c.Session != nil && c.Session.UID() == "" && !open[c.Route.Name] {
			return gamesrv.NewError(gamesrv.CodeUnauthenticated, "login required")
		}
		return nil
	}
}
