package admin_test

import (
	"context"
	"log"
	"time"

	"github.com/gamesrv/gamesrv/runtime/admin"
	"github.com/gamesrv/gamesrv/runtime/metrics"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
)

// The Prometheus recorder goes to the server, which records into it, and
// to the admin listener, which serves it on /metrics.
func ExampleNew() {
	prom := metrics.NewPrometheus(metrics.PrometheusOptions{})
	srv, err := server.New(server.Options{Metrics: prom})
	if err != nil {
		log.Fatal(err)
	}
	// ... register services ...
	if err := srv.Start(tcp.New("0.0.0.0:3250", tcp.Options{})); err != nil {
		log.Fatal(err)
	}
	adm := admin.New(admin.Options{Addr: "127.0.0.1:9090", Server: srv, Metrics: prom})
	if err := adm.Start(); err != nil {
		log.Fatal(err)
	}
	// ... until a signal ...
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx) // /healthz answers 503 from here on
	_ = adm.Close(ctx)
}
