package servertest

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// clientAddr is the address clients of the in-memory server dial; their
// Options.DialContext resolves it.
const clientAddr = "tcp://servertest"

// defaultShutdownTimeout is server.Options.ShutdownTimeout's default.
const defaultShutdownTimeout = 10 * time.Second

// Server is a started gamesrv server whose only listener is in memory.
// Its methods are safe for concurrent use.
type Server struct {
	srv      *server.Server
	ln       *listener
	shutdown time.Duration

	closeOnce sync.Once
	closeErr  error
}

// New starts a server configured by opts, on which register has
// registered the handlers and components (nil registers nothing), and
// shuts it down when the test ends. It fails the test if the server does
// not start. With no Options.Logger the server logs to the test's log
// (shown for a failed test, or with -v) from level Info.
func New(tb testing.TB, opts server.Options, register func(*server.Server) error) *Server {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(tb)
	}
	ts, err := Start(opts, register)
	if err != nil {
		tb.Fatalf("servertest: %v", err)
	}
	tb.Cleanup(func() {
		if first, err := ts.close(); first && err != nil {
			tb.Errorf("servertest: shutdown: %v", err)
		}
	})
	return ts
}

// Start is [New] for code without a testing.TB: it returns the error
// instead of failing a test, and the caller closes the server with
// [Server.Close]. register may do anything a server allows before its
// Start: register services and components, set up a cluster.
func Start(opts server.Options, register func(*server.Server) error) (*Server, error) {
	srv, err := server.New(opts)
	if err != nil {
		return nil, err
	}
	if register != nil {
		if err := register(srv); err != nil {
			return nil, fmt.Errorf("register: %w", err)
		}
	}
	ln := newListener()
	if err := srv.Start(ln); err != nil {
		return nil, err
	}
	shutdown := opts.ShutdownTimeout
	if shutdown <= 0 {
		shutdown = defaultShutdownTimeout
	}
	return &Server{srv: srv, ln: ln, shutdown: shutdown}, nil
}

// Server returns the running server: its groups, sessions and pushes.
func (ts *Server) Server() *server.Server { return ts.srv }

// Close shuts the server down gracefully (server.Server.Shutdown) within
// Options.ShutdownTimeout: the clients still connected are kicked with the
// reason "shutdown", then the connections are closed and the server's
// goroutines stopped; later dials fail with [ErrClosed]. Later calls
// return the first call's result.
func (ts *Server) Close() error {
	_, err := ts.close()
	return err
}

// close closes the server once; first reports whether this call did.
func (ts *Server) close() (first bool, err error) {
	ts.closeOnce.Do(func() {
		first = true
		ctx, cancel := context.WithTimeout(context.Background(), ts.shutdown)
		defer cancel()
		ts.closeErr = ts.srv.Shutdown(ctx)
	})
	return first, ts.closeErr
}

// DialContext opens a raw connection to the server, whatever network
// and addr say: the client's end of an in-memory pipe, on which the server
// expects the wire protocol from the handshake on. It fails with
// [ErrClosed] once the server is closed. It has the signature of
// client.Options.DialContext; [Server.Client] and [Server.Dial] set it
// for you.
func (ts *Server) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return ts.ln.dial()
}

// Client returns a client connected to the server, with the handshake
// done, and closes it when the test ends (before the server). It fails the
// test if the client cannot connect. Pushes that arrive before its first
// push handler is registered are held for it, as with client.Dial. With no
// Options.Logger the client logs to the test's log.
func (ts *Server) Client(tb testing.TB, opts client.Options) *client.Client {
	tb.Helper()
	c := ts.NewClient(tb, opts)
	if err := c.Connect(context.Background()); err != nil {
		tb.Fatalf("servertest: connect: %v", err)
	}
	return c
}

// NewClient returns a client of the server that is not connected yet,
// and closes it when the test ends: register its push handlers, then call
// its Connect, so that what the server pushes on connect finds them.
func (ts *Server) NewClient(tb testing.TB, opts client.Options) *client.Client {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(tb)
	}
	c, err := client.New(clientAddr, ts.clientOptions(opts))
	if err != nil {
		tb.Fatalf("servertest: %v", err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Dial is [Server.Client] for code without a testing.TB: it returns the
// error, and the caller closes the client.
func (ts *Server) Dial(ctx context.Context, opts client.Options) (*client.Client, error) {
	return client.Dial(ctx, clientAddr, ts.clientOptions(opts))
}

// clientOptions points opts at the in-memory listener. The options of the
// other transports do not apply.
func (ts *Server) clientOptions(opts client.Options) client.Options {
	opts.DialContext = ts.DialContext
	opts.TLS = nil
	return opts
}
