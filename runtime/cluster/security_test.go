package cluster_test

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/server"
)

var (
	testGossipKey  = []byte("0123456789abcdef0123456789abcdef")
	testLinkSecret = []byte("s3cret")
)

// TestExposedNodeNeedsKeys: a node whose gossip or links bind beyond
// loopback is refused without a gossip key and link authentication, with
// an error that names the options and flags that fix it; with them, or
// with Insecure, or on loopback, it starts.
func TestExposedNodeNeedsKeys(t *testing.T) {
	serverTLS, _ := testkit.TLSConfigs(t) // verifies client certificates
	oneWayTLS := serverTLS.Clone()
	oneWayTLS.ClientAuth = tls.NoClientCert
	// Exposed nodes bind every interface, port 0, and advertise loopback.
	all := func(o cluster.Options) cluster.Options {
		o.Profile = cluster.ProfileFast
		o.GossipAddr, o.LinkAddr, o.GossipAdvertise = "0.0.0.0:0", "0.0.0.0:0", "127.0.0.1"
		return o
	}
	tests := []struct {
		name    string
		opts    cluster.Options
		refused string // a word of the refusal; "" when the node starts
	}{
		{"LAN defaults", cluster.Options{}, "gossip 0.0.0.0:7946 and links :0"},
		{"all interfaces, no keys", all(cluster.Options{}), "no GossipKey and no LinkSecret or LinkTLS"},
		{"gossip key only", all(cluster.Options{GossipKey: testGossipKey}), "no LinkSecret or LinkTLS"},
		{"link secret only", all(cluster.Options{LinkSecret: testLinkSecret}), "no GossipKey"},
		{"one-way link TLS", all(cluster.Options{GossipKey: testGossipKey, LinkTLS: oneWayTLS}), "does not verify client certificates"},
		{"links exposed, gossip on loopback", cluster.Options{Profile: cluster.ProfileFast, LinkAddr: ":0"}, "links :0"},
		{"gossip exposed, links on loopback", cluster.Options{Profile: cluster.ProfileFast, GossipAddr: "0.0.0.0:0", GossipAdvertise: "127.0.0.1"}, "gossip 0.0.0.0:0"},
		{"gossip key and link secret", all(cluster.Options{GossipKey: testGossipKey, LinkSecret: testLinkSecret}), ""},
		{"gossip key and mutual link TLS", all(cluster.Options{GossipKey: testGossipKey, LinkTLS: serverTLS}), ""},
		{"insecure", all(cluster.Options{Insecure: true}), ""},
		{"loopback, no keys", cluster.Options{Profile: cluster.ProfileFast}, ""},
		{"localhost, no keys", cluster.Options{Profile: cluster.ProfileFast, GossipAddr: "127.0.0.1:0", LinkAddr: "localhost:0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := server.New(server.Options{ServerType: "room", Logger: testkit.Logger(t)})
			mustOK(t, err)
			_, err = cluster.New(srv, tt.opts)
			if tt.refused != "" {
				if !errors.Is(err, cluster.ErrInsecure) {
					t.Fatalf("New: %v, want ErrInsecure", err)
				}
				for _, want := range []string{tt.refused, "GossipKey", "LinkSecret", "LinkTLS", "-gossip-key", "-link-secret", "Insecure", "-insecure"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("the refusal does not say %q: %v", want, err)
					}
				}
				return
			}
			mustOK(t, err)
			mustOK(t, srv.Start())
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			mustOK(t, srv.Shutdown(ctx))
		})
	}
}

// TestInsecureNodeWarns: an Insecure node that listens beyond loopback
// without protection says so in its logs.
func TestInsecureNodeWarns(t *testing.T) {
	var logs testkit.SyncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	srv, err := server.New(server.Options{ServerType: "room", Logger: log})
	mustOK(t, err)
	_, err = cluster.New(srv, cluster.Options{Profile: cluster.ProfileFast, LinkAddr: "0.0.0.0:0", Insecure: true})
	mustOK(t, err)
	mustOK(t, srv.Start())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mustOK(t, srv.Shutdown(ctx))
	if out := logs.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "Insecure is set") || !strings.Contains(out, "links 0.0.0.0:0") {
		t.Errorf("no warning about the unprotected listener in:\n%s", out)
	}
}
