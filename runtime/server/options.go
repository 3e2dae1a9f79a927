package server

import (
	"context"
	"log/slog"
	"math"
	"time"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/opt"
	"github.com/gamesrv/gamesrv/runtime/metrics"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// Options configures a [Server]. The zero value gives the defaults written
// on each field.
type Options struct {
	// Logger receives the server's logs. Default: slog.Default().
	Logger *slog.Logger

	// ServerID identifies this server; in a cluster it must be unique.
	// Default: the server type followed by a random suffix.
	ServerID string

	// ServerType is the type of this server ("connector", "room"). Routes
	// sent as "service.method" resolve in this type. Default: the server
	// type of the first registered service.
	ServerType string

	// Heartbeat is the interval H announced to clients, rounded to whole
	// seconds (at least 1 s). The server sends each connection a heartbeat
	// every H, and closes a connection that has sent nothing (no packet of
	// any type) for more than 2.5H (wire.HeartbeatTimeout), within 100 ms
	// of that deadline: a client may wait up to H for the server's
	// heartbeat before starting its own H timer (pomelo-jsclient-websocket
	// does), so it can be silent for 2H; the extra H/2 absorbs delays.
	// Default 30 s (a silent connection closes after 75 s).
	Heartbeat time.Duration

	// HandshakeTimeout closes a connection that has not completed the
	// handshake (sent its HandshakeAck) in time. Default 10 s.
	HandshakeTimeout time.Duration

	// MaxBodySize is the largest packet body accepted. A larger declared
	// length closes the connection before anything that size is buffered.
	// Default 1 MiB.
	MaxBodySize int

	// MaxInflatedSize is the largest size a zlib-compressed payload (flag
	// 0x10) may inflate to. Inflating stops there and the request is
	// answered GS-400 in its turn (a notify is dropped); the connection
	// stays open, and the bytes inflated count against
	// MaxInflatedBytesPerSecond, so repeated zip bombs soon get GS-429
	// without being inflated. Payloads are inflated on the session's
	// worker, never on the I/O loop. Default 256 KiB, or MaxBodySize when
	// smaller.
	MaxInflatedSize int

	// MaxInflatedBytesPerSecond is each connection's budget of inflated
	// bytes: a token bucket refilled at that rate, holding MaxInflatedSize
	// bytes (or one second's worth when less), full when the connection
	// opens. A compressed request that finds the bucket empty is answered
	// GS-429 in its turn without being inflated (a compressed notify is
	// dropped); the payload that empties it is still served, so the bucket
	// may owe up to one MaxInflatedSize. A new connection thus inflates at
	// most two MaxInflatedSize at once, then this rate. Default 4 MiB per
	// second; negative means no budget.
	MaxInflatedBytesPerSecond int

	// MaxHandshakeSize is the largest Handshake packet body accepted; a
	// larger one is answered handshake code 400 and the connection closes.
	// A session keeps what it needs of its handshake (the sys fields and
	// the compacted user object, see gamesrv.Session.Handshake) for its
	// whole life, so this bounds that memory. Default 4 KiB.
	MaxHandshakeSize int

	// MaxPendingBytes is the number of outbound bytes a connection may have
	// waiting; beyond it the client is too slow and is disconnected.
	// Default 4 MiB.
	MaxPendingBytes int

	// MaxConnections is the number of client connections the server holds
	// at most; a connection beyond it gets a Kick packet
	// ({"reason":"server full"}, empty with EmptyKick) and is closed.
	// Default 100,000; negative means no limit.
	MaxConnections int

	// MaxConnectionsPerIP is the number of client connections one address
	// may hold: an IPv4 address, or an IPv6 /64 (one host's usual
	// allocation; IPv4-mapped IPv6 addresses count as IPv4). A connection
	// beyond it gets a Kick packet (reason "too many connections from your
	// address"; empty with EmptyKick) and is closed. Behind
	// a proxy or a NAT every client has the same address: size it for that,
	// or leave it off. Default 0: off.
	MaxConnectionsPerIP int

	// RateLimit limits the requests and notifies of each session. Default:
	// none.
	RateLimit RateLimit

	// QueueSize is the number of requests and notifies of one session
	// waiting to run. A request beyond it is answered GS-429 without
	// running, in its turn (after the answers to the requests before it,
	// PROTOCOL.md §7); a notify is dropped. Besides the QueueSize jobs, as
	// many refused requests may wait for their GS-429 (these also count
	// requests over RateLimit); a request refused beyond that closes the
	// connection, as the client ignores its GS-429 answers. Default 64.
	QueueSize int

	// RequestTimeout, if set, is the deadline of each handler's context; a
	// handler that returns because of it answers GS-504. Default: none.
	RequestTimeout time.Duration

	// LogRequests logs every request and notify at Info level, with the
	// session id, uid, route, kind, outcome code and duration. Off by
	// default (failures are logged regardless).
	LogRequests bool

	// Metrics receives the server's measurements (connections, requests by
	// route and code with their latency, pushes, forwards); see
	// runtime/metrics. Default: none.
	Metrics metrics.Recorder

	// Compression compresses outbound payloads; off by default.
	Compression Compression

	// ForwardTimeout bounds a client request forwarded to another server
	// of the cluster; when it expires the client gets GS-504. Default 5 s.
	ForwardTimeout time.Duration

	// ShutdownTimeout bounds the graceful part of Serve's shutdown:
	// finishing queued requests before the remaining sessions are kicked.
	// It also bounds the cleanup after a failed Start (closing what was
	// started and the Shutdown hooks of the components initialized).
	// Default 10 s.
	ShutdownTimeout time.Duration

	// Serializer encodes payloads; it is announced in the handshake.
	// gamesrv.JSONSerializer encodes them as protojson, for clients that
	// send and expect JSON (Pomelo JS clients; docs/pitaya.md). Every
	// server of a cluster must use the same one. Default:
	// gamesrv.ProtobufSerializer.
	Serializer gamesrv.Serializer

	// HandshakeValidators run, in order, on each client handshake before it
	// is accepted, off the I/O loop. An error answers code 400 and closes
	// the connection. A validator may Bind the session.
	HandshakeValidators []HandshakeValidator

	// DuplicateLogin says what happens when a session binds a uid that
	// another session holds. Default: KickOld.
	DuplicateLogin DuplicateLoginPolicy

	// BindWait bounds how long a Bind that kicked the session holding its
	// uid (KickOld) waits for that session to end: its groups left and its
	// OnClose hooks run, on this server and on the backends that served
	// it. Bind returns earlier when its own context ends. When the wait is
	// cut, the uid is bound all the same and Bind returns an error that
	// wraps context.DeadlineExceeded (GS-504 to a client). Default 10 s.
	BindWait time.Duration

	// Before and After run around every handler; see [BeforeFunc] and
	// [AfterFunc].
	Before []BeforeFunc
	// After hooks run in order after the handler, even when it or a Before
	// hook failed.
	After []AfterFunc

	// DisableDescribe turns off the schema system route
	// (gamesrv.DescribeRoute), by which clients such as the gamesrv CLI
	// learn the server's routes and message types. It is on by default,
	// which suits development; production servers that do not want to
	// publish their schemas set this.
	DisableDescribe bool

	// EmptyKick sends Kick packets with an empty body (05 00 00 00), as
	// Pitaya's server does. Off by default: a Kick packet carries its
	// reason as JSON, as Pomelo's server does: {"reason":"duplicate
	// login"}, {"reason":"server full"}, {"reason":"shutdown"}, the reason
	// given to Session.Kick, or {"reason":"kick"} when it is empty.
	// Pomelo JS clients need the JSON body: they JSON.parse it, and an
	// empty one throws before their onKick event fires.
	EmptyKick bool

	// CompressPushRoutes sends push routes as dictionary codes (and adds
	// them to the handshake dictionary). Off by default: libpitaya cannot
	// decode compressed push routes.
	CompressPushRoutes bool
}

// RateLimit is a per-session token bucket: Burst messages at once, refilled
// at Rate per second. A request beyond it is answered GS-429 in its turn
// (see Options.QueueSize) and a notify is dropped, or the connection closes
// when Disconnect is set.
type RateLimit struct {
	// Rate is the sustained number of requests and notifies per second; 0
	// disables the limit.
	Rate float64
	// Burst is the bucket size. Default: Rate rounded up (at least 1).
	Burst int
	// Disconnect closes the connection of a session over its limit
	// instead of answering GS-429.
	Disconnect bool
}

// Compression compresses outbound payloads with zlib (flag 0x10). It costs
// CPU on every large message and existing clients must inflate: use it for
// large, compressible pushes and responses.
type Compression struct {
	// Threshold is the payload size, in bytes, from which a payload is
	// compressed; the compressed form is sent only when it is smaller. 0
	// disables compression (the default).
	Threshold int
	// Level is the zlib level (1 fastest .. 9 smallest). Default 1.
	Level int
}

// HandshakeValidator checks a client's handshake, for example an auth token
// in hs.User. It runs off the I/O loop and may block briefly.
type HandshakeValidator func(ctx context.Context, s gamesrv.Session, hs *wire.HandshakeRequest) error

// DuplicateLoginPolicy decides between two sessions binding the same uid.
type DuplicateLoginPolicy uint8

const (
	// KickOld kicks the session that held the uid; the new one binds.
	KickOld DuplicateLoginPolicy = iota
	// RefuseNew keeps the old session; the new Bind fails with GS-401.
	RefuseNew
)

const (
	defaultHeartbeat        = 30 * time.Second
	defaultHandshakeTimeout = 10 * time.Second
	defaultMaxBodySize      = 1 << 20
	defaultMaxPendingBytes  = 4 << 20
	defaultQueueSize        = 64
	defaultShutdownTimeout  = 10 * time.Second
	defaultMaxConnections   = 100_000
	defaultMaxInflatedSize  = 256 << 10
	defaultMaxInflateRate   = 4 << 20
	defaultMaxHandshakeSize = 4 << 10
	defaultBindWait         = 10 * time.Second
)

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Heartbeat = max(opt.OrDefault(o.Heartbeat, defaultHeartbeat).Round(time.Second), time.Second)
	o.HandshakeTimeout = opt.OrDefault(o.HandshakeTimeout, defaultHandshakeTimeout)
	o.MaxBodySize = opt.OrDefault(min(o.MaxBodySize, wire.MaxBodyLen), defaultMaxBodySize)
	o.MaxInflatedSize = opt.OrDefault(o.MaxInflatedSize, min(defaultMaxInflatedSize, o.MaxBodySize))
	if o.MaxInflatedBytesPerSecond == 0 {
		o.MaxInflatedBytesPerSecond = defaultMaxInflateRate
	}
	o.MaxHandshakeSize = opt.OrDefault(o.MaxHandshakeSize, defaultMaxHandshakeSize)
	o.MaxPendingBytes = opt.OrDefault(o.MaxPendingBytes, defaultMaxPendingBytes)
	o.QueueSize = opt.OrDefault(o.QueueSize, defaultQueueSize)
	o.ShutdownTimeout = opt.OrDefault(o.ShutdownTimeout, defaultShutdownTimeout)
	o.ForwardTimeout = opt.OrDefault(o.ForwardTimeout, defaultForwardTimeout)
	o.BindWait = opt.OrDefault(o.BindWait, defaultBindWait)
	if o.Serializer == nil {
		o.Serializer = gamesrv.ProtobufSerializer{}
	}
	if o.MaxConnections == 0 {
		o.MaxConnections = defaultMaxConnections
	}
	if o.RateLimit.Rate > 0 && o.RateLimit.Burst <= 0 {
		o.RateLimit.Burst = max(1, int(math.Ceil(o.RateLimit.Rate)))
	}
	if o.Compression.Level <= 0 || o.Compression.Level > 9 {
		o.Compression.Level = 1
	}
	if o.Metrics == nil {
		o.Metrics = metrics.Nop{}
	}
	return o
}
