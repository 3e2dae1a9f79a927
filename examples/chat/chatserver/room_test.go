package chatserver_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/examples/chat/chatserver"
	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/internal/testkit"
)

// join makes p join roomName as name and returns the members.
func join(t *testing.T, p *player, roomName, name string) []string {
	t.Helper()
	resp, err := p.rooms.Join(context.Background(), &chatv1.JoinRequest{Room: roomName, Name: name})
	if err != nil {
		t.Fatalf("%s joins %s: %v", name, roomName, err)
	}
	return resp.GetMembers()
}

// say makes p say text and waits until the room pushed it back to p.
func say(t *testing.T, p *player, text string) {
	t.Helper()
	if err := p.rooms.Say(context.Background(), &chatv1.SayRequest{Text: text}); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, p.messages); m.GetText() != text {
		t.Fatalf("said %q, got back %v", text, m)
	}
}

// roomStats calls the internal RoomStats method.
func roomStats(t *testing.T, h *chatserver.Handler) map[string]int32 {
	t.Helper()
	resp, err := h.RoomStats(context.Background(), &chatv1.RoomStatsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetMembers()
}

func TestHistoryReplayedToJoiners(t *testing.T) {
	ts, _ := startChatWith(t, chatserver.Options{History: 3})
	ann, bob := play(t, ts), play(t, ts)
	join(t, ann, "r", "ann")
	recv(t, ann.members)
	for i := range 4 {
		say(t, ann, fmt.Sprintf("line %d", i))
	}
	if _, err := ann.rooms.Leave(context.Background(), &chatv1.LeaveRequest{}); err != nil {
		t.Fatal(err)
	}

	if members := join(t, bob, "r", "bob"); !slices.Equal(members, []string{"bob"}) {
		t.Errorf("bob joins the emptied room and finds %v", members)
	}
	for _, want := range []string{"line 1", "line 2", "line 3"} { // the last 3, oldest first
		if m := recv(t, bob.messages); m.GetText() != want || m.GetFrom() != "ann" || m.GetRoom() != "r" {
			t.Errorf("history: got %v, want ann's %q", m, want)
		}
	}
	if m := recv(t, bob.members); m.GetJoined() != "bob" {
		t.Errorf("bob saw %v", m)
	}
	say(t, bob, "hi") // and nothing else before it
}

func TestIdleRoomClosesItself(t *testing.T) {
	ts, h := startChatWith(t, chatserver.Options{History: 3, IdleTimeout: 20 * time.Millisecond})
	ann, bob, carl := play(t, ts), play(t, ts), play(t, ts)
	join(t, carl, "busy", "carl") // stays: his room must outlive the timeout
	join(t, ann, "quiet", "ann")
	say(t, ann, "old")
	if _, err := ann.rooms.Leave(context.Background(), &chatv1.LeaveRequest{}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		_, open := roomStats(t, h)["quiet"]
		return !open
	}, "the empty room to close")

	if members := join(t, bob, "quiet", "bob"); !slices.Equal(members, []string{"bob"}) {
		t.Errorf("bob joins a new room and finds %v", members)
	}
	say(t, bob, "new") // the closed room's history is gone
	if got := roomStats(t, h); got["busy"] != 1 || got["quiet"] != 1 {
		t.Errorf("room stats %v, want busy and quiet with 1 member each", got)
	}
}

// TestShutdownClosesTheRooms: the server's Shutdown ends every room's
// goroutine; Close again does nothing.
func TestShutdownClosesTheRooms(t *testing.T) {
	awaitNoRooms(t)
	ts, h := startChatWith(t, chatserver.Options{})
	for i, roomName := range []string{"a", "b", "a"} {
		join(t, play(t, ts), roomName, fmt.Sprintf("p%d", i))
	}
	if got := roomStats(t, h); got["a"] != 2 || got["b"] != 1 {
		t.Fatalf("room stats %v", got)
	}
	if n := roomGoroutines(); n != 2 {
		t.Fatalf("%d room goroutines with two rooms open", n)
	}
	if err := ts.Close(); err != nil { // the server's Shutdown
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, func() bool { return roomGoroutines() == 0 }, "the rooms' goroutines to end")
	if got := roomStats(t, h); len(got) != 0 {
		t.Errorf("rooms after the shutdown: %v", got)
	}
	if err := h.Close(context.Background()); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

// awaitNoRooms waits until the rooms of earlier tests, whose servers shut
// down, have ended (a room's goroutine ends shortly after its server's
// Shutdown), so that the rooms counted after are the test's own. Counting
// from whatever was left made a test take a room that ended while it ran
// for one of its own.
func awaitNoRooms(t *testing.T) {
	t.Helper()
	testkit.Eventually(t, 5*time.Second, func() bool { return roomGoroutines() == 0 }, "earlier tests' rooms to end")
}

// roomGoroutines counts the goroutines of rooms in the process.
func roomGoroutines() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "runtime/room.(*Room).run(")
}
