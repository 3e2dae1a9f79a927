package roomserver_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/examples/cluster/gateway"
	connectorv1 "github.com/gamesrv/gamesrv/examples/cluster/gen/connector/v1"
	roomv1 "github.com/gamesrv/gamesrv/examples/cluster/gen/room/v1"
	"github.com/gamesrv/gamesrv/examples/cluster/roomserver"
	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// node is one server of the in-process test cluster.
type node struct {
	srv  *server.Server
	node *cluster.Node
	tcp  string // connector only: client addresses
	kcp  string
}

// startConnector runs a connector (GateService, RoomService routes
// forwarded) on loopback TCP and KCP.
func startConnector(t *testing.T) *node {
	t.Helper()
	srv := newServer(t, "connector-1", connectorv1.GateServiceServerType)
	n := newNode(t, srv, nil)
	mustOK(t, errOf(gateway.Register(srv, n.node, testkit.Logger(t))))
	mustOK(t, srv.RegisterRoutes(&roomv1.RoomService_ServiceDesc))
	n.tcp, n.kcp = testkit.Serve(t, srv)
	return n
}

// startRoom runs a room server with no client listener, joined to seeds.
func startRoom(t *testing.T, id string, seeds []string) *node {
	t.Helper()
	srv := newServer(t, id, roomv1.RoomServiceServerType)
	mustOK(t, errOf(roomserver.Register(srv, testkit.Logger(t))))
	n := newNode(t, srv, seeds)
	mustOK(t, srv.Start())
	t.Cleanup(func() { shutdown(srv) })
	return n
}

func newServer(t *testing.T, id, typ string) *server.Server {
	t.Helper()
	srv, err := server.New(server.Options{ServerID: id, ServerType: typ, Logger: testkit.Logger(t), ForwardTimeout: 3 * time.Second})
	mustOK(t, err)
	return srv
}

// newNode joins srv to the cluster (ProfileFast) through seeds.
func newNode(t *testing.T, srv *server.Server, seeds []string) *node {
	t.Helper()
	cn, err := cluster.New(srv, cluster.Options{Profile: cluster.ProfileFast, Seeds: seeds})
	mustOK(t, err)
	return &node{srv: srv, node: cn}
}

func shutdown(srv *server.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

// seed returns the node's gossip address, for others to join.
func (n *node) seed() []string { return []string{n.node.Membership().GossipAddr()} }

// converge waits until every node sees want members.
func converge(t *testing.T, want int, nodes ...*node) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, func() bool {
		for _, n := range nodes {
			if n.node.Membership().NumMembers() != want {
				return false
			}
		}
		return true
	}, "the cluster to converge")
}

// crash stops a node's gossip and links at once, without leaving the
// cluster: what the others see of a killed process.
func crash(t *testing.T, n *node) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	mustOK(t, n.node.Close(ctx)) // the server's Shutdown closes it again: a no-op
}

// player is a client of the connector with the generated stubs.
type player struct {
	roomv1.UnimplementedRoomServicePushHandler
	name     string
	gate     connectorv1.GateServiceClient
	rooms    roomv1.RoomServiceClient
	messages chan *roomv1.RoomMessage
	server   string // the room server its Join landed on
}

// OnMessage implements roomv1.RoomServicePushHandler.
func (p *player) OnMessage(_ context.Context, m *roomv1.RoomMessage) {
	select {
	case p.messages <- m:
	default: // the test reads the few it expects
	}
}

// connect dials the connector, logs in as name and joins room.
func connect(t *testing.T, addr, name, room string) *player {
	t.Helper()
	ctx := context.Background()
	c, err := client.Dial(ctx, addr, client.Options{Logger: testkit.Logger(t)})
	mustOK(t, err)
	t.Cleanup(func() { _ = c.Close() })
	p := &player{name: name, gate: connectorv1.NewGateServiceClient(c), rooms: roomv1.NewRoomServiceClient(c),
		messages: make(chan *roomv1.RoomMessage, 64)}
	mustOK(t, roomv1.RegisterRoomServicePushHandler(c, p))
	login, err := p.gate.Login(ctx, &connectorv1.LoginRequest{Name: name})
	if err != nil || login.GetUid() != name || login.GetServerId() != "connector-1" {
		t.Fatalf("%s logs in: %v %v", name, login, err)
	}
	join, err := p.rooms.Join(ctx, &roomv1.JoinRequest{Room: room})
	mustOK(t, err)
	p.server = join.GetServerId()
	return p
}

// ping returns the room server that answered a Ping.
func (p *player) ping(t *testing.T) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := p.rooms.Ping(ctx, &roomv1.PingRequest{})
	return resp.GetServerId(), err
}

// recv returns the next line pushed to p.
func (p *player) recv(t *testing.T) *roomv1.RoomMessage {
	t.Helper()
	select {
	case m := <-p.messages:
		return m
	case <-time.After(5 * time.Second):
		t.Fatalf("%s got no push within 5s", p.name)
		return nil
	}
}

func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func errOf[T any](_ T, err error) error { return err }

// checkGoroutines fails the test if goroutines it started still run once
// it ended.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		testkit.Eventually(t, 10*time.Second, func() bool { return runtime.NumGoroutine() <= before+2 }, "goroutines to end")
	})
}

// cluster3 is a connector and two room servers, converged, with players in
// room "lobby" (half over TCP, half over KCP), grouped by the room server
// their Join landed on. Where a player lands depends on a hash of its name,
// so players connect until each room server has at least two.
func cluster3(t *testing.T) (gate *node, rooms map[string]*node, players map[string][]*player) {
	t.Helper()
	gate = startConnector(t)
	rooms = map[string]*node{}
	for _, id := range []string{"room-1", "room-2"} {
		rooms[id] = startRoom(t, id, gate.seed())
	}
	converge(t, 3, gate, rooms["room-1"], rooms["room-2"])
	players = map[string][]*player{}
	for i := 0; len(players["room-1"]) < 2 || len(players["room-2"]) < 2; i++ {
		if i == 40 {
			t.Fatalf("40 players spread badly: %d on room-1, %d on room-2", len(players["room-1"]), len(players["room-2"]))
		}
		addr := gate.tcp
		if i%2 == 1 {
			addr = gate.kcp
		}
		p := connect(t, addr, fmt.Sprint("player-", i), "lobby")
		players[p.server] = append(players[p.server], p)
	}
	return gate, rooms, players
}
