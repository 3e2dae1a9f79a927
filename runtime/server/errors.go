package server

import (
	"errors"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// Errors returned by the server.
var (
	// ErrServerStarted: the operation is only allowed before Start.
	ErrServerStarted = errors.New("gamesrv: server already started")
	// ErrServerNotRunning: the server is not running (not started, or
	// shutting down).
	ErrServerNotRunning = errors.New("gamesrv: server not running")
	// ErrSessionClosed: the session is closed.
	ErrSessionClosed = errors.New("gamesrv: session closed")
	// ErrSessionNotReady: the session has not completed its handshake, so
	// it may not receive pushes yet.
	ErrSessionNotReady = errors.New("gamesrv: session handshake not complete")
	// ErrForeignSession: the session belongs to another server.
	ErrForeignSession = errors.New("gamesrv: session of another server")
	// ErrInvalidOptions: New refused its Options; the error it returns
	// wraps this and names every problem.
	ErrInvalidOptions = errors.New("gamesrv: invalid server options")
)

// protocolError is a violation of the wire protocol; the connection closes
// without a reply.
type protocolError string

func (e protocolError) Error() string { return "gamesrv: protocol error: " + string(e) }

// Coded errors answered to clients by the framework.
func errNotFound(route string) *gamesrv.Error {
	return gamesrv.Errorf(gamesrv.CodeNotFound, "no handler for route %q", route)
}

func errBadRequest(msg string) *gamesrv.Error {
	return gamesrv.NewError(gamesrv.CodeBadRequest, msg)
}

func errQueueFull() *gamesrv.Error {
	return gamesrv.NewError(gamesrv.CodeRateLimited, "too many requests in flight")
}

func errRateLimited() *gamesrv.Error {
	return gamesrv.NewError(gamesrv.CodeRateLimited, "rate limit exceeded")
}

func errInflateRateLimited() *gamesrv.Error {
	return gamesrv.NewError(gamesrv.CodeRateLimited, "too many compressed bytes: inflate budget exceeded")
}

func errShuttingDown() *gamesrv.Error {
	return gamesrv.NewError(gamesrv.CodeUnavailable, "server shutting down")
}

func errInternal() *gamesrv.Error {
	return gamesrv.NewError(gamesrv.CodeInternal, "internal error")
}
