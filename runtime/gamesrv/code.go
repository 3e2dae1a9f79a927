package gamesrv

// Code is a stable, machine-readable error code sent to clients in the code
// field of the error payload. The framework's own codes start with "GS-";
// applications use their own (for example "ROOM-FULL").
type Code string

// Framework error codes (PROTOCOL.md §5).
const (
	// CodeBadRequest: the route is malformed, the payload does not
	// unmarshal, or a Request was sent to a notify-only route.
	CodeBadRequest Code = "GS-400"
	// CodeUnauthenticated: the route requires an authenticated (bound) user.
	CodeUnauthenticated Code = "GS-401"
	// CodeNotFound: no handler for the route, or the handler does not
	// implement the method.
	CodeNotFound Code = "GS-404"
	// CodeRateLimited: the session sent too much (rate limit or full
	// request queue).
	CodeRateLimited Code = "GS-429"
	// CodeInternal: the handler panicked or returned a plain Go error. The
	// client sees a generic message; details go to the server log.
	CodeInternal Code = "GS-500"
	// CodeUnavailable: no server of the target type, or it is shutting down.
	CodeUnavailable Code = "GS-503"
	// CodeDeadlineExceeded: the handler or a forwarded call ran out of time.
	CodeDeadlineExceeded Code = "GS-504"
)

// String returns the code as sent on the wire.
func (c Code) String() string { return string(c) }
