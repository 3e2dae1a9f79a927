package cluster_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// TestNewNeedsAServerBeforeStart: New installs the node through the
// server's Internal handle, so it refuses a server that New did not make
// (its handle is empty) and one that already started, with an error and
// no panic.
func TestNewNeedsAServerBeforeStart(t *testing.T) {
	started, err := server.New(server.Options{ServerType: "room", Logger: testkit.Logger(t)})
	mustOK(t, err)
	mustOK(t, started.Start())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = started.Shutdown(ctx)
	})
	tests := []struct {
		name string
		srv  *server.Server
		want error // nil: any error
	}{
		{"zero server", &server.Server{}, nil},
		{"started server", started, server.ErrServerStarted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := cluster.New(tt.srv, cluster.Options{Profile: cluster.ProfileFast})
			if err == nil || n != nil {
				t.Fatalf("New: %v, %v; want an error", n, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("New: %v, want %v", err, tt.want)
			}
		})
	}
}
