package cluster_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// blackHole accepts TCP connections and never answers, until released:
// a frontend whose link cannot be set up.
type blackHole struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func newBlackHole(t *testing.T) *blackHole {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	mustOK(t, err)
	b := &blackHole{ln: ln}
	b.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.mu.Lock()
			b.conns = append(b.conns, c)
			b.mu.Unlock()
		}
	})
	t.Cleanup(b.release)
	return b
}

// release closes the listener and every connection it accepted.
func (b *blackHole) release() {
	_ = b.ln.Close()
	b.wg.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.conns {
		_ = c.Close()
	}
	b.conns = nil
}

// TestPushFanOutSlowFrontend: a backend pushes to a uid while three other
// frontends (sorted before the live one) cannot be linked to: their
// handshake hangs. The live frontend's player gets the push while the
// push is still waiting for the others; the push then ends with their
// errors once they are released.
func TestPushFanOutSlowFrontend(t *testing.T) {
	checkGoroutines(t)
	hole := newBlackHole(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed(),
		opts: cluster.Options{DialTimeout: time.Minute}})
	for i := range 3 {
		ms, err := cluster.NewMembership(cluster.MembershipConfig{
			Self:    cluster.Member{ID: fmt.Sprintf("a-dead-gate-%d", i), Type: "connector", Frontend: true, LinkAddr: hole.ln.Addr().String()},
			Profile: cluster.ProfileFast,
		})
		mustOK(t, err)
		t.Cleanup(func() { _ = ms.Shutdown() })
		_, err = ms.Join(gate.seed())
		mustOK(t, err)
	}
	converge(t, 5, gate, room)
	c := dial(t, gate)
	got := pushes(c)
	ctx := context.Background()
	mustOK(t, errOf(echo(ctx, c, "bind:ann")))

	done := make(chan error, 1)
	go func() { done <- room.srv.Push(ctx, gamesrv.ToUIDs("ann"), pushRoute, wrapperspb.String("hi")) }()
	select {
	case p := <-got:
		if p != pushRoute+":hi" {
			t.Errorf("ann got %q", p)
		}
	case err := <-done:
		t.Fatalf("the push returned (%v) before reaching the live frontend", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the live frontend's player got nothing while the other frontends hang")
	}
	select {
	case err := <-done:
		t.Fatalf("the push returned (%v) while three frontends hang", err)
	default:
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		hole.mu.Lock()
		defer hole.mu.Unlock()
		return len(hole.conns) == 3
	}, "the three dials to the hanging frontends")
	hole.release()
	if err := <-done; gamesrv.CodeOf(err) != gamesrv.CodeUnavailable {
		t.Errorf("push: %v, want the hanging frontends' GS-503", err)
	}
}

// TestRoundRobinSkipsDialingServer: a server of the type whose link
// cannot be set up yet (a restarted process still starting: its handshake
// hangs) gets no round-robin call while another server can answer: every
// call succeeds well before its deadline instead of waiting for the dial
// (the GS-504 of the churn runs).
func TestRoundRobinSkipsDialingServer(t *testing.T) {
	checkGoroutines(t)
	hole := newBlackHole(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(t, nodeConfig{id: "room-1", typ: "room", seeds: gate.seed()})
	ms, err := cluster.NewMembership(cluster.MembershipConfig{
		Self:    cluster.Member{ID: "room-2", Type: "room", LinkAddr: hole.ln.Addr().String()},
		Profile: cluster.ProfileFast,
	})
	mustOK(t, err)
	t.Cleanup(func() { _ = ms.Shutdown() })
	_, err = ms.Join(gate.seed())
	mustOK(t, err)
	converge(t, 3, gate, room)
	for i := range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		resp := new(wrapperspb.StringValue)
		err := gate.node.Call(ctx, whoamiRoute, &emptypb.Empty{}, resp)
		cancel()
		if err != nil {
			t.Fatalf("round-robin call %d: %v", i, err)
		}
		if resp.GetValue() != "room-1" {
			t.Fatalf("call %d answered by %q", i, resp.GetValue())
		}
	}
}
