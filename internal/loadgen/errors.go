package loadgen

import (
	"context"
	"errors"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// Error classes counted in [Report.Errors] besides the servers' own codes.
const (
	// FailTimeout: no answer within Config.Timeout.
	FailTimeout = "timeout"
	// FailClosed: the connection ended (kicked, closed by the server,
	// network error) before the answer.
	FailClosed = "closed"
	// FailDial: a connection could not be opened (dial or handshake).
	FailDial = "dial"
	// FailCanceled: the run's context ended while the request waited.
	FailCanceled = "canceled"
	// FailBarrier: with notifies, the barrier request that ends a
	// connection's measured phase got no answer (see
	// [Config.BarrierRoute]): the server may not have handled that
	// connection's notifies.
	FailBarrier = "barrier"
	// FailOther: anything else (an undecodable error response...).
	FailOther = "other"
)

// classify returns the key under which a failed request is counted: the
// code of an error response, or one of the classes above. connErr is the
// connection's own error (client.Err), nil while it runs.
func classify(err, connErr error) string {
	if e, ok := errors.AsType[*gamesrv.Error](err); ok {
		return string(e.Code())
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return FailTimeout
	case errors.Is(err, context.Canceled):
		return FailCanceled
	case connErr != nil:
		return FailClosed
	}
	return FailOther
}

// describe returns the message shown for a failure counted under
// classify's key: the server's message for an error response, the
// connection's own error when the connection ended, else the error.
func describe(err, connErr error) string {
	if e, ok := errors.AsType[*gamesrv.Error](err); ok {
		return e.Message()
	}
	if classify(err, connErr) == FailClosed {
		return connErr.Error()
	}
	return err.Error()
}
