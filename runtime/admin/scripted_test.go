package admin_test

import (
	"context"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/admin"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestMetricsAfterScriptedRun drives a real server with the Go client
// over TCP, then scrapes /metrics through the admin listener and checks
// the exact values.
func TestMetricsAfterScriptedRun(t *testing.T) {
	ts := startServer(t, admin.Options{})
	pushes := make(chan string, 4)
	c := dial(t, ts.addr, client.Options{})
	c.HandleRawPush(func(route string, _ []byte) { pushes <- route })
	runScript(t, ts, c, pushes)

	awaitSample(t, ts.base, `gamesrv_requests_total{route="test.echo.say",kind="notify",code="OK"}`, 1)
	got := scrapeMetrics(t, ts.base)
	checkSamples(t, got, map[string]float64{
		`gamesrv_requests_total{route="test.echo.echo",kind="request",code="OK"}`:                  3,
		`gamesrv_requests_total{route="test.echo.echo",kind="request",code="APP-1"}`:               2,
		`gamesrv_request_duration_seconds_count{route="test.echo.echo",kind="request"}`:            5,
		`gamesrv_request_duration_seconds_bucket{route="test.echo.echo",kind="request",le="+Inf"}`: 5,
		`gamesrv_request_duration_seconds_count{route="test.echo.say",kind="notify"}`:              1,
		`gamesrv_pushes_total{route="onEcho"}`:                                                     1,
		`gamesrv_push_deliveries_total{route="onEcho"}`:                                            1,
		`gamesrv_connections_opened_total{network="tcp"}`:                                          1,
		`gamesrv_connections_closed_total{network="tcp"}`:                                          0,
		`gamesrv_connections{network="tcp"}`:                                                       1,
		`gamesrv_sessions{server="test-1"}`:                                                        1,
		`gamesrv_groups{server="test-1"}`:                                                          0,
	})
	checkUnknownRoute(t, got)
	if _, ok := got[`gamesrv_queued_jobs{server="test-1"}`]; !ok {
		t.Error("no gamesrv_queued_jobs gauge")
	}

	mustOK(t, c.Close())
	awaitSample(t, ts.base, `gamesrv_connections_closed_total{network="tcp"}`, 1)
	checkSamples(t, scrapeMetrics(t, ts.base), map[string]float64{
		`gamesrv_connections_opened_total{network="tcp"}`: 1,
		`gamesrv_connections{network="tcp"}`:              0,
		`gamesrv_sessions{server="test-1"}`:               0,
	})
}

// runScript: 3 OK requests (one binds uid "ann"), 2 that fail with APP-1,
// 1 to an unknown route, 1 notify, and a push to ann.
func runScript(t *testing.T, ts *testServer, c *client.Client, pushes <-chan string) {
	t.Helper()
	for _, v := range []string{"bind:ann", "a", "b"} {
		if got, err := echo(c, v); err != nil || got != v {
			t.Fatalf("echo %q: %q, %v", v, got, err)
		}
	}
	for range 2 {
		if _, err := echo(c, "error"); gamesrv.CodeOf(err) != "APP-1" {
			t.Fatalf("echo error: %v, want APP-1", err)
		}
	}
	err := c.Request(context.Background(), "test.echo.nope", wrapperspb.String("x"), new(wrapperspb.StringValue))
	if gamesrv.CodeOf(err) != "GS-404" {
		t.Fatalf("unknown route: %v, want GS-404", err)
	}
	mustOK(t, c.Notify(context.Background(), sayRoute, wrapperspb.String("hi")))
	receive(t, ts.h.said, "the notify")
	mustOK(t, ts.srv.Push(context.Background(), gamesrv.ToUIDs("ann"), pushRoute, wrapperspb.String("p")))
	if got := receive(t, pushes, "the push"); got != pushRoute {
		t.Fatalf("push on %q", got)
	}
}

// checkUnknownRoute finds the GS-404 of the unknown route. The server
// labels a request to a route it does not know "unknown" (it does not
// keep the client's string, whatever its length or content).
func checkUnknownRoute(t *testing.T, got map[string]float64) {
	t.Helper()
	const key = `gamesrv_requests_total{route="unknown",kind="request",code="GS-404"}`
	if got[key] != 1 {
		t.Errorf("%s = %v, want 1; samples:\n%v", key, got[key], got)
	}
}

func receive[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
