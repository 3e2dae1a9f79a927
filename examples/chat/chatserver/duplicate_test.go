package chatserver_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/examples/chat/chatserver"
	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/servertest"
	"google.golang.org/protobuf/proto"
)

// TestDuplicateLoginWhileTheKickedSessionIsBusy: the room does not rely on
// Bind having waited for the kicked session's close hook. The first
// session's worker is held by a request, so its close hook (which leaves
// the room) cannot run: the second Join's Bind gives up after BindWait
// (GS-504, the uid bound all the same), and the retry joins while the
// kicked session is still in the room. It must still list the player once.
func TestDuplicateLoginWhileTheKickedSessionIsBusy(t *testing.T) {
	blocked, release := make(chan struct{}, 1), make(chan struct{})
	var held atomic.Bool
	hold := func(next gamesrv.Handler) gamesrv.Handler {
		return func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
			if c.Route == chatv1.RoomServiceMembersRoute && held.CompareAndSwap(false, true) {
				blocked <- struct{}{}
				select {
				case <-release:
				case <-ctx.Done():
				}
			}
			return next(ctx, c)
		}
	}
	ts := servertest.New(t, server.Options{Logger: testkit.Logger(t), BindWait: 100 * time.Millisecond,
		Interceptors: []gamesrv.Interceptor{hold}}, func(srv *server.Server) error {
		_, err := chatserver.Register(srv)
		return err
	})
	srv := ts.Server()
	unblock := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unblock) // before the shutdown

	ctx := context.Background()
	first, second := play(t, ts), play(t, ts)
	join(t, first, "r", "ann")
	go func() { _, _ = first.rooms.Members(ctx, &chatv1.MembersRequest{}) }()
	select {
	case <-blocked:
	case <-time.After(5 * time.Second):
		t.Fatal("the first session's request was not held")
	}

	_, err := second.rooms.Join(ctx, &chatv1.JoinRequest{Room: "r", Name: "ann"})
	if gamesrv.CodeOf(err) != gamesrv.CodeDeadlineExceeded {
		t.Fatalf("join while the kicked session is busy: %v, want %s", err, gamesrv.CodeDeadlineExceeded)
	}
	if got := join(t, second, "r", "ann"); !slices.Equal(got, []string{"ann"}) {
		t.Fatalf("the retry's join lists %q, want [ann]", got)
	}
	unblock() // the kicked session's close hook runs now: it finds nothing to leave
	select {
	case <-first.c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the first session was not kicked")
	}
	testkit.Eventually(t, 5*time.Second, func() bool { return srv.Sessions() == 1 }, "the kicked session to close")
	if r, err := second.rooms.Members(ctx, &chatv1.MembersRequest{}); err != nil || !slices.Equal(r.GetMembers(), []string{"ann"}) {
		t.Errorf("members after the kicked session closed: %v %v, want [ann]", r.GetMembers(), err)
	}
}
