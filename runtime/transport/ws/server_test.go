package ws

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// A hand-written service in the shape protoc-gen-gamesrv generates.
const (
	echoRoute = "test.echo.echo"
	sayRoute  = "test.echo.say"
	pushRoute = "onEcho"
)

// echoDesc: Echo answers its input ("push" first pushes "pushed", "fail"
// answers the error APP-1); Say pushes its input back.
var echoDesc = gamesrv.ServiceDesc{
	Name:       "test.Echo",
	ServerType: "test",
	Routes: []gamesrv.Route{
		{
			Name: echoRoute, Method: "Echo", Kind: gamesrv.KindRequest,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			Handle: func(ctx context.Context, _ any, s gamesrv.Session, req proto.Message) (proto.Message, error) {
				v := req.(*wrapperspb.StringValue).GetValue()
				switch v {
				case "push":
					if err := s.Push(ctx, pushRoute, wrapperspb.String("pushed")); err != nil {
						return nil, err
					}
				case "fail":
					return nil, gamesrv.NewError("APP-1", "app failure")
				}
				return wrapperspb.String(v), nil
			},
		},
		{
			Name: sayRoute, Method: "Say", Kind: gamesrv.KindNotify,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			Handle: func(ctx context.Context, _ any, s gamesrv.Session, req proto.Message) (proto.Message, error) {
				return nil, s.Push(ctx, pushRoute, req)
			},
		},
		{
			Name: pushRoute, Method: "OnEcho", Kind: gamesrv.KindPush,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			HandlePush: func(_ context.Context, h any, m proto.Message) {
				h.(chan string) <- m.(*wrapperspb.StringValue).GetValue()
			},
		},
	},
}

// TestGoClientThroughServer runs the Go client over ws:// against a real
// server: handshake, requests, an error, a notify, pushes and concurrent
// requests.
func TestGoClientThroughServer(t *testing.T) {
	t.Parallel()
	srv, err := server.New(server.Options{Logger: testkit.Logger(t), Heartbeat: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.RegisterService(&echoDesc, struct{}{}); err != nil {
		t.Fatal(err)
	}
	l := New("127.0.0.1:0", Options{EventLoops: 2})
	if err := srv.Start(l); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})

	ctx := context.Background()
	c, err := client.Dial(ctx, "ws://"+l.Addr().String()+"/", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pushes := make(chan string, 16)
	if err := c.RegisterPushHandler(&echoDesc, pushes); err != nil {
		t.Fatal(err)
	}

	resp := new(wrapperspb.StringValue)
	if err := c.Request(ctx, echoRoute, wrapperspb.String("over websocket"), resp); err != nil || resp.GetValue() != "over websocket" {
		t.Fatalf("echo: %v %v", resp, err)
	}
	if err := c.Request(ctx, echoRoute, wrapperspb.String("fail"), resp); gamesrv.CodeOf(err) != "APP-1" {
		t.Errorf("error response: %v", err)
	}
	if err := c.Request(ctx, echoRoute, wrapperspb.String("push"), resp); err != nil {
		t.Fatal(err)
	}
	expectPush(t, pushes, "pushed")
	if err := c.Notify(ctx, sayRoute, wrapperspb.String("said")); err != nil {
		t.Fatal(err)
	}
	expectPush(t, pushes, "said")

	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			want := fmt.Sprint("req-", i)
			r := new(wrapperspb.StringValue)
			if err := c.Request(ctx, echoRoute, wrapperspb.String(want), r); err != nil || r.GetValue() != want {
				t.Errorf("request %d: %v %v", i, r, err)
			}
		})
	}
	wg.Wait()
}

func expectPush(t *testing.T, pushes <-chan string, want string) {
	t.Helper()
	select {
	case v := <-pushes:
		if v != want {
			t.Errorf("push %q, want %q", v, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no push %q within 5s", want)
	}
}
