package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/admin"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/metrics"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const roomEchoRoute = "room.room.echo"

// roomDesc is served by the room server and forwarded by the connector.
var roomDesc = gamesrv.ServiceDesc{
	Name: "test.Room", ServerType: "room",
	Routes: []gamesrv.Route{{
		Name: roomEchoRoute, Method: "Echo", Kind: gamesrv.KindRequest,
		NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
		Handle: func(_ context.Context, _ any, _ gamesrv.Session, req proto.Message) (proto.Message, error) {
			return req, nil
		},
	}},
}

// clusterNode is one server of an in-process test cluster, with its own
// registry and admin listener.
type clusterNode struct {
	srv  *server.Server
	node *cluster.Node
	addr string // client address (connector only)
	base string // admin URL
}

// startClusterNode starts a "connector" (echo service, forwards room
// routes, TCP listener) or a "room" server.
func startClusterNode(t *testing.T, id, typ string, seeds []string) *clusterNode {
	t.Helper()
	prom := metrics.NewPrometheus(metrics.PrometheusOptions{})
	srv, err := server.New(server.Options{ServerID: id, Logger: testkit.Logger(t), Metrics: prom})
	mustOK(t, err)
	var ls []transport.Listener
	if typ == "room" {
		mustOK(t, srv.RegisterService(&roomDesc, struct{}{}))
	} else {
		mustOK(t, srv.RegisterService(&echoDesc, &echoHandler{srv: srv}))
		mustOK(t, srv.RegisterRoutes(&roomDesc))
		ls = append(ls, tcp.New("127.0.0.1:0", tcp.Options{EventLoops: 1}))
	}
	node, err := cluster.New(srv, cluster.Options{Profile: cluster.ProfileFast, Seeds: seeds})
	mustOK(t, err)
	mustOK(t, srv.Start(ls...))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	cn := &clusterNode{srv: srv, node: node}
	if len(ls) > 0 {
		cn.addr = "tcp://" + ls[0].Addr().String()
	}
	_, cn.base = startAdmin(t, admin.Options{Server: srv, Node: node, Metrics: prom})
	return cn
}

// TestClusterMetrics forwards a request from a connector to a room server
// and checks both registries and the connector's debug JSON.
func TestClusterMetrics(t *testing.T) {
	conn := startClusterNode(t, "conn-1", "connector", nil)
	room := startClusterNode(t, "room-1", "room", []string{conn.node.Membership().GossipAddr()})
	testkit.Eventually(t, 10*time.Second, func() bool {
		return conn.node.Membership().NumMembers() == 2 && room.node.Membership().NumMembers() == 2
	}, "the cluster to converge")

	c := dial(t, conn.addr, client.Options{})
	resp := new(wrapperspb.StringValue)
	mustOK(t, c.Request(context.Background(), roomEchoRoute, wrapperspb.String("hi"), resp))
	if resp.GetValue() != "hi" {
		t.Fatalf("forwarded echo answered %q", resp.GetValue())
	}

	awaitSample(t, conn.base, `gamesrv_requests_total{route="room.room.echo",kind="request",code="OK"}`, 1)
	checkSamples(t, scrapeMetrics(t, conn.base), map[string]float64{
		`gamesrv_forwards_total{server_type="room",code="OK"}`:                  1,
		`gamesrv_forward_duration_seconds_count{server_type="room"}`:            1,
		`gamesrv_forward_duration_seconds_bucket{server_type="room",le="+Inf"}`: 1,
		`gamesrv_cluster_members{server="conn-1"}`:                              2,
		`gamesrv_connections{network="tcp"}`:                                    1,
	})
	checkSamples(t, scrapeMetrics(t, room.base), map[string]float64{
		`gamesrv_cluster_members{server="room-1"}`: 2,
	})
	checkClusterJSON(t, conn.base)
}

// checkClusterJSON checks that the connector's debug JSON lists both
// members and the forwarded route.
func checkClusterJSON(t *testing.T, base string) {
	t.Helper()
	status, body, _ := get(t, base+"/debug/gamesrv.json")
	if status != http.StatusOK {
		t.Fatalf("/debug/gamesrv.json: %d", status)
	}
	var snap admin.Snapshot
	mustOK(t, json.Unmarshal([]byte(body), &snap))
	var ids []string
	for _, m := range snap.Members {
		ids = append(ids, m.ID)
		if m.LinkAddr == "" || m.GossipAddr == "" || m.Weight != 1 || m.Self != (m.ID == "conn-1") {
			t.Errorf("member %+v", m)
		}
	}
	if !slices.Equal(ids, []string{"conn-1", "room-1"}) {
		t.Errorf("members %v, want conn-1 and room-1", ids)
	}
	i := slices.IndexFunc(snap.Routes, func(r admin.RouteInfo) bool { return r.Route == roomEchoRoute })
	if i < 0 || !snap.Routes[i].Remote {
		t.Errorf("routes %+v lack the remote %s", snap.Routes, roomEchoRoute)
	}
	if snap.Server.ID != "conn-1" || !snap.Server.Frontend || snap.Server.LinkAddr == "" || snap.Server.GossipAddr == "" {
		t.Errorf("server %+v", snap.Server)
	}
}
