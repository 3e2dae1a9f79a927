// Command demo runs the chat example end to end: it starts the chat server
// binary on free loopback ports, runs bots over TCP, KCP and WebSocket at
// the same time, prints what they saw, and stops the server with SIGTERM. It exits 0
// only if every bot received every line and the server shut down cleanly.
//
//	go build -o .bin/chat-server ./examples/chat/server && go run ./examples/chat/demo
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
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
	fmt.Printf("chat server (pid %d) listening on tcp %s, kcp %s and ws %s\n", srv.cmd.Process.Pid, srv.addrs["tcp"], srv.addrs["kcp"], srv.addrs["ws"])
	fmt.Printf("running %d bots in %d rooms on each transport, %d lines each...\n", cfg.Bots, cfg.Rooms, cfg.Messages)
	reports := runBots(cfg, srv.addrs)
	stopErr := srv.stop()
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

func summarize(reports []*chatbot.Report, stopErr error, srv *serverProcess) error {
	fmt.Println()
	ok := true
	for _, r := range reports {
		fmt.Println(r)
		ok = ok && r.OK()
	}
	if stopErr != nil {
		fmt.Println("server shutdown:", stopErr)
		fmt.Print(srv.logs.String())
		return stopErr
	}
	fmt.Println("server stopped cleanly on SIGTERM")
	if !ok {
		fmt.Print(srv.logs.String())
		return errors.New("some bots did not get what they should")
	}
	fmt.Println("\nPASS: every bot received every line said in its room")
	return nil
}

// serverProcess is the chat server running as a child process.
type serverProcess struct {
	cmd   *exec.Cmd
	addrs map[string]string
	logs  syncBuffer
	exit  chan error
}

// startServer starts the binary on port 0 and waits for its LISTEN lines.
func startServer(bin string) (*serverProcess, error) {
	p := &serverProcess{addrs: map[string]string{}, exit: make(chan error, 1)}
	p.cmd = exec.Command(bin, "-tcp", "127.0.0.1:0", "-kcp", "127.0.0.1:0", "-ws", "127.0.0.1:0", "-web", "", "-heartbeat", "5s")
	p.cmd.Stderr = &p.logs
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w (run make demo to build it)", bin, err)
	}
	ready := make(chan error, 1)
	go p.readListen(out, ready)
	select {
	case err := <-ready:
		if err != nil {
			_ = p.cmd.Process.Kill()
			return nil, fmt.Errorf("%w\n%s", err, p.logs.String())
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		return nil, errors.New("server did not start within 30s")
	}
	return p, nil
}

// readListen collects "LISTEN network addr" lines, reports readiness, then
// waits for the process.
func (p *serverProcess) readListen(out io.Reader, ready chan<- error) {
	sc := bufio.NewScanner(out)
	for len(p.addrs) < 3 && sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "LISTEN" {
			p.addrs[f[1]] = f[2]
		}
	}
	if len(p.addrs) < 3 {
		ready <- errors.New("server exited before listening")
	} else {
		ready <- nil
	}
	_, _ = io.Copy(io.Discard, out)
	p.exit <- p.cmd.Wait()
}

// stop sends SIGTERM and waits for a clean exit.
func (p *serverProcess) stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-p.exit:
		return err
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		return errors.New("server did not stop within 20s of SIGTERM")
	}
}

// syncBuffer is a bytes.Buffer safe for the process's writer and our reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
