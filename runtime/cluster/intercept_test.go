package cluster_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// callLog records the calls an interceptor sees: "server type/route kind
// peer metadata".
type callLog struct {
	mu    sync.Mutex
	calls []string
}

// interceptor records each call as it starts; an outgoing call gets the
// metadata "from" = server.
func (l *callLog) interceptor(server string) gamesrv.Interceptor {
	return func(next gamesrv.Handler) gamesrv.Handler {
		return func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
			if c.Type.Outgoing() {
				c.Metadata = map[string]string{"from": server}
			}
			resp, err := next(ctx, c)
			l.mu.Lock()
			l.calls = append(l.calls, fmt.Sprintf("%s %s/%s %s peer=%q from=%q session=%t request=%t code=%q",
				server, c.Type, c.Route, c.Kind, c.Peer, c.Metadata["from"], c.Session != nil, c.Request != nil, gamesrv.CodeOf(err)))
			l.mu.Unlock()
			return resp, err
		}
	}
}

func (l *callLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls)
}

func (l *callLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.calls
	l.calls = nil
	slices.Sort(out)
	return out
}

// TestInterceptorsSeeEveryCall: the server's interceptors wrap the calls it
// runs (a client's, forwarded, Remote), the node's the calls it sends
// (forwards, Remote calls), and metadata set on an outgoing call reaches
// the interceptors of the server that runs it.
func TestInterceptorsSeeEveryCall(t *testing.T) {
	checkGoroutines(t)
	var log callLog
	room := startNode(t, nodeConfig{id: "room", typ: "room",
		interceptors: []gamesrv.Interceptor{log.interceptor("room")},
		opts:         cluster.Options{Interceptors: []gamesrv.Interceptor{log.interceptor("room")}}})
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector", seeds: room.seed(),
		interceptors: []gamesrv.Interceptor{log.interceptor("gate")},
		opts:         cluster.Options{Interceptors: []gamesrv.Interceptor{log.interceptor("gate")}}})
	converge(t, 2, gate, room)
	c := dial(t, gate)
	if v, err := echo(context.Background(), c, "id"); err != nil || v != "room" {
		t.Fatalf("forwarded echo: %q, %v", v, err)
	}
	checkCalls(t, log.take(), []string{
		`gate client/room.room.echo request peer="" from="" session=true request=false code=""`,
		`gate forward-out/room.room.echo request peer="room" from="gate" session=true request=false code=""`,
		`room forward-in/room.room.echo request peer="gate" from="gate" session=true request=true code=""`,
	})

	resp := new(wrapperspb.StringValue)
	mustOK(t, gate.node.Call(context.Background(), whoamiRoute, &emptypb.Empty{}, resp))
	mustOK(t, room.node.Call(context.Background(), whoamiRoute, &emptypb.Empty{}, resp)) // in process
	checkCalls(t, log.take(), []string{
		`gate remote-out/room.room.whoami request peer="room" from="gate" session=false request=true code=""`,
		`room remote-in/room.room.whoami request peer="gate" from="gate" session=false request=true code=""`,
		`room remote-in/room.room.whoami request peer="room" from="room" session=false request=true code=""`,
		`room remote-out/room.room.whoami request peer="room" from="room" session=false request=true code=""`,
	})

	mustOK(t, gate.node.Notify(context.Background(), tickRoute, &emptypb.Empty{}))
	results := gate.node.Broadcast(context.Background(), whoamiRoute, &emptypb.Empty{}, func() proto.Message { return new(wrapperspb.StringValue) })
	if len(results) != 1 || results[0].Err != nil {
		t.Fatalf("broadcast: %+v", results)
	}
	testkit.Eventually(t, 5*time.Second, func() bool { return log.len() == 4 }, "the notify to run") // it ends after the call returned
	checkCalls(t, log.take(), []string{
		`gate remote-out/room.room.tick notify peer="room" from="gate" session=false request=true code=""`,
		`gate remote-out/room.room.whoami request peer="room" from="gate" session=false request=true code=""`,
		`room remote-in/room.room.tick notify peer="gate" from="gate" session=false request=true code=""`,
		`room remote-in/room.room.whoami request peer="gate" from="gate" session=false request=true code=""`,
	})
}

func checkCalls(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("calls seen:\n\t%s\nwant:\n\t%s", joinLines(got), joinLines(want))
	}
}

func joinLines(l []string) string {
	out := ""
	for i, s := range l {
		if i > 0 {
			out += "\n\t"
		}
		out += s
	}
	return out
}

// TestInterceptorsGuardForwards: on a frontend, the server's interceptors
// decide before a call is forwarded (RequireUID answers GS-401 without a
// round trip), may replace the backend's answer, and a panic in one is
// GS-500, on either side of the link.
func TestInterceptorsGuardForwards(t *testing.T) {
	checkGoroutines(t)
	replace := func(next gamesrv.Handler) gamesrv.Handler {
		return func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
			resp, err := next(ctx, c)
			if c.Kind == gamesrv.KindRequest && err == nil && c.Session.UID() == "ann" {
				return wrapperspb.String("replaced"), nil
			}
			return resp, err
		}
	}
	var panicOn atomic.Value // the call type whose interceptor panics
	panicOn.Store(gamesrv.CallType(0))
	panicky := func(next gamesrv.Handler) gamesrv.Handler {
		return func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
			if panicOn.Load() == c.Type {
				panic("interceptor boom")
			}
			return next(ctx, c)
		}
	}
	room := startNode(t, nodeConfig{id: "room", typ: "room", interceptors: []gamesrv.Interceptor{panicky}})
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector", seeds: room.seed(),
		interceptors: []gamesrv.Interceptor{replace, server.RequireUID(echoRoute), panicky},
		opts:         cluster.Options{Interceptors: []gamesrv.Interceptor{panicky}}})
	converge(t, 2, gate, room)
	c := dial(t, gate)
	ctx := context.Background()

	err := c.Request(ctx, "room.room.unknown", &emptypb.Empty{}, new(emptypb.Empty))
	if gamesrv.CodeOf(err) != gamesrv.CodeUnauthenticated {
		t.Errorf("a forwarded route before login: %v, want GS-401 from the frontend", err)
	}
	for _, typ := range []gamesrv.CallType{gamesrv.CallClient, gamesrv.CallForwardOut, gamesrv.CallForwardIn} {
		panicOn.Store(typ)
		if _, err := echo(ctx, c, "uid"); gamesrv.CodeOf(err) != gamesrv.CodeInternal {
			t.Errorf("interceptor panic on %s: %v, want GS-500", typ, err)
		}
	}
	panicOn.Store(gamesrv.CallType(0))
	if v, err := echo(ctx, c, "bind:ann"); err != nil || v != "replaced" {
		t.Errorf("echo after login: %q, %v; want the frontend interceptor's answer", v, err)
	}
}
