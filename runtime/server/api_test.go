package server_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/servertest"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// These tests drive the server's public API (groups, pushes, session
// lookups and data) from the handler's side, on an in-memory server.

// memServer starts the echo service on an in-memory server.
func memServer(t *testing.T, opts server.Options) *servertest.Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger(t)
	}
	return servertest.New(t, opts, func(srv *server.Server) error { return srv.RegisterService(&echoDesc, newEchoHandler()) })
}

// player is a client bound to a uid, with the pushes it receives.
type player struct {
	c      *client.Client
	s      gamesrv.Session // its session on the server
	pushes chan string     // "route=value"
}

// join connects a client, binds it to uid and finds its session.
func join(t *testing.T, ts *servertest.Server, uid string) *player {
	t.Helper()
	p := &player{pushes: make(chan string, 16)}
	o := client.Options{Logger: quietLogger(t), User: map[string]string{"token": "t-" + uid}}
	p.c = ts.Client(t, o)
	p.c.HandleRawPush(func(route string, payload []byte) { // pushes that came first are held for it
		var v wrapperspb.StringValue
		_ = proto.Unmarshal(payload, &v)
		p.pushes <- route + "=" + v.GetValue()
	})
	if err := p.c.Request(context.Background(), echoRoute, wrapperspb.String("bind:"+uid), new(wrapperspb.StringValue)); err != nil {
		t.Fatalf("bind %s: %v", uid, err)
	}
	s, ok := ts.Server().SessionByUID(uid)
	if !ok {
		t.Fatalf("no session bound to %s", uid)
	}
	p.s = s
	return p
}

// barrier makes p push "pushed" to itself and returns the pushes that
// arrived before it: everything the server sent p earlier.
func (p *player) barrier(t *testing.T) []string {
	t.Helper()
	if err := p.c.Request(context.Background(), echoRoute, wrapperspb.String("push"), new(wrapperspb.StringValue)); err != nil {
		t.Fatal(err)
	}
	var before []string
	for {
		got := recv(t, p.pushes, "a push")
		if got == pushRoute+"=pushed" {
			return before
		}
		before = append(before, got)
	}
}

// uids returns the sorted uids of sessions.
func uids(sessions []gamesrv.Session) []string {
	var out []string
	for _, s := range sessions {
		out = append(out, s.UID())
	}
	slices.Sort(out)
	return out
}

// TestGroupAPI: a group by name, its members, a broadcast reaching the
// members only, removal, deletion, and a session leaving its groups when
// it closes.
func TestGroupAPI(t *testing.T) {
	t.Parallel()
	ts := memServer(t, server.Options{})
	srv := ts.Server()
	ann, bob := join(t, ts, "ann"), join(t, ts, "bob")
	ctx := context.Background()

	g := srv.Group("room")
	if srv.Group("room") != g || g.Name() != "room" || g.Len() != 0 {
		t.Fatalf("Group: another value for the same name, or not empty: %q %d", g.Name(), g.Len())
	}
	for _, p := range []*player{ann, ann, bob} { // adding twice is a no-op
		if err := g.Add(p.s); err != nil {
			t.Fatal(err)
		}
	}
	if g.Len() != 2 || !g.Contains(ann.s) || !g.Contains(bob.s) || !slices.Equal(uids(g.Members()), []string{"ann", "bob"}) {
		t.Fatalf("members %v, len %d", uids(g.Members()), g.Len())
	}
	if err := g.Broadcast(ctx, pushRoute, wrapperspb.String("to both")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*player{ann, bob} {
		if got := p.barrier(t); !slices.Equal(got, []string{pushRoute + "=to both"}) {
			t.Errorf("%s got %v", p.s.UID(), got)
		}
	}

	g.Remove(ann.s)
	g.Remove(ann.s) // not a member: nothing happens
	if g.Len() != 1 || g.Contains(ann.s) {
		t.Fatalf("after Remove: len %d, ann member %v", g.Len(), g.Contains(ann.s))
	}
	if err := srv.Push(ctx, gamesrv.ToGroup("room"), pushRoute, wrapperspb.String("to bob")); err != nil {
		t.Fatal(err)
	}
	if got := ann.barrier(t); len(got) != 0 {
		t.Errorf("ann, removed, got %v", got)
	}
	if got := bob.barrier(t); !slices.Equal(got, []string{pushRoute + "=to bob"}) {
		t.Errorf("bob got %v", got)
	}

	srv.DeleteGroup("room")
	if g.Len() != 0 || srv.Group("room") == g {
		t.Errorf("after DeleteGroup: the old group has %d members; Group returns it again: %v", g.Len(), srv.Group("room") == g)
	}
	if err := srv.Push(ctx, gamesrv.ToGroup("no such group"), pushRoute, wrapperspb.String("x")); err != nil {
		t.Errorf("a push to a group that does not exist: %v", err)
	}

	stay := srv.Group("stay")
	if err := stay.Add(bob.s); err != nil {
		t.Fatal(err)
	}
	_ = bob.c.Close()
	testkit.Eventually(t, 5*time.Second, func() bool { return stay.Len() == 0 }, "bob to leave his group")
	if err := srv.Group("late").Add(bob.s); !errors.Is(err, server.ErrSessionClosed) {
		t.Errorf("adding a closed session: %v, want ErrSessionClosed", err)
	}
	if err := bob.s.Push(ctx, pushRoute, wrapperspb.String("x")); !errors.Is(err, server.ErrSessionClosed) {
		t.Errorf("a push to a closed session: %v, want ErrSessionClosed", err)
	}
}

// TestForeignSessionRefused: without a cluster, a group holds only the
// sessions of its own server.
func TestForeignSessionRefused(t *testing.T) {
	t.Parallel()
	here, there := memServer(t, server.Options{}), memServer(t, server.Options{})
	stranger := join(t, there, "stranger")
	g := here.Server().Group("g")
	if err := g.Add(stranger.s); !errors.Is(err, server.ErrForeignSession) {
		t.Errorf("Add of another server's session: %v, want ErrForeignSession", err)
	}
	if g.Len() != 0 || g.Contains(stranger.s) {
		t.Error("the foreign session is a member")
	}
}

// TestPushTargets: a push to a session, to uids (the ones offline are
// skipped) and to nobody.
func TestPushTargets(t *testing.T) {
	t.Parallel()
	ts := memServer(t, server.Options{})
	srv := ts.Server()
	ann, bob := join(t, ts, "ann"), join(t, ts, "bob")
	ctx := context.Background()
	tests := []struct {
		target   gamesrv.PushTarget
		ann, bob bool // who receives it
	}{
		{gamesrv.ToSession(ann.s), true, false},
		{gamesrv.ToUIDs("bob", "offline"), false, true},
		{gamesrv.ToUIDs("ann", "bob"), true, true},
		{gamesrv.ToUIDs(), false, false},
	}
	for i, tt := range tests {
		value := strings.Repeat("v", i+1)
		if err := srv.Push(ctx, tt.target, pushRoute, wrapperspb.String(value)); err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
		for _, p := range []struct {
			*player
			want bool
		}{{ann, tt.ann}, {bob, tt.bob}} {
			got := p.barrier(t)
			if p.want != (len(got) == 1) || (p.want && got[0] != pushRoute+"="+value) {
				t.Errorf("push %d: %s got %v, want it: %v", i, p.s.UID(), got, p.want)
			}
		}
	}
}

// TestSessionLookupsAndData: sessions by id and uid, their data (the Data
// snapshot a copy), the handshake's user object and the address.
func TestSessionLookupsAndData(t *testing.T) {
	t.Parallel()
	ts := memServer(t, server.Options{})
	srv := ts.Server()
	ann := join(t, ts, "ann")
	if s, ok := srv.Session(ann.s.ID()); !ok || s.UID() != "ann" {
		t.Errorf("Session(%d) = %v, %v", ann.s.ID(), s, ok)
	}
	if _, ok := srv.Session(ann.s.ID() + 1000); ok {
		t.Error("Session found an id nobody has")
	}
	if _, ok := srv.SessionByUID("nobody"); ok {
		t.Error("SessionByUID found a uid nobody bound")
	}

	s := ann.s
	s.Set("level", "3")
	s.Set("room", "r")
	s.Delete("room")
	if v, ok := s.Get("level"); !ok || v != "3" {
		t.Errorf("Get(level) = %q, %v", v, ok)
	}
	if _, ok := s.Get("room"); ok {
		t.Error("Delete left the value")
	}
	snap, ok := s.(interface{ Data() map[string]string })
	if !ok {
		t.Fatalf("%T has no Data method", s)
	}
	data := snap.Data()
	if len(data) != 1 || data["level"] != "3" {
		t.Errorf("Data() = %v", data)
	}
	data["level"] = "99"
	if v, _ := s.Get("level"); v != "3" {
		t.Error("changing Data's map changed the session")
	}

	hs := s.Handshake()
	if string(hs.User) != `{"token":"t-ann"}` || hs.Sys.Platform != "go" {
		t.Errorf("handshake user %s sys %+v", hs.User, hs.Sys)
	}
	hs.User[2] = 'X'
	if string(s.Handshake().User) != `{"token":"t-ann"}` {
		t.Error("changing Handshake's result changed the session")
	}
	if !strings.HasPrefix(s.RemoteAddr(), "127.0.0.1:") {
		t.Errorf("RemoteAddr %q", s.RemoteAddr())
	}

	_ = ann.c.Close()
	testkit.Eventually(t, 5*time.Second, func() bool { return srv.Sessions() == 0 }, "the session to close")
	if _, ok := srv.Session(s.ID()); ok {
		t.Error("a closed session is still found by id")
	}
	if _, ok := srv.SessionByUID("ann"); ok {
		t.Error("a closed session is still found by uid")
	}
}

// TestServerIdentity: the id is the option's, or the server type (the
// first service's) with a random suffix; Ready and Frontend follow the
// server's life.
func TestServerIdentity(t *testing.T) {
	t.Parallel()
	named := memServer(t, server.Options{ServerID: "connector-7"})
	if named.Server().ID() != "connector-7" {
		t.Errorf("ID %q, want the option's", named.Server().ID())
	}
	ts := memServer(t, server.Options{})
	srv := ts.Server()
	if !regexp.MustCompile(`^test-[0-9a-f]{8}$`).MatchString(srv.ID()) {
		t.Errorf("default ID %q, want test-<8 hex digits>", srv.ID())
	}
	if other := memServer(t, server.Options{}); other.Server().ID() == srv.ID() {
		t.Errorf("two servers share the id %q", srv.ID())
	}
	if !srv.Ready() || !serverhost.Of(srv.Internal).Frontend() {
		t.Errorf("running: Ready %v Frontend %v", srv.Ready(), serverhost.Of(srv.Internal).Frontend())
	}
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	if srv.Ready() {
		t.Error("Ready after Shutdown")
	}
	if err := srv.Shutdown(context.Background()); !errors.Is(err, server.ErrServerNotRunning) {
		t.Errorf("a second Shutdown: %v, want ErrServerNotRunning", err)
	}
}

// TestRegistrationRules: services and components are registered before
// Start; nil ones are refused.
func TestRegistrationRules(t *testing.T) {
	t.Parallel()
	srv, err := server.New(server.Options{Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.RegisterService(nil, newEchoHandler()); err == nil {
		t.Error("a nil service registered")
	}
	if err := srv.RegisterService(&echoDesc, nil); err == nil {
		t.Error("a nil handler registered")
	}
	if err := srv.RegisterComponent("nil", nil); err == nil {
		t.Error("a nil component registered")
	}
	if srv.Ready() || serverhost.Of(srv.Internal).Frontend() {
		t.Error("ready or frontend before Start")
	}
	if err := srv.Shutdown(context.Background()); !errors.Is(err, server.ErrServerNotRunning) {
		t.Errorf("Shutdown before Start: %v", err)
	}
	ts := memServer(t, server.Options{})
	if err := ts.Server().RegisterService(&echoDesc, newEchoHandler()); !errors.Is(err, server.ErrServerStarted) {
		t.Errorf("RegisterService after Start: %v", err)
	}
	if err := ts.Server().RegisterComponent("late", server.BaseComponent{}); !errors.Is(err, server.ErrServerStarted) {
		t.Errorf("RegisterComponent after Start: %v", err)
	}
	if err := ts.Server().Start(); !errors.Is(err, server.ErrServerStarted) {
		t.Errorf("a second Start: %v", err)
	}
}
