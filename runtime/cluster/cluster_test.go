package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestJoinConvergence(t *testing.T) {
	checkGoroutines(t)
	first := startNode(t, nodeConfig{id: "gate-1", typ: "connector"})
	nodes := []*testNode{first}
	for i := range 4 {
		nodes = append(nodes, startNode(t, nodeConfig{id: fmt.Sprintf("room-%d", i), typ: "room", seeds: first.seed()}))
	}
	converge(t, 5, nodes...)
	for _, tn := range nodes {
		if got := len(tn.node.Membership().ByType("room")); got != 4 {
			t.Errorf("%s sees %d rooms", tn.srv.ID(), got)
		}
	}
}

func TestKilledNodeLeavesEveryView(t *testing.T) {
	checkGoroutines(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	victim := startNode(t, nodeConfig{id: "victim", typ: "room", seeds: gate.seed()})
	others := []*testNode{gate}
	for i := range 3 {
		others = append(others, startNode(t, nodeConfig{id: fmt.Sprintf("room-%d", i), typ: "room", seeds: gate.seed()}))
	}
	converge(t, 5, append(others, victim)...)
	killed := time.Now()
	crash(t, victim) // no Leave: peers must detect it
	// The bound is generous: how fast the fast profile detects a kill is a
	// measurement (make cluster-scale, make bench), not a timed test.
	testkit.Eventually(t, 30*time.Second, func() bool {
		for _, tn := range others {
			if _, ok := tn.node.Membership().Member("victim"); ok {
				return false
			}
		}
		return true
	}, "every view to drop the killed node")
	t.Logf("killed node left every view after %v", time.Since(killed))
}

// cluster3 is a connector with three rooms.
func cluster3(t *testing.T, opts cluster.Options) (*testNode, []*testNode) {
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector", opts: opts})
	var rooms []*testNode
	for i := range 3 {
		o := opts
		o.Weight = i + 1
		rooms = append(rooms, startNode(t, nodeConfig{id: fmt.Sprintf("room-%d", i), typ: "room", seeds: gate.seed(), opts: o}))
	}
	converge(t, 4, append(rooms, gate)...)
	return gate, rooms
}

func TestForwardRoundTrip(t *testing.T) {
	checkGoroutines(t)
	gate, rooms := cluster3(t, cluster.Options{})
	c := dial(t, gate)
	ctx := context.Background()
	if _, ok := c.Dict()[echoRoute]; !ok {
		t.Errorf("the connector's dictionary lacks the declared remote route %s", echoRoute)
	}
	if v, err := echo(ctx, c, "through the gate"); err != nil || v != "through the gate" {
		t.Fatalf("forwarded echo: %q %v", v, err)
	}
	hello := new(wrapperspb.StringValue)
	if err := c.Request(ctx, helloRoute, wrapperspb.String(""), hello); err != nil || hello.GetValue() != "hello" {
		t.Fatalf("local route: %v %v", hello, err)
	}
	first, _ := echo(ctx, c, "id")
	for range 5 { // sticky by default: the same room answers the same player
		if id, _ := echo(ctx, c, "id"); id != first {
			t.Fatalf("answered by %s then %s", first, id)
		}
	}
	mustOK(t, c.Notify(ctx, noteRoute, wrapperspb.String("a note")))
	if got := <-roomByID(rooms, first).room.notes; got != "a note" {
		t.Errorf("note %q", got)
	}
	_, err := echo(ctx, c, "get:k") // data changes come back to the frontend
	mustOK(t, err)
	mustOK(t, errOf(echo(ctx, c, "set:k=v")))
	if v, _ := echo(ctx, c, "get:k"); v != "v" {
		t.Errorf("data set on the backend reads %q", v)
	}
	err = c.Request(ctx, "room.room.nope", wrapperspb.String(""), new(wrapperspb.StringValue))
	if gamesrv.CodeOf(err) != gamesrv.CodeNotFound {
		t.Errorf("unknown remote route: %v", err)
	}
	err = c.Request(ctx, "lobby.x.y", wrapperspb.String(""), new(wrapperspb.StringValue))
	if gamesrv.CodeOf(err) != gamesrv.CodeUnavailable {
		t.Errorf("route of a type nobody serves: %v, want GS-503", err)
	}
}

func errOf(_ string, err error) error { return err }

func roomByID(rooms []*testNode, id string) *testNode {
	for _, r := range rooms {
		if r.srv.ID() == id {
			return r
		}
	}
	return nil
}

func TestNoServerOfTypeIs503(t *testing.T) {
	checkGoroutines(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	c := dial(t, gate)
	_, err := echo(context.Background(), c, "x")
	if gamesrv.CodeOf(err) != gamesrv.CodeUnavailable {
		t.Fatalf("got %v, want GS-503", err)
	}
}

func TestPolicies(t *testing.T) {
	checkGoroutines(t)
	gate, _ := cluster3(t, cluster.Options{})
	remote := gate.node
	ctx := context.Background()
	whoami := func(opts ...gamesrv.CallOption) string {
		resp := new(wrapperspb.StringValue)
		mustOK(t, remote.Call(ctx, whoamiRoute, &emptypb.Empty{}, resp, opts...))
		return resp.GetValue()
	}
	count := func(n int, opts ...gamesrv.CallOption) map[string]int {
		got := map[string]int{}
		for range n {
			got[whoami(opts...)]++
		}
		return got
	}
	// Policies without a key choose among the servers the gate has a link
	// to (a server whose link is still being dialled gets work once it is
	// up): link to the three first.
	for _, id := range []string{"room-0", "room-1", "room-2"} {
		whoami(gamesrv.ToServer(id))
	}
	t.Run("round robin", func(t *testing.T) {
		for id, n := range count(30) {
			if n != 10 {
				t.Errorf("%s got %d of 30", id, n)
			}
		}
	})
	t.Run("random", func(t *testing.T) {
		if got := count(90, gamesrv.WithPolicy(gamesrv.PolicyRandom)); len(got) != 3 {
			t.Errorf("random reached %v", got)
		}
	})
	t.Run("weighted", func(t *testing.T) { // weights 1, 2, 3
		got := count(600, gamesrv.WithPolicy(gamesrv.PolicyWeighted))
		if !(got["room-0"] < got["room-1"] && got["room-1"] < got["room-2"]) {
			t.Errorf("weighted distribution %v does not follow weights 1, 2, 3", got)
		}
	})
	t.Run("sticky", func(t *testing.T) {
		servers := map[string]bool{}
		for k := range 30 {
			key := fmt.Sprint("player-", k)
			first := whoami(gamesrv.WithKey(key))
			for range 3 {
				if id := whoami(gamesrv.WithKey(key)); id != first {
					t.Fatalf("key %s went to %s then %s", key, first, id)
				}
			}
			servers[first] = true
		}
		if len(servers) != 3 {
			t.Errorf("30 keys used only %v", servers)
		}
	})
	t.Run("router", func(t *testing.T) {
		last := func(_ context.Context, _, _ string, c []gamesrv.ServerInfo) (string, error) {
			return c[len(c)-1].ID, nil
		}
		if got := count(5, gamesrv.WithRouter(last)); got["room-2"] != 5 {
			t.Errorf("router: %v", got)
		}
	})
	t.Run("by id", func(t *testing.T) {
		if id := whoami(gamesrv.ToServer("room-1")); id != "room-1" {
			t.Errorf("ToServer(room-1) answered by %s", id)
		}
	})
}

func TestBroadcastAndNotify(t *testing.T) {
	checkGoroutines(t)
	gate, rooms := cluster3(t, cluster.Options{})
	ctx := context.Background()
	results := gate.node.Broadcast(ctx, whoamiRoute, &emptypb.Empty{}, func() proto.Message { return new(wrapperspb.StringValue) })
	replies := gamesrv.Replies[*wrapperspb.StringValue](results)
	if len(replies) != 3 {
		t.Fatalf("%d replies", len(replies))
	}
	for i, r := range replies {
		if r.Err != nil || r.ServerID != fmt.Sprint("room-", i) || r.Response.GetValue() != r.ServerID {
			t.Errorf("reply %d: %+v", i, r)
		}
	}
	for _, r := range rooms {
		mustOK(t, gate.node.Notify(ctx, tickRoute, &emptypb.Empty{}, gamesrv.ToServer(r.srv.ID())))
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		return rooms[0].room.ticks.Load() == 1 && rooms[1].room.ticks.Load() == 1 && rooms[2].room.ticks.Load() == 1
	}, "every room to get its tick")
}

// pushes collects the raw pushes of a client.
func pushes(c *client.Client) chan string {
	ch := make(chan string, 16)
	c.HandleRawPush(func(route string, payload []byte) {
		var v wrapperspb.StringValue
		_ = proto.Unmarshal(payload, &v)
		ch <- route + ":" + v.GetValue()
	})
	return ch
}

func recv(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("nothing received within 5s")
		return ""
	}
}

func TestBackendSessionReachesTheClient(t *testing.T) {
	checkGoroutines(t)
	gate, _ := cluster3(t, cluster.Options{})
	c := dial(t, gate)
	got := pushes(c)
	ctx := context.Background()

	if v, err := echo(ctx, c, "push:hi"); err != nil || v != "pushed" {
		t.Fatalf("push: %q %v", v, err)
	}
	if p := recv(t, got); p != pushRoute+":hi" {
		t.Errorf("push %q", p)
	}
	if _, err := echo(ctx, c, "bind:ann"); err != nil {
		t.Fatal(err)
	}
	if s, ok := gate.srv.SessionByUID("ann"); !ok || s.UID() != "ann" {
		t.Fatal("bind on the backend did not reach the frontend")
	}
	if v, _ := echo(ctx, c, "uid"); v != "ann" {
		t.Errorf("backend sees uid %q", v)
	}
	_, _ = echo(ctx, c, "kick")
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("kick did not reach the client")
	}
	var k *client.KickError
	if !errors.As(c.Err(), &k) || k.Reason != "bye" {
		t.Errorf("client ended with %v, want the backend's kick reason", c.Err())
	}
}

// TestBackendBindReturnsAfterTheKickedSessionEnded: a Bind on a backend
// travels to the frontend, which kicks the session holding the uid; when
// it returns, the backend's view of the kicked session has run its close
// hooks and left its groups (the chat example's ghost member, in a
// cluster).
func TestBackendBindReturnsAfterTheKickedSessionEnded(t *testing.T) {
	checkGoroutines(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed()})
	converge(t, 2, gate, room)
	release := sync.OnceFunc(func() { close(room.room.hookRelease) })
	t.Cleanup(release) // before the shutdown, even when the test fails
	ctx := context.Background()
	first, second := dial(t, gate), dial(t, gate)
	if v, err := echo(ctx, first, "login:ann"); err != nil || v != "hooks=0 members=1" {
		t.Fatalf("first login: %q %v", v, err)
	}
	type answer struct {
		v   string
		err error
	}
	answered := make(chan answer, 1)
	go func() {
		v, err := echo(ctx, second, "login:ann")
		answered <- answer{v, err}
	}()
	// The backend's close hook of the first session runs (and is held)
	// while the second session's Bind waits for it.
	select {
	case <-room.room.hookStarted:
	case <-time.After(5 * time.Second):
		t.Fatal("the backend's close hook of the first session did not run")
	}
	release()
	select {
	case a := <-answered:
		if a.err != nil || a.v != "hooks=1 members=1" {
			t.Fatalf("second login: %q %v, want hooks=1 members=1 (the kicked session's view ended)", a.v, a.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no answer to the second login")
	}
	select {
	case <-first.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the first session was not kicked")
	}
	if s, ok := gate.srv.SessionByUID("ann"); !ok || room.srv.Group("g").Len() != 1 || !room.srv.Group("g").Contains(s) {
		t.Error("ann is not the second session, alone in the group")
	}
}

func TestPushToUIDOnAnotherFrontend(t *testing.T) {
	checkGoroutines(t)
	gate1 := startNode(t, nodeConfig{id: "gate-1", typ: "connector"})
	gate2 := startNode(t, nodeConfig{id: "gate-2", typ: "connector", seeds: gate1.seed()})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate1.seed()})
	converge(t, 3, gate1, gate2, room)
	ann, bob := dial(t, gate1), dial(t, gate2)
	annGot, bobGot := pushes(ann), pushes(bob)
	ctx := context.Background()
	mustOK(t, errOf(echo(ctx, ann, "bind:ann")))
	mustOK(t, errOf(echo(ctx, bob, "bind:bob")))

	mustOK(t, gate1.srv.Push(ctx, gamesrv.ToUIDs("bob"), pushRoute, wrapperspb.String("from gate-1")))
	if p := recv(t, bobGot); p != pushRoute+":from gate-1" {
		t.Errorf("bob got %q", p)
	}
	mustOK(t, room.srv.Push(ctx, gamesrv.ToUIDs("ann", "bob"), pushRoute, wrapperspb.String("from the room")))
	if recv(t, annGot) != pushRoute+":from the room" || recv(t, bobGot) != pushRoute+":from the room" {
		t.Error("a backend push to uids missed someone")
	}
}

// TestGroupAcrossFrontends: a backend's broadcast to members on two
// frontends is encoded once and sent as one message per frontend, carrying
// that frontend's session ids (the room's link traffic goes through a proxy
// that reads it).
func TestGroupAcrossFrontends(t *testing.T) {
	checkGoroutines(t)
	proxy := newPushProxy(t)
	gate1 := startNode(t, nodeConfig{id: "gate-1", typ: "connector"})
	gate2 := startNode(t, nodeConfig{id: "gate-2", typ: "connector", seeds: gate1.seed()})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate1.seed(), opts: cluster.Options{LinkAdvertise: proxy.Addr()}})
	target := room.node.LinkAddr()
	proxy.SetTarget(target)
	converge(t, 3, gate1, gate2, room)
	var clients []*client.Client
	var got []chan string
	for _, g := range []*testNode{gate1, gate1, gate2} {
		c := dial(t, g)
		clients, got = append(clients, c), append(got, pushes(c))
		mustOK(t, errOf(echo(context.Background(), c, "join")))
	}
	g := room.srv.Group("g")
	if g.Len() != 3 {
		t.Fatalf("group has %d members", g.Len())
	}
	encodes := serverhost.Of(room.srv.Internal).Stats().PushEncodes
	mustOK(t, g.Broadcast(context.Background(), pushRoute, wrapperspb.String("all")))
	for i := range clients {
		if p := recv(t, got[i]); p != pushRoute+":all" {
			t.Errorf("client %d got %q", i, p)
		}
	}
	if n := serverhost.Of(room.srv.Internal).Stats().PushEncodes - encodes; n != 1 {
		t.Errorf("the broadcast encoded %d packets, want 1", n)
	}
	if frames := proxy.pushFrames(); !slices.Equal(slices.Sorted(slices.Values(frames)), []int{1, 2}) {
		t.Errorf("push messages to the frontends carried %v session ids, want one message with 2 (gate-1) and one with 1 (gate-2)", frames)
	}
	_ = clients[2].Close()
	testkit.Eventually(t, 5*time.Second, func() bool { return g.Len() == 2 }, "the closed session to leave the backend's group")
}

func TestPinnedServer(t *testing.T) {
	checkGoroutines(t)
	gate, rooms := cluster3(t, cluster.Options{})
	c := dial(t, gate)
	ctx := context.Background()
	pinned, err := echo(ctx, c, "pin")
	mustOK(t, err)
	for range 3 {
		if id, _ := echo(ctx, c, "id"); id != pinned {
			t.Fatalf("pinned to %s, answered by %s", pinned, id)
		}
	}
	crash(t, roomByID(rooms, pinned)) // gossip has not noticed yet
	start := time.Now()
	if _, err := echo(ctx, c, "id"); gamesrv.CodeOf(err) != gamesrv.CodeUnavailable || time.Since(start) > time.Second {
		t.Errorf("request to a dead pinned server: %v after %v, want GS-503 at once", err, time.Since(start))
	}
	if id, err := echo(ctx, c, "id"); err != nil || id == pinned {
		t.Errorf("after the pin was cleared: %q %v", id, err)
	}
}

func TestLinkCutMidCallFailsFast(t *testing.T) {
	checkGoroutines(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed()})
	converge(t, 2, gate, room)
	c := dial(t, gate)
	errc := make(chan error, 1)
	go func() { errc <- errOf(echo(context.Background(), c, "block")) }()
	<-room.room.blocked
	start := time.Now()
	crash(t, room) // links close under the pending call
	select {
	case err := <-errc:
		if gamesrv.CodeOf(err) != gamesrv.CodeUnavailable {
			t.Errorf("got %v, want GS-503", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("failed after %v", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the call hangs after its link was cut")
	}
	close(room.room.release)
}

func TestDeadlineIs504(t *testing.T) {
	checkGoroutines(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed()})
	converge(t, 2, gate, room)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := gate.node.Call(ctx, echoRoute, wrapperspb.String("block"), new(wrapperspb.StringValue))
	// echo is not internal: a server-to-server call to it is refused
	if gamesrv.CodeOf(err) != gamesrv.CodeNotFound {
		t.Errorf("server call to a client route: %v", err)
	}
	c := dial(t, gate)
	start := time.Now()
	_, err = echo(context.Background(), c, "block") // the gate's ForwardTimeout is 3s
	<-room.room.blocked
	if gamesrv.CodeOf(err) != gamesrv.CodeDeadlineExceeded || time.Since(start) > 5*time.Second {
		t.Errorf("got %v after %v, want GS-504", err, time.Since(start))
	}
	select { // the callee saw the deadline and was cancelled when it passed
	case left := <-room.room.canceled:
		if left > 100*time.Millisecond {
			t.Errorf("the backend handler was cancelled %v before its deadline", left)
		}
	case <-time.After(5 * time.Second):
		t.Error("the backend handler was not cancelled when the caller's deadline passed")
	}
}

func TestCallAfterPeerLeftFailsAtOnce(t *testing.T) {
	checkGoroutines(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed()})
	converge(t, 2, gate, room)
	ctx := context.Background()
	mustOK(t, gate.node.Call(ctx, whoamiRoute, &emptypb.Empty{}, new(wrapperspb.StringValue)))
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	mustOK(t, room.srv.Shutdown(sctx)) // graceful: leaves the cluster
	testkit.Eventually(t, 5*time.Second, func() bool { return gate.node.Membership().NumMembers() == 1 }, "the room to leave")
	start := time.Now()
	err := gate.node.Call(ctx, whoamiRoute, &emptypb.Empty{}, new(wrapperspb.StringValue), gamesrv.ToServer("room"))
	if gamesrv.CodeOf(err) != gamesrv.CodeUnavailable || time.Since(start) > 100*time.Millisecond {
		t.Errorf("got %v after %v, want GS-503 at once", err, time.Since(start))
	}
}

func TestWrongLinkSecretRefused(t *testing.T) {
	checkGoroutines(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector", opts: cluster.Options{LinkSecret: []byte("s3cret")}})
	good := startNode(t, nodeConfig{id: "good", typ: "room", seeds: gate.seed(), opts: cluster.Options{LinkSecret: []byte("s3cret")}})
	bad := startNode(t, nodeConfig{id: "bad", typ: "room", seeds: gate.seed(), opts: cluster.Options{LinkSecret: []byte("guess")}})
	converge(t, 3, gate, good, bad)
	ctx := context.Background()
	mustOK(t, gate.node.Call(ctx, whoamiRoute, &emptypb.Empty{}, new(wrapperspb.StringValue), gamesrv.ToServer("good")))
	err := gate.node.Call(ctx, whoamiRoute, &emptypb.Empty{}, new(wrapperspb.StringValue), gamesrv.ToServer("bad"))
	if gamesrv.CodeOf(err) != gamesrv.CodeUnavailable {
		t.Errorf("call over a link with the wrong secret: %v", err)
	}
	err = bad.node.Call(ctx, helloRoute, &emptypb.Empty{}, new(wrapperspb.StringValue), gamesrv.ToServer("gate"))
	if gamesrv.CodeOf(err) != gamesrv.CodeUnavailable {
		t.Errorf("the bad node reached the gate: %v", err)
	}
}

func TestConcurrentCallsOneLink(t *testing.T) {
	checkGoroutines(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed()})
	converge(t, 2, gate, room)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 20 {
				resp := new(wrapperspb.StringValue)
				if err := gate.node.Call(context.Background(), whoamiRoute, &emptypb.Empty{}, resp); err != nil || resp.GetValue() != "room" {
					t.Errorf("%v %v", resp, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestBackendPushPrecedesItsResponse(t *testing.T) {
	checkGoroutines(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed()})
	converge(t, 2, gate, room)
	c := testkit.DialRaw(t, gate.addr)
	c.Handshake(`{"sys":{"type":"js-websocket","version":"0.0.1"},"user":{}}`)
	for id := uint32(1); id <= 20; id++ {
		c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: id, Route: echoRoute}, mustMarshal(wrapperspb.String("push:x")))
	}
	for id := uint32(1); id <= 20; id++ {
		if m := c.NextData(5 * time.Second); m.Type != wire.MessagePush {
			t.Fatalf("request %d: got %s before the push", id, m.Type)
		}
		if m := c.NextData(5 * time.Second); m.Type != wire.MessageResponse || m.ID != id {
			t.Fatalf("request %d: got %+v, want its response", id, m)
		}
	}
}

func mustMarshal(m proto.Message) []byte {
	b, _ := proto.Marshal(m)
	return b
}

func TestLinksOverTLS(t *testing.T) {
	checkGoroutines(t)
	serverTLS, clientTLS := testkit.TLSConfigs(t)
	linkTLS := serverTLS.Clone()
	linkTLS.RootCAs, linkTLS.Certificates = clientTLS.RootCAs, clientTLS.Certificates
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector", opts: cluster.Options{LinkTLS: linkTLS}})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed(), opts: cluster.Options{LinkTLS: linkTLS}})
	plain := startNode(t, nodeConfig{id: "plain", typ: "room", seeds: gate.seed()})
	converge(t, 3, gate, room, plain)
	ctx := context.Background()
	resp := new(wrapperspb.StringValue)
	mustOK(t, gate.node.Call(ctx, whoamiRoute, &emptypb.Empty{}, resp, gamesrv.ToServer("room")))
	if resp.GetValue() != "room" {
		t.Errorf("answered by %q", resp.GetValue())
	}
	err := gate.node.Call(ctx, whoamiRoute, &emptypb.Empty{}, resp, gamesrv.ToServer("plain"))
	if gamesrv.CodeOf(err) != gamesrv.CodeUnavailable {
		t.Errorf("a TLS node reached a plain one: %v", err)
	}
}

// TestPipelinedForwardsInOrder: requests a client pipelines to a backend
// run there one at a time, in order, each seeing the session data the one
// before it set: the first leaves from the frontend's event loop, the
// others wait in the session's queue for its answer.
func TestPipelinedForwardsInOrder(t *testing.T) {
	checkGoroutines(t)
	gate, _ := cluster3(t, cluster.Options{})
	echo(context.Background(), dial(t, gate), "warm") // the link to a room is up
	c := testkit.DialRaw(t, gate.addr)
	c.Handshake(`{"sys":{"type":"js-websocket","version":"0.0.1"},"user":{}}`)
	var batch []byte
	var want []string
	for i := range 30 {
		v := fmt.Sprintf("set:k=%d", i)
		if i%2 == 1 {
			v = "get:k"
		}
		want = append(want, fmt.Sprint(i-i%2))
		payload, err := proto.Marshal(wrapperspb.String(v))
		mustOK(t, err)
		batch, err = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageRequest, ID: uint32(i + 1), Route: echoRoute}, payload)
		mustOK(t, err)
	}
	c.Write(batch)
	for i, w := range want {
		m := c.NextData(10 * time.Second)
		got := new(wrapperspb.StringValue)
		if m.Error || proto.Unmarshal(m.Payload, got) != nil {
			t.Fatalf("answer %d: %+v", i+1, m)
		}
		if m.ID != uint32(i+1) || got.GetValue() != w {
			t.Fatalf("answer %d: id %d, %q; want id %d, %q", i+1, m.ID, got.GetValue(), i+1, w)
		}
	}
}
