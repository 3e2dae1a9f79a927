package archtest

import (
	"reflect"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// nodeAPI is every exported method of *cluster.Node, and why an
// application needs it. A method that exists for the node's server
// (started, made to leave, forwarding client requests, pushing to other
// frontends, session ends) belongs in runtime/internal/serverhost's
// Cluster instead, implemented by the cluster's unexported adapter that
// cluster.New installs in the server (docs/architecture.md, "Package
// layers").
var nodeAPI = map[string]string{
	"Call":       "gamesrv.RemoteConn: generated XxxRemote stubs call other servers through the node",
	"Notify":     "gamesrv.RemoteConn: generated XxxRemote stubs notify other servers through the node",
	"Broadcast":  "gamesrv.RemoteConn: generated BroadcastX methods reach every server of a type",
	"ID":         "the server's id in the cluster",
	"Membership": "the gossip view: members by type, the gossip address others use as a seed",
	"LinkAddr":   "the link listener's address (admin pages, tools)",
	"NumLinks":   "the number of open links (admin pages, bench/cmd/clusternode's stats)",
	"Ready":      "readiness probes: false while the node is alone and still joining its seeds",
	"Close":      "stops the node without leaving: tests show the others a crashed server with it (examples/cluster/roomserver)",
}

// TestNodeAPIIsTheApplicationsAlone fails when *cluster.Node gains an
// exported method that is not on the list above: either it is for
// applications (list it, with the reason) or it is for the server (put it
// in serverhost.Cluster, behind the cluster's adapter).
func TestNodeAPIIsTheApplicationsAlone(t *testing.T) {
	typ := reflect.TypeFor[*cluster.Node]()
	checkMethods(t, typ, nodeAPI, "nodeAPI", "if the server calls it, move it to serverhost.Cluster (the cluster's adapter)")
	for f := range typ.Elem().Fields() {
		if f.IsExported() {
			t.Errorf("cluster.Node has the exported field %s", f.Name)
		}
	}
	// The node is what generated Remote stubs are given.
	if !typ.Implements(reflect.TypeFor[gamesrv.RemoteConn]()) {
		t.Error("*cluster.Node does not implement gamesrv.RemoteConn")
	}
}
