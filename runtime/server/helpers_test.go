package server_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The test service is hand-written in the shape protoc-gen-gamesrv
// generates, with wrapper messages, so these tests do not depend on
// generated code.
const (
	echoRoute     = "test.echo.echo"
	sayRoute      = "test.echo.say"
	internalRoute = "test.echo.internal"
	pushRoute     = "onEcho"
)

// echoHandler answers Echo with its input; some inputs do more:
// "panic", "error" (coded error APP-1), "plain" (plain Go error), "push"
// (pushes "pushed" first), "block" (waits for release), "bind:<uid>".
type echoHandler struct {
	blocked chan struct{} // receives when a "block" request starts waiting
	release chan struct{}
	said    chan string
}

func newEchoHandler() *echoHandler {
	return &echoHandler{blocked: make(chan struct{}, 10), release: make(chan struct{}), said: make(chan string, 100)}
}

// principalKey is the context key of the value an interceptor of
// TestInterceptors hands the echo handler.
type principalKey struct{}

func (h *echoHandler) Echo(ctx context.Context, s gamesrv.Session, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	v := req.GetValue()
	switch {
	case v == "panic":
		panic("boom")
	case v == "error":
		return nil, gamesrv.NewError("APP-1", "app failure").With("k", "v")
	case v == "plain":
		return nil, errors.New("secret detail")
	case v == "principal": // what an interceptor put in the context
		p, _ := ctx.Value(principalKey{}).(string)
		return wrapperspb.String("principal " + p), nil
	case v == "push":
		if err := s.Push(ctx, pushRoute, wrapperspb.String("pushed")); err != nil {
			return nil, err
		}
	case v == "block":
		h.blocked <- struct{}{}
		select {
		case <-h.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case strings.HasPrefix(v, "bind:"):
		if err := s.Bind(ctx, strings.TrimPrefix(v, "bind:")); err != nil {
			return nil, err
		}
	}
	return wrapperspb.String(v), nil
}

func (h *echoHandler) Say(_ context.Context, _ gamesrv.Session, req *wrapperspb.StringValue) error {
	h.said <- req.GetValue()
	return nil
}

func (h *echoHandler) Internal(_ context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	return req, nil
}

var echoDesc = gamesrv.ServiceDesc{
	Name:       "test.Echo",
	ServerType: "test",
	Routes: []gamesrv.Route{
		{
			Name: echoRoute, Method: "Echo", Kind: gamesrv.KindRequest,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			Handle: func(ctx context.Context, h any, s gamesrv.Session, req proto.Message) (proto.Message, error) {
				resp, err := h.(*echoHandler).Echo(ctx, s, req.(*wrapperspb.StringValue))
				if err != nil {
					return nil, err
				}
				return resp, nil
			},
		},
		{
			Name: sayRoute, Method: "Say", Kind: gamesrv.KindNotify,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			Handle: func(ctx context.Context, h any, s gamesrv.Session, req proto.Message) (proto.Message, error) {
				return nil, h.(*echoHandler).Say(ctx, s, req.(*wrapperspb.StringValue))
			},
		},
		{
			Name: internalRoute, Method: "Internal", Kind: gamesrv.KindRequest, Internal: true,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			Handle: func(ctx context.Context, h any, _ gamesrv.Session, req proto.Message) (proto.Message, error) {
				return h.(*echoHandler).Internal(ctx, req.(*wrapperspb.StringValue))
			},
		},
		{
			Name: pushRoute, Method: "OnEcho", Kind: gamesrv.KindPush,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			HandlePush: func(ctx context.Context, h any, msg proto.Message) {},
		},
	},
}

// testServer is a running server with a TCP and a KCP listener.
type testServer struct {
	*server.Server
	h       *echoHandler
	tcpAddr string
	kcpAddr string
}

func quietLogger(t testing.TB) *slog.Logger { return testkit.Logger(t) }

// startServer starts a server on loopback port 0 and shuts it down when
// the test ends.
func startServer(t testing.TB, opts server.Options) *testServer {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger(t)
	}
	srv, err := server.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h := newEchoHandler()
	if err := srv.RegisterService(&echoDesc, h); err != nil {
		t.Fatal(err)
	}
	tcpAddr, kcpAddr := testkit.Serve(t, srv)
	return &testServer{Server: srv, h: h, tcpAddr: tcpAddr, kcpAddr: kcpAddr}
}

func str(v string) []byte {
	b, _ := proto.Marshal(wrapperspb.String(v))
	return b
}

func unstr(t testing.TB, b []byte) string {
	t.Helper()
	var v wrapperspb.StringValue
	if err := proto.Unmarshal(b, &v); err != nil {
		t.Fatalf("unmarshal %x: %v", b, err)
	}
	return v.GetValue()
}

// recv receives from ch, failing the test if nothing arrives within the
// package's timeout: a test never waits on a channel without a bound.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	wait := time.NewTimer(timeout)
	defer wait.Stop()
	select {
	case v := <-ch:
		return v
	case <-wait.C:
		t.Fatalf("timed out after %v waiting for %s", timeout, what)
	}
	var zero T
	return zero
}

// send sends v on ch, failing the test if nobody receives it within the
// package's timeout.
func send[T any](t testing.TB, ch chan<- T, v T, what string) {
	t.Helper()
	wait := time.NewTimer(timeout)
	defer wait.Stop()
	select {
	case ch <- v:
	case <-wait.C:
		t.Fatalf("timed out after %v waiting to %s", timeout, what)
	}
}

// expectError fails the test unless m is an error response to request id
// whose payload (protobuf) decodes to code.
func expectError(t testing.TB, m wire.Message, id uint32, code gamesrv.Code) *gamesrv.Error {
	t.Helper()
	if m.Type != wire.MessageResponse || m.ID != id || !m.Error {
		t.Fatalf("got %+v, want a %s error response to %d", m, code, id)
	}
	e, err := gamesrv.DecodeErrorPayload(gamesrv.ProtobufSerializer{}, m.Payload)
	if err != nil {
		t.Fatalf("error payload %x: %v", m.Payload, err)
	}
	if e.Code() != code {
		t.Fatalf("response to %d: code %s (%s), want %s", id, e.Code(), e.Message(), code)
	}
	return e
}
