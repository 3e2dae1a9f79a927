package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/internal/childproc"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// rebindRetry is the pause between two attempts to start the new server.
const rebindRetry = 100 * time.Millisecond

// runRestart measures scenario 7: a chat server with a WebSocket and a
// TCP client connected (each in a room) gets SIGTERM; once it has exited,
// a new server is started on the same addresses, again and again until
// every listener binds; how long that takes.
func runRestart(ctx context.Context, e *env, s *Scenario) error {
	old, err := startChat(e, anyPort)
	if err != nil {
		return err
	}
	addrs := chatAddrs{old.tcp, old.kcp, old.ws}
	var clients []*passiveClient
	defer func() {
		for _, c := range clients {
			_ = c.c.Close()
		}
	}()
	for i, kind := range []string{"WebSocket", "TCP"} {
		c, err := connectPassive(ctx, kind, addrs, fmt.Sprintf("client-%d", i))
		if err != nil {
			return fmt.Errorf("%s client: %w", kind, err)
		}
		clients = append(clients, c)
	}
	sigterm := time.Now()
	if err := old.Stop(); err != nil {
		return err
	}
	exited := time.Now()
	ends, ended := clientsEnded(clients, 10*time.Second)
	e.logf("old server exited %v after SIGTERM; rebinding %s, %s, %s", exited.Sub(sigterm).Round(time.Millisecond), addrs.tcp, addrs.kcp, addrs.ws)

	srv, attempts, refusals, err := rebind(ctx, e, addrs, e.cfg.rebindLimit)
	rebound := time.Since(exited)
	if err != nil {
		return err
	}
	if srv != nil {
		defer srv.Kill() // when this returns early; the end stops it
	}
	s.figure("shutdown", ms(exited.Sub(sigterm)), "ms")
	s.figure("start_attempts", float64(attempts), "count")
	checks := []Check{{Name: checkClientsEnded, OK: ended, Detail: ends}}
	if srv != nil {
		s.figure("rebind", ms(rebound), "ms")
		s.Headline = fmt.Sprintf("bound again %v after the exit (%d attempts)", short(rebound), attempts)
		answered := newServerAnswers(ctx, addrs)
		checks = append(checks, Check{Name: checkNewServer, OK: answered == "", Detail: orText(answered, "both answered")})
	} else {
		s.figure("rebind", -1, "ms")
		s.Headline = fmt.Sprintf("NOT bound within %v of the exit (%d attempts)", e.cfg.rebindLimit, attempts)
	}
	e.logf("%s; refusals: %s", s.Headline, refusals.String())
	s.Details = fmt.Sprintf("a chat server on port 0 with two clients connected that never close first (each joined room \"restart\"): a WebSocket client that answers the close frame and waits for the server to close TCP, as browsers do, and a TCP client that ignores the kick and reads until the server closes; "+
		"it gets SIGTERM and exits %v later (%s); "+
		"the same binary is then started on the same TCP, KCP and WebSocket addresses every %v until every listener binds (at most %v; \"rebind\" is -1 when it never did); "+
		"%d attempts, failures: %s",
		exited.Sub(sigterm).Round(time.Millisecond), ends, rebindRetry, e.cfg.rebindLimit, attempts, refusals.String())
	if srv == nil {
		s.Details += "; the new server could not be checked"
	}
	s.finish(srv != nil && rebound <= time.Second, checks...)
	if srv != nil {
		return srv.Stop()
	}
	return nil
}

// passiveClient is a client that never closes its connection first: a
// WebSocket client that answers the server's close frame and waits for the
// server to close TCP (as browsers and Node's ws package do), or a TCP
// client that ignores the kick (as pomelo-jsclient-websocket does when it
// cannot parse it) and reads until the server closes. Either way the
// server's socket is the one left in TIME_WAIT, the case of issue 9 §4.
type passiveClient struct {
	kind  string
	c     *rawConn
	ended chan string // how the connection ended (endEOF...), once
}

// connectPassive connects a passive client of kind ("WebSocket" or
// "TCP"), hand-shakes, joins room "restart" as name, and reads until the
// server closes.
func connectPassive(ctx context.Context, kind string, addrs chatAddrs, name string) (*passiveClient, error) {
	var c *rawConn
	var err error
	if kind == "WebSocket" {
		c, err = dialWSRaw(ctx, "ws://"+addrs.ws+"/ws")
	} else {
		c, err = dialRaw(ctx, addrs.tcp, nil)
	}
	if err != nil {
		return nil, err
	}
	err = c.handshake(minHandshake, 10*time.Second)
	var a answer
	if err == nil {
		a, err = c.call(1, "chat.room.join", &chatv1.JoinRequest{Room: "restart", Name: name}, 10*time.Second)
	}
	if err == nil && a.code != "" {
		err = fmt.Errorf("join answered %s: %s", a.code, a.msg)
	}
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	p := &passiveClient{kind: kind, c: c, ended: make(chan string, 1)}
	go func() {
		for {
			if _, _, err := c.readPacket(); err != nil {
				p.ended <- endOf(err)
				return
			}
		}
	}()
	return p, nil
}

// clientsEnded waits up to timeout for every client to see the server
// close its connection, and returns how each ended, and whether all did.
func clientsEnded(clients []*passiveClient, timeout time.Duration) (string, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	all := true
	var out []string
	for _, c := range clients {
		select {
		case end := <-c.ended:
			out = append(out, c.kind+" client: "+endText(end))
		case <-deadline.C:
			all = false
			out = append(out, c.kind+" client still connected")
			deadline.Reset(0)
		}
	}
	return strings.Join(out, ", "), all
}

// rebind starts the chat server on addrs until it binds every listener or
// limit passes; it returns the server (nil if it never bound), the
// attempts and why the failed ones failed.
func rebind(ctx context.Context, e *env, addrs chatAddrs, limit time.Duration) (*chatServer, int, counts, error) {
	var refusals counts
	start := time.Now()
	for attempt := 1; ; attempt++ {
		// Each attempt has a group of its own: a failed attempt's exit
		// status is the figure, not an error of the scenario.
		srv, err := startChatIn(&childproc.Group{}, e.cfg.server, addrs)
		if err == nil {
			return srv, attempt, refusals, nil
		}
		why := lastLine(err.Error())
		key := why
		if strings.Contains(why, "address already in use") {
			// "chat server: tcp: listen 127.0.0.1:3250: bind: address already in use"
			listener, _, _ := strings.Cut(strings.TrimPrefix(why, "chat server: "), ":")
			key = listener + ": address already in use"
		}
		refusals.add(key, why)
		if ctx.Err() != nil {
			return nil, attempt, refusals, ctx.Err()
		}
		if time.Since(start) >= limit {
			return nil, attempt, refusals, nil
		}
		sleepCtx(ctx, rebindRetry)
	}
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// newServerAnswers checks the restarted server answers a request over TCP
// and over WebSocket, and returns "" or what failed.
func newServerAnswers(ctx context.Context, addrs chatAddrs) string {
	var failed []string
	for _, url := range []string{"tcp://" + addrs.tcp, "ws://" + addrs.ws + "/ws"} {
		if err := answers(ctx, url); err != nil {
			failed = append(failed, url+": "+err.Error())
		}
	}
	return strings.Join(failed, ", ")
}

// answers dials url and sends one request; a coded error is an answer.
func answers(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := dialClient(ctx, url, 0)
	if err != nil {
		return err
	}
	defer c.Close()
	err = c.Request(ctx, probeRoute, &chatv1.MembersRequest{}, &chatv1.MembersResponse{})
	var ge *gamesrv.Error
	if errors.As(err, &ge) {
		return nil
	}
	return err
}

func orText(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}
