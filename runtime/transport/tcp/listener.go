package tcp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"time"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// Options configures a TCP listener. The zero value is ready to use.
type Options struct {
	// EventLoops is the number of gnet event loops. Default: the number
	// of CPUs.
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
	addr   string
	opts   Options
	cfg    transport.Config
	eng    gnet.Engine
	bound  net.Addr
	booted chan struct{}
	ran    chan error
}

var _ transport.Listener = (*Listener)(nil)

// New returns a listener for addr ("127.0.0.1:3250", ":0"...). Nothing is
// bound until the server starts it.
func New(addr string, opts Options) *Listener {
	return &Listener{addr: addr, opts: opts, booted: make(chan struct{}), ran: make(chan error, 1)}
}

// Network returns "tcp".
func (l *Listener) Network() string { return "tcp" }

// Addr returns the bound address, or nil before Start.
func (l *Listener) Addr() net.Addr { return l.bound }

// Start binds the address and starts the event loops.
func (l *Listener) Start(cfg transport.Config) error {
	l.cfg = cfg
	go func() { l.ran <- gnet.Run(&engine{l: l}, "tcp://"+l.addr, l.gnetOptions()...) }()
	select {
	case <-l.booted:
	case err := <-l.ran:
		return fmt.Errorf("tcp: listen %s: %w", l.addr, err)
	}
	addr, err := boundAddr(l.eng)
	if err != nil {
		_ = l.Close(context.Background())
		return fmt.Errorf("tcp: listen %s: %w", l.addr, err)
	}
	l.bound = addr
	return nil
}

func (l *Listener) gnetOptions() []gnet.Option {
	loops := l.opts.EventLoops
	if loops <= 0 {
		loops = runtime.NumCPU()
	}
	opts := []gnet.Option{
		gnet.WithNumEventLoop(loops),
		gnet.WithReusePort(false), // with port 0, each loop would bind its own port
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLogger(slogLogger{l.cfg.Logger}),
	}
	if l.opts.ReadBufferCap > 0 {
		opts = append(opts, gnet.WithReadBufferCap(l.opts.ReadBufferCap))
	}
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
func (l *Listener) Close(ctx context.Context) error {
	select {
	case <-l.booted:
	default:
		return nil // never started
	}
	if err := l.eng.Stop(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	select {
	case err := <-l.ran:
		l.ran <- err // keep it for a second Close
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// boundAddr learns the real address of a listener bound to port 0: gnet
// keeps only the requested one.
func boundAddr(eng gnet.Engine) (net.Addr, error) {
	fd, err := eng.Dup()
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, err
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}, nil
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}, nil
	}
	return nil, errors.New("unexpected socket address type")
}
