package ws

import (
	"context"
	"net"
	"time"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/gnetrun"
	"github.com/panjf2000/gnet/v2"
)

// Defaults of [Options].
const (
	DefaultMaxHandshake   = 8 << 10
	DefaultUpgradeTimeout = 10 * time.Second
)

// Options configures a WebSocket listener. The zero value is ready to use.
type Options struct {
	// EventLoops is the number of gnet event loops. Default: half of
	// GOMAXPROCS, at least one; the loops only read and frame, handlers
	// run on worker goroutines, which the other cores are left for.
	EventLoops int
	// ReadBufferCap is the size of each event loop's read buffer, the most
	// bytes read per read event. Default 64 KiB.
	ReadBufferCap int
	// MaxHandshake bounds the HTTP upgrade request, request line and
	// headers included; a connection that sends more without finishing its
	// header is closed. Default 8 KiB.
	MaxHandshake int
	// UpgradeTimeout closes a connection that has not completed the HTTP
	// upgrade in that time. (After the upgrade the server's handshake
	// deadline and heartbeat take over.) Default 10 s.
	UpgradeTimeout time.Duration
	// CheckOrigin decides whether to accept an upgrade request with the
	// given Origin header ("" when the request has none: non-browser
	// clients such as the Go client send none). A refused request gets a
	// 403 response. Default nil: every origin is accepted, which is right
	// for a game server whose clients authenticate in the Pomelo handshake,
	// not with cookies; set it when browsers carry ambient credentials.
	CheckOrigin func(origin string) bool
	// Path is the only request path accepted ("/ws"); the query string is
	// ignored. Another path gets a 404 response. Default "": any path.
	Path string
}

func (o Options) withDefaults() Options {
	if o.EventLoops <= 0 {
		o.EventLoops = gnetrun.DefaultLoops()
	}
	if o.MaxHandshake <= 0 {
		o.MaxHandshake = DefaultMaxHandshake
	}
	if o.UpgradeTimeout <= 0 {
		o.UpgradeTimeout = DefaultUpgradeTimeout
	}
	return o
}

// Listener accepts game clients over WebSocket. Create it with [New] and
// hand it to the server, which starts and stops it.
type Listener struct {
	base gnetrun.Listener
	opts Options

	// onPartialHeader, set by tests, is called on the loop with the bytes
	// buffered when an upgrade request is still incomplete.
	onPartialHeader func(buffered int)
}

var _ transport.Listener = (*Listener)(nil)

// New returns a listener for addr ("127.0.0.1:3252", ":0"...). Nothing is
// bound until the server starts it.
func New(addr string, opts Options) *Listener {
	return &Listener{base: gnetrun.NewListener("ws", addr), opts: opts.withDefaults()}
}

// Network returns "ws".
func (l *Listener) Network() string { return l.base.Network() }

// Addr returns the bound address, or nil before Start.
func (l *Listener) Addr() net.Addr { return l.base.Addr() }

// Start binds the address and starts the event loops.
func (l *Listener) Start(cfg transport.Config) error {
	return l.base.Start(cfg, &engine{l: l}, l.gnetOptions)
}

func (l *Listener) gnetOptions() []gnet.Option {
	return gnetrun.Options(l.opts.EventLoops, l.opts.ReadBufferCap, l.base.Cfg.Logger)
}

// Close stops the event loops, closing every connection, and waits for
// them to end or for ctx.
func (l *Listener) Close(ctx context.Context) error { return l.base.Close(ctx) }
