// Package gnetrun is what the TCP and WebSocket transports on gnet share:
// running a listener's engine (start it, learn the address it bound: gnet
// keeps only the requested one, so port 0 needs this; stop it), the
// listener's state ([Listener]) and a connection's state and close
// ([Conn]). Each transport keeps only its framing: the packet stream of
// TCP, the frames and upgrade of WebSocket.
package gnetrun

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"sync"

	"github.com/gamesrv/gamesrv/internal/gnetaddr"
	"github.com/panjf2000/gnet/v2"
)

// Engine is one gnet engine's lifecycle. Create it with [New]; the event
// handler calls [Engine.Booted] from OnBoot.
type Engine struct {
	eng    gnet.Engine
	booted chan struct{}
	ran    chan error
	stop   sync.Once
}

// New returns an engine that has not started.
func New() *Engine {
	return &Engine{booted: make(chan struct{}), ran: make(chan error, 1)}
}

// Booted records the running engine; call it from the handler's OnBoot.
func (e *Engine) Booted(eng gnet.Engine) {
	e.eng = eng
	close(e.booted)
}

// Run starts gnet with h on the TCP address addr and returns once it
// listens, with the address it bound.
func (e *Engine) Run(h gnet.EventHandler, addr string, opts ...gnet.Option) (net.Addr, error) {
	go func() { e.ran <- gnet.Run(h, "tcp://"+addr, opts...) }()
	select {
	case <-e.booted:
	case err := <-e.ran:
		return nil, err
	}
	bound, err := gnetaddr.Bound(e.eng)
	if err != nil {
		_ = e.Stop(context.Background())
		return nil, err
	}
	return bound, nil
}

// Stop stops the event loops, closing every connection, and waits for
// them to end or for ctx. Stopping an engine that never started does
// nothing; a second Stop returns what the first did.
func (e *Engine) Stop(ctx context.Context) error {
	select {
	case <-e.booted:
	default:
		return nil
	}
	var err error
	e.stop.Do(func() { err = e.eng.Stop(ctx) })
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	select {
	case err := <-e.ran:
		e.ran <- err // keep it for a second Stop
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DefaultLoops is the number of event loops a listener runs when its
// options leave it 0: half of GOMAXPROCS, at least one. The loops only
// read, frame and hand requests over; handlers run on worker goroutines,
// and an idle connection's answer is written by the worker itself (see
// transport.Queue.PushDirect). One loop per CPU, which suits a server that
// does everything on its loops, leaves the workers no core of their own:
// measured on 2 cores (50 connections, sequential echo requests, make
// bench row 1), one loop takes 10-20 % less CPU per request than two, for
// as many requests per second.
func DefaultLoops() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// Options returns the options every gamesrv listener uses: loops event
// loops, SO_REUSEADDR, no SO_REUSEPORT, TCP_NODELAY, gnet's logs to log,
// and readBufferCap when positive.
//
// SO_REUSEADDR is what Go's net.Listen sets too: without it a restarted
// server cannot bind its port while the connections the old process closed
// first sit in TIME_WAIT or FIN_WAIT_2 (measured: 64 s after a graceful
// stop with one WebSocket client connected). It does not let two
// listeners share a port: bind still fails while another socket listens
// on the address (TestRunFailsOnABusyAddress).
//
// SO_REUSEPORT stays off: with port 0 each event loop would bind its own
// random port, and it would let a second process bind the same port
// silently and steal half of the connections.
func Options(loops, readBufferCap int, log *slog.Logger) []gnet.Option {
	opts := []gnet.Option{
		gnet.WithNumEventLoop(loops),
		gnet.WithReusePort(false),
		gnet.WithReuseAddr(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLogger(slogLogger{log}),
	}
	if readBufferCap > 0 {
		opts = append(opts, gnet.WithReadBufferCap(readBufferCap))
	}
	return opts
}
