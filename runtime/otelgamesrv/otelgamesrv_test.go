package otelgamesrv_test

import (
	"context"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/otelgamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const (
	echoRoute   = "room.room.echo"   // client request served by the room server: echoes, "fail" fails
	whoamiRoute = "room.room.whoami" // internal request: the room server's id
	askRoute    = "connector.gate.ask"
	timeout     = 10 * time.Second
)

var roomDesc = gamesrv.ServiceDesc{
	Name: "test.Room", ServerType: "room",
	Routes: []gamesrv.Route{
		{
			Name: echoRoute, Method: "Echo", Kind: gamesrv.KindRequest,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			Handle: func(_ context.Context, _ any, _ gamesrv.Session, req proto.Message) (proto.Message, error) {
				if v := req.(*wrapperspb.StringValue).GetValue(); v != "fail" {
					return wrapperspb.String(v), nil
				}
				return nil, gamesrv.NewError("APP-NOPE", "nope")
			},
		},
		{
			Name: whoamiRoute, Method: "Whoami", Kind: gamesrv.KindRequest, Internal: true,
			NewRequest: func() proto.Message { return new(emptypb.Empty) },
			Handle: func(_ context.Context, h any, _ gamesrv.Session, _ proto.Message) (proto.Message, error) {
				return wrapperspb.String(h.(*server.Server).ID()), nil
			},
		},
	},
}

// gateDesc's ask route makes a Remote call to the room server's whoami.
var gateDesc = gamesrv.ServiceDesc{
	Name: "test.Gate", ServerType: "connector",
	Routes: []gamesrv.Route{{
		Name: askRoute, Method: "Ask", Kind: gamesrv.KindRequest,
		NewRequest: func() proto.Message { return new(emptypb.Empty) },
		Handle: func(ctx context.Context, h any, _ gamesrv.Session, _ proto.Message) (proto.Message, error) {
			resp := new(wrapperspb.StringValue)
			return resp, h.(*gateHandler).node.Call(ctx, whoamiRoute, &emptypb.Empty{}, resp)
		},
	}},
}

type gateHandler struct{ node *cluster.Node }

// tracedServer is a server of the test cluster with its own tracer
// provider, as in separate processes.
type tracedServer struct {
	srv   *server.Server
	node  *cluster.Node
	spans *tracetest.InMemoryExporter
	addr  string // the client listener's, if any
}

// startTraced starts a server that traces its calls (unless untraced)
// into its own exporter.
func startTraced(t testing.TB, id string, seeds []string, register func(*server.Server) error, listen, untraced bool) *tracedServer {
	t.Helper()
	ts := &tracedServer{spans: tracetest.NewInMemoryExporter()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(ts.spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	var interceptors []gamesrv.Interceptor
	if !untraced {
		interceptors = append(interceptors, otelgamesrv.Interceptor(otelgamesrv.Options{TracerProvider: tp}))
	}
	srv, err := server.New(server.Options{ServerID: id, Logger: testkit.Logger(t), Interceptors: interceptors})
	mustOK(t, err)
	mustOK(t, register(srv))
	ts.srv = srv
	ts.node, err = cluster.New(srv, cluster.Options{Profile: cluster.ProfileFast, Seeds: seeds, Interceptors: interceptors})
	mustOK(t, err)
	if listen {
		l := tcp.New("127.0.0.1:0", tcp.Options{EventLoops: 1})
		mustOK(t, srv.Start(l))
		ts.addr = "tcp://" + l.Addr().String()
	} else {
		mustOK(t, srv.Start())
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return ts
}

// startCluster starts a room server and a connector (with a client
// listener) that forwards the room routes to it, and returns them with a
// client of the connector.
func startCluster(t testing.TB, untraced bool) (gate, room *tracedServer, c *client.Client) {
	room = startTraced(t, "room-1", nil, func(srv *server.Server) error { return srv.RegisterService(&roomDesc, srv) }, false, untraced)
	g := &gateHandler{}
	gate = startTraced(t, "gate-1", []string{room.node.Membership().GossipAddr()}, func(srv *server.Server) error {
		if err := srv.RegisterService(&gateDesc, g); err != nil {
			return err
		}
		return srv.RegisterRoutes(&roomDesc)
	}, true, untraced)
	g.node = gate.node
	testkit.Eventually(t, timeout, func() bool {
		return gate.node.Membership().NumMembers() == 2 && room.node.Membership().NumMembers() == 2
	}, "the cluster to converge")
	c, err := client.Dial(context.Background(), gate.addr, client.Options{Logger: testkit.Logger(t)})
	mustOK(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return gate, room, c
}

// TestForwardIsOneTrace: a client request the connector forwards is one
// trace of three spans: the connector's server span, its client span for
// the forward, and the room server's server span, each the parent of the
// next; the trace context crossed the link in the call's metadata.
func TestForwardIsOneTrace(t *testing.T) {
	gate, room, c := startCluster(t, false)
	resp := new(wrapperspb.StringValue)
	mustOK(t, c.Request(context.Background(), echoRoute, wrapperspb.String("hi"), resp))
	if resp.GetValue() != "hi" {
		t.Fatalf("echo answered %q", resp.GetValue())
	}
	front, back := ended(t, gate, 2), ended(t, room, 1)
	request, forward := byKind(t, front, trace.SpanKindServer), byKind(t, front, trace.SpanKindClient)
	handler := back[0]
	checkChain(t, request, forward, handler)
	for _, tc := range []struct {
		span       tracetest.SpanStub
		call, peer string
	}{
		{request, "client", ""},
		{forward, "forward-out", "room-1"},
		{handler, "forward-in", "gate-1"},
	} {
		checkAttrs(t, tc.span, map[attribute.Key]string{
			otelgamesrv.AttrRoute: echoRoute, otelgamesrv.AttrKind: "request", otelgamesrv.AttrCall: tc.call,
			otelgamesrv.AttrPeer: tc.peer, otelgamesrv.AttrFrontend: "gate-1", otelgamesrv.AttrCode: "",
		})
		if tc.span.Name != echoRoute || tc.span.Status.Code == codes.Error {
			t.Errorf("%s span: name %q, status %v", tc.call, tc.span.Name, tc.span.Status)
		}
		if id, ok := attr(tc.span, otelgamesrv.AttrSessionID); !ok || id.AsInt64() <= 0 {
			t.Errorf("%s span: session id %v", tc.call, id)
		}
	}
}

// TestErrorIsRecorded: a handler's coded error marks every span of the
// trace with its code and the status Error.
func TestErrorIsRecorded(t *testing.T) {
	gate, room, c := startCluster(t, false)
	err := c.Request(context.Background(), echoRoute, wrapperspb.String("fail"), new(wrapperspb.StringValue))
	if gamesrv.CodeOf(err) != "APP-NOPE" {
		t.Fatalf("echo of fail: %v, want APP-NOPE", err)
	}
	front, back := ended(t, gate, 2), ended(t, room, 1)
	for _, s := range append(front, back...) {
		checkAttrs(t, s, map[attribute.Key]string{otelgamesrv.AttrCode: "APP-NOPE"})
		if s.Status.Code != codes.Error || s.Status.Description != "nope" {
			t.Errorf("%s span: status %v, want Error nope", s.SpanKind, s.Status)
		}
	}
}

// TestRemoteCallIsOneTrace: a handler's Remote call is a client span
// under the handler's span, and the server span of the server that runs
// it continues the same trace.
func TestRemoteCallIsOneTrace(t *testing.T) {
	gate, room, c := startCluster(t, false)
	resp := new(wrapperspb.StringValue)
	mustOK(t, c.Request(context.Background(), askRoute, &emptypb.Empty{}, resp))
	if resp.GetValue() != "room-1" {
		t.Fatalf("ask answered %q", resp.GetValue())
	}
	front, back := ended(t, gate, 2), ended(t, room, 1)
	request, call := byKind(t, front, trace.SpanKindServer), byKind(t, front, trace.SpanKindClient)
	checkChain(t, request, call, back[0])
	checkAttrs(t, request, map[attribute.Key]string{otelgamesrv.AttrRoute: askRoute, otelgamesrv.AttrCall: "client"})
	checkAttrs(t, call, map[attribute.Key]string{otelgamesrv.AttrRoute: whoamiRoute, otelgamesrv.AttrCall: "remote-out", otelgamesrv.AttrPeer: "room-1"})
	checkAttrs(t, back[0], map[attribute.Key]string{otelgamesrv.AttrRoute: whoamiRoute, otelgamesrv.AttrCall: "remote-in", otelgamesrv.AttrPeer: "gate-1"})
	if _, ok := attr(call, otelgamesrv.AttrSessionID); ok {
		t.Error("a Remote call's span has a session")
	}
}

// ended waits for n spans of ts to end and returns them.
func ended(t *testing.T, ts *tracedServer, n int) tracetest.SpanStubs {
	t.Helper()
	testkit.Eventually(t, timeout, func() bool { return len(ts.spans.GetSpans()) >= n }, "spans to end")
	spans := ts.spans.GetSpans()
	if len(spans) != n {
		t.Fatalf("%s ended %d spans, want %d: %v", ts.srv.ID(), len(spans), n, names(spans))
	}
	return spans
}

func byKind(t *testing.T, spans tracetest.SpanStubs, kind trace.SpanKind) tracetest.SpanStub {
	t.Helper()
	for _, s := range spans {
		if s.SpanKind == kind {
			return s
		}
	}
	t.Fatalf("no %s span in %v", kind, names(spans))
	return tracetest.SpanStub{}
}

// checkChain checks that spans are one trace, each the child of the one
// before, the first a root, the last's parent remote.
func checkChain(t *testing.T, spans ...tracetest.SpanStub) {
	t.Helper()
	if spans[0].Parent.IsValid() {
		t.Errorf("the first span has a parent: %v", spans[0].Parent)
	}
	for i := 1; i < len(spans); i++ {
		parent, child := spans[i-1].SpanContext, spans[i]
		if child.SpanContext.TraceID() != parent.TraceID() {
			t.Errorf("span %d is in trace %s, span %d in %s", i, child.SpanContext.TraceID(), i-1, parent.TraceID())
		}
		if child.Parent.SpanID() != parent.SpanID() {
			t.Errorf("span %d's parent is %s, want span %d, %s", i, child.Parent.SpanID(), i-1, parent.SpanID())
		}
	}
	if last := spans[len(spans)-1]; !last.Parent.IsRemote() {
		t.Error("the last span's parent is not remote: the trace context did not cross the link")
	}
}

// checkAttrs checks attributes of a span; "" means absent.
func checkAttrs(t *testing.T, s tracetest.SpanStub, want map[attribute.Key]string) {
	t.Helper()
	for k, w := range want {
		v, ok := attr(s, k)
		switch {
		case w == "" && ok:
			t.Errorf("%s %s span: %s = %q, want none", s.Name, s.SpanKind, k, v.String())
		case w != "" && v.String() != w:
			t.Errorf("%s %s span: %s = %q, want %q", s.Name, s.SpanKind, k, v.String(), w)
		}
	}
}

func attr(s tracetest.SpanStub, k attribute.Key) (attribute.Value, bool) {
	for _, a := range s.Attributes {
		if a.Key == k {
			return a.Value, true
		}
	}
	return attribute.Value{}, false
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name+"/"+s.SpanKind.String())
	}
	return out
}

func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
