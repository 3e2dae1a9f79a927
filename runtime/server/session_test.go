package server_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestSlowConsumerDisconnected: a client that sends requests and never
// reads is disconnected once its answers exceed MaxPendingBytes; another
// client is unaffected. Both socket buffers are small (the server's send
// buffer, the slow client's receive buffer), so the limit is reached after
// a few answers, not after the megabytes the kernel would otherwise hold.
func TestSlowConsumerDisconnected(t *testing.T) {
	srv, err := server.New(server.Options{Logger: quietLogger(t), MaxPendingBytes: 64 << 10, QueueSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.RegisterService(&echoDesc, newEchoHandler()); err != nil {
		t.Fatal(err)
	}
	tl := tcp.New("127.0.0.1:0", tcp.Options{EventLoops: 1, SocketSendBuffer: 16 << 10})
	if err := srv.Start(tl); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	addr := "tcp://" + tl.Addr().String()
	slow := testkit.DialRaw(t, addr)
	if err := slow.Conn().(*net.TCPConn).SetReadBuffer(4 << 10); err != nil {
		t.Fatal(err)
	}
	slow.Handshake(pomeloJSHandshake)
	fast := testkit.DialRaw(t, addr)
	fast.Handshake(pomeloJSHandshake)

	big := str(strings.Repeat("x", 32<<10))
	var batch []byte
	for i := 1; i <= 64; i++ { // 2 MiB of answers: 64 KiB pending, plus both small socket buffers, is reached after a few
		batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageRequest, ID: uint32(i), Route: echoRoute}, big)
	}
	go func() { _, _ = slow.Conn().Write(batch) }() // and never read
	testkit.Eventually(t, timeout, func() bool { return srv.Sessions() == 1 }, "the slow consumer to be dropped")
	echo(t, fast, 1, "unaffected")
}

func TestQueueFull(t *testing.T) {
	// Every scenario begins with request 1 blocked in its handler. A
	// request that finds the queue full is answered GS-429 in its turn:
	// the answers keep the arrival order.
	type step struct {
		send    []string // values of the next requests, sent in one write
		release bool     // unblock the handler that waits
		jobs    int64    // then wait for this many jobs (queued, running or refused)
		blocked bool     // then wait for the next request to block
	}
	tests := []struct {
		name      string
		queueSize int
		steps     []step
		want      []gamesrv.Code // the answers to 1, 2, ...: "" for an echo
		closed    bool           // the connection closes after the answers
	}{
		{
			name:      "refused in its turn",
			queueSize: 2,
			steps:     []step{{send: []string{"a", "b", "c"}, jobs: 4}, {release: true}},
			want:      []gamesrv.Code{"", "", "", gamesrv.CodeRateLimited},
		},
		{
			name:      "a refusal takes no place in the queue",
			queueSize: 1,
			steps: []step{
				{send: []string{"block", "x"}, jobs: 3}, // 1 runs, 2 waits, 3 refused
				{release: true, blocked: true},          // 1 answered, 2 runs
				{send: []string{"y"}, jobs: 3},          // 4 fits: the refusal of 3 is not counted
				{release: true},
			},
			want: []gamesrv.Code{"", "", gamesrv.CodeRateLimited, ""},
		},
		{
			name:      "a client that ignores its refusals is disconnected once answered",
			queueSize: 1,
			// 2 waits, 3 refused, 4 is one refusal too many: it and
			// everything after it are ignored, a close job is queued.
			steps:  []step{{send: []string{"a", "b", "c", "d"}, jobs: 4}, {release: true}},
			want:   []gamesrv.Code{"", "", gamesrv.CodeRateLimited},
			closed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, server.Options{QueueSize: tt.queueSize})
			t.Cleanup(func() { close(srv.h.release) }) // the handlers still waiting
			c := testkit.DialRaw(t, srv.tcpAddr)
			c.Handshake(pomeloJSHandshake)
			c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("block"))
			recv(t, srv.h.blocked, "request 1 to block")
			next := uint32(2)
			for _, st := range tt.steps {
				var batch []byte
				for _, v := range st.send {
					batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageRequest, ID: next, Route: echoRoute}, str(v))
					next++
				}
				if len(batch) > 0 {
					c.Write(batch)
				}
				if st.release {
					send(t, srv.h.release, struct{}{}, "release the blocked handler")
				}
				if st.jobs > 0 {
					testkit.Eventually(t, timeout, func() bool { return srv.Jobs() == st.jobs }, "the requests to be queued")
				}
				if st.blocked {
					recv(t, srv.h.blocked, "the next request to block")
				}
			}
			for i, code := range tt.want {
				id := uint32(i + 1)
				m := c.NextData(timeout)
				if code != "" {
					expectError(t, m, id, code)
				} else if m.ID != id || m.Error {
					t.Fatalf("got %+v, want the answer to %d", m, id)
				}
			}
			if tt.closed {
				if seen := c.ExpectClosed(timeout); len(seen) != 0 {
					t.Errorf("got %v after the last answer, want the close", seen)
				}
			}
		})
	}
}

func TestGracefulShutdownAnswersQueuedRequests(t *testing.T) {
	srv := startServer(t, server.Options{})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	var batch []byte
	for i, v := range []string{"block", "a", "b"} {
		batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageRequest, ID: uint32(i + 1), Route: echoRoute}, str(v))
	}
	c.Write(batch)
	recv(t, srv.h.blocked, "request 1 to block")
	testkit.Eventually(t, timeout, func() bool { return srv.Jobs() == 3 }, "the three requests to be queued")
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	testkit.Eventually(t, timeout, func() bool { return !srv.Ready() }, "the shutdown to start")
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 4, Route: echoRoute}, str("late"))
	close(srv.h.release)
	for id := uint32(1); id <= 3; id++ {
		if m := c.NextData(timeout); m.ID != id || m.Error {
			t.Fatalf("got %+v, want the answer to %d", m, id)
		}
	}
	// The late request is answered GS-503 if it was read before the queue
	// drained; otherwise the kick comes first and it is never accepted.
	typ, body := c.Next(timeout)
	if typ == wire.PacketData {
		if m, _ := wire.DecodeMessage(body); m.ID != 4 || !m.Error {
			t.Fatalf("got %+v, want GS-503 for the request sent while draining", m)
		}
		typ, body = c.Next(timeout)
	}
	if typ != wire.PacketKick || string(body) != `{"reason":"shutdown"}` {
		t.Fatalf("got %s %q, want a shutdown kick", typ, body)
	}
	c.ExpectClosed(timeout)
	if err := recv(t, done, "Shutdown to return"); err != nil {
		t.Fatal(err)
	}
	if nc, err := net.DialTimeout("tcp", strings.TrimPrefix(srv.tcpAddr, "tcp://"), time.Second); err == nil {
		_ = nc.Close()
		t.Error("a stopped server still accepts connections")
	}
}

func TestShutdownDeadlineCancelsHandlers(t *testing.T) {
	srv := startServer(t, server.Options{})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("block")) // never released
	recv(t, srv.h.blocked, "request 1 to block")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_ = srv.Shutdown(ctx)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v with a 300ms deadline", d)
	}
}

func TestKickAndCloseHooks(t *testing.T) {
	srv := startServer(t, server.Options{})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	echo(t, c, 1, "bind:ann")
	s, ok := srv.SessionByUID("ann")
	if !ok {
		t.Fatal("no session bound to ann")
	}
	var hooked atomic.Int32
	s.OnClose(func(gamesrv.Session) { hooked.Add(1) })
	if err := s.Kick(context.Background(), "bye"); err != nil {
		t.Fatal(err)
	}
	typ, body := c.Next(timeout)
	if typ != wire.PacketKick || string(body) != `{"reason":"bye"}` {
		t.Fatalf("got %s %q", typ, body)
	}
	c.ExpectClosed(timeout)
	testkit.Eventually(t, timeout, func() bool { return hooked.Load() == 1 }, "the close hook")
	if _, ok := srv.SessionByUID("ann"); ok {
		t.Error("uid still bound after close")
	}
	if err := s.Push(context.Background(), pushRoute, wrapperspb.String("x")); !errors.Is(err, server.ErrSessionClosed) {
		t.Errorf("push to a closed session: %v", err)
	}
	late := make(chan struct{})
	s.OnClose(func(gamesrv.Session) { close(late) })
	recv(t, late, "the hook added after the close, which runs at once")
}

func TestDuplicateLoginPolicies(t *testing.T) {
	t.Run("kick old", func(t *testing.T) {
		srv := startServer(t, server.Options{})
		first := testkit.DialRaw(t, srv.tcpAddr)
		first.Handshake(pomeloJSHandshake)
		echo(t, first, 1, "bind:ann")
		second := testkit.DialRaw(t, srv.tcpAddr)
		second.Handshake(pomeloJSHandshake)
		echo(t, second, 1, "bind:ann")
		if typ, body := first.Next(timeout); typ != wire.PacketKick || string(body) != `{"reason":"duplicate login"}` {
			t.Fatalf("first got %s %q, want a duplicate login kick", typ, body)
		}
		first.ExpectClosed(timeout)
		echo(t, second, 2, "still here")
	})
	t.Run("refuse new", func(t *testing.T) {
		srv := startServer(t, server.Options{DuplicateLogin: server.RefuseNew})
		first := testkit.DialRaw(t, srv.tcpAddr)
		first.Handshake(pomeloJSHandshake)
		echo(t, first, 1, "bind:ann")
		second := testkit.DialRaw(t, srv.tcpAddr)
		second.Handshake(pomeloJSHandshake)
		second.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("bind:ann"))
		m := second.NextData(timeout)
		if e, _ := gamesrv.DecodeErrorPayload(gamesrv.ProtobufSerializer{}, m.Payload); !m.Error || e.Code() != gamesrv.CodeUnauthenticated {
			t.Fatalf("got %+v, want GS-401", m)
		}
		echo(t, first, 2, "first keeps playing")
	})
}

func TestGroupBroadcastAndLeaveOnClose(t *testing.T) {
	srv := startServer(t, server.Options{})
	var conns []*testkit.RawConn
	for _, uid := range []string{"a", "b", "c"} {
		c := testkit.DialRaw(t, srv.tcpAddr)
		c.Handshake(pomeloJSHandshake)
		echo(t, c, 1, "bind:"+uid)
		s, _ := srv.SessionByUID(uid)
		if err := srv.Group("room").Add(s); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	if err := srv.Push(context.Background(), gamesrv.ToGroup("room"), pushRoute, wrapperspb.String("all")); err != nil {
		t.Fatal(err)
	}
	for _, c := range conns {
		if m := c.NextData(timeout); m.Type != wire.MessagePush || unstr(t, m.Payload) != "all" {
			t.Fatalf("got %+v", m)
		}
	}
	_ = conns[0].Conn().Close()
	testkit.Eventually(t, timeout, func() bool { return srv.Group("room").Len() == 2 }, "the closed member to leave")
	if err := srv.Push(context.Background(), gamesrv.ToUIDs("b", "nobody"), pushRoute, wrapperspb.String("b only")); err != nil {
		t.Fatal(err)
	}
	if m := conns[1].NextData(timeout); unstr(t, m.Payload) != "b only" {
		t.Fatalf("got %+v", m)
	}
}

func TestInterceptors(t *testing.T) {
	var calls atomic.Int32
	srv := startServer(t, server.Options{
		Interceptors: []gamesrv.Interceptor{
			func(next gamesrv.Handler) gamesrv.Handler { // outermost: sees what the others return
				return func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
					calls.Add(1)
					resp, err := next(ctx, c)
					if v, ok := resp.(*wrapperspb.StringValue); ok && v.GetValue() == "replace" {
						return wrapperspb.String("replaced"), nil
					}
					return resp, err
				}
			},
			server.RequireUID(echoRoute),
			func(next gamesrv.Handler) gamesrv.Handler {
				return func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
					if v, ok := c.Request.(*wrapperspb.StringValue); ok && v.GetValue() == "forbidden" {
						return nil, gamesrv.NewError("APP-FORBIDDEN", "no")
					}
					return next(context.WithValue(ctx, principalKey{}, c.Type.String()+" "+c.Route), c)
				}
			},
		},
	})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	echo(t, c, 1, "public route") // echo is listed as public in RequireUID
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 2, Route: echoRoute}, str("replace"))
	if m := c.NextData(timeout); unstr(t, m.Payload) != "replaced" {
		t.Errorf("the outer interceptor did not replace the response: %+v", m)
	}
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 3, Route: echoRoute}, str("forbidden"))
	m := c.NextData(timeout)
	if e, _ := gamesrv.DecodeErrorPayload(gamesrv.ProtobufSerializer{}, m.Payload); !m.Error || e.Code() != "APP-FORBIDDEN" {
		t.Errorf("the inner interceptor did not reject: %+v", m)
	}
	c.SendMessage(&wire.Header{Type: wire.MessageNotify, Route: sayRoute}, str("needs login"))
	echo(t, c, 4, "barrier") // the notify ran (and was refused) before this answer
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 5, Route: echoRoute}, str("principal"))
	if m := c.NextData(timeout); unstr(t, m.Payload) != "principal client "+echoRoute {
		t.Errorf("the handler's context: %q, want the interceptor's value", unstr(t, m.Payload))
	}
	if calls.Load() != 6 {
		t.Errorf("the outer interceptor ran %d times, want 6", calls.Load())
	}
	select {
	case v := <-srv.h.said:
		t.Errorf("RequireUID let an anonymous notify through: %q", v)
	default:
	}
}

func TestRegisterAfterStart(t *testing.T) {
	srv := startServer(t, server.Options{})
	if err := srv.RegisterService(&echoDesc, newEchoHandler()); !errors.Is(err, server.ErrServerStarted) {
		t.Errorf("got %v", err)
	}
}

func TestDuplicateRouteRefused(t *testing.T) {
	srv, _ := server.New(server.Options{Logger: quietLogger(t)})
	_ = srv.RegisterService(&echoDesc, newEchoHandler())
	_ = srv.RegisterService(&echoDesc, newEchoHandler())
	if err := srv.Start(); err == nil || !strings.Contains(err.Error(), "registered twice") {
		t.Errorf("got %v", err)
	}
}

func TestKCPSessionsTimeOut(t *testing.T) {
	srv := startServer(t, server.Options{Heartbeat: time.Second})
	c := testkit.DialRaw(t, srv.kcpAddr)
	c.Handshake(pomeloJSHandshake)
	echo(t, c, 1, "over kcp")
	_ = c.Conn().Close() // KCP sends nothing: only the heartbeat check notices
	testkit.Eventually(t, 5*time.Second, func() bool { return srv.Sessions() == 0 }, "the vanished KCP peer to be dropped")
}

// TestKickBody: a Kick packet carries its reason as JSON by default, like
// Pomelo's server ("kick" when none is given), and is empty with
// EmptyKick.
func TestKickBody(t *testing.T) {
	tests := []struct {
		name      string
		emptyKick bool
		reason    string
		want      string
	}{
		{"reason", false, "maintenance", `{"reason":"maintenance"}`},
		{"no reason", false, "", `{"reason":"kick"}`},
		{"escaped", false, `say "bye"`, `{"reason":"say \"bye\""}`},
		{"EmptyKick", true, "maintenance", ""},
		{"EmptyKick without reason", true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, server.Options{EmptyKick: tt.emptyKick})
			c := testkit.DialRaw(t, srv.tcpAddr)
			c.Handshake(pomeloJSHandshake)
			echo(t, c, 1, "bind:ann")
			s, ok := srv.SessionByUID("ann")
			if !ok {
				t.Fatal("no session bound to ann")
			}
			if err := s.Kick(context.Background(), tt.reason); err != nil {
				t.Fatal(err)
			}
			if typ, body := c.Next(timeout); typ != wire.PacketKick || string(body) != tt.want {
				t.Fatalf("got %s %q, want a kick %q", typ, body, tt.want)
			}
			c.ExpectClosed(timeout)
		})
	}
}
