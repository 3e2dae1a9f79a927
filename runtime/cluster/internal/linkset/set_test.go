package linkset

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// TestGetDialsOnce: the first call to a peer dials it and both ends
// register the link; later calls reuse it.
func TestGetDialsOnce(t *testing.T) {
	a, b := startSet(t, "a"), startSet(t, "b")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l1, err := a.Get(ctx, targetOf(b))
	if err != nil {
		t.Fatal(err)
	}
	l2, err := a.Get(ctx, targetOf(b))
	if err != nil {
		t.Fatal(err)
	}
	if l1 != l2 || !l1.Dialed {
		t.Fatalf("two links (%p, %p) or not dialled", l1, l2)
	}
	if err := echo(a, targetOf(b)); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, func() bool { return b.Len() == 1 }, "b to register the accepted link")
	if !a.Has(targetOf(b)) || a.Len() != 1 {
		t.Fatalf("a: Has %v, Len %d; want a link", a.Has(targetOf(b)), a.Len())
	}
	// The same id under another boot id is another run: not this link.
	other := targetOf(b)
	other.Boot = "another-run"
	if a.Has(other) {
		t.Fatal("a link to one run of b counts as a link to another")
	}
}

// TestOneLinkPerPair: two servers that call each other at the same moment
// both dial; they end with one TCP connection between them, the same at
// both ends (the one the lower id dialled), and every call succeeds. The
// race is run until both dials happened at least once.
func TestOneLinkPerPair(t *testing.T) {
	raced := false
	for round := 0; round < 20 && !raced; round++ {
		a, b := startSet(t, "room-a"), startSet(t, "room-b")
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, pair := range [][2]*Set{{a, b}, {b, a}} {
			wg.Go(func() {
				<-start
				for range 20 {
					if err := echo(pair[0], targetOf(pair[1])); err != nil {
						t.Errorf("%s → %s: %v", pair[0].cfg.ID, pair[1].cfg.ID, err)
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
		raced = a.Retired() > 0 || b.Retired() > 0
		testkit.Eventually(t, 10*time.Second, func() bool {
			la, lb := a.Links(nil), b.Links(nil)
			return len(la) == 1 && len(lb) == 1 &&
				la[0].LocalAddr().String() == lb[0].RemoteAddr().String() &&
				la[0].RemoteAddr().String() == lb[0].LocalAddr().String()
		}, "one link between the two servers")
		if la := a.Links(nil); raced && !la[0].Dialed {
			t.Errorf("the link kept is not the one room-a (the lower id) dialled")
		}
	}
	if !raced {
		t.Skip("the two servers never dialled each other at once in 20 rounds")
	}
}

// TestRedialAfterBreak: a link between two live servers breaks; the peer
// counts as troubled (new work avoids it) until a redial succeeds, and
// calls succeed again over a new connection.
func TestRedialAfterBreak(t *testing.T) {
	a, b := startSet(t, "a"), startSet(t, "b")
	proxy := testkit.NewCutProxy(t, b.Addr().String(), nil)
	tb := targetOf(b)
	tb.Addr = proxy.Addr()
	if err := echo(a, tb); err != nil {
		t.Fatal(err)
	}
	if a.Troubled("b") {
		t.Fatal("b troubled with a working link")
	}
	proxy.Cut()
	testkit.Eventually(t, 5*time.Second, func() bool { return a.Troubled("b") }, "the broken link to mark b troubled")
	testkit.Eventually(t, 10*time.Second, func() bool { return echo(a, tb) == nil }, "a call to succeed over a new link")
	if n := proxy.Accepted(); n < 2 {
		t.Errorf("%d link connections, want a redial after the cut", n)
	}
	if a.Troubled("b") || !a.Usable(tb) {
		t.Error("b still troubled once linked again")
	}
}

// TestFailedDialBacksOff: a peer that cannot be reached fails the caller
// GS-503 and is troubled and unusable afterwards: within its backoff new
// work avoids it without dialling, after it a redial starts in the
// background and the caller still gets no answer from it.
func TestFailedDialBacksOff(t *testing.T) {
	a := startSet(t, "a")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := Target{ID: "gone", Boot: "x", Addr: ln.Addr().String()}
	_ = ln.Close() // nobody listens there any more
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := a.Get(ctx, dead); gamesrv.CodeOf(err) != gamesrv.CodeUnavailable {
		t.Fatalf("Get of an unreachable peer: %v, want GS-503", err)
	}
	if !a.Troubled("gone") || a.Usable(dead) {
		t.Fatal("an unreachable peer is not troubled, or still usable")
	}
	if errs := a.cfg.Metrics.(*errorCount).n.Load(); errs == 0 {
		t.Error("the failed dial was not counted as a link error")
	}
	if gone := a.Drop("gone", "x", false); len(gone) != 0 {
		t.Errorf("Drop returned %d links to a peer never linked", len(gone))
	}
	if a.Troubled("gone") {
		t.Error("Drop kept the peer's failure")
	}
}

// TestDrop: a peer that died loses all its links; one that restarted
// only those to its earlier run. A link failed with ErrPeerDead does not
// make the peer troubled (gossip already says it is gone).
func TestDrop(t *testing.T) {
	a, b := startSet(t, "a"), startSet(t, "b")
	if err := echo(a, targetOf(b)); err != nil {
		t.Fatal(err)
	}
	if gone := a.Drop("b", b.cfg.Boot, true); len(gone) != 0 {
		t.Fatalf("a restart to the same boot id dropped %d links", len(gone))
	}
	gone := a.Drop("b", b.cfg.Boot, false)
	if len(gone) != 1 {
		t.Fatalf("Drop of a dead peer returned %d links, want 1", len(gone))
	}
	gone[0].Close(ErrPeerDead)
	if a.Troubled("b") || a.Current("b") != nil {
		t.Fatalf("after a death: troubled %v, current %v; want neither", a.Troubled("b"), a.Current("b"))
	}
}

// TestProbe: a probe learns who answers at an address, and opens no link.
func TestProbe(t *testing.T) {
	a, b := startSet(t, "a"), startSet(t, "b")
	h, err := a.Probe(b.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if h.GetServerId() != "b" || h.GetBootId() != b.cfg.Boot {
		t.Fatalf("probe found %q/%q, want b/%s", h.GetServerId(), h.GetBootId(), b.cfg.Boot)
	}
	if a.Len() != 0 || b.Len() != 0 {
		t.Fatalf("a probe opened links: a %d, b %d", a.Len(), b.Len())
	}
}

// TestCloseRefusesNewLinks: a closed set fails Get at once with GS-503
// and closes its links.
func TestCloseRefusesNewLinks(t *testing.T) {
	a, b := startSet(t, "a"), startSet(t, "b")
	if err := echo(a, targetOf(b)); err != nil {
		t.Fatal(err)
	}
	l := a.Current("b")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a.Close(ctx)
	a.Close(ctx) // a second close does nothing
	if l.Alive() {
		t.Fatal("a link of a closed set is alive")
	}
	if _, err := a.Get(context.Background(), targetOf(b)); gamesrv.CodeOf(err) != gamesrv.CodeUnavailable {
		t.Fatalf("Get on a closed set: %v, want GS-503", err)
	}
}
