package chatserver_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/examples/chat/chatserver"
	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

func TestRoomNames(t *testing.T) {
	ts, _ := startChatWith(t, chatserver.Options{})
	p := play(t, ts)
	tests := []struct {
		room string
		ok   bool
	}{
		{"lobby", true},
		{"Salle 1", true},
		{"a-b_c.d", true},
		{"北京", true},
		{strings.Repeat("r", 32), true},
		{strings.Repeat("r", 33), false},
		{"", false},
		{"   ", false}, // trimmed: empty
		{"a/b", false},
		{"<script>", false},
		{"tab\there", false},
		{"nul\x00", false},
		{"emoji😀", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.room), func(t *testing.T) {
			_, err := p.rooms.Join(context.Background(), &chatv1.JoinRequest{Room: tt.room, Name: "p"})
			switch {
			case tt.ok && err != nil:
				t.Errorf("refused: %v", err)
			case tt.ok:
				recv(t, p.members) // its arrival
			case !tt.ok && gamesrv.CodeOf(err) != chatserver.CodeBadRoom:
				t.Errorf("got %v, want %s", err, chatserver.CodeBadRoom)
			}
		})
	}
}

// TestMaxRooms: with every room held by a player, a join that would open
// one more fails with CHAT-TOO-MANY-ROOMS; a room left empty is reclaimed
// for a new one.
func TestMaxRooms(t *testing.T) {
	ts, h := startChatWith(t, chatserver.Options{MaxRooms: 3}) // idle rooms live 30 s
	ctx := context.Background()
	players := make([]*player, 4)
	for i := range players {
		players[i] = play(t, ts)
	}
	for i, p := range players[:3] {
		join(t, p, fmt.Sprintf("r%d", i), fmt.Sprintf("p%d", i))
	}
	_, err := players[3].rooms.Join(ctx, &chatv1.JoinRequest{Room: "r3", Name: "p3"})
	if gamesrv.CodeOf(err) != chatserver.CodeTooManyRooms {
		t.Fatalf("a fourth room: got %v, want %s", err, chatserver.CodeTooManyRooms)
	}
	if members := join(t, players[3], "r0", "p3"); !slices.Equal(members, []string{"p0", "p3"}) {
		t.Errorf("joining an open room: members %v", members)
	}
	if _, err := players[2].rooms.Leave(ctx, &chatv1.LeaveRequest{}); err != nil { // r2 is now empty
		t.Fatal(err)
	}
	if members := join(t, players[3], "r3", "p3"); !slices.Equal(members, []string{"p3"}) {
		t.Errorf("r3 in place of the empty r2: members %v", members)
	}
	got := roomStats(t, h)
	if _, ok := got["r2"]; ok || len(got) != 3 || got["r3"] != 1 || got["r0"] != 1 {
		t.Errorf("rooms %v, want r0, r1 and r3 with one player each", got)
	}
	if _, err := players[2].rooms.Join(ctx, &chatv1.JoinRequest{Room: "r4", Name: "p2"}); gamesrv.CodeOf(err) != chatserver.CodeTooManyRooms {
		t.Errorf("r4 with every room held: got %v, want %s", err, chatserver.CodeTooManyRooms)
	}
	if _, err := players[0].rooms.Leave(ctx, &chatv1.LeaveRequest{}); err != nil { // r0 is now empty
		t.Fatal(err)
	}
	join(t, players[2], "r4", "p2")
	// Moving on to another room always succeeds: the player's old room is
	// left first, and reclaimed if it is empty.
	join(t, players[2], "r5", "p2")
	if got := roomStats(t, h); !slices.Equal(slices.Sorted(maps.Keys(got)), []string{"r1", "r3", "r5"}) {
		t.Errorf("rooms %v, want r1, r3 and r5", got)
	}
}

// TestRoomFloodBounded: one client joining room after room (as an attack
// does) never holds more than MaxRooms rooms, and so goroutines, open.
func TestRoomFloodBounded(t *testing.T) {
	const maxRooms = 10
	awaitNoRooms(t)
	ts, h := startChatWith(t, chatserver.Options{MaxRooms: maxRooms, IdleTimeout: time.Hour})
	p := play(t, ts)
	for i := range 200 {
		join(t, p, fmt.Sprintf("flood-%d", i), "flooder")
		recv(t, p.members) // its arrival: the push channel must not fill up
	}
	if n := len(roomStats(t, h)); n > maxRooms {
		t.Errorf("%d rooms open, want at most %d", n, maxRooms)
	}
	testkit.Eventually(t, 5*time.Second, func() bool { return roomGoroutines() <= maxRooms }, "the reclaimed rooms' goroutines to end")
	say(t, p, "still chatting")
}
