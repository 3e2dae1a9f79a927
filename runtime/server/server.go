package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
	"github.com/gamesrv/gamesrv/runtime/metrics"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// Server states.
const (
	srvNew int32 = iota
	srvRunning
	srvDraining
	srvStopped
)

// Server is a gamesrv application server. Create it with [New], register
// handlers with the generated RegisterXxxHandler functions, then run it
// with [Server.Serve] (or [Server.Start] and [Server.Shutdown]).
type Server struct {
	// Internal is for gamesrv's own packages (runtime/cluster,
	// runtime/admin): its type lives in an internal package, so
	// applications can neither use it nor need to. New sets it; leave it
	// as it is.
	Internal serverhost.Handle

	opts Options
	log  *slog.Logger
	id   string

	regs       []registration
	components []namedComponent
	reg        *registry
	schema     *gamesrvv1.DescribeResponse // answer of the schema route

	handshakeOK, handshakeBad []byte

	state        atomic.Int32
	nextID       atomic.Int64
	conns        atomic.Int64  // open connections, for MaxConnections
	pushEncodes  atomic.Int64  // push packets encoded
	zlibWriters  sync.Pool     // *zlib.Writer, for outbound compression
	inflaters    sync.Pool     // *wire.Inflater, for inbound zlib payloads
	inflated     sync.Pool     // *[]byte, their output buffers
	inflateSlots chan struct{} // bounds concurrent inflates (newInflateSlots)
	payloads     bufPool       // copies of payloads decoded by the worker
	perIP        ipCounter     // connections by address, for MaxConnectionsPerIP
	sessions     sessionMap
	workers      workers
	jobs         atomic.Int64  // queued or running jobs, for the drain
	drained      chan struct{} // signalled when jobs reaches 0 while draining

	uidMu sync.Mutex
	uids  map[string]*session

	groupMu sync.Mutex
	groups  map[string]*Group

	started    time.Time // the zero of the server's clocks
	clock      atomic.Int64
	wheel      *wheel
	deadlines  deadlineQueue
	timers     sync.WaitGroup
	stopTimers chan struct{}
	asleep     atomic.Bool   // the timer goroutine sleeps: nothing to time (sleepTimers)
	wakeTimers chan struct{} // capacity 1: wakes it

	notifyLogs logLimiter // "notify failed" lines, per route

	ctx       context.Context // handlers' base context, cancelled at the end of shutdown
	cancel    context.CancelFunc
	listeners []transport.Listener
	frontend  bool
	cluster   serverhost.Cluster
	metrics   metrics.Recorder
	timed     bool // requests are timed: metrics are recorded or requests logged
}

var (
	_ gamesrv.ServiceRegistrar = (*Server)(nil)
	_ gamesrv.Pusher           = (*Server)(nil)
	_ transport.Handler        = (*acceptor)(nil)
)

// New returns a server configured by opts. Options it cannot use (a
// ServerID or ServerType with characters names may not hold, an invalid
// rate, compression level or timeout, options that conflict, a nil
// handshake validator)
// make it fail with an error that wraps [ErrInvalidOptions] and names
// every problem.
func New(opts Options) (*Server, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	srv := &Server{
		opts:         opts,
		log:          opts.Logger,
		uids:         map[string]*session{},
		groups:       map[string]*Group{},
		drained:      make(chan struct{}, 1),
		inflateSlots: newInflateSlots(),
		stopTimers:   make(chan struct{}),
		wakeTimers:   make(chan struct{}, 1),
		started:      time.Now(),
	}
	srv.Internal = serverhost.NewHandle(host{srv: srv})
	srv.ctx, srv.cancel = context.WithCancel(context.Background())
	srv.metrics = opts.Metrics
	_, nop := opts.Metrics.(metrics.Nop)
	srv.timed = !nop || opts.LogRequests
	srv.deadlines.timeout = int64(opts.HandshakeTimeout)
	srv.deadlines.log = func(id int64) { srv.log.Debug("handshake timeout", "session", id) }
	return srv, nil
}

// ID returns the server id (set at Start when Options.ServerID is empty).
func (srv *Server) ID() string { return srv.id }

// RegisterService implements gamesrv.ServiceRegistrar. It must be called
// before Start.
func (srv *Server) RegisterService(desc *gamesrv.ServiceDesc, handler any) error {
	if srv.state.Load() != srvNew {
		return ErrServerStarted
	}
	if desc == nil || handler == nil {
		return errors.New("gamesrv: RegisterService with a nil service or handler")
	}
	srv.regs = append(srv.regs, registration{desc: desc, handler: handler})
	return nil
}

// Start builds the route table, joins the cluster if there is one, and
// starts the listeners. It returns once they accept connections;
// [transport.Listener.Addr] then gives their bound addresses.
func (srv *Server) Start(listeners ...transport.Listener) error {
	if !srv.state.CompareAndSwap(srvNew, srvRunning) {
		return ErrServerStarted
	}
	if err := srv.prepare(); err != nil {
		srv.state.Store(srvStopped)
		srv.cancel()
		return err
	}
	if err := srv.initComponents(srv.ctx); err != nil {
		srv.state.Store(srvStopped)
		srv.cancel()
		return err
	}
	srv.startTimers()
	srv.frontend = len(listeners) > 0
	if err := srv.startNetwork(listeners); err != nil {
		srv.abortStart()
		return err
	}
	return nil
}

// abortStart undoes a start whose network part failed: it closes what was
// started and shuts the components down, within Options.ShutdownTimeout
// (a hook that overruns it is abandoned, so Start still returns).
func (srv *Server) abortStart() {
	ctx, cancel := srv.startCleanupContext()
	defer cancel()
	if err := srv.stop(ctx); err != nil {
		srv.log.Warn("closing after a failed start", "err", err)
	}
	_ = srv.shutdownComponents(ctx, srv.components) // each failure is logged
}

// startCleanupContext bounds the cleanup after a failed start by
// Options.ShutdownTimeout.
func (srv *Server) startCleanupContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), srv.opts.ShutdownTimeout)
}

// startNetwork joins the cluster, if any, then starts the listeners.
func (srv *Server) startNetwork(listeners []transport.Listener) error {
	if srv.cluster != nil {
		if err := srv.cluster.Start(srv.ctx); err != nil {
			return err
		}
	}
	for _, l := range listeners {
		if err := l.Start(srv.transportConfig(l.Network())); err != nil {
			return err
		}
		srv.listeners = append(srv.listeners, l)
		srv.log.Info("listening", "network", l.Network(), "addr", l.Addr().String(), "server", srv.id)
	}
	return nil
}

// prepare resolves the server's identity and builds what Start needs.
func (srv *Server) prepare() error {
	if srv.opts.ServerType == "" && len(srv.regs) > 0 {
		srv.opts.ServerType = srv.regs[0].desc.ServerType
	}
	srv.id = srv.opts.ServerID
	if srv.id == "" {
		srv.id = srv.opts.ServerType + "-" + randomSuffix()
	}
	regs := srv.regs
	if !srv.opts.DisableDescribe {
		regs = append(regs[:len(regs):len(regs)], registration{desc: &gamesrv.ServiceDesc{
			Name: describeServiceName, Routes: []gamesrv.Route{*srv.describeRoute()},
		}, handler: srv})
	}
	reg, err := buildRegistry(regs, srv.opts.ServerType, srv.opts.CompressPushRoutes)
	if err != nil {
		return err
	}
	srv.reg = reg
	srv.chainRoutes()
	srv.schema = srv.buildSchema()
	srv.registerGauges()
	srv.wheel = newWheel(srv.opts.Heartbeat, srv.precise())
	return srv.handshakePackets()
}

func (srv *Server) startTimers() {
	srv.timers.Add(1)
	go srv.runTimers()
}

func (srv *Server) transportConfig(network string) transport.Config {
	return transport.Config{
		Handler:      &acceptor{srv: srv, network: network},
		MaxBody:      srv.opts.MaxBodySize,
		MaxPending:   srv.opts.MaxPendingBytes,
		IdleTimeout:  3 * srv.opts.Heartbeat,
		WriteTimeout: 2 * srv.opts.Heartbeat,
		Logger:       srv.log,
	}
}

// Serve starts the listeners, runs until ctx is done, then shuts down
// gracefully within Options.ShutdownTimeout. Typical use passes a context
// from signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM).
func (srv *Server) Serve(ctx context.Context, listeners ...transport.Listener) error {
	if err := srv.Start(listeners...); err != nil {
		return err
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), srv.opts.ShutdownTimeout)
	defer cancel()
	return srv.Shutdown(sctx)
}

// Shutdown stops the server gracefully: new connections are refused and
// new requests answered GS-503, the requests already queued finish until
// ctx is done, the remaining sessions are kicked, then the listeners close
// and handlers' contexts are cancelled.
func (srv *Server) Shutdown(ctx context.Context) error {
	if !srv.state.CompareAndSwap(srvRunning, srvDraining) {
		return ErrServerNotRunning
	}
	srv.log.Info("shutting down", "server", srv.id, "sessions", srv.sessions.len())
	errs := []error{srv.beforeShutdown(ctx)}
	if srv.cluster != nil {
		if err := srv.cluster.Leave(ctx); err != nil {
			srv.log.Warn("leaving the cluster", "err", err)
		}
	}
	if err := srv.drain(ctx); err != nil {
		srv.log.Warn("shutdown deadline reached with requests still running", "jobs", srv.jobs.Load())
	}
	srv.kickAll(ctx)
	errs = append(errs, srv.stop(ctx), srv.shutdownComponents(ctx, srv.components))
	return errors.Join(errs...)
}

// drain waits until no job is queued or running.
func (srv *Server) drain(ctx context.Context) error {
	for srv.jobs.Load() > 0 {
		select {
		case <-srv.drained:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// jobDone counts a finished job and wakes the drain when it was the last.
func (srv *Server) jobDone() {
	if srv.jobs.Add(-1) == 0 && srv.stopping() {
		select {
		case srv.drained <- struct{}{}:
		default:
		}
	}
}

// kickAll kicks every session and waits (at most until ctx is done) for
// their connections to close, so the kicks are flushed.
func (srv *Server) kickAll(ctx context.Context) {
	for _, s := range srv.sessions.all() {
		_ = s.Kick(ctx, kickShutdown)
	}
	wait := time.NewTicker(10 * time.Millisecond)
	defer wait.Stop()
	for srv.sessions.len() > 0 {
		select {
		case <-wait.C:
		case <-ctx.Done():
			return
		}
	}
}

// stop closes the listeners, stops the timers and cancels handler contexts.
func (srv *Server) stop(ctx context.Context) error {
	var errs []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, l := range srv.listeners {
		wg.Go(func() {
			if err := l.Close(ctx); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s listener: %w", l.Network(), err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if srv.cluster != nil {
		if err := srv.cluster.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("cluster: %w", err))
		}
	}
	srv.state.Store(srvStopped)
	close(srv.stopTimers)
	srv.timers.Wait()
	srv.workers.stop()
	srv.cancel()
	return errors.Join(errs...)
}

// stopping reports whether the server is shutting down or stopped.
func (srv *Server) stopping() bool { return srv.state.Load() >= srvDraining }

// acceptor accepts the connections of one listener: sessions remember
// their transport for logs and metrics.
type acceptor struct {
	srv     *Server
	network string
}

// Open implements transport.Handler.
func (a *acceptor) Open(c transport.Conn) transport.Peer { return a.srv.open(c, a.network) }

// open makes a new connection a session, unless the server is shutting
// down or full. A connection beyond MaxConnections gets a Kick packet
// (reason "server full") and is closed; so does one beyond
// MaxConnectionsPerIP (reason "too many connections from your address").
func (srv *Server) open(c transport.Conn, network string) transport.Peer {
	if srv.stopping() {
		return nil
	}
	if n := srv.conns.Add(1); srv.opts.MaxConnections > 0 && n > int64(srv.opts.MaxConnections) {
		srv.conns.Add(-1)
		_ = c.Write(wire.KickPacket(srv.kickReason(kickServerFull)))
		_ = c.Close()
		srv.log.Warn("connection refused: server full", "max", srv.opts.MaxConnections)
		return nil
	}
	key, counted := srv.admitAddr(c)
	if !counted && key.IsValid() {
		srv.conns.Add(-1)
		_ = c.Write(wire.KickPacket(srv.kickReason(kickTooManyFromAddress)))
		_ = c.Close()
		srv.log.Warn("connection refused: too many from one address", "remote", c.RemoteAddr(), "max", srv.opts.MaxConnectionsPerIP)
		return nil
	}
	srv.wake() // before the clock is read: it stands still while the timers sleep
	now := srv.precise()
	s := &session{srv: srv, conn: c, id: srv.nextID.Add(1), network: network, ipKey: key}
	s.lastRecv.Store(now)
	if srv.opts.RateLimit.Rate > 0 {
		s.bucket = newTokenBucket(srv.opts.RateLimit, srv.now())
	}
	srv.sessions.add(s)
	srv.wheel.add(s)
	srv.deadlines.add(s, now)
	srv.metrics.ConnOpened(network)
	return s
}

// admitAddr counts c against Options.MaxConnectionsPerIP. It returns the
// address counted and true, the address and false when it holds too many
// connections already, or an invalid address and false when the limit is
// off or c has no IP address.
func (srv *Server) admitAddr(c transport.Conn) (netip.Addr, bool) {
	if srv.opts.MaxConnectionsPerIP <= 0 {
		return netip.Addr{}, false
	}
	key, ok := ipKey(c.RemoteAddr())
	if !ok {
		return netip.Addr{}, false
	}
	return key, srv.perIP.acquire(key, srv.opts.MaxConnectionsPerIP)
}

// The reasons of the server's own kicks (PROTOCOL.md §6).
const (
	kickDefault            = "kick" // Session.Kick without a reason, like Pomelo's server
	kickServerFull         = "server full"
	kickTooManyFromAddress = "too many connections from your address"
	kickShutdown           = "shutdown"
	kickDuplicateUser      = "duplicate login"
)

// kickReason returns the reason a Kick packet carries (wire.KickPacket
// sends "" as an empty body): "" with Options.EmptyKick, else reason, or
// "kick" when reason is empty.
func (srv *Server) kickReason(reason string) string {
	switch {
	case srv.opts.EmptyKick:
		return ""
	case reason == "":
		return kickDefault
	}
	return reason
}

// forget removes a closed session from the server's indexes.
func (srv *Server) forget(s *session, uid string) {
	srv.conns.Add(-1)
	if s.ipKey.IsValid() {
		srv.perIP.release(s.ipKey)
	}
	srv.metrics.ConnClosed(s.network)
	srv.sessions.remove(s)
	srv.wheel.remove(s)
	if uid != "" {
		srv.unbind(s, uid)
	}
}

// Sessions returns the number of open sessions.
func (srv *Server) Sessions() int { return srv.sessions.len() }

// Session returns the open session with the given id.
func (srv *Server) Session(id int64) (gamesrv.Session, bool) {
	s := srv.sessions.get(id)
	return s, s != nil
}

func randomSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Ready reports whether the server is running and accepting work: false
// before Start and from the moment shutdown begins (use it for readiness
// probes).
func (srv *Server) Ready() bool { return srv.state.Load() == srvRunning }

// Logger returns the server's logger.
func (srv *Server) Logger() *slog.Logger { return srv.log }
