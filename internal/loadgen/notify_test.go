package loadgen_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/internal/loadgen"
	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/metrics"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// sayCounter is a chat handler whose Say (a notify) does work for a fixed
// time and counts; its other routes answer GS-404.
type sayCounter struct {
	chatv1.UnimplementedRoomServiceHandler
	work time.Duration
	said atomic.Int64
}

// Say simulates work and counts the notify.
func (h *sayCounter) Say(context.Context, gamesrv.Session, *chatv1.SayRequest) error {
	time.Sleep(h.work) // the handler's cost, not synchronisation
	h.said.Add(1)
	return nil
}

// notifyRecorder counts the notifies a server reports to its metrics:
// handled, or dropped on a full queue (GS-429).
type notifyRecorder struct {
	metrics.Nop
	notifies atomic.Int64
}

// Handled counts notifies.
func (r *notifyRecorder) Handled(_, kind, _ string, _ time.Duration) {
	if kind == "notify" {
		r.notifies.Add(1)
	}
}

// startCounting runs a server with a sayCounter and a notifyRecorder on
// TCP and returns its address.
func startCounting(t *testing.T, queue int, work time.Duration) (string, *sayCounter, *notifyRecorder) {
	t.Helper()
	h, rec := &sayCounter{work: work}, &notifyRecorder{}
	srv, err := server.New(server.Options{Logger: testkit.Logger(t), QueueSize: queue, Metrics: rec})
	if err != nil {
		t.Fatal(err)
	}
	if err := chatv1.RegisterRoomServiceHandler(srv, h); err != nil {
		t.Fatal(err)
	}
	addr, _ := testkit.Serve(t, srv)
	return addr, h, rec
}

// TestRunNotifiesWaitForTheServer checks that a notify run measures what
// the server handled, not what the client wrote: the measured phase ends
// only when the server has taken every notify sent off its queue. Each
// notify costs the server a fixed time and a connection's notifies run one
// at a time, so the phase cannot be shorter than that per connection:
// without the barrier it ended as soon as the notifies were written, a
// few milliseconds, with a throughput far above what the server handled.
func TestRunNotifiesWaitForTheServer(t *testing.T) {
	const conns, perConn, work = 2, 100, time.Millisecond
	tests := []struct {
		name        string
		queue       int
		barrier     string
		noneDropped bool // the queue holds every notify: all are handled
	}{
		{"barrier on the notify route, answered GS-400", 1024, "", true},
		{"unknown barrier route, answered GS-404", 1024, "nope.nope.nope", true},
		{"full queue: a barrier answered GS-429 is sent again", 4, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, h, rec := startCounting(t, tt.queue, work)
			r, err := loadgen.Run(context.Background(), loadgen.Config{
				Addr: addr, Conns: conns, Requests: perConn, Notify: true, BarrierRoute: tt.barrier,
				Route: chatv1.RoomServiceSayRoute, Payload: mustMarshal(t, &chatv1.SayRequest{Text: "hi"}),
			})
			if err != nil {
				t.Fatal(err)
			}
			// Read at once: everything below must hold when Run returns.
			said, seen := h.said.Load(), rec.notifies.Load()
			checkReport(t, r, conns, conns*perConn)
			if seen != int64(r.Sent) {
				t.Errorf("the server had handled or dropped %d notifies of %d when the phase ended", seen, r.Sent)
			}
			if r.Drain <= 0 {
				t.Errorf("drain %v", r.Drain)
			}
			if !tt.noneDropped {
				return
			}
			if said != int64(r.OK) {
				t.Errorf("report: %d notifies OK, the server handled %d", r.OK, said)
			}
			if minimum := perConn * work; r.Elapsed < minimum || r.Throughput > float64(conns)/work.Seconds() {
				t.Errorf("%d notifies in %v (%.0f/s): the server needs at least %v per connection", r.Sent, r.Elapsed, r.Throughput, minimum)
			}
		})
	}
	checkNoLeaks(t)
}

// TestRunCountsUnansweredBarriers checks that a barrier with no answer is
// counted: the notifies behind it may not have been handled.
func TestRunCountsUnansweredBarriers(t *testing.T) {
	addr := startSilent(t)
	r, err := loadgen.Run(context.Background(), loadgen.Config{
		Addr: addr, Conns: 2, Requests: 3, Notify: true, Timeout: 50 * time.Millisecond, Route: "a.b.c",
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 6 || r.Errors[loadgen.FailBarrier] != 2 || r.Drain < 50*time.Millisecond {
		t.Errorf("sent %d errors %v drain %v", r.Sent, r.Errors, r.Drain)
	}
	checkNoLeaks(t)
}

func TestReportString(t *testing.T) {
	tests := []struct {
		name    string
		notify  bool
		want    []string
		notWant []string
	}{
		{"requests", false, []string{"requests for", "per request)", "latency p50"}, []string{"barrier"}},
		{"notifies", true, []string{"notifies for", "per notify)", "barrier a.b.c: the server handled the last notify"}, []string{"notifie ", "notifie)", "latency"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &loadgen.Report{
				Config: loadgen.Config{Addr: "tcp://x:1", Route: "a.b.c", BarrierRoute: "a.b.c", Notify: tt.notify, ServerPID: 1},
				Conns:  1, Sent: 10, OK: 10, Elapsed: time.Second, ServerCPU: 10 * time.Millisecond, CPUPerRequest: time.Millisecond,
			}
			s := r.String()
			for _, w := range tt.want {
				if !strings.Contains(s, w) {
					t.Errorf("no %q in:\n%s", w, s)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(s, w) {
					t.Errorf("%q in:\n%s", w, s)
				}
			}
		})
	}
}
