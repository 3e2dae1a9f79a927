package server_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const loginRoute = "test.login.login"

// loginHandler binds the session to the uid it is sent, then joins the
// group "lobby" and registers a close hook the test controls. It answers
// what the old session's cleanup looked like when Bind returned.
type loginHandler struct {
	group   *server.Group
	started chan int64    // a close hook started (the session's id)
	release chan struct{} // close hooks finish once it is closed
	hooked  atomic.Int32  // close hooks that finished
}

func (h *loginHandler) Login(ctx context.Context, s gamesrv.Session, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	if err := s.Bind(ctx, req.GetValue()); err != nil {
		return nil, err
	}
	hooked := h.hooked.Load()
	if !h.group.Contains(s) {
		s.OnClose(func(s gamesrv.Session) {
			h.started <- s.ID()
			<-h.release
			h.hooked.Add(1)
		})
		if err := h.group.Add(s); err != nil {
			return nil, err
		}
	}
	return wrapperspb.String(fmt.Sprintf("hooks=%d members=%d", hooked, h.group.Len())), nil
}

var loginDesc = gamesrv.ServiceDesc{
	Name:       "test.Login",
	ServerType: "test",
	Routes: []gamesrv.Route{{
		Name: loginRoute, Method: "Login", Kind: gamesrv.KindRequest,
		NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
		Handle: func(ctx context.Context, h any, s gamesrv.Session, req proto.Message) (proto.Message, error) {
			resp, err := h.(*loginHandler).Login(ctx, s, req.(*wrapperspb.StringValue))
			if err != nil {
				return nil, err
			}
			return resp, nil
		},
	}},
}

// startLogin starts a server with the login service on loopback TCP.
func startLogin(t *testing.T, opts server.Options) (*server.Server, *loginHandler, string) {
	t.Helper()
	opts.Logger = quietLogger(t)
	srv, err := server.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h := &loginHandler{group: srv.Group("lobby"), started: make(chan int64, 4), release: make(chan struct{})}
	if err := srv.RegisterService(&loginDesc, h); err != nil {
		t.Fatal(err)
	}
	tcpAddr, _ := testkit.Serve(t, srv)
	t.Cleanup(func() {
		select {
		case <-h.release:
		default:
			close(h.release) // let blocked hooks end before the shutdown
		}
	})
	return srv, h, tcpAddr
}

// login connects, completes the handshake and sends a login request
// without waiting for its answer.
func login(t *testing.T, addr, uid string) *testkit.RawConn {
	t.Helper()
	c := testkit.DialRaw(t, addr)
	c.Handshake(pomeloJSHandshake)
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 1, Route: loginRoute}, str(uid))
	return c
}

// TestBindReturnsAfterTheKickedSessionsCloseHooks is the duplicate login
// of the chat example's ghost member: the second login's Bind returns
// only once the first session left its group and its OnClose hook ran,
// so what the handler does next never sees the first session.
func TestBindReturnsAfterTheKickedSessionsCloseHooks(t *testing.T) {
	_, h, addr := startLogin(t, server.Options{})
	first := login(t, addr, "ann")
	if m := first.NextData(timeout); m.Error || unstr(t, m.Payload) != "hooks=0 members=1" {
		t.Fatalf("first login: %+v %q", m, m.Payload)
	}

	second := login(t, addr, "ann")
	// The first session's hook is running (and held): the second Bind
	// must wait for it.
	recv(t, h.started, "the first session's close hook to start")
	if typ, _ := first.Next(timeout); typ != wire.PacketKick {
		t.Fatalf("first got a %s packet, want a kick", typ)
	}
	close(h.release)
	m := second.NextData(timeout)
	if m.Error {
		t.Fatalf("second login failed: %x", m.Payload)
	}
	if got := unstr(t, m.Payload); got != "hooks=1 members=1" {
		t.Fatalf("when the second Bind returned: %s, want hooks=1 members=1 (the hook done, the group without the kicked session)", got)
	}
	first.ExpectClosed(timeout)
}

// TestBindWaitIsBounded: a close hook that waits for something the new
// session's handler holds (here: its answer) delays the Bind by
// Options.BindWait, not forever; the uid is bound all the same.
func TestBindWaitIsBounded(t *testing.T) {
	srv, h, addr := startLogin(t, server.Options{BindWait: 100 * time.Millisecond})
	first := login(t, addr, "ann")
	if m := first.NextData(timeout); m.Error {
		t.Fatalf("first login: %x", m.Payload)
	}
	second := login(t, addr, "ann")
	recv(t, h.started, "the first session's close hook to start")
	e := expectError(t, second.NextData(timeout), 1, gamesrv.CodeDeadlineExceeded)
	if s, ok := srv.SessionByUID("ann"); !ok || s.RemoteAddr() != second.Conn().LocalAddr().String() {
		t.Fatalf("after the cut wait ann is bound to %v (%v), want the second session (%s)", s, ok, e.Message())
	}
	close(h.release) // the hook ends: a retry binds at once
	testkit.Eventually(t, timeout, func() bool { return h.hooked.Load() == 1 }, "the held hook to finish")
	second.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 2, Route: loginRoute}, str("ann"))
	if m := second.NextData(timeout); m.Error || unstr(t, m.Payload) != "hooks=1 members=1" {
		t.Fatalf("retry: %+v %q", m, m.Payload)
	}
}

// TestBindWaitsForTheCallersContext: a Bind whose context (here the
// handler's RequestTimeout) ends before Options.BindWait returns that
// context's error.
func TestBindWaitsForTheCallersContext(t *testing.T) {
	srv, h, addr := startLogin(t, server.Options{RequestTimeout: 100 * time.Millisecond})
	first := login(t, addr, "ann")
	if m := first.NextData(timeout); m.Error {
		t.Fatalf("first login: %x", m.Payload)
	}
	second := login(t, addr, "ann")
	recv(t, h.started, "the first session's close hook to start")
	expectError(t, second.NextData(timeout), 1, gamesrv.CodeDeadlineExceeded)
	if _, ok := srv.SessionByUID("ann"); !ok {
		t.Fatal("ann is not bound")
	}
}
