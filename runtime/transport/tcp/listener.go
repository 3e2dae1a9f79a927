package tcp

import (
	"context"
	"net"
	"time"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/gnetrun"
	"github.com/panjf2000/gnet/v2"
)

// Options configures a TCP listener. The zero value is ready to use.
type Options struct {
	// EventLoops is the number of gnet event loops. Default: half of
	// GOMAXPROCS, at least one; the loops only read and frame, handlers
	// run on worker goroutines, which the other cores are left for.
	EventLoops int
	// ReadBufferCap is the size of each event loop's read buffer, the most
	// bytes read per read event. Default 64 KiB.
	ReadBufferCap int
	// SocketRecvBuffer and SocketSendBuffer set SO_RCVBUF and SO_SNDBUF.
	// Default: the kernel's.
	SocketRecvBuffer, SocketSendBuffer int
	// KeepAlive enables TCP keep-alive probes with this period. Default
	// off: the protocol's heartbeat detects dead peers.
	KeepAlive time.Duration
}

// Listener accepts game clients over TCP. Create it with [New] and hand it
// to the server, which starts and stops it.
type Listener struct {
	base gnetrun.Listener
	opts Options
}

var _ transport.Listener = (*Listener)(nil)

// New returns a listener for addr ("127.0.0.1:3250", ":0"...). Nothing is
// bound until the server starts it.
func New(addr string, opts Options) *Listener {
	return &Listener{base: gnetrun.NewListener("tcp", addr), opts: opts}
}

// Network returns "tcp".
func (l *Listener) Network() string { return l.base.Network() }

// Addr returns the bound address, or nil before Start.
func (l *Listener) Addr() net.Addr { return l.base.Addr() }

// Start binds the address and starts the event loops.
func (l *Listener) Start(cfg transport.Config) error {
	return l.base.Start(cfg, &engine{l: l}, l.gnetOptions)
}

func (l *Listener) gnetOptions() []gnet.Option {
	loops := l.opts.EventLoops
	if loops <= 0 {
		loops = gnetrun.DefaultLoops()
	}
	opts := gnetrun.Options(loops, l.opts.ReadBufferCap, l.base.Cfg.Logger)
	if l.opts.SocketRecvBuffer > 0 {
		opts = append(opts, gnet.WithSocketRecvBuffer(l.opts.SocketRecvBuffer))
	}
	if l.opts.SocketSendBuffer > 0 {
		opts = append(opts, gnet.WithSocketSendBuffer(l.opts.SocketSendBuffer))
	}
	if l.opts.KeepAlive > 0 {
		opts = append(opts, gnet.WithTCPKeepAlive(l.opts.KeepAlive))
	}
	return opts
}

// Close stops the event loops, closing every connection, and waits for
// them to end or for ctx.
func (l *Listener) Close(ctx context.Context) error { return l.base.Close(ctx) }
