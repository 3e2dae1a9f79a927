// Command server runs the chat example server on TCP and KCP.
//
//	go run ./examples/chat/server -tcp 127.0.0.1:3250 -kcp 127.0.0.1:3251
//
// It prints one "LISTEN <network> <addr>" line per listener on stdout once
// it accepts connections, and shuts down gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gamesrv/gamesrv/examples/chat/chatserver"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/kcp"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "chat server:", err)
		os.Exit(1)
	}
}

func run() error {
	tcpAddr := flag.String("tcp", "127.0.0.1:3250", "TCP listen address (empty: no TCP)")
	kcpAddr := flag.String("kcp", "127.0.0.1:3251", "KCP listen address (empty: no KCP)")
	heartbeat := flag.Duration("heartbeat", 30*time.Second, "heartbeat interval announced to clients")
	verbose := flag.Bool("v", false, "debug logging")
	flag.Parse()

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	srv, err := server.New(server.Options{Logger: logger, Heartbeat: *heartbeat})
	if err != nil {
		return err
	}
	if _, err := chatserver.Register(srv); err != nil {
		return err
	}
	listeners := listeners(*tcpAddr, *kcpAddr)
	if len(listeners) == 0 {
		return fmt.Errorf("no listener: set -tcp or -kcp")
	}
	if err := srv.Start(listeners...); err != nil {
		return err
	}
	for _, l := range listeners {
		fmt.Printf("LISTEN %s %s\n", l.Network(), l.Addr())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
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
