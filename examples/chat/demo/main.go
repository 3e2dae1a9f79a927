// Command demo runs the chat example end to end: it starts the chat server
// binary on free loopback ports, runs bots over TCP, KCP and WebSocket at
// the same time, prints what they saw, and stops the server with SIGTERM. It exits 0
// only if every bot received every line and the server shut down cleanly.
//
//	go build -o .bin/chat-server ./examples/chat/server && go run ./examples/chat/demo
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/gamesrv/gamesrv/internal/childproc"
	"os"
	"sync"
	"time"

	"github.com/gamesrv/gamesrv/examples/chat/chatbot"
)

func main() {
	bin := flag.String("server", ".bin/chat-server", "chat server binary")
	var cfg chatbot.Config
	flag.IntVar(&cfg.Bots, "bots", 50, "bots per transport")
	flag.IntVar(&cfg.Rooms, "rooms", 5, "rooms per transport")
	flag.IntVar(&cfg.Messages, "messages", 40, "lines said by each bot")
	flag.DurationVar(&cfg.Interval, "interval", 50*time.Millisecond, "pause between two lines of a bot")
	flag.Parse()
	if err := run(*bin, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(bin string, cfg chatbot.Config) error {
	srv, err := startServer(bin)
	if err != nil {
		return err
	}
	fmt.Printf("chat server (pid %d) listening on tcp %s, kcp %s and ws %s\n", srv.PID(), srv.addrs["tcp"], srv.addrs["kcp"], srv.addrs["ws"])
	fmt.Printf("running %d bots in %d rooms on each transport, %d lines each...\n", cfg.Bots, cfg.Rooms, cfg.Messages)
	reports := runBots(cfg, srv.addrs)
	stopErr := srv.Stop()
	return summarize(reports, stopErr, srv)
}

// runBots runs the TCP and the KCP bots at the same time.
func runBots(cfg chatbot.Config, addrs map[string]string) []*chatbot.Report {
	networks := []string{"tcp", "kcp", "ws"}
	reports := make([]*chatbot.Report, len(networks))
	var wg sync.WaitGroup
	for i, network := range networks {
		c := cfg
		c.Addr, c.Prefix = network+"://"+addrs[network], network+"-"
		if network == "ws" {
			c.Addr += "/"
		}
		wg.Go(func() {
			r, err := chatbot.Run(context.Background(), c)
			if err != nil {
				r = &chatbot.Report{Addr: c.Addr, Failures: []string{err.Error()}}
			}
			reports[i] = r
		})
	}
	wg.Wait()
	return reports
}

func summarize(reports []*chatbot.Report, stopErr error, srv *server) error {
	fmt.Println()
	ok := true
	for _, r := range reports {
		fmt.Println(r)
		ok = ok && r.OK()
	}
	if stopErr != nil {
		fmt.Println("server shutdown:", stopErr)
		fmt.Print(srv.Logs())
		return stopErr
	}
	fmt.Println("server stopped cleanly on SIGTERM")
	if !ok {
		fmt.Print(srv.Logs())
		return errors.New("some bots did not get what they should")
	}
	fmt.Println("\nPASS: every bot received every line said in its room")
	return nil
}

// startServer starts the binary on port 0 and waits for its LISTEN lines.
func startServer(bin string) (*server, error) {
	p, err := childproc.Start("chat server", bin, "-tcp", "127.0.0.1:0", "-kcp", "127.0.0.1:0", "-ws", "127.0.0.1:0", "-web", "", "-heartbeat", "5s",
		"-max-conns-per-ip", "0") // every bot comes from 127.0.0.1

	if err != nil {
		return nil, err
	}
	srv := &server{Process: p, addrs: map[string]string{}}
	for _, network := range []string{"tcp", "kcp", "ws"} {
		if srv.addrs[network], err = p.AwaitWord(30*time.Second, "LISTEN", network); err != nil {
			_ = p.Kill()
			return nil, err
		}
	}
	return srv, nil
}

// server is the chat server running as a child process.
type server struct {
	*childproc.Process
	addrs map[string]string
}
