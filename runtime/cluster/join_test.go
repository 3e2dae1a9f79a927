package cluster_test

import (
	"net"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/cluster"
)

// TestStartBeforeSeeds: a server whose seed is not up yet starts anyway,
// alone and not Ready, and joins once the seed comes up.
func TestStartBeforeSeeds(t *testing.T) {
	checkGoroutines(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	mustOK(t, err)
	seedAddr := ln.Addr().String()
	mustOK(t, ln.Close()) // free again: nobody gossips there yet

	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: []string{seedAddr}})
	if room.node.Ready() {
		t.Fatal("a server whose seed is down reports Ready")
	}
	if n := room.node.Membership().NumMembers(); n != 1 {
		t.Fatalf("%d members, want 1 (alone)", n)
	}
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector", opts: cluster.Options{GossipAddr: seedAddr}})
	converge(t, 2, gate, room)
	testkit.Eventually(t, 10*time.Second, room.node.Ready, "the room to be Ready")
}
