package cluster_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// openLink opens a link to member id of tn's cluster (no secret) as a
// caller that follows none of the rules: it never cancels and ignores the
// announced limit. It returns the link and the peer's hello.
func openLink(t *testing.T, tn *testNode, id string) (*rawLink, *gamesrvv1.Hello) {
	t.Helper()
	l := dialLink(t, tn, id)
	l.hello(&gamesrvv1.Hello{ServerId: "raw", BootId: "raw", Nonce: []byte("0123456789abcdef")})
	h := l.recvHello()
	l.hello(&gamesrvv1.Hello{ServerId: "raw"})
	return l, h
}

// forwardBlock sends a forwarded client request "block" (the room handler
// waits until its context ends) with the given id and timeout.
func (l *rawLink) forwardBlock(id uint64, timeout time.Duration) {
	l.send(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: &gamesrvv1.Call{
		Id: id, Route: echoRoute, Payload: mustMarshal(wrapperspb.String("block")),
		Session: &gamesrvv1.SessionSnapshot{Id: int64(id)}, TimeoutMs: uint32(timeout.Milliseconds()),
	}}})
}

func (l *rawLink) recvReply() *gamesrvv1.Reply {
	l.t.Helper()
	f, err := l.recv()
	mustOK(l.t, err)
	if f.GetReply() == nil {
		l.t.Fatalf("got %v, want a reply", f)
	}
	return f.GetReply()
}

// TestCalleeEnforcesDeadline: the handler's context ends at the caller's
// deadline even though the caller never sends a Cancel.
func TestCalleeEnforcesDeadline(t *testing.T) {
	checkGoroutines(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed()})
	converge(t, 2, gate, room)
	l, _ := openLink(t, gate, "room")
	l.forwardBlock(1, 200*time.Millisecond)
	select {
	case left := <-room.room.canceled:
		if left > 0 || left < -time.Second {
			t.Errorf("the handler's context ended %v from its deadline, want within a second after it", -left)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handler's context did not end at its deadline")
	}
	if r := l.recvReply(); r.GetError().GetCode() != string(gamesrv.CodeDeadlineExceeded) {
		t.Errorf("reply %v, want GS-504", r)
	}
}

// TestBusyLinkAnswersAtOnce: a caller that ignores the announced
// MaxConcurrent gets GS-429 for the request beyond it, at once, and the
// link keeps working.
func TestBusyLinkAnswersAtOnce(t *testing.T) {
	checkGoroutines(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed(), opts: cluster.Options{MaxConcurrent: 2}})
	converge(t, 2, gate, room)
	l, h := openLink(t, gate, "room")
	if h.GetMaxConcurrent() != 2 {
		t.Fatalf("the room announced max_concurrent %d, want 2", h.GetMaxConcurrent())
	}
	for id := range uint64(3) {
		l.forwardBlock(id+1, 5*time.Second)
	}
	r := l.recvReply()
	if r.GetId() != 3 || r.GetError().GetCode() != string(gamesrv.CodeRateLimited) {
		t.Fatalf("first reply %v, want GS-429 for call 3", r)
	}
	for range 2 {
		select {
		case <-room.room.blocked:
			room.room.release <- struct{}{}
		case <-time.After(5 * time.Second):
			t.Fatal("the first two calls did not run")
		}
	}
	for range 2 {
		if r := l.recvReply(); r.GetError() != nil {
			t.Errorf("blocked call answered %v", r)
		}
	}
}

// TestHandlersCallingBackDoNotStallTheLink: more clients than the room
// runs at once, each request calling back to the frontend (Bind): every one
// is answered, well before the deadline.
func TestHandlersCallingBackDoNotStallTheLink(t *testing.T) {
	checkGoroutines(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed(), opts: cluster.Options{MaxConcurrent: 2}})
	converge(t, 2, gate, room)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second) // the gate's ForwardTimeout is 3 s
	defer cancel()
	var wg sync.WaitGroup
	for i := range 8 {
		c := dial(t, gate)
		wg.Go(func() {
			uid := fmt.Sprintf("u%d", i)
			if got, err := echo(ctx, c, "bind:"+uid); err != nil || got != uid {
				t.Errorf("bind %s: %q %v", uid, got, err)
			}
		})
	}
	wg.Wait()
}
