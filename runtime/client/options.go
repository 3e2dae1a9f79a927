package client

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"time"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/opt"
	"github.com/gamesrv/gamesrv/runtime/transport/kcpconf"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// Options configures a [Client]. The zero value gives the defaults written
// on each field.
type Options struct {
	// User is the application's handshake data, sent as the "user" JSON
	// object (for example an auth token). Default: {}.
	User any
	// Sys is the "sys" object of the handshake. Default: platform "go",
	// libVersion the gamesrv version.
	Sys wire.HandshakeSys
	// Logger receives the client's logs. Default: slog.Default().
	Logger *slog.Logger
	// DialTimeout bounds dialing and the handshake. Default 10 s.
	DialTimeout time.Duration
	// WriteTimeout bounds one write. Default 10 s.
	WriteTimeout time.Duration
	// MaxBodySize is the largest packet body accepted from the server.
	// Default 16 MiB (the protocol's limit).
	MaxBodySize int
	// PushQueue is the number of received pushes waiting for their
	// handlers; when full the client stops reading. Default 256.
	PushQueue int
	// DisableRouteCompression sends route strings even when the server's
	// dictionary has a code for them.
	DisableRouteCompression bool
	// KCP configures kcp:// connections; it must match the server's.
	KCP KCPOptions
	// TLS configures tls:// connections. Default: the system's roots and
	// the address's host as server name.
	TLS *tls.Config
	// DialContext, if set, opens the network connection of tcp://, tls://
	// and ws:// addresses instead of a net.Dialer: it is called with the
	// network "tcp" and the address's host:port, and the client runs the
	// TLS handshake or the WebSocket upgrade, if any, over the connection
	// it returns. Use it for a proxy, or for the in-memory connections of
	// runtime/servertest. A kcp:// address cannot use it: New fails.
	// Default: a net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// KCPOptions configures the KCP side of a kcp:// connection.
type KCPOptions struct {
	// Tuning sets the session parameters; see [kcpconf.Tuning].
	Tuning kcpconf.Tuning
	// Key enables AES encryption (16, 24 or 32 bytes), as on the server.
	Key []byte
	// DataShards and ParityShards enable forward error correction, as on
	// the server.
	DataShards, ParityShards int
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Sys.Platform == "" && o.Sys.Type == "" {
		o.Sys.Platform, o.Sys.LibVersion = "go", gamesrv.Version
	}
	o.DialTimeout = opt.OrDefault(o.DialTimeout, 10*time.Second)
	o.WriteTimeout = opt.OrDefault(o.WriteTimeout, 10*time.Second)
	o.MaxBodySize = opt.OrDefault(min(o.MaxBodySize, wire.MaxBodyLen), wire.MaxBodyLen)
	o.PushQueue = opt.OrDefault(o.PushQueue, 256)
	return o
}
