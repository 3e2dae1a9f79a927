package gamesrv

import (
	"context"
	"strconv"

	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
)

// Session is one connected player as a handler sees it. On a frontend it
// is the connection itself; on a backend it is a view of the frontend's
// session whose Push, Kick, Bind and data changes travel to the frontend.
// A Session is safe for concurrent use.
type Session interface {
	// ID identifies the session on its frontend server.
	ID() int64
	// UID is the user bound with Bind, or "".
	UID() string
	// Bind associates the session with a user id. A second session binding
	// the same uid follows the server's duplicate-login policy. When it
	// kicks the session that held the uid (KickOld), Bind returns once that
	// session has ended: it left its groups and its OnClose hooks ran, on
	// its frontend and on the backends that served it. The wait is bounded
	// by ctx and the server's BindWait; when it is cut the uid is bound all
	// the same and Bind returns an error wrapping ctx's error.
	Bind(ctx context.Context, uid string) error
	// FrontendID is the id of the server that holds the connection, or ""
	// on a server that runs without a cluster.
	FrontendID() string
	// RemoteAddr is the client's network address.
	RemoteAddr() string
	// Handshake is the client's handshake request; its User field holds
	// the application's handshake data as raw JSON.
	Handshake() *wire.HandshakeRequest
	// Get returns the value stored under key.
	Get(key string) (string, bool)
	// Set stores value under key. Values are strings so that sessions can
	// travel between servers; see [Key] for typed access.
	Set(key, value string)
	// Delete removes key.
	Delete(key string)
	// Push sends a push message on route to this session. Generated
	// XxxPusher types offer typed pushes.
	Push(ctx context.Context, route string, msg proto.Message) error
	// Kick sends a Kick packet, then closes the connection. The packet's
	// body is {"reason":"<reason>"} ({"reason":"kick"} when reason is
	// empty), or empty when the server is configured with EmptyKick.
	Kick(ctx context.Context, reason string) error
	// Close closes the connection without a Kick packet.
	Close() error
	// OnClose registers f to run once after the connection closed. On a
	// session that is already closed f runs at once.
	OnClose(f func(Session))
}

// Key is a typed session-data key. Values are stored as strings in the
// session, so they travel with it between servers.
type Key[T any] struct {
	name   string
	encode func(T) string
	decode func(string) (T, error)
}

// NewKey returns a key that stores values of type T with the given codec.
func NewKey[T any](name string, encode func(T) string, decode func(string) (T, error)) Key[T] {
	return Key[T]{name: name, encode: encode, decode: decode}
}

// StringKey returns a key for string values.
func StringKey(name string) Key[string] {
	return NewKey(name, func(s string) string { return s }, func(s string) (string, error) { return s, nil })
}

// Int64Key returns a key for int64 values.
func Int64Key(name string) Key[int64] {
	return NewKey(name, func(v int64) string { return strconv.FormatInt(v, 10) },
		func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) })
}

// BoolKey returns a key for bool values.
func BoolKey(name string) Key[bool] {
	return NewKey(name, strconv.FormatBool, strconv.ParseBool)
}

// Name returns the key's name.
func (k Key[T]) Name() string { return k.name }

// Get returns the value stored in s under k. ok is false, and v the zero
// value, if there is none or it does not decode.
func (k Key[T]) Get(s Session) (v T, ok bool) {
	raw, ok := s.Get(k.name)
	if !ok {
		return v, false
	}
	if d, err := k.decode(raw); err == nil {
		return d, true
	}
	return v, false
}

// Set stores v in s under k.
func (k Key[T]) Set(s Session, v T) { s.Set(k.name, k.encode(v)) }

// Delete removes k from s.
func (k Key[T]) Delete(s Session) { s.Delete(k.name) }
