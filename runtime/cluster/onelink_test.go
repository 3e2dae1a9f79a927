package cluster_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestOneLinkPerPair: two servers that call each other at the same moment
// both dial; they end with one TCP connection between them, the same at
// both ends (the one the lower id dialled), and every call succeeds. The
// race is run until both dials happened at least once.
func TestOneLinkPerPair(t *testing.T) {
	checkGoroutines(t)
	raced := false
	for round := 0; round < 20 && !raced; round++ {
		a := startNode(t, nodeConfig{id: "room-a", typ: "room"})
		b := startNode(t, nodeConfig{id: "room-b", typ: "room", seeds: a.seed()})
		converge(t, 2, a, b)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, pair := range [][2]*testNode{{a, b}, {b, a}} {
			wg.Go(func() {
				<-start
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				for range 20 {
					resp := new(wrapperspb.StringValue)
					if err := pair[0].node.Call(ctx, whoamiRoute, &emptypb.Empty{}, resp, gamesrv.ToServer(pair[1].srv.ID())); err != nil {
						t.Errorf("%s → %s: %v", pair[0].srv.ID(), pair[1].srv.ID(), err)
						return
					}
				}
			})
		}
		close(start)
		wg.Wait()
		if t.Failed() {
			return
		}
		raced = a.node.TestRetiredLinks() > 0 || b.node.TestRetiredLinks() > 0
		testkit.Eventually(t, 10*time.Second, func() bool {
			la, lb := a.node.TestLinks(), b.node.TestLinks()
			return len(la) == 1 && len(lb) == 1 && la[0].Local == lb[0].Remote && la[0].Remote == lb[0].Local
		}, "one link between the two servers")
		if la := a.node.TestLinks(); raced && !la[0].Dialed {
			t.Errorf("the link kept is not the one room-a (the lower id) dialled: %+v", la[0])
		}
	}
	if !raced {
		t.Skip("the two servers never dialled each other at once in 20 rounds")
	}
}
