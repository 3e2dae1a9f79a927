// Command connector runs the cluster example's frontend: it holds the
// players' TCP and KCP connections, serves GateService (login) itself and
// forwards RoomService requests to the room servers it finds by gossip.
//
//	go run ./examples/cluster/connector -tcp 127.0.0.1:3250 -kcp 127.0.0.1:3251 -gossip 127.0.0.1:7946
//	go run ./examples/cluster/room -id room-1 -seeds 127.0.0.1:7946
//
// Across hosts (a -gossip or -link address that is not loopback) the
// servers refuse to start unprotected: give every server the same gossip
// key and link secret, by flag or environment,
//
//	export GAMESRV_GOSSIP_KEY=$(openssl rand -base64 32)   # -gossip-key
//	export GAMESRV_LINK_SECRET=$(openssl rand -base64 32)  # -link-secret
//	go run ./examples/cluster/connector -gossip 10.0.0.5:7946 -link 10.0.0.5:0
//
// or pass -insecure on a network you trust. Every flag can be set by an
// environment variable too: GAMESRV_ and the flag's name in upper case,
// - as _ (-forward-timeout: GAMESRV_FORWARD_TIMEOUT); -h lists them.
//
// Once it accepts connections it prints "LISTEN tcp <addr>", "LISTEN kcp
// <addr>" and "GOSSIP <addr>" on stdout, then "MEMBERS <n> <ids>" each time
// its view of the cluster changes. It shuts down gracefully on SIGINT or
// SIGTERM.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gamesrv/gamesrv/examples/cluster/gateway"
	connectorv1 "github.com/gamesrv/gamesrv/examples/cluster/gen/connector/v1"
	roomv1 "github.com/gamesrv/gamesrv/examples/cluster/gen/room/v1"
	"github.com/gamesrv/gamesrv/examples/cluster/nodecmd"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/flagenv"
	"github.com/gamesrv/gamesrv/runtime/metrics"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/kcp"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "connector:", err)
		os.Exit(1)
	}
}

func run() error {
	tcpAddr := flag.String("tcp", "127.0.0.1:3250", "TCP listen address (empty: no TCP)")
	kcpAddr := flag.String("kcp", "127.0.0.1:3251", "KCP listen address (empty: no KCP)")
	heartbeat := flag.Duration("heartbeat", 30*time.Second, "heartbeat interval announced to clients")
	forwardTimeout := flag.Duration("forward-timeout", 5*time.Second, "bound of a request forwarded to a room server (GS-504 beyond)")
	nf := nodecmd.RegisterFlags(flag.CommandLine)
	adminAddr := flag.String("admin", "", "admin HTTP address: /metrics, /healthz, /debug/gamesrv, /debug/pprof/ (empty: none)")
	if err := flagenv.Parse(flag.CommandLine, os.Args[1:], flagenv.Options{}); err != nil {
		return err
	}

	sd := nodecmd.NewShutdown() // a signal during the start still shuts down gracefully
	defer sd.Stop()
	logger := nf.Logger(os.Stderr)
	prom := metrics.NewPrometheus(metrics.PrometheusOptions{})
	srv, err := server.New(server.Options{
		ServerID: nf.ID, ServerType: connectorv1.GateServiceServerType, Logger: logger,
		Heartbeat: *heartbeat, ForwardTimeout: *forwardTimeout, Metrics: prom,
	})
	if err != nil {
		return err
	}
	node, members, err := nodecmd.Node(srv, nf, os.Stdout)
	if err != nil {
		return err
	}
	defer members.Close()
	stopAdmin, err := nodecmd.StartAdmin(*adminAddr, srv, node, prom)
	if err != nil {
		return err
	}
	defer stopAdmin()
	if _, err := gateway.Register(srv, node, logger); err != nil {
		return err
	}
	if err := srv.RegisterRoutes(&roomv1.RoomService_ServiceDesc); err != nil {
		return err
	}
	return serve(srv, node, listeners(*tcpAddr, *kcpAddr), sd, nf.ShutdownTimeout)
}

// serve starts the server, prints its addresses and runs until a signal.
func serve(srv *server.Server, node *cluster.Node, ls []transport.Listener, sd *nodecmd.Shutdown, shutdownTimeout time.Duration) error {
	if len(ls) == 0 {
		return fmt.Errorf("no listener: set -tcp or -kcp")
	}
	if err := srv.Start(ls...); err != nil {
		return err
	}
	for _, l := range ls {
		fmt.Printf("LISTEN %s %s\n", l.Network(), l.Addr())
	}
	nodecmd.PrintGossip(os.Stdout, node)
	return sd.Serve(srv, shutdownTimeout)
}

func listeners(tcpAddr, kcpAddr string) []transport.Listener {
	var ls []transport.Listener
	if tcpAddr != "" {
		ls = append(ls, tcp.New(tcpAddr, tcp.Options{}))
	}
	if kcpAddr != "" {
		ls = append(ls, kcp.New(kcpAddr, kcp.Options{}))
	}
	return ls
}
