package link

import (
	"bufio"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkhello"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkwire"
)

// TestLinkWriteBoundedByCallDeadline: a peer that stops reading makes a
// call's write block; the call returns at its own deadline (not the
// link's 5 s timeout), the link stays up, and once the peer reads again it
// gets every frame whole, the interrupted one included.
func TestLinkWriteBoundedByCallDeadline(t *testing.T) {
	cfg := testConfigs(t, false)
	c1, c2 := testkit.TCPPair(t)
	l := New(&fakeHost{started: make(chan struct{}, 1)}, cfg("a", 16, 1<<20), c1, bufio.NewReader(c1), linkhello.Peer{ID: "b"}, true)
	l.Run()
	defer l.Close(errors.New("test over"))

	payload := make([]byte, 16<<20) // far beyond the socket buffers
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := l.Call(ctx, &gamesrvv1.Call{Route: "room.room.big", Payload: payload})
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call to a peer that does not read: %v, want a deadline error", err)
	}
	if took > 3*time.Second {
		t.Errorf("the call returned after %v, its deadline was 300 ms", took)
	}
	if !l.Alive() {
		t.Fatal("the link failed when one call's deadline passed")
	}
	// The peer reads again: the whole frame arrives, then a small one.
	sent := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		sent <- l.Notify(ctx, &gamesrvv1.Call{Route: "room.room.after"})
	}()
	rd := linkwire.NewReader(c2, new(linkwire.ReadBuffers), bufio.NewReader(c2))
	_ = c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	f, err := rd.Frame(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(f.GetCall().GetPayload()); got != len(payload) {
		t.Fatalf("first frame carries %d bytes, want %d", got, len(payload))
	}
	f, err = rd.Frame(nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.GetCall().GetRoute() != "room.room.after" {
		t.Fatalf("second frame %v", f)
	}
	if err := <-sent; err != nil {
		t.Fatalf("the notify after: %v", err)
	}
}
