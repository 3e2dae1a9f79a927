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
	// Key, if set, is the sticky key for key-based selection policies.
	Key string
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

// WithKey sets the key used by sticky selection: calls with the same key go
// to the same server while the set of servers does not change.
func WithKey(key string) CallOption {
	return callOptionFunc(func(o *CallOptions) { o.Key = key })
}

// Future is the pending result of an asynchronous call.
type Future[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// Async runs fn in a new goroutine and returns its future result.
func Async[T any](fn func() (T, error)) *Future[T] {
	f := &Future[T]{done: make(chan struct{})}
	go func() {
		defer close(f.done)
		f.val, f.err = fn()
	}()
	return f
}

// Done is closed when the result is available.
func (f *Future[T]) Done() <-chan struct{} { return f.done }

// Wait returns the result, or ctx's error if ctx ends first.
func (f *Future[T]) Wait(ctx context.Context) (T, error) {
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
