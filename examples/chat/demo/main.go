// Command demo runs the chat example end to end: it starts the chat server
// binary on free loopback ports, runs Go bots over TCP, KCP and WebSocket
// and, with -tsbot, TypeScript bots under Node (examples/chat/tsbot) over
// TCP and WebSocket in the same rooms, all at the same time, prints what
// they saw, and stops the server with SIGTERM. Every bot checks it got
// every line said in its room, by bots of either language. It exits 0
// only if every bot did and the server shut down cleanly.
//
//	go build -o .bin/chat-server ./examples/chat/server && go run ./examples/chat/demo
//	make demo   # also builds the TypeScript bot and passes -tsbot
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gamesrv/gamesrv/examples/chat/chatbot"
	"github.com/gamesrv/gamesrv/internal/childproc"
)

// tsConfig is the TypeScript bots' part of the run.
type tsConfig struct {
	script     string // the compiled tsbot (main.js); "" for none
	node       string
	bots       int
	transports []string
}

func main() {
	bin := flag.String("server", ".bin/chat-server", "chat server binary")
	var cfg chatbot.Config
	var ts tsConfig
	flag.IntVar(&cfg.Bots, "bots", 50, "Go bots per transport")
	flag.IntVar(&cfg.Rooms, "rooms", 5, "rooms per transport")
	flag.IntVar(&cfg.Messages, "messages", 40, "lines said by each bot")
	flag.DurationVar(&cfg.Interval, "interval", 50*time.Millisecond, "pause between two lines of a bot")
	flag.DurationVar(&cfg.Timeout, "timeout", time.Minute, "limit for the bots' run")
	flag.StringVar(&ts.script, "tsbot", "", "the compiled TypeScript bot, examples/chat/tsbot/build/tsbot/src/main.js (make tsbot); empty: Go bots only")
	flag.StringVar(&ts.node, "node", "node", "Node binary that runs -tsbot")
	flag.IntVar(&ts.bots, "ts-bots", 20, "TypeScript bots per transport, in the Go bots' rooms")
	transports := flag.String("ts-transports", "tcp,ws", "transports of the TypeScript bots (tcp, ws)")
	flag.Parse()
	ts.transports = strings.Split(*transports, ",")
	if err := run(*bin, cfg, ts); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(bin string, cfg chatbot.Config, ts tsConfig) error {
	srv, err := startServer(bin)
	if err != nil {
		return err
	}
	fmt.Printf("chat server (pid %d) listening on tcp %s, kcp %s and ws %s\n", srv.PID(), srv.addrs["tcp"], srv.addrs["kcp"], srv.addrs["ws"])
	if ts.script == "" {
		fmt.Printf("running %d Go bots in %d rooms on each transport, %d lines each...\n", cfg.Bots, cfg.Rooms, cfg.Messages)
	} else {
		fmt.Printf("running %d Go bots on each transport and %d TypeScript (Node) bots on %s, in the same %d rooms per transport, %d lines each...\n",
			cfg.Bots, ts.bots, strings.Join(ts.transports, " and "), cfg.Rooms, cfg.Messages)
	}
	reports := runBots(cfg, ts, srv.addrs)
	stopErr := srv.Stop()
	return summarize(reports, stopErr, srv)
}

// url returns the address of network's listener as the bots dial it.
func url(network string, addrs map[string]string) string {
	u := network + "://" + addrs[network]
	if network == "ws" {
		u += "/"
	}
	return u
}

// runBots runs the Go bots on every transport and the TypeScript bots on
// theirs, all at the same time. The two languages' bots of a transport
// share its rooms.
func runBots(cfg chatbot.Config, ts tsConfig, addrs map[string]string) []*chatbot.Report {
	networks := []string{"tcp", "kcp", "ws"}
	var runs []func() *chatbot.Report
	for _, network := range networks {
		c := cfg
		c.Addr, c.Prefix = url(network, addrs), network+"-"
		if ts.script != "" && slices.Contains(ts.transports, network) {
			c.PeerBots = ts.bots
		}
		runs = append(runs, func() *chatbot.Report {
			r, err := chatbot.Run(context.Background(), c)
			if err != nil {
				r = &chatbot.Report{Client: "go", Addr: c.Addr, Failures: []string{err.Error()}}
			}
			return r
		})
	}
	if ts.script != "" {
		for _, network := range ts.transports {
			c := cfg
			c.Addr, c.Prefix, c.RoomPrefix, c.Bots, c.PeerBots = url(network, addrs), "ts-"+network+"-", network+"-", ts.bots, cfg.Bots
			runs = append(runs, func() *chatbot.Report { return runTSBot(ts, c) })
		}
	}
	reports := make([]*chatbot.Report, len(runs))
	var wg sync.WaitGroup
	for i, f := range runs {
		wg.Go(func() { reports[i] = f() })
	}
	wg.Wait()
	return reports
}

// runTSBot runs examples/chat/tsbot with cfg under Node and reads its JSON
// report.
func runTSBot(ts tsConfig, cfg chatbot.Config) *chatbot.Report {
	failed := func(err error) *chatbot.Report {
		return &chatbot.Report{Client: "ts", Addr: cfg.Addr, Failures: []string{err.Error()}}
	}
	cmd := exec.Command(ts.node, ts.script, "-json", "-addr", cfg.Addr, "-bots", strconv.Itoa(cfg.Bots),
		"-rooms", strconv.Itoa(cfg.Rooms), "-messages", strconv.Itoa(cfg.Messages), "-interval", cfg.Interval.String(),
		"-prefix", cfg.Prefix, "-room-prefix", cfg.RoomPrefix, "-peer-bots", strconv.Itoa(cfg.PeerBots),
		"-timeout", cfg.Timeout.String())
	cmd.SysProcAttr = childproc.DieWithParent()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var r chatbot.Report
	if jerr := json.Unmarshal(out, &r); jerr != nil {
		if err == nil {
			err = jerr
		}
		return failed(fmt.Errorf("tsbot: %w\n%s%s", err, out, stderr.Bytes()))
	}
	if err != nil && r.OK() {
		r.Failures = append(r.Failures, fmt.Sprintf("tsbot: %v\n%s", err, stderr.Bytes()))
	}
	return &r
}

func summarize(reports []*chatbot.Report, stopErr error, srv *server) error {
	fmt.Println()
	ok := true
	for _, r := range reports {
		fmt.Println(r)
		ok = ok && r.OK()
	}
	compareLatency(reports)
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

// compareLatency prints, for each transport with bots of both languages,
// the TypeScript bots' request latency as a ratio of the Go bots'.
func compareLatency(reports []*chatbot.Report) {
	byAddr := map[string]map[string]*chatbot.Report{}
	var addrs []string
	for _, r := range reports {
		if byAddr[r.Addr] == nil {
			byAddr[r.Addr] = map[string]*chatbot.Report{}
			addrs = append(addrs, r.Addr)
		}
		byAddr[r.Addr][r.Client] = r
	}
	for _, addr := range addrs {
		g, t := byAddr[addr]["go"], byAddr[addr]["ts"]
		if g == nil || t == nil || g.P50 == 0 || g.P99 == 0 {
			continue
		}
		fmt.Printf("%-31s TypeScript/Go request latency: p50 %.2fx  p99 %.2fx\n", addr, float64(t.P50)/float64(g.P50), float64(t.P99)/float64(g.P99))
	}
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
