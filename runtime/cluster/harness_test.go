package cluster_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Routes of the hand-written test services (the shape protoc-gen-gamesrv
// generates).
const (
	echoRoute   = "room.room.echo"   // client request, behaviour chosen by the value
	noteRoute   = "room.room.note"   // client notify
	whoamiRoute = "room.room.whoami" // internal request: the server's id
	tickRoute   = "room.room.tick"   // internal notify
	helloRoute  = "connector.gate.hello"
	pushRoute   = "onRoom"
)

// roomHandler answers echo according to its input:
// "id" its server id, "push:x" pushes x first, "kick", "bind:uid",
// "set:k=v", "get:k", "pin" (pins the session here), "join" (joins group
// "g"), "block" (waits for release), "uid", "login:uid" (binds, then joins
// group "g" with a close hook that reports to hookStarted, waits for
// hookRelease and counts in hooks, and answers the hooks counted and the
// group's size).
type roomHandler struct {
	srv      *server.Server
	release  chan struct{}
	blocked  chan struct{}
	canceled chan time.Duration // a blocked echo ended by its context: the deadline it saw, from now
	ticks    atomic.Int32
	notes    chan string
	// hookStarted receives when a close hook of a "login" session starts;
	// the hook ends once hookRelease is closed, and counts in hooks.
	hookStarted chan struct{}
	hookRelease chan struct{}
	hooks       atomic.Int32
}

func (h *roomHandler) echo(ctx context.Context, s gamesrv.Session, v string) (string, error) {
	verb, arg, _ := strings.Cut(v, ":")
	switch verb {
	case "id":
		return h.srv.ID(), nil
	case "push":
		return "pushed", s.Push(ctx, pushRoute, wrapperspb.String(arg))
	case "kick":
		return "", s.Kick(ctx, "bye")
	case "bind":
		return arg, s.Bind(ctx, arg)
	case "uid":
		return s.UID(), nil
	case "login":
		if err := s.Bind(ctx, arg); err != nil {
			return "", err
		}
		hooks, g := h.hooks.Load(), h.srv.Group("g")
		if !g.Contains(s) {
			s.OnClose(func(gamesrv.Session) {
				h.hookStarted <- struct{}{}
				<-h.hookRelease
				h.hooks.Add(1)
			})
			if err := g.Add(s); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("hooks=%d members=%d", hooks, g.Len()), nil
	case "set":
		k, val, _ := strings.Cut(arg, "=")
		s.Set(k, val)
		return val, nil
	case "get":
		val, _ := s.Get(arg)
		return val, nil
	case "pin":
		gamesrv.ServerKey("room").Set(s, h.srv.ID())
		return h.srv.ID(), nil
	case "join":
		return h.srv.ID(), h.srv.Group("g").Add(s)
	case "block":
		h.blocked <- struct{}{}
		select {
		case <-h.release:
			return "released", nil
		case <-ctx.Done():
			d, _ := ctx.Deadline()
			h.canceled <- time.Until(d)
			return "", ctx.Err()
		}
	}
	return v, nil
}

var roomDesc = gamesrv.ServiceDesc{
	Name: "test.Room", ServerType: "room",
	Routes: []gamesrv.Route{
		{
			Name: echoRoute, Method: "Echo", Kind: gamesrv.KindRequest,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			Handle: func(ctx context.Context, h any, s gamesrv.Session, req proto.Message) (proto.Message, error) {
				v, err := h.(*roomHandler).echo(ctx, s, req.(*wrapperspb.StringValue).GetValue())
				if err != nil {
					return nil, err
				}
				return wrapperspb.String(v), nil
			},
		},
		{
			Name: noteRoute, Method: "Note", Kind: gamesrv.KindNotify,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			Handle: func(_ context.Context, h any, _ gamesrv.Session, req proto.Message) (proto.Message, error) {
				h.(*roomHandler).notes <- req.(*wrapperspb.StringValue).GetValue()
				return nil, nil
			},
		},
		{
			Name: whoamiRoute, Method: "Whoami", Kind: gamesrv.KindRequest, Internal: true,
			NewRequest: func() proto.Message { return new(emptypb.Empty) },
			Handle: func(_ context.Context, h any, _ gamesrv.Session, _ proto.Message) (proto.Message, error) {
				return wrapperspb.String(h.(*roomHandler).srv.ID()), nil
			},
		},
		{
			Name: tickRoute, Method: "Tick", Kind: gamesrv.KindNotify, Internal: true,
			NewRequest: func() proto.Message { return new(emptypb.Empty) },
			Handle: func(_ context.Context, h any, _ gamesrv.Session, _ proto.Message) (proto.Message, error) {
				h.(*roomHandler).ticks.Add(1)
				return nil, nil
			},
		},
		{Name: pushRoute, Method: "OnRoom", Kind: gamesrv.KindPush, NewRequest: func() proto.Message { return new(wrapperspb.StringValue) }},
	},
}

var gateDesc = gamesrv.ServiceDesc{
	Name: "test.Gate", ServerType: "connector",
	Routes: []gamesrv.Route{{
		Name: helloRoute, Method: "Hello", Kind: gamesrv.KindRequest,
		NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
		Handle: func(context.Context, any, gamesrv.Session, proto.Message) (proto.Message, error) {
			return wrapperspb.String("hello"), nil
		},
	}},
}

// testNode is one server of an in-process test cluster.
type testNode struct {
	srv  *server.Server
	node *cluster.Node
	room *roomHandler
	addr string // client address, for connectors
}

// nodeConfig describes a test server.
type nodeConfig struct {
	id    string
	typ   string // "room" or "connector"
	seeds []string
	opts  cluster.Options
	ser   gamesrv.Serializer // the client payloads' serializer; default protobuf
	// interceptors are the server's (server.Options.Interceptors); the
	// node's are in opts.
	interceptors []gamesrv.Interceptor
}

// startNode starts a server of the given type in the cluster and stops it
// when the test ends.
func startNode(t testing.TB, cfg nodeConfig) *testNode {
	t.Helper()
	srv, err := server.New(server.Options{ServerID: cfg.id, Logger: testkit.Logger(t), ForwardTimeout: 3 * time.Second, Serializer: cfg.ser,
		Interceptors: cfg.interceptors})
	if err != nil {
		t.Fatal(err)
	}
	tn := &testNode{srv: srv}
	if cfg.typ == "room" {
		tn.room = &roomHandler{srv: srv, release: make(chan struct{}), blocked: make(chan struct{}, 16),
			canceled: make(chan time.Duration, 16), notes: make(chan string, 16),
			hookStarted: make(chan struct{}, 16), hookRelease: make(chan struct{})}
		mustOK(t, srv.RegisterService(&roomDesc, tn.room))
	} else {
		mustOK(t, srv.RegisterService(&gateDesc, struct{}{}))
		mustOK(t, srv.RegisterRoutes(&roomDesc))
	}
	o := cfg.opts
	o.Profile, o.Seeds = cluster.ProfileFast, cfg.seeds
	if tn.node, err = cluster.New(srv, o); err != nil {
		t.Fatal(err)
	}
	var listeners []*tcp.Listener
	if cfg.typ == "connector" {
		listeners = append(listeners, tcp.New("127.0.0.1:0", tcp.Options{EventLoops: 1}))
	}
	start(t, srv, listeners)
	if len(listeners) > 0 {
		tn.addr = "tcp://" + listeners[0].Addr().String()
	}
	return tn
}

func start(t testing.TB, srv *server.Server, listeners []*tcp.Listener) {
	t.Helper()
	var err error
	if len(listeners) > 0 {
		err = srv.Start(listeners[0])
	} else {
		err = srv.Start()
	}
	mustOK(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
}

func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// seed returns the gossip address of a node, for others to join.
func (tn *testNode) seed() []string { return []string{tn.node.Membership().GossipAddr()} }

// converge waits until every node sees n members.
func converge(t testing.TB, n int, nodes ...*testNode) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, func() bool {
		for _, tn := range nodes {
			if tn.node.Membership().NumMembers() != n {
				return false
			}
		}
		return true
	}, "the cluster to converge")
}

// dial connects a client to a connector.
func dial(t *testing.T, tn *testNode) *client.Client {
	t.Helper()
	c, err := client.Dial(context.Background(), tn.addr, client.Options{Logger: testkit.Logger(t)})
	mustOK(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// echo sends an echo request through a client.
func echo(ctx context.Context, c *client.Client, v string) (string, error) {
	resp := new(wrapperspb.StringValue)
	err := c.Request(ctx, echoRoute, wrapperspb.String(v), resp)
	return resp.GetValue(), err
}

// checkGoroutines fails the test if goroutines started during it are still
// running once it ended.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		testkit.Eventually(t, 10*time.Second, func() bool { return runtime.NumGoroutine() <= before+2 }, "goroutines to end")
	})
}

// crash stops a node's gossip and links at once, without leaving the
// cluster and without waiting for the calls it serves: what peers see of a
// killed process.
func crash(t *testing.T, tn *testNode) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	mustOK(t, tn.node.Close(ctx))
}
