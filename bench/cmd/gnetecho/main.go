// Command gnetecho is the benchmark's baseline: a bare gnet echo server
// with gamesrv's framing (see package bench/internal/baseline). It lives
// only in the benchmark code.
//
//	gnetecho -addr 127.0.0.1:0
//
// It prints "LISTEN tcp <addr>" on stdout once it accepts connections and
// stops on SIGINT or SIGTERM.
//
// The forwarding baseline of row 7 is two of them: a backend that answers
// the requests a frontend forwards over one TCP link, and the frontend.
//
//	gnetecho -link-listen 127.0.0.1:0                  # prints "LINK <addr>"
//	gnetecho -addr 127.0.0.1:0 -backend <LINK address>
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	benchv1 "github.com/gamesrv/gamesrv/bench/gen/bench/v1"
	"github.com/gamesrv/gamesrv/bench/internal/baseline"
	"github.com/gamesrv/gamesrv/bench/internal/cpuprof"
	"github.com/gamesrv/gamesrv/bench/internal/rlimit"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gnetecho:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:0", "TCP listen address")
	loops := flag.Int("loops", 0, "gnet event loops (default: one per CPU)")
	nofile := flag.Uint64("nofile", 1<<20, "RLIMIT_NOFILE to raise to")
	profile := flag.String("cpuprofile", "", "write a CPU profile (pprof) from start to shutdown to this file")
	backend := flag.String("backend", "", "forward every request to this backend (a gnetecho -link-listen) instead of answering it")
	linkListen := flag.String("link-listen", "", "be a forwarding backend: accept frontends' links on this address (no client listener)")
	flag.Parse()
	if _, err := rlimit.RaiseNoFile(*nofile); err != nil {
		return err
	}
	stopProfile, err := cpuprof.Start(*profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	// From here on SIGINT and SIGTERM shut the server down gracefully, even
	// one that arrives while it starts: whoever reads LISTEN may stop it at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *linkListen != "" {
		return serveLinks(ctx, *linkListen)
	}
	// The same dictionary as the gamesrv echo server, so that clients send
	// the same frames to both.
	srv, err := baseline.New(baseline.Options{
		Addr: *addr, EventLoops: *loops, Backend: *backend,
		Dict: map[string]uint16{benchv1.EchoServiceEchoRoute: 1},
	})
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	fmt.Printf("LISTEN tcp %s\n", srv.Addr())
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Stop(sctx)
}

// serveLinks is the forwarding baseline's backend: it prints "LINK <addr>"
// and answers the links of frontends until ctx ends.
func serveLinks(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("LINK %s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		_ = ln.Close()
	}()
	return baseline.ServeLink(ln)
}
