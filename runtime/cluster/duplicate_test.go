package cluster_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestDuplicateIDRefused: a second server that joins under the id of a
// live server fails its Start with an error naming the id and the
// addresses that hold it; the first keeps serving, and the peers' view
// and calls keep reaching it.
func TestDuplicateIDRefused(t *testing.T) {
	checkGoroutines(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(t, nodeConfig{id: "room-1", typ: "room", seeds: gate.seed()})
	converge(t, 2, gate, room)

	srv, err := server.New(server.Options{ServerID: "room-1", Logger: testkit.Logger(t)})
	mustOK(t, err)
	mustOK(t, srv.RegisterService(&roomDesc, &roomHandler{srv: srv}))
	_, err = cluster.New(srv, cluster.Options{Profile: cluster.ProfileFast, Seeds: gate.seed()})
	mustOK(t, err)
	err = srv.Start()
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		t.Fatal("a second server with a live server's id started")
	}
	if !errors.Is(err, cluster.ErrDuplicateID) {
		t.Fatalf("Start: %v, want ErrDuplicateID", err)
	}
	first, _ := gate.node.Membership().Member("room-1")
	for _, want := range []string{`"room-1"`, first.GossipAddr, first.LinkAddr} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Start error %q does not name %s", err, want)
		}
	}

	// The first is unaffected: still in the view at its address, with its
	// boot id, and answering calls.
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		resp := new(wrapperspb.StringValue)
		err := gate.node.Call(ctx, whoamiRoute, &emptypb.Empty{}, resp, gamesrv.ToServer("room-1"))
		cancel()
		mustOK(t, err)
	}
	now, ok := gate.node.Membership().Member("room-1")
	if !ok || now.GossipAddr != first.GossipAddr || now.BootID != first.BootID {
		t.Errorf("the gate's view of room-1 changed: %+v, was %+v", now, first)
	}
	if self := room.node.Membership().NumMembers(); self != 2 {
		t.Errorf("room-1 sees %d members, want 2", self)
	}
}
