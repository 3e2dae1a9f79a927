package loadgen_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/examples/chat/chatserver"
	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/internal/loadgen"
	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"google.golang.org/protobuf/proto"
)

// startChat runs the chat server on TCP and KCP and returns both addresses.
func startChat(t testing.TB, ser gamesrv.Serializer) map[string]string {
	t.Helper()
	srv, err := server.New(server.Options{Logger: testkit.Logger(t), Heartbeat: time.Second, Serializer: ser})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chatserver.Register(srv); err != nil {
		t.Fatal(err)
	}
	tcpAddr, kcpAddr := testkit.Serve(t, srv)
	return map[string]string{"tcp": tcpAddr, "kcp": kcpAddr}
}

// joinStep joins room as "bot-<conn>", in protobuf.
func joinStep(room string) loadgen.Step {
	return loadgen.Step{Route: chatv1.RoomServiceJoinRoute, PayloadFunc: func(conn int) ([]byte, error) {
		return proto.Marshal(&chatv1.JoinRequest{Room: room, Name: fmt.Sprintf("bot-%d", conn)})
	}}
}

// checkNoLeaks fails the test if a client or generator goroutine outlives
// the run.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	var stacks string
	testkit.Eventually(t, 5*time.Second, func() bool {
		buf := make([]byte, 1<<20)
		stacks = string(buf[:runtime.Stack(buf, true)])
		return !strings.Contains(stacks, "runtime/client.") && !strings.Contains(stacks, "internal/loadgen.(")
	}, "the client goroutines to end")
}

func checkReport(t *testing.T, r *loadgen.Report, conns, sent int) {
	t.Helper()
	if r.Conns != conns || r.Sent != sent || r.OK != sent || len(r.Errors) != 0 {
		t.Errorf("conns %d sent %d ok %d errors %v; want %d conns, %d OK", r.Conns, r.Sent, r.OK, r.Errors, conns, sent)
	}
	if r.Throughput <= 0 || r.Elapsed <= 0 {
		t.Errorf("throughput %v over %v", r.Throughput, r.Elapsed)
	}
	if r.Config.Notify {
		return
	}
	if r.P50 <= 0 || r.P50 > r.P99 || r.P99 > r.P999 || r.P999 > r.Max {
		t.Errorf("percentiles out of order: p50 %v p99 %v p999 %v max %v", r.P50, r.P99, r.P999, r.Max)
	}
}

func TestRunRequests(t *testing.T) {
	protoAddrs := startChat(t, nil)
	jsonAddrs := startChat(t, gamesrv.JSONSerializer{})
	jsonJoin := loadgen.Step{Route: chatv1.RoomServiceJoinRoute, Payload: []byte(`{"room":"r","name":"bot-%d"}`)}
	tests := []struct {
		name string
		cfg  loadgen.Config
	}{
		{"tcp", loadgen.Config{Addr: protoAddrs["tcp"], Init: []loadgen.Step{joinStep("tcp")}}},
		{"kcp", loadgen.Config{Addr: protoAddrs["kcp"], Init: []loadgen.Step{joinStep("kcp")}}},
		{"pipeline 4", loadgen.Config{Addr: protoAddrs["tcp"], Pipeline: 4, Init: []loadgen.Step{joinStep("pipe")}}},
		{"json %d", loadgen.Config{Addr: jsonAddrs["tcp"], Init: []loadgen.Step{jsonJoin}, Payload: []byte("{}")}},
		{"dial rate and warm-up", loadgen.Config{Addr: protoAddrs["tcp"], DialRate: 200, Warmup: 20 * time.Millisecond,
			Init: []loadgen.Step{joinStep("rate")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Conns, cfg.Requests, cfg.Route = 4, 50, chatv1.RoomServiceMembersRoute
			r, err := loadgen.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, r, 4, 200)
			if r.Pushes < 4 { // each bot saw at least its own arrival
				t.Errorf("%d pushes", r.Pushes)
			}
			checkNoLeaks(t)
			t.Log("\n" + r.String())
		})
	}
}

func TestRunForDuration(t *testing.T) {
	addr := startChat(t, nil)["tcp"]
	r, err := loadgen.Run(context.Background(), loadgen.Config{
		Addr: addr, Conns: 3, Duration: 200 * time.Millisecond, Pipeline: 2,
		Route: chatv1.RoomServiceMembersRoute, Init: []loadgen.Step{joinStep("d")},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, r, 3, r.Sent)
	if r.Sent == 0 || r.Elapsed < 200*time.Millisecond || r.Elapsed > 5*time.Second {
		t.Errorf("sent %d in %v", r.Sent, r.Elapsed)
	}
	checkNoLeaks(t)
}

func TestRunNotifies(t *testing.T) {
	addr := startChat(t, nil)["tcp"]
	r, err := loadgen.Run(context.Background(), loadgen.Config{
		Addr: addr, Conns: 2, Requests: 100, Notify: true,
		Route: chatv1.RoomServiceSayRoute, Payload: mustMarshal(t, &chatv1.SayRequest{Text: "hi"}),
		Init: []loadgen.Step{joinStep("n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, r, 2, 200)
	if r.P50 != 0 || r.Max != 0 {
		t.Errorf("notifies have latencies: p50 %v max %v", r.P50, r.Max)
	}
	checkNoLeaks(t)
}

func TestRunCountsErrorsByCode(t *testing.T) {
	addr := startChat(t, nil)["tcp"]
	r, err := loadgen.Run(context.Background(), loadgen.Config{
		Addr: addr, Conns: 2, Requests: 20, Route: chatv1.RoomServiceMembersRoute, // no join first
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 40 || r.OK != 0 || r.Errors[string(chatserver.CodeNotInRoom)] != r.Sent || len(r.Errors) != 1 {
		t.Errorf("sent %d ok %d errors %v", r.Sent, r.OK, r.Errors)
	}
	if msg := r.Messages[string(chatserver.CodeNotInRoom)]; msg != "join a room first" || len(r.Messages) != 1 {
		t.Errorf("first messages %q, want the server's message of %s", r.Messages, chatserver.CodeNotInRoom)
	}
	if !strings.Contains(r.String(), "CHAT-NOT-IN-ROOM 40  join a room first") {
		t.Errorf("summary without the errors and their first message:\n%s", r)
	}
	checkNoLeaks(t)
}

func TestRunMeasuresTheServerProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	addr := startChat(t, nil)["tcp"]
	r, err := loadgen.Run(context.Background(), loadgen.Config{
		Addr: addr, Conns: 4, Duration: 300 * time.Millisecond, ServerPID: os.Getpid(), ExtraPIDs: []int{os.Getpid()},
		Route: chatv1.RoomServiceMembersRoute, Init: []loadgen.Step{joinStep("pid")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.ServerCPU <= 0 || r.CPUPerRequest <= 0 || r.ServerRSSBefore <= 0 || r.ServerRSSAfter <= 0 {
		t.Errorf("cpu %v (%v per request), rss %d -> %d", r.ServerCPU, r.CPUPerRequest, r.ServerRSSBefore, r.ServerRSSAfter)
	}
	if len(r.ExtraCPU) != 1 || r.ExtraCPU[0] <= 0 { // the same process, over the same window
		t.Errorf("extra cpu %v (server %v)", r.ExtraCPU, r.ServerCPU)
	}
	if !strings.Contains(r.String(), "server cpu") {
		t.Errorf("summary without the server:\n%s", r)
	}
	checkNoLeaks(t)
}

func TestRunFailsWhenNothingRuns(t *testing.T) {
	addr := startChat(t, nil)["tcp"]
	tests := []struct {
		name string
		cfg  loadgen.Config
		want string
	}{
		{"refused", loadgen.Config{Addr: "tcp://127.0.0.1:1"}, "refused"},
		{"bad scheme", loadgen.Config{Addr: "udp://127.0.0.1:1"}, "scheme"},
		{"no route", loadgen.Config{Addr: addr, Route: "-"}, "no route"},
		{"no process", loadgen.Config{Addr: addr, ServerPID: 1 << 30}, "server cpu"},
		{"no extra process", loadgen.Config{Addr: addr, ExtraPIDs: []int{1 << 30}}, "extra process"},
		{"init fails", loadgen.Config{Addr: addr, Init: []loadgen.Step{{Route: "chat.room.nope"}}}, "GS-404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Conns, cfg.Requests = 2, 1
			cfg.Client = client.Options{DialTimeout: 5 * time.Second}
			switch cfg.Route {
			case "":
				cfg.Route = chatv1.RoomServiceMembersRoute
			case "-":
				cfg.Route = ""
			}
			r, err := loadgen.Run(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, %v; want an error with %q", r, err, tt.want)
			}
			checkNoLeaks(t)
		})
	}
}

func TestRunStopsWhenCanceled(t *testing.T) {
	addr := startChat(t, nil)["tcp"]
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var r *loadgen.Report
	var err error
	go func() {
		defer close(done)
		r, err = loadgen.Run(ctx, loadgen.Config{Addr: addr, Conns: 2, Duration: time.Hour,
			Route: chatv1.RoomServiceMembersRoute, Init: []loadgen.Step{joinStep("c")}})
	}()
	testkit.Eventually(t, 5*time.Second, func() bool { return requestsServed(t, addr) }, "the run to start")
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if err != nil {
		t.Fatalf("canceled during the measured phase: %v", err)
	}
	t.Logf("canceled run:\n%s", r)
	checkNoLeaks(t)
}

// requestsServed reports whether the room "c" has both bots, i.e. the
// set-up is over.
func requestsServed(t *testing.T, addr string) bool {
	c, err := client.Dial(context.Background(), addr, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rooms := chatv1.NewRoomServiceClient(c)
	ctx := context.Background()
	if _, err := rooms.Join(ctx, &chatv1.JoinRequest{Room: "c", Name: "watcher"}); err != nil {
		return false
	}
	m, err := rooms.Members(ctx, &chatv1.MembersRequest{})
	return err == nil && len(m.GetMembers()) == 3
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkRunMembers measures the generator and the server together, one
// sequential connection: allocs/op shows what a request costs both sides.
func BenchmarkRunMembers(b *testing.B) {
	addr := startChat(b, nil)["tcp"]
	b.ReportAllocs()
	b.ResetTimer()
	r, err := loadgen.Run(context.Background(), loadgen.Config{
		Addr: addr, Requests: b.N, Route: chatv1.RoomServiceMembersRoute, Init: []loadgen.Step{joinStep("bench")},
	})
	if err != nil || r.OK != b.N {
		b.Fatalf("%v\n%v", err, r)
	}
}
