package metrics_test

import (
	"os"
	"time"

	"github.com/gamesrv/gamesrv/runtime/metrics"
)

func ExamplePrometheus() {
	prom := metrics.NewPrometheus(metrics.PrometheusOptions{Buckets: []float64{0.01, 0.1}})
	// server.New(server.Options{Metrics: prom}) makes the server call these.
	prom.ConnOpened("tcp")
	prom.Handled("chat.room.join", "request", "OK", 3*time.Millisecond)
	prom.Gauge("gamesrv_sessions", "Open client sessions.", func() float64 { return 1 }, "server", "chat-1")
	_, _ = prom.WriteTo(os.Stdout)
	// Output:
	// # HELP gamesrv_connections Open client connections, by transport.
	// # TYPE gamesrv_connections gauge
	// gamesrv_connections{network="tcp"} 1
	// # HELP gamesrv_connections_closed_total Client connections closed, by transport.
	// # TYPE gamesrv_connections_closed_total counter
	// gamesrv_connections_closed_total{network="tcp"} 0
	// # HELP gamesrv_connections_opened_total Client connections opened, by transport.
	// # TYPE gamesrv_connections_opened_total counter
	// gamesrv_connections_opened_total{network="tcp"} 1
	// # HELP gamesrv_request_duration_seconds Time from the arrival of a client request or notify to its answer, queueing included.
	// # TYPE gamesrv_request_duration_seconds histogram
	// gamesrv_request_duration_seconds_bucket{route="chat.room.join",kind="request",le="0.01"} 1
	// gamesrv_request_duration_seconds_bucket{route="chat.room.join",kind="request",le="0.1"} 1
	// gamesrv_request_duration_seconds_bucket{route="chat.room.join",kind="request",le="+Inf"} 1
	// gamesrv_request_duration_seconds_sum{route="chat.room.join",kind="request"} 0.003
	// gamesrv_request_duration_seconds_count{route="chat.room.join",kind="request"} 1
	// # HELP gamesrv_requests_total Client requests and notifies handled, by route, kind and code (OK or the error code).
	// # TYPE gamesrv_requests_total counter
	// gamesrv_requests_total{route="chat.room.join",kind="request",code="OK"} 1
	// # HELP gamesrv_sessions Open client sessions.
	// # TYPE gamesrv_sessions gauge
	// gamesrv_sessions{server="chat-1"} 1
}
