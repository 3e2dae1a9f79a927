package chatbot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/examples/chat/chatbot"
	"github.com/gamesrv/gamesrv/examples/chat/chatserver"
	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// startChat runs the chat server on TCP and KCP (loopback, port 0).
func startChat(t *testing.T) (tcpAddr, kcpAddr string) {
	t.Helper()
	srv, err := server.New(server.Options{Logger: testkit.Logger(t), Heartbeat: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chatserver.Register(srv); err != nil {
		t.Fatal(err)
	}
	return testkit.Serve(t, srv)
}

func TestBotsInRoom(t *testing.T) {
	for _, tc := range []struct{ n, rooms, room, want int }{
		{50, 5, 0, 10}, {50, 5, 4, 10}, {7, 3, 0, 3}, {7, 3, 1, 2}, {7, 3, 2, 2}, {2, 5, 1, 1}, {2, 5, 2, 0}, {0, 5, 0, 0},
	} {
		if got := chatbot.BotsInRoom(tc.n, tc.rooms, tc.room); got != tc.want {
			t.Errorf("BotsInRoom(%d, %d, %d) = %d, want %d", tc.n, tc.rooms, tc.room, got, tc.want)
		}
	}
}

// TestRun: one run alone, then two runs sharing rooms over two transports
// (as the demo's Go and TypeScript bots do): every bot expects and gets the
// lines of both runs.
func TestRun(t *testing.T) {
	tcpAddr, kcpAddr := startChat(t)
	cfg := chatbot.Config{Addr: tcpAddr, Bots: 4, Rooms: 2, Messages: 5, Interval: time.Millisecond, Prefix: "solo-"}
	r, err := chatbot.Run(context.Background(), cfg)
	if err != nil || !r.OK() {
		t.Fatalf("alone: %v, %v", r, err)
	}
	if r.Client != "go" || r.Sent != 20 || r.Expected != 2*2*2*5 || r.Requests != 4+20 {
		t.Errorf("alone: %v", r)
	}

	// 5 bots over TCP and 3 over KCP in 2 rooms: room-0 holds 3+2, room-1 2+1.
	a := chatbot.Config{Addr: tcpAddr, Bots: 5, Rooms: 2, Messages: 4, Interval: time.Millisecond, Prefix: "a-", RoomPrefix: "shared-", PeerBots: 3}
	b := chatbot.Config{Addr: kcpAddr, Bots: 3, Rooms: 2, Messages: 4, Interval: time.Millisecond, Prefix: "b-", RoomPrefix: "shared-", PeerBots: 5}
	reports := make([]*chatbot.Report, 2)
	var wg sync.WaitGroup
	for i, c := range []chatbot.Config{a, b} {
		wg.Go(func() {
			var err error
			if reports[i], err = chatbot.Run(context.Background(), c); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// Each bot gets 4 lines of each member of its room.
	for i, want := range []int64{(3*5 + 2*3) * 4, (2*5 + 1*3) * 4} {
		if r := reports[i]; !r.OK() || r.Expected != want || r.Received != want {
			t.Errorf("run %d: %v, want %d lines received", i, r, want)
		}
	}
}

// TestRunMissingPeers: bots told of peers that never come fail, saying
// what they waited for, when the run's time is up.
func TestRunMissingPeers(t *testing.T) {
	tcpAddr, _ := startChat(t)
	r, err := chatbot.Run(context.Background(), chatbot.Config{
		Addr: tcpAddr, Bots: 2, Rooms: 1, Messages: 2, Interval: time.Millisecond, PeerBots: 1, Timeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || len(r.Failures) != 2 || r.Sent != 0 {
		t.Fatalf("%v", r)
	}
	for _, f := range r.Failures {
		if !strings.Contains(f, "wait for 3 members in room-0 (saw 2)") {
			t.Errorf("failure %q", f)
		}
	}
}
