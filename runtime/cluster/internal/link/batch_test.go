package link

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkhello"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkwire"
)

// batchHost runs the routes of the batch tests:
//   - "echo" answers its payload;
//   - "nap" sleeps 2 ms (well past inlineBudget), then answers;
//   - "spin" keeps the reader busy for twice replyHold, then answers;
//   - "hold" waits until release is closed;
//   - "meet" waits until two "meet" calls have started (5 s at most);
//   - "nested" calls route "echo" back over the same link, with its own
//     context, and answers the reply's payload;
//   - "notify" sends a notify "pushed" back over the link, then answers.
type batchHost struct {
	fakeHost
	release chan struct{}
	mu      sync.Mutex
	met     int
	meet    chan struct{} // closed when the second "meet" starts
}

func newBatchHost() *batchHost {
	return &batchHost{release: make(chan struct{}), meet: make(chan struct{})}
}

func (h *batchHost) HandleCall(ctx context.Context, l *Link, c *gamesrvv1.Call) *gamesrvv1.Reply {
	switch c.GetRoute() {
	case "nap":
		time.Sleep(2 * time.Millisecond)
	case "spin":
		for start := time.Now(); time.Since(start) < 2*replyHold; {
		}
	case "hold":
		<-h.release
	case "meet":
		h.mu.Lock()
		h.met++
		if h.met == 2 {
			close(h.meet)
		}
		h.mu.Unlock()
		select {
		case <-h.meet:
		case <-time.After(5 * time.Second):
			return &gamesrvv1.Reply{Error: &gamesrvv1.Error{Code: "GS-504", Msg: "the other meet call never started"}}
		}
	case "notify":
		if err := l.Notify(ctx, &gamesrvv1.Call{Route: "pushed", Payload: c.GetPayload()}); err != nil {
			return &gamesrvv1.Reply{Error: WireError(err)}
		}
	case "nested":
		r, err := l.Call(ctx, &gamesrvv1.Call{Route: "echo", Payload: c.GetPayload()})
		if err != nil {
			return &gamesrvv1.Reply{Error: WireError(err)}
		}
		return &gamesrvv1.Reply{Payload: r.GetPayload()}
	}
	return &gamesrvv1.Reply{Payload: c.GetPayload()}
}

// rawPeer is the far end of a link under test, written and read as frames.
type rawPeer struct {
	t    *testing.T
	conn net.Conn
	rd   *linkwire.Reader
}

// batchLink returns a running link with a batchHost, whose peer the test
// plays through rawPeer. The watchdog runs only when watch is set.
func batchLink(t *testing.T, watch bool) (*Link, *batchHost, *rawPeer) {
	t.Helper()
	cfg := testConfigs(t, watch)
	c1, c2 := testkit.TCPPair(t)
	h := newBatchHost()
	l := New(h, cfg("b", 16, 64<<10), c2, bufio.NewReader(c2), linkhello.Peer{ID: "a"}, false)
	l.Run()
	t.Cleanup(func() {
		select {
		case <-h.release:
		default:
			close(h.release)
		}
		l.Close(errors.New("test over"))
	})
	_ = c1.SetDeadline(time.Now().Add(10 * time.Second))
	return l, h, &rawPeer{t: t, conn: c1, rd: linkwire.NewReader(c1, new(linkwire.ReadBuffers), bufio.NewReader(c1))}
}

// send writes calls in one write, so the link reads them together.
func (p *rawPeer) send(calls ...*gamesrvv1.Call) {
	p.t.Helper()
	var b []byte
	for _, c := range calls {
		var err error
		if b, err = linkwire.AppendPrefixed(b, &gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: c}}); err != nil {
			p.t.Fatal(err)
		}
	}
	if _, err := p.conn.Write(b); err != nil {
		p.t.Fatal(err)
	}
}

// reply reads frames until a reply, answering the calls on the way by
// echoing them.
func (p *rawPeer) reply() *gamesrvv1.Reply {
	p.t.Helper()
	for {
		f, err := p.rd.Frame(nil)
		if err != nil {
			p.t.Fatalf("reading the link: %v", err)
		}
		if r := f.GetReply(); r != nil {
			return r
		}
		c := f.GetCall()
		b, err := linkwire.AppendPrefixed(nil, &gamesrvv1.Frame{Body: &gamesrvv1.Frame_Reply{Reply: &gamesrvv1.Reply{Id: c.GetId(), Payload: c.GetPayload()}}})
		if err != nil {
			p.t.Fatal(err)
		}
		if _, err := p.conn.Write(b); err != nil {
			p.t.Fatal(err)
		}
	}
}

// replies reads n replies and returns them by call id.
func (p *rawPeer) replies(n int) map[uint64]*gamesrvv1.Reply {
	p.t.Helper()
	got := map[uint64]*gamesrvv1.Reply{}
	for range n {
		r := p.reply()
		got[r.GetId()] = r
	}
	return got
}

// TestBatchAnswersEveryCall: the calls of one read are all answered, each
// under its own id, notifies not at all.
func TestBatchAnswersEveryCall(t *testing.T) {
	_, _, p := batchLink(t, true)
	var calls []*gamesrvv1.Call
	for i := range 16 { // the link's MaxConcurrent
		calls = append(calls, &gamesrvv1.Call{Id: uint64(i + 1), Route: "echo", Payload: []byte{byte(i)}})
	}
	calls = append(calls, &gamesrvv1.Call{Route: "echo", Payload: []byte("a notify")})
	p.send(calls...)
	got := p.replies(16)
	for i := range 16 {
		r := got[uint64(i+1)]
		if r == nil || len(r.GetPayload()) != 1 || r.GetPayload()[0] != byte(i) {
			t.Fatalf("call %d answered %v", i+1, r)
		}
	}
}

// TestBatchStalledCallHandsTheReadingOn: a call that blocks does not hold
// up the call read with it, nor the next read, and its own reply comes
// once it returns. Without the watchdog the reader would wait for it.
func TestBatchStalledCallHandsTheReadingOn(t *testing.T) {
	_, h, p := batchLink(t, true)
	p.send(&gamesrvv1.Call{Id: 1, Route: "hold"}, &gamesrvv1.Call{Id: 2, Route: "echo", Payload: []byte("behind")})
	if r := p.reply(); r.GetId() != 2 || string(r.GetPayload()) != "behind" {
		t.Fatalf("first reply %v, want call 2's", r)
	}
	p.send(&gamesrvv1.Call{Id: 3, Route: "echo", Payload: []byte("next read")})
	if r := p.reply(); r.GetId() != 3 {
		t.Fatalf("reply %v, want call 3's", r)
	}
	close(h.release)
	if r := p.reply(); r.GetId() != 1 {
		t.Fatalf("reply %v, want call 1's", r)
	}
}

// TestBatchNestedCallOnTheLink: a call that calls back over its own link
// gets the reply at once: the reading is handed on before the nested call
// waits (the watchdog does not run here, so nothing else could).
func TestBatchNestedCallOnTheLink(t *testing.T) {
	_, _, p := batchLink(t, false)
	p.send(&gamesrvv1.Call{Id: 1, Route: "nested", Payload: []byte("round trip")}, &gamesrvv1.Call{Id: 2, Route: "echo"})
	got := p.replies(2)
	if r := got[1]; r == nil || string(r.GetPayload()) != "round trip" || r.GetError() != nil {
		t.Fatalf("nested call answered %v", r)
	}
	if got[2] == nil {
		t.Fatal("the call read with the nested one was not answered")
	}
}

// TestBatchExpensiveCallsRunInParallel: once a read's calls have taken
// inlineBudget, the rest run on the pool, together: the two "meet" calls
// behind a "nap" each wait for the other (the watchdog does not run here,
// so only the budget can part them).
func TestBatchExpensiveCallsRunInParallel(t *testing.T) {
	_, _, p := batchLink(t, false)
	p.send(&gamesrvv1.Call{Id: 1, Route: "nap"}, &gamesrvv1.Call{Id: 2, Route: "meet"}, &gamesrvv1.Call{Id: 3, Route: "meet"})
	got := p.replies(3)
	for id := uint64(1); id <= 3; id++ {
		if r := got[id]; r == nil || r.GetError() != nil {
			t.Fatalf("call %d answered %v", id, r)
		}
	}
}

// TestBatchRepliesLeaveWhileItRuns: the replies a batch holds are written
// once it has run for replyHold, not when its last call ends: calls 1 and
// 2 are answered while call 3, behind them in the same read, still runs
// on the reader (the watchdog does not run here).
func TestBatchRepliesLeaveWhileItRuns(t *testing.T) {
	_, h, p := batchLink(t, false)
	p.send(&gamesrvv1.Call{Id: 1, Route: "echo"}, &gamesrvv1.Call{Id: 2, Route: "spin"}, &gamesrvv1.Call{Id: 3, Route: "hold"})
	if got := p.replies(2); got[1] == nil || got[2] == nil {
		t.Fatalf("replies %v while call 3 runs; want calls 1 and 2", got)
	}
	close(h.release)
	if r := p.reply(); r.GetId() != 3 {
		t.Fatalf("reply %d, want 3", r.GetId())
	}
}

// TestBatchRepliesPrecedeLaterFrames: a frame a handler sends goes after
// the replies its batch already holds: the peer sees call 1's reply, then
// the notify call 2 sent, then call 2's reply.
func TestBatchRepliesPrecedeLaterFrames(t *testing.T) {
	_, _, p := batchLink(t, true)
	p.send(&gamesrvv1.Call{Id: 1, Route: "echo"}, &gamesrvv1.Call{Id: 2, Route: "notify", Payload: []byte("after 1")})
	var got []string
	for range 3 {
		f, err := p.rd.Frame(nil)
		if err != nil {
			t.Fatal(err)
		}
		if r := f.GetReply(); r != nil {
			got = append(got, fmt.Sprintf("reply %d", r.GetId()))
		} else {
			got = append(got, f.GetCall().GetRoute())
		}
	}
	if want := []string{"reply 1", "pushed", "reply 2"}; !slices.Equal(got, want) {
		t.Fatalf("frames %q, want %q", got, want)
	}
}

// TestBatchRetiredLinkClosesAfterItsLastReply: a retired link whose grace
// has passed closes once its last call ended, and only after that call's
// reply is written.
func TestBatchRetiredLinkClosesAfterItsLastReply(t *testing.T) {
	l, h, p := batchLink(t, true)
	p.send(&gamesrvv1.Call{Id: 1, Route: "hold"})
	testkit.Eventually(t, 10*time.Second, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.serving) == 1
	}, "the call to run")
	l.Retired.Store(true)
	l.CloseIfIdle() // a call runs: the link stays until it ends
	if !l.Alive() {
		t.Fatal("a retired link closed with a call running")
	}
	close(h.release)
	if r := p.reply(); r.GetId() != 1 || r.GetError() != nil {
		t.Fatalf("reply %v, want call 1's", r)
	}
	if _, err := p.rd.Frame(nil); err == nil {
		t.Fatal("the retired link stayed open after its last call")
	}
}
