package cluster_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestNodeRestartsOnItsAddresses: a server that shut down gracefully,
// having closed the link a peer had opened to it (so its side lingers in
// TIME_WAIT), starts again at once on the same gossip and link addresses
// (Go's listeners set SO_REUSEADDR) and serves the cluster again.
func TestNodeRestartsOnItsAddresses(t *testing.T) {
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed()})
	converge(t, 2, gate, room)
	ctx := context.Background()
	resp := new(wrapperspb.StringValue)
	mustOK(t, gate.node.Call(ctx, whoamiRoute, &emptypb.Empty{}, resp, gamesrv.ToServer("room"))) // the gate dials the room's link
	gossip, link := room.node.Membership().GossipAddr(), room.node.LinkAddr()

	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	mustOK(t, room.srv.Shutdown(sctx))
	linkPort := mustPort(t, link)
	testkit.Eventually(t, 10*time.Second, func() bool { return testkit.Lingering(linkPort) },
		"the room's side of the link to linger in TIME_WAIT or FIN_WAIT_2")

	again := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed(),
		opts: cluster.Options{GossipAddr: gossip, LinkAddr: link}})
	if again.node.LinkAddr() != link || again.node.Membership().GossipAddr() != gossip {
		t.Fatalf("restarted on gossip %s link %s, want %s %s", again.node.Membership().GossipAddr(), again.node.LinkAddr(), gossip, link)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		return gate.node.Call(cctx, whoamiRoute, &emptypb.Empty{}, resp, gamesrv.ToServer("room")) == nil
	}, "the gate to reach the restarted room")
}

// mustPort returns the port of "host:port".
func mustPort(t *testing.T, addr string) int {
	t.Helper()
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return int(ap.Port())
}
