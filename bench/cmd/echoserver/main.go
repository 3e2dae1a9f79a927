// Command echoserver is the gamesrv server the benchmark suite drives: the
// benchmark's EchoService over TCP (and KCP), alone or as the two halves of
// a cluster.
//
//	echoserver -tcp 127.0.0.1:0 -kcp 127.0.0.1:0            # one process
//	echoserver -role front -tcp 127.0.0.1:0                 # frontend: forwards echo.* routes
//	echoserver -role back -seeds <front's GOSSIP address>   # backend: serves EchoService
//	echoserver -tcp "" -kcp 127.0.0.1:0 -debug 127.0.0.1:0  # GET /mem: heap, goroutines, sessions
//
// It prints "LISTEN <network> <addr>" for each listener and, in a cluster,
// "GOSSIP <addr>" on stdout once it accepts connections, and shuts down
// gracefully on SIGINT or SIGTERM. It raises RLIMIT_NOFILE at start.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	benchv1 "github.com/gamesrv/gamesrv/bench/gen/bench/v1"
	"github.com/gamesrv/gamesrv/bench/internal/cpuprof"
	"github.com/gamesrv/gamesrv/bench/internal/echosvc"
	"github.com/gamesrv/gamesrv/bench/internal/rlimit"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/kcp"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
)

// config is the command line.
type config struct {
	role      string // single, front or back
	tcp, kcp  string // listen addresses; empty: none
	seeds     string // comma-separated gossip addresses (back)
	id        string
	heartbeat time.Duration
	nofile    uint64
	profile   string // CPU profile written from start to shutdown
	debug     string // address of the /mem endpoint; empty: none
	verbose   bool
}

func main() {
	var c config
	flag.StringVar(&c.role, "role", "single", "single (serves EchoService), front (forwards it) or back (serves it, no listener)")
	flag.StringVar(&c.tcp, "tcp", "127.0.0.1:0", "TCP listen address (empty: none)")
	flag.StringVar(&c.kcp, "kcp", "", "KCP listen address (empty: none)")
	flag.StringVar(&c.seeds, "seeds", "", "gossip addresses to join (role back)")
	flag.StringVar(&c.id, "id", "", "server id (default: role-based)")
	flag.DurationVar(&c.heartbeat, "heartbeat", 30*time.Second, "heartbeat interval announced to clients")
	flag.Uint64Var(&c.nofile, "nofile", 1<<20, "RLIMIT_NOFILE to raise to")
	flag.StringVar(&c.profile, "cpuprofile", "", "write a CPU profile (pprof) from start to shutdown to this file")
	flag.StringVar(&c.debug, "debug", "", "serve GET /mem (JSON: heap, goroutine stacks, goroutines and sessions after a collection) on this address, printed as DEBUG <addr>")
	flag.BoolVar(&c.verbose, "v", false, "info logs (default: warnings only)")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "echoserver:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	if _, err := rlimit.RaiseNoFile(c.nofile); err != nil {
		return err
	}
	stopProfile, err := cpuprof.Start(c.profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	srv, node, err := build(c)
	if err != nil {
		return err
	}
	ls := listeners(c)
	// From here on SIGINT and SIGTERM shut the server down gracefully, even
	// one that arrives while it starts: whoever reads LISTEN may stop it at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.Start(ls...); err != nil {
		return err
	}
	for _, l := range ls {
		fmt.Printf("LISTEN %s %s\n", l.Network(), l.Addr())
	}
	if node != nil {
		fmt.Printf("GOSSIP %s\n", node.Membership().GossipAddr())
	}
	if c.debug != "" {
		addr, stop, err := serveMem(c.debug, srv)
		if err != nil {
			return err
		}
		defer stop()
		fmt.Printf("DEBUG %s\n", addr)
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// build creates the server of c's role, and its cluster node if any.
func build(c config) (*server.Server, *cluster.Node, error) {
	level := slog.LevelWarn
	if c.verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	opts := server.Options{Logger: log, Heartbeat: c.heartbeat, ServerID: c.id}
	switch c.role {
	case "single":
		return single(opts)
	case "front":
		return front(opts)
	case "back":
		return back(opts, c.seeds)
	}
	return nil, nil, fmt.Errorf("unknown role %q: want single, front or back", c.role)
}

// single serves EchoService in this process.
func single(opts server.Options) (*server.Server, *cluster.Node, error) {
	srv, err := server.New(opts)
	if err != nil {
		return nil, nil, err
	}
	return srv, nil, benchv1.RegisterEchoServiceHandler(srv, &echosvc.Handler{})
}

// front holds the client connections and forwards the echo routes to the
// back servers it finds by gossip.
func front(opts server.Options) (*server.Server, *cluster.Node, error) {
	opts.ServerType = "front"
	if opts.ServerID == "" {
		opts.ServerID = "front-1"
	}
	srv, err := server.New(opts)
	if err != nil {
		return nil, nil, err
	}
	if err := srv.RegisterRoutes(&benchv1.EchoService_ServiceDesc); err != nil {
		return nil, nil, err
	}
	node, err := cluster.New(srv, clusterOptions(opts.Logger, ""))
	return srv, node, err
}

// back serves EchoService to the frontends of the cluster it joins.
func back(opts server.Options, seeds string) (*server.Server, *cluster.Node, error) {
	if opts.ServerID == "" {
		opts.ServerID = "echo-1"
	}
	srv, _, err := single(opts)
	if err != nil {
		return nil, nil, err
	}
	node, err := cluster.New(srv, clusterOptions(opts.Logger, seeds))
	return srv, node, err
}

func clusterOptions(log *slog.Logger, seeds string) cluster.Options {
	o := cluster.Options{
		Profile: cluster.ProfileFast, GossipAddr: "127.0.0.1:0", LinkAddr: "127.0.0.1:0", Logger: log,
	}
	for s := range strings.SplitSeq(seeds, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.Seeds = append(o.Seeds, s)
		}
	}
	return o
}

// listeners returns the listeners of c; a back server has none.
func listeners(c config) []transport.Listener {
	var ls []transport.Listener
	if c.role == "back" {
		return nil
	}
	if c.tcp != "" {
		ls = append(ls, tcp.New(c.tcp, tcp.Options{}))
	}
	if c.kcp != "" {
		ls = append(ls, kcp.New(c.kcp, kcp.Options{}))
	}
	return ls
}
