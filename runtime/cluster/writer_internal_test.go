package cluster

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkhello"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkwire"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// TestLinkWriteBoundedByCallDeadline: a peer that stops reading makes a
// call's write block; the call returns at its own deadline (not the
// link's 5 s timeout), the link stays up, and once the peer reads again it
// gets every frame whole, the interrupted one included.
func TestLinkWriteBoundedByCallDeadline(t *testing.T) {
	srv, err := server.New(server.Options{ServerID: "a"})
	mustOKInternal(t, err)
	n, err := New(srv, Options{Profile: ProfileFast})
	mustOKInternal(t, err)
	n.id, n.log, n.metrics = "a", slog.New(slog.DiscardHandler), n.host.Metrics()
	defer n.pool.Stop()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	mustOKInternal(t, err)
	defer ln.Close()
	c1, err := net.Dial("tcp", ln.Addr().String())
	mustOKInternal(t, err)
	c2, err := ln.Accept()
	mustOKInternal(t, err)
	defer c2.Close()
	l := newLink(n, c1, bufio.NewReaderSize(c1, helloBufSize), linkhello.Peer{ID: "b"}, true)
	l.Run()
	defer l.Close(errNodeClosed)

	payload := make([]byte, 16<<20) // far beyond the socket buffers
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = l.Call(ctx, &gamesrvv1.Call{Route: "room.room.big", Payload: payload})
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
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = l.Notify(ctx, &gamesrvv1.Call{Route: "room.room.after"})
	}()
	rd := linkwire.NewReader(c2, &n.readBufs, bufio.NewReader(c2))
	_ = c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	f, err := rd.Frame(nil)
	mustOKInternal(t, err)
	if got := len(f.GetCall().GetPayload()); got != len(payload) {
		t.Fatalf("first frame carries %d bytes, want %d", got, len(payload))
	}
	f, err = rd.Frame(nil)
	mustOKInternal(t, err)
	if f.GetCall().GetRoute() != "room.room.after" {
		t.Fatalf("second frame %v", f)
	}
}

func mustOKInternal(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
