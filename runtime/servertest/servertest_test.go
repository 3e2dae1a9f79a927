package servertest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/servertest"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// recv returns the next value of ch, failing the test after 5 s.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		var zero T
		t.Fatalf("nothing received within 5 s")
		return zero
	}
}

// TestHandlerThroughGeneratedClient: requests, notifies, pushes to a
// group and coded errors go through the real session layer.
func TestHandlerThroughGeneratedClient(t *testing.T) {
	t.Parallel()
	ts := servertest.New(t, server.Options{}, registerLobby)
	ctx := context.Background()
	ann, bob := ts.Client(t, client.Options{}), ts.Client(t, client.Options{})
	annLines, bobLines := newLines(), newLines()
	for c, p := range map[*client.Client]*lines{ann: annLines, bob: bobLines} {
		if err := chatv1.RegisterRoomServicePushHandler(c, p); err != nil {
			t.Fatal(err)
		}
	}
	annRooms, bobRooms := chatv1.NewRoomServiceClient(ann), chatv1.NewRoomServiceClient(bob)

	if err := annRooms.Say(ctx, &chatv1.SayRequest{Text: "too early"}); err != nil {
		t.Fatalf("a notify's error is not sent back: %v", err)
	}
	if _, err := annRooms.Members(ctx, &chatv1.MembersRequest{}); gamesrv.CodeOf(err) != "CHAT-NOT-IN-ROOM" {
		t.Errorf("members before joining: %v, want CHAT-NOT-IN-ROOM", err)
	}
	if _, err := annRooms.Join(ctx, &chatv1.JoinRequest{Room: "r"}); gamesrv.CodeOf(err) != "CHAT-BAD-NAME" {
		t.Errorf("join without a name: %v, want CHAT-BAD-NAME", err)
	}
	if resp, err := annRooms.Join(ctx, &chatv1.JoinRequest{Room: "r", Name: "ann"}); err != nil || !slices.Equal(resp.GetMembers(), []string{"ann"}) {
		t.Fatalf("ann joins: %v %v", resp, err)
	}
	if resp, err := bobRooms.Join(ctx, &chatv1.JoinRequest{Room: "r", Name: "bob"}); err != nil || !slices.Equal(resp.GetMembers(), []string{"ann", "bob"}) {
		t.Fatalf("bob joins: %v %v", resp, err)
	}
	if err := bobRooms.Say(ctx, &chatv1.SayRequest{Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*lines{"ann": annLines, "bob": bobLines} {
		if m := recv(t, p.ch); m.GetFrom() != "bob" || m.GetText() != "hi" || m.GetRoom() != "r" {
			t.Errorf("%s got %v", name, m)
		}
	}
	if len(annLines.ch) != 0 {
		t.Errorf("ann got the line said before she joined")
	}
	if _, err := ann.RequestRaw(ctx, "chat.room.nope", nil); gamesrv.CodeOf(err) != gamesrv.CodeNotFound {
		t.Errorf("unknown route: %v, want %s", err, gamesrv.CodeNotFound)
	}
}

// TestSessionsSeeLoopbackAddresses: each connection's session has its own
// 127.0.0.1 address, and the server's session lookups find them.
func TestSessionsSeeLoopbackAddresses(t *testing.T) {
	t.Parallel()
	ts := servertest.New(t, server.Options{}, registerLobby)
	seen := map[string]bool{}
	for i := range 3 {
		name := fmt.Sprintf("p%d", i)
		c := ts.Client(t, client.Options{})
		if _, err := chatv1.NewRoomServiceClient(c).Join(context.Background(), &chatv1.JoinRequest{Room: "r", Name: name}); err != nil {
			t.Fatal(err)
		}
		s, ok := ts.Server().SessionByUID(name)
		if !ok {
			t.Fatalf("no session bound to %s", name)
		}
		host, port, err := net.SplitHostPort(s.RemoteAddr())
		if err != nil || host != "127.0.0.1" || port == "0" || seen[port] {
			t.Errorf("%s's address %q: host %q port %q (%v); ports seen %v", name, s.RemoteAddr(), host, port, err, seen)
		}
		seen[port] = true
	}
	if n := ts.Server().Sessions(); n != 3 {
		t.Errorf("%d sessions, want 3", n)
	}
}

// TestCloseKicksClientsAndRefusesDials: Close kicks the connected clients
// with the reason "shutdown"; a dial after it fails with ErrClosed; a
// second Close returns the first one's result.
func TestCloseKicksClientsAndRefusesDials(t *testing.T) {
	t.Parallel()
	ts := servertest.New(t, server.Options{}, registerLobby)
	c := ts.Client(t, client.Options{})
	if err := ts.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	recv(t, c.Done())
	var kick *client.KickError
	if !errors.As(c.Err(), &kick) || kick.Reason != "shutdown" {
		t.Errorf("client ended with %v, want a shutdown kick", c.Err())
	}
	if _, err := ts.Dial(context.Background(), client.Options{}); !errors.Is(err, servertest.ErrClosed) {
		t.Errorf("dial after close: %v, want ErrClosed", err)
	}
	if _, err := ts.DialContext(context.Background(), "tcp", "x"); !errors.Is(err, servertest.ErrClosed) {
		t.Errorf("raw dial after close: %v, want ErrClosed", err)
	}
	if err := ts.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if ts.Server().Ready() {
		t.Error("the server is still ready after Close")
	}
}

// TestNewClientRegistersBeforeConnect: NewClient returns a client that
// is not connected, whose handlers are in place when Connect returns.
func TestNewClientRegistersBeforeConnect(t *testing.T) {
	t.Parallel()
	ts := servertest.New(t, server.Options{}, registerLobby)
	c := ts.NewClient(t, client.Options{})
	rooms := chatv1.NewRoomServiceClient(c)
	if _, err := rooms.Join(context.Background(), &chatv1.JoinRequest{Room: "r", Name: "ann"}); !errors.Is(err, client.ErrNotConnected) {
		t.Fatalf("a request before Connect: %v, want ErrNotConnected", err)
	}
	p := newLines()
	if err := chatv1.RegisterRoomServicePushHandler(c, p); err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := rooms.Join(context.Background(), &chatv1.JoinRequest{Room: "r", Name: "ann"}); err != nil {
		t.Fatal(err)
	}
	if err := rooms.Say(context.Background(), &chatv1.SayRequest{Text: "echo"}); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, p.ch); m.GetText() != "echo" {
		t.Errorf("got %v", m)
	}
}

// TestServerOptionsApply: the options given to New configure the server:
// here the heartbeat and serializer the handshake announces, and the
// handshake validators that see the client's user data.
func TestServerOptionsApply(t *testing.T) {
	t.Parallel()
	validate := func(_ context.Context, s gamesrv.Session, hs *wire.HandshakeRequest) error {
		if !strings.Contains(string(hs.User), `"token":"ok"`) {
			return errors.New("bad token")
		}
		return nil
	}
	ts := servertest.New(t, server.Options{
		Heartbeat:           3 * time.Second,
		Serializer:          gamesrv.JSONSerializer{},
		HandshakeValidators: []server.HandshakeValidator{validate},
	}, registerLobby)
	c := ts.Client(t, client.Options{User: map[string]string{"token": "ok"}})
	if c.Heartbeat() != 3*time.Second || c.Serializer().Name() != gamesrv.SerializerJSON {
		t.Errorf("handshake announced %v and %q", c.Heartbeat(), c.Serializer().Name())
	}
	if _, err := chatv1.NewRoomServiceClient(c).Join(context.Background(), &chatv1.JoinRequest{Room: "r", Name: "ann"}); err != nil {
		t.Errorf("join over JSON: %v", err)
	}
	_, err := ts.Dial(context.Background(), client.Options{User: map[string]string{"token": "bad"}})
	if !errors.Is(err, client.ErrHandshakeRefused) {
		t.Errorf("a refused handshake: %v, want ErrHandshakeRefused", err)
	}
}

// TestStartReportsRegistrationErrors: an error of the register function,
// or of the server's own checks, is Start's error, and nothing runs.
func TestStartReportsRegistrationErrors(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	tests := []struct {
		name     string
		register func(*server.Server) error
		want     error  // errors.Is
		contains string // in the message
	}{
		{"register fails", func(*server.Server) error { return errBoom }, errBoom, "register: boom"},
		{"nil handler", func(srv *server.Server) error { return chatv1.RegisterRoomServiceHandler(srv, nil) }, nil, "nil"},
		{"service twice", func(srv *server.Server) error {
			_ = registerLobby(srv)
			return registerLobby(srv)
		}, nil, "chat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := servertest.Start(server.Options{Logger: testkit.Logger(t)}, tt.register)
			if err == nil {
				_ = ts.Close()
				t.Fatal("Start succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v does not wrap %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not mention %q", err, tt.contains)
			}
		})
	}
}

// TestNilRegisterServesTheSchemaRoute: a server without services still
// answers the system routes.
func TestNilRegisterServesTheSchemaRoute(t *testing.T) {
	t.Parallel()
	ts := servertest.New(t, server.Options{ServerType: "empty"}, nil)
	c := ts.Client(t, client.Options{})
	if _, err := c.RequestRaw(context.Background(), gamesrv.DescribeRoute, nil); err != nil {
		t.Errorf("describe: %v", err)
	}
}

// TestRawConnectionSpeaksTheWireProtocol: DialContext gives a raw
// connection on which the server expects a handshake; a cancelled
// context fails the dial.
func TestRawConnectionSpeaksTheWireProtocol(t *testing.T) {
	t.Parallel()
	ts := servertest.New(t, server.Options{}, registerLobby)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ts.DialContext(ctx, "tcp", ""); !errors.Is(err, context.Canceled) {
		t.Errorf("dial with a cancelled context: %v", err)
	}
	nc, err := ts.DialContext(context.Background(), "tcp", "")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	body, _ := wire.EncodeHandshakeRequest(&wire.HandshakeRequest{Sys: wire.HandshakeSys{Platform: "raw"}, User: []byte("{}")})
	pkt, _ := wire.AppendPacket(nil, wire.PacketHandshake, body)
	if _, err := nc.Write(pkt); err != nil {
		t.Fatal(err)
	}
	hdr := make([]byte, wire.HeaderLen)
	if _, err := io.ReadFull(nc, hdr); err != nil {
		t.Fatal(err)
	}
	typ, n, err := wire.ParseHeader(hdr)
	if err != nil || typ != wire.PacketHandshake {
		t.Fatalf("first packet: %v %v", typ, err)
	}
	resp := make([]byte, n)
	if _, err := io.ReadFull(nc, resp); err != nil {
		t.Fatal(err)
	}
	hs, err := wire.DecodeHandshakeResponse(resp)
	if err != nil || hs.Code != wire.HandshakeCodeOK || hs.Sys.Dict[chatv1.RoomServiceJoinRoute] == 0 {
		t.Errorf("handshake response %+v, %v", hs, err)
	}
	if nc.RemoteAddr().String() != "servertest" || nc.RemoteAddr().Network() != "mem" {
		t.Errorf("the server's address: %s %s", nc.RemoteAddr().Network(), nc.RemoteAddr())
	}
}

// TestParallelServers: tests running in parallel each get their own
// server, sessions and groups.
func TestParallelServers(t *testing.T) {
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			ts := servertest.New(t, server.Options{}, registerLobby)
			c := ts.Client(t, client.Options{})
			p := newLines()
			if err := chatv1.RegisterRoomServicePushHandler(c, p); err != nil {
				t.Fatal(err)
			}
			rooms := chatv1.NewRoomServiceClient(c)
			name := fmt.Sprintf("player-%d", i)
			if resp, err := rooms.Join(context.Background(), &chatv1.JoinRequest{Room: "same", Name: name}); err != nil || !slices.Equal(resp.GetMembers(), []string{name}) {
				t.Fatalf("join: %v %v", resp, err)
			}
			if err := rooms.Say(context.Background(), &chatv1.SayRequest{Text: name}); err != nil {
				t.Fatal(err)
			}
			if m := recv(t, p.ch); m.GetText() != name {
				t.Errorf("got %v", m)
			}
		})
	}
}

// TestNoGoroutineLeftBehind: once a test using a server and clients has
// ended, their goroutines have too. It does not run in parallel, so no
// other test's goroutines come and go meanwhile.
func TestNoGoroutineLeftBehind(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("use", func(t *testing.T) {
		ts := servertest.New(t, server.Options{}, registerLobby)
		var wg sync.WaitGroup
		for i := range 4 {
			c := ts.Client(t, client.Options{})
			wg.Go(func() {
				_, _ = chatv1.NewRoomServiceClient(c).Join(context.Background(), &chatv1.JoinRequest{Room: "r", Name: fmt.Sprint(i)})
			})
		}
		ts.NewClient(t, client.Options{}) // never connected
		wg.Wait()
	})
	testkit.Eventually(t, 5*time.Second, func() bool { return runtime.NumGoroutine() <= before }, "the goroutines to end")
}

// recordingTB is a testing.TB whose Log is recorded.
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	logs []string
}

func (r *recordingTB) Log(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprint(args...))
}

func (r *recordingTB) recorded() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.logs, "\n")
}

// TestLogsGoToTheTest: without a Logger the server and the clients log
// to the test's log, from level Info; with one, the server uses it.
func TestLogsGoToTheTest(t *testing.T) {
	t.Parallel()
	rec := &recordingTB{TB: t}
	ts := servertest.New(rec, server.Options{LogRequests: true}, registerLobby)
	c := ts.Client(rec, client.Options{})
	if _, err := chatv1.NewRoomServiceClient(c).Join(context.Background(), &chatv1.JoinRequest{Room: "r", Name: "ann"}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		return strings.Contains(rec.recorded(), chatv1.RoomServiceJoinRoute)
	}, "the request to be logged")
	if logs := rec.recorded(); !strings.Contains(logs, "network=mem") {
		t.Errorf("the server's start is not logged:\n%s", logs)
	}
}
