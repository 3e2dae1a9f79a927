package admin

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// Options configures an [Admin]. Server is required; the zero value of the
// other fields gives the defaults written on each.
type Options struct {
	// Addr is the listen address, "127.0.0.1:9090" for example; port 0
	// picks a free port (see [Admin.Addr]). Default "127.0.0.1:0".
	Addr string
	// Server is the server described and probed. Required.
	Server *server.Server
	// Node, if set, is the server's cluster node: the debug page then lists
	// the cluster members.
	Node *cluster.Node
	// Metrics serves /metrics, usually the *metrics.Prometheus given to
	// the server as server.Options.Metrics. Without it /metrics is 404.
	Metrics http.Handler
	// Logger receives the listener's logs. Default: the server's logger.
	Logger *slog.Logger
	// Pprof serves net/http/pprof under /debug/pprof/ (but not
	// /debug/pprof/cmdline). Off by default: see the package
	// documentation's security section.
	Pprof bool
}

// Admin is an admin HTTP listener. Create it with [New], then [Admin.Start]
// it or mount [Admin.Handler] elsewhere.
type Admin struct {
	opts    Options
	log     *slog.Logger
	handler http.Handler

	mu     sync.Mutex
	hs     *http.Server  // set by Start
	ln     net.Listener  // set by Start
	served chan struct{} // closed when Serve returns
	closed bool
}

// Errors of [Admin.Start].
var (
	// ErrNoServer means Options.Server is nil.
	ErrNoServer = errors.New("admin: Options.Server is required")
	// ErrStarted means Start was already called.
	ErrStarted = errors.New("admin: already started")
	// ErrClosed means Close was called: an Admin does not restart.
	ErrClosed = errors.New("admin: closed")
)

// New returns an admin listener for opts.Server; nothing is bound until
// Start.
func New(opts Options) *Admin {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	a := &Admin{opts: opts, log: opts.Logger}
	if a.log == nil {
		a.log = slog.Default()
		if opts.Server != nil {
			a.log = opts.Server.Logger()
		}
	}
	a.handler = a.routes()
	return a
}

// Handler returns the admin routes, to test them or to mount them on
// another server.
func (a *Admin) Handler() http.Handler { return a.handler }

// Start binds Options.Addr and serves in a goroutine until Close.
func (a *Admin) Start() error {
	if a.opts.Server == nil {
		return ErrNoServer
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.closed:
		return ErrClosed
	case a.hs != nil:
		return ErrStarted
	}
	ln, err := net.Listen("tcp", a.opts.Addr)
	if err != nil {
		return err
	}
	a.ln, a.served = ln, make(chan struct{})
	a.hs = &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	go a.serve(a.hs, ln, a.served)
	a.log.Info("admin listening", "addr", ln.Addr().String())
	return nil
}

func (a *Admin) serve(hs *http.Server, ln net.Listener, served chan struct{}) {
	defer close(served)
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		a.log.Error("admin listener stopped", "err", err)
	}
}

// Addr returns the bound address, or nil before Start.
func (a *Admin) Addr() net.Addr {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ln == nil {
		return nil
	}
	return a.ln.Addr()
}

// Close stops the listener: it stops accepting, lets the requests being
// served finish until ctx is done, then closes their connections, and
// returns once the serving goroutine has ended. It returns ctx's error if
// requests had to be cut. Later calls, and a Close before Start, return
// nil.
func (a *Admin) Close(ctx context.Context) error {
	a.mu.Lock()
	hs, served, already := a.hs, a.served, a.closed
	a.closed = true
	a.mu.Unlock()
	if hs == nil || already {
		return nil
	}
	err := hs.Shutdown(ctx)
	if err != nil {
		_ = hs.Close()
	}
	<-served
	return err
}
