package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gamesrv/gamesrv/internal/childproc"
	"github.com/gamesrv/gamesrv/internal/loadgen/procstat"
)

// listenTimeout bounds the wait for a chat server's LISTEN lines.
const listenTimeout = 30 * time.Second

// chatServer is the chat example server running as a child process, with
// its listeners and its admin listener.
type chatServer struct {
	*childproc.Process
	tcp, kcp, ws, admin string // host:port of each
	http                *http.Client
}

// chatAddrs are the listen addresses a chat server is started with.
type chatAddrs struct{ tcp, kcp, ws string }

// anyPort asks for port 0 on every listener.
var anyPort = chatAddrs{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"}

// startChat starts the chat server on addrs with its admin listener and no
// browser page, and waits for its LISTEN and ADMIN lines. The scenario
// stops it at its end.
func startChat(e *env, addrs chatAddrs) (*chatServer, error) {
	return startChatIn(e.kids, e.cfg.server, addrs)
}

// startChatIn is startChat with the child in group g.
func startChatIn(g *childproc.Group, bin string, addrs chatAddrs) (*chatServer, error) {
	p, err := g.Start("chat server", bin,
		"-tcp", addrs.tcp, "-kcp", addrs.kcp, "-ws", addrs.ws, "-web", "", "-admin", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &chatServer{Process: p, http: &http.Client{Timeout: 10 * time.Second}}
	for _, w := range []struct {
		dst  *string
		word []string
	}{{&s.admin, []string{"ADMIN"}}, {&s.tcp, []string{"LISTEN", "tcp"}}, {&s.kcp, []string{"LISTEN", "kcp"}}, {&s.ws, []string{"LISTEN", "ws"}}} {
		if *w.dst, err = p.AwaitWord(listenTimeout, w.word...); err != nil {
			_ = p.Kill()
			return nil, err
		}
	}
	return s, nil
}

// goroutines returns the server's goroutine count, from the first line of
// its pprof goroutine profile ("goroutine profile: total N").
func (s *chatServer) goroutines(ctx context.Context) (int, error) {
	body, err := s.get(ctx, "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(body, "\n")
	n, ok := strings.CutPrefix(line, "goroutine profile: total ")
	if !ok {
		return 0, fmt.Errorf("unexpected goroutine profile %q", line)
	}
	return strconv.Atoi(strings.TrimSpace(n))
}

// adminStats are the counts of /debug/gamesrv.json the scenarios use.
type adminStats struct {
	Server struct {
		Sessions int `json:"sessions"`
		Groups   int `json:"groups"`
	} `json:"server"`
}

// stats returns the server's session and group counts.
func (s *chatServer) stats(ctx context.Context) (adminStats, error) {
	var st adminStats
	body, err := s.get(ctx, "/debug/gamesrv.json")
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal([]byte(body), &st)
}

// get fetches an admin path.
func (s *chatServer) get(ctx context.Context, path string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.admin+path, nil)
	if err != nil {
		return "", err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var b strings.Builder
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		b.Write(sc.Bytes())
		b.WriteByte('\n')
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return b.String(), sc.Err()
}

// settledGoroutines polls the goroutine count until two readings 100 ms
// apart agree (the server is idle), or for at most 3 s.
func (s *chatServer) settledGoroutines(ctx context.Context) (int, error) {
	last := -1
	for deadline := time.Now().Add(3 * time.Second); ; {
		n, err := s.goroutines(ctx)
		if err != nil || n == last || time.Now().After(deadline) {
			return n, err
		}
		last = n
		if !sleepCtx(ctx, 100*time.Millisecond) {
			return n, ctx.Err()
		}
	}
}

// settle describes how an RSS reading was taken.
type settle struct {
	RSS     int64         // the last reading
	Waited  time.Duration // from the first poll to the reading
	Settled bool          // false: the limit expired before RSS stabilized
}

// settledRSS polls the server's RSS every interval and returns it once the
// last window readings differ by at most tolerance bytes or 1% (a quiet
// period), or the last reading when limit expires.
func (s *chatServer) settledRSS(interval time.Duration, window int, tolerance int64, limit time.Duration) (settle, error) {
	start := time.Now()
	var recent []int64
	for {
		v, err := procstat.RSS(s.PID())
		if err != nil {
			return settle{}, err
		}
		recent = append(recent, v)
		if len(recent) > window {
			recent = recent[1:]
		}
		waited := time.Since(start)
		if len(recent) == window && spread(recent) <= max(tolerance, v/100) {
			return settle{RSS: v, Waited: waited, Settled: true}, nil
		}
		if waited >= limit {
			return settle{RSS: v, Waited: waited}, nil
		}
		time.Sleep(interval)
	}
}

// text says how the reading was taken, for the details.
func (s settle) text() string {
	if s.Settled {
		return fmt.Sprintf("settled after %v", s.Waited.Round(time.Millisecond))
	}
	return fmt.Sprintf("NOT settled within %v (last reading kept)", s.Waited.Round(time.Millisecond))
}

// spread returns max - min of vs.
func spread(vs []int64) int64 {
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		lo, hi = min(lo, v), max(hi, v)
	}
	return hi - lo
}

// sleepCtx waits d; it reports false if ctx ended first. The scenarios
// use it to pace attacks and to let measurement phases run, never to wait
// for something to happen.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
