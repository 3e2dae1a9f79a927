package transport

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/gamesrv/gamesrv/runtime/wire"
)

// Errors returned by [Conn.Write].
var (
	// ErrClosed: the connection is closed or closing.
	ErrClosed = errors.New("transport: connection closed")
	// ErrSlowConsumer: the peer does not read fast enough; the connection
	// has been closed.
	ErrSlowConsumer = errors.New("transport: slow consumer: outbound bytes over limit")
)

// Conn is the transport side of one client connection, as the session layer
// uses it. All methods are safe for concurrent use.
type Conn interface {
	// Write queues p, one or more whole packets, for sending. The transport
	// takes ownership of p: the caller must not modify it afterwards (the
	// same bytes may be written to many connections). Write never blocks.
	// It returns ErrClosed after Close, and ErrSlowConsumer (closing the
	// connection) when the bytes queued for this connection exceed the
	// configured limit.
	Write(p []byte) error
	// Close stops delivering packets to the Peer, sends what is already
	// queued, then ends the connection in order (a TCP FIN after the last
	// byte, never a reset): the transport reads and discards what the peer
	// still sends until it closes its side, for at most
	// Config.LingerTimeout and Config.LingerBytes, and only then closes
	// the socket. It never blocks and is idempotent.
	Close() error
	// RemoteAddr returns the peer's address.
	RemoteAddr() net.Addr
}

// Establisher is implemented by connections whose transport bounds the
// ones that have not completed the handshake (KCP: one datagram opens a
// session). The session layer calls Established once, when the client's
// HandshakeAck arrives; until then the transport may close the connection
// at its own, shorter, handshake deadline.
type Establisher interface{ Established() }

// Peer is the session layer's side of one connection. The transport calls
// OnPacket from one goroutine at a time (an event loop or the connection's
// reader), so OnPacket must not block.
type Peer interface {
	// OnPacket handles one complete packet. body is valid only during the
	// call. A non-nil error closes the connection.
	OnPacket(t wire.PacketType, body []byte) error
	// OnDisconnect is called exactly once, after the connection closed. err is
	// the reason: nil for a Close, a *ProtocolError when the client broke
	// the protocol, otherwise what the network reported.
	OnDisconnect(err error)
}

// ProtocolError is the reason a transport closed a connection whose client
// broke the protocol: an invalid packet header, a declared length over the
// limit, a WebSocket frame that is not one whole packet, or the error the
// Peer's OnPacket returned.
type ProtocolError struct{ Err error }

// Error returns the violation.
func (e *ProtocolError) Error() string { return "protocol violation: " + e.Err.Error() }

// Unwrap returns the violation.
func (e *ProtocolError) Unwrap() error { return e.Err }

// Handler accepts connections on behalf of the server.
type Handler interface {
	// Open is called for each new connection and returns its Peer, or nil
	// to refuse it (the transport then closes it).
	Open(c Conn) Peer
}

// Config is what the server gives every listener it starts.
type Config struct {
	// Handler receives the connections.
	Handler Handler
	// MaxBody is the largest packet body accepted; a larger declared length
	// closes the connection before its body is buffered.
	MaxBody int
	// MaxPending is the number of outbound bytes a connection may have
	// queued before it is closed as a slow consumer.
	MaxPending int
	// IdleTimeout closes a connection that received nothing for that long
	// (transports with read deadlines; others rely on the server's
	// heartbeat check).
	IdleTimeout time.Duration
	// WriteTimeout bounds one write to the socket on transports with write
	// deadlines.
	WriteTimeout time.Duration
	// LingerTimeout bounds a close: after Close, the time the transport
	// spends sending what was queued and waiting for the peer to close its
	// side before it closes the socket anyway. Default 2 s.
	LingerTimeout time.Duration
	// LingerBytes bounds what a closing connection reads and discards
	// from a peer that keeps sending; beyond it the socket is closed at
	// once. A client pipelining requests may have megabytes in flight
	// (socket buffers) when the close starts, and reads its answers only
	// once they are sent: the default is 4 MiB. Discarding costs the
	// server less than sending costs the client.
	LingerBytes int
	// Logger receives transport errors.
	Logger *slog.Logger
}

// Defaults of [Config].
const (
	DefaultLingerTimeout = 2 * time.Second
	DefaultLingerBytes   = 4 << 20
)

// Linger returns the bounds of a lingering close, defaults applied.
func (c *Config) Linger() (time.Duration, int) {
	d, n := c.LingerTimeout, c.LingerBytes
	if d <= 0 {
		d = DefaultLingerTimeout
	}
	if n <= 0 {
		n = DefaultLingerBytes
	}
	return d, n
}

// Listener is a client-facing transport.
type Listener interface {
	// Network names the transport in logs and metrics: "tcp", "kcp"...
	Network() string
	// Start binds and starts accepting connections; it returns once the
	// listener accepts connections.
	Start(cfg Config) error
	// Addr returns the bound address; valid after Start.
	Addr() net.Addr
	// Close stops accepting and closes every connection. It returns when
	// the listener's goroutines have ended or ctx is done.
	Close(ctx context.Context) error
}
