// Command room runs a room server of the cluster example: a backend with no
// client listener that serves RoomService to the players a connector
// forwards to it.
//
//	go run ./examples/cluster/room -id room-1 -seeds 127.0.0.1:7946
//
// Across hosts it needs the same -gossip-key and -link-secret (or
// $GAMESRV_GOSSIP_KEY and $GAMESRV_LINK_SECRET) as the connector; see
// there. Every flag can be set by an environment variable too (GAMESRV_ID
// for -id...; -h lists them).
//
// Once it joined the cluster it prints "GOSSIP <addr>" on stdout, then
// "MEMBERS <n> <ids>" each time its view of the cluster changes. It shuts
// down gracefully on SIGINT or SIGTERM: it leaves the cluster first, so
// connectors stop sending it new players.
package main

import (
	"flag"
	"fmt"
	"os"

	roomv1 "github.com/gamesrv/gamesrv/examples/cluster/gen/room/v1"
	"github.com/gamesrv/gamesrv/examples/cluster/nodecmd"
	"github.com/gamesrv/gamesrv/examples/cluster/roomserver"
	"github.com/gamesrv/gamesrv/runtime/flagenv"
	"github.com/gamesrv/gamesrv/runtime/metrics"
	"github.com/gamesrv/gamesrv/runtime/server"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "room:", err)
		os.Exit(1)
	}
}

func run() error {
	nf := nodecmd.RegisterFlags(flag.CommandLine)
	adminAddr := flag.String("admin", "", "admin HTTP address: /metrics, /healthz, /debug/gamesrv, /debug/pprof/ (empty: none)")
	if err := flagenv.Parse(flag.CommandLine, os.Args[1:], flagenv.Options{}); err != nil {
		return err
	}

	sd := nodecmd.NewShutdown() // a signal during the start still shuts down gracefully
	defer sd.Stop()
	logger := nf.Logger(os.Stderr)
	prom := metrics.NewPrometheus(metrics.PrometheusOptions{})
	srv, err := server.New(server.Options{ServerID: nf.ID, ServerType: roomv1.RoomServiceServerType, Logger: logger, Metrics: prom})
	if err != nil {
		return err
	}
	if _, err := roomserver.Register(srv, logger); err != nil {
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
	if err := srv.Start(); err != nil {
		return err
	}
	nodecmd.PrintGossip(os.Stdout, node)
	return sd.Serve(srv, nf.ShutdownTimeout)
}
