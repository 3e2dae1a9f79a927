// Command server runs the chat example server on TCP, KCP and WebSocket,
// and serves the browser client over HTTP.
//
//	go run ./examples/chat/server -tcp 127.0.0.1:3250 -kcp 127.0.0.1:3251 -ws 127.0.0.1:3252 -web 127.0.0.1:8080
//
// Then open http://127.0.0.1:8080/ in two browser tabs. -describe=false
// turns off the gamesrv.describe schema route. -serializer json makes
// payloads JSON (protojson) instead of protobuf, for Pomelo JS clients such
// as pomelo-jsclient-websocket (the browser page follows the announced
// serializer). -empty-kick, -compress N, -compress-push-routes and
// -queue-size N set the server options of those names (the TypeScript
// client's tests use them). -max-conns-per-ip (default 64; 0 turns it off)
// bounds the connections of one address and -max-rooms (default 1,000) the
// rooms open at once. It prints one
// "LISTEN <network> <addr>" line per listener on stdout once it accepts
// connections (tcp, kcp, ws, then http), and shuts down gracefully on
// SIGINT or SIGTERM. Every flag can be set by an environment variable too:
// GAMESRV_ and the flag's name in upper case, - as _ (-queue-size:
// GAMESRV_QUEUE_SIZE); a flag on the command line wins; -h lists them.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gamesrv/gamesrv/examples/chat/chatserver"
	"github.com/gamesrv/gamesrv/examples/chat/web"
	"github.com/gamesrv/gamesrv/runtime/admin"
	"github.com/gamesrv/gamesrv/runtime/flagenv"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/metrics"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/kcp"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
	"github.com/gamesrv/gamesrv/runtime/transport/ws"
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
	wsAddr := flag.String("ws", "127.0.0.1:3252", "WebSocket listen address (empty: no WebSocket)")
	webAddr := flag.String("web", "127.0.0.1:8080", "HTTP address serving the browser client (empty: none; needs -ws)")
	heartbeat := flag.Duration("heartbeat", 30*time.Second, "heartbeat interval announced to clients")
	verbose := flag.Bool("v", false, "debug logging")
	adminAddr := flag.String("admin", "", "admin HTTP address: /metrics, /healthz, /debug/gamesrv, /debug/pprof/ (empty: none)")
	perIP := flag.Int("max-conns-per-ip", 64, "client connections one address (IPv4, or IPv6 /64) may hold; beyond, a connection is kicked (0: no limit)")
	maxRooms := flag.Int("max-rooms", 1000, "chat rooms open at once; a join beyond reclaims an empty room or fails with CHAT-TOO-MANY-ROOMS")
	emptyKick := flag.Bool("empty-kick", false, "send Kick packets with an empty body instead of {\"reason\":...}")
	compress := flag.Int("compress", 0, "zlib-compress outbound payloads of at least this many bytes when it makes them shorter (0: off)")
	compressPushRoutes := flag.Bool("compress-push-routes", false, "send push routes as dictionary codes")
	queueSize := flag.Int("queue-size", 0, "requests and notifies of one session waiting to run; beyond it requests get GS-429 (0: the server's default, 64)")
	describe := flag.Bool("describe", true, "serve the gamesrv.describe system route, which returns the services' schemas "+
		"(gamesrv repl and gamesrv bench -json use it); -describe=false turns it off, like a Pitaya server: raw payloads only")
	serializer := flag.String("serializer", gamesrv.SerializerProtobuf, "payload serializer announced in the handshake: protobuf, "+
		"or json (protojson) for Pomelo JS clients")
	if err := flagenv.Parse(flag.CommandLine, os.Args[1:], flagenv.Options{}); err != nil {
		return err
	}
	ser, err := gamesrv.SerializerByName(*serializer)
	if err != nil {
		return fmt.Errorf("-serializer: %w", err)
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	prom := metrics.NewPrometheus(metrics.PrometheusOptions{})
	srv, err := server.New(server.Options{
		Logger: logger, Heartbeat: *heartbeat, Metrics: prom, DisableDescribe: !*describe,
		EmptyKick: *emptyKick, Compression: server.Compression{Threshold: *compress}, Serializer: ser,
		CompressPushRoutes: *compressPushRoutes, QueueSize: *queueSize, MaxConnectionsPerIP: *perIP,
	})
	if err != nil {
		return err
	}
	if _, err := chatserver.RegisterWithOptions(srv, chatserver.Options{MaxRooms: *maxRooms}); err != nil {
		return err
	}
	stopAdmin, err := startAdmin(*adminAddr, srv, prom, logger)
	if err != nil {
		return err
	}
	defer stopAdmin()
	if *webAddr != "" && *wsAddr == "" {
		return fmt.Errorf("-web needs -ws: the page talks to the server over WebSocket")
	}
	listeners, wsl := listeners(*tcpAddr, *kcpAddr, *wsAddr)
	if len(listeners) == 0 {
		return fmt.Errorf("no listener: set -tcp, -kcp or -ws")
	}
	var page net.Listener // bound before the server starts, so a busy port fails fast
	if *webAddr != "" {
		if page, err = net.Listen("tcp", *webAddr); err != nil {
			return err
		}
	}
	// From here on SIGINT and SIGTERM shut the server down gracefully, even
	// one that arrives while it starts: whoever reads LISTEN may stop it at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.Start(listeners...); err != nil {
		if page != nil {
			_ = page.Close()
		}
		return err
	}
	for _, l := range listeners {
		fmt.Printf("LISTEN %s %s\n", l.Network(), l.Addr())
	}
	var hs *http.Server
	served := make(chan error, 1)
	if page != nil {
		h, err := web.Handler(web.Config{WSAddr: wsl.Addr().String()})
		if err != nil {
			return err
		}
		hs = &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		}
		go func() { served <- hs.Serve(page) }()
		fmt.Printf("LISTEN http %s\n", page.Addr())
		logger.Info("browser client", "url", "http://"+page.Addr().String()+"/")
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		logger.Error("http server stopped", "err", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if hs != nil {
		_ = hs.Shutdown(sctx)
	}
	return srv.Shutdown(sctx)
}

// listeners returns the listeners to start, and the WebSocket one (nil
// without -ws).
func listeners(tcpAddr, kcpAddr, wsAddr string) ([]transport.Listener, *ws.Listener) {
	var ls []transport.Listener
	if tcpAddr != "" {
		ls = append(ls, tcp.New(tcpAddr, tcp.Options{}))
	}
	if kcpAddr != "" {
		ls = append(ls, kcp.New(kcpAddr, kcp.Options{}))
	}
	var wsl *ws.Listener
	if wsAddr != "" {
		wsl = ws.New(wsAddr, ws.Options{})
		ls = append(ls, wsl)
	}
	return ls, wsl
}

// startAdmin starts the admin listener on addr, printing "ADMIN <addr>"
// (nothing if addr is empty); the returned function stops it.
func startAdmin(addr string, srv *server.Server, prom *metrics.Prometheus, logger *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	a := admin.New(admin.Options{Addr: addr, Server: srv, Metrics: prom, Logger: logger, Pprof: true})
	if err := a.Start(); err != nil {
		return nil, err
	}
	fmt.Printf("ADMIN %s\n", a.Addr())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Close(ctx)
	}, nil
}
