package metrics_test

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/metrics"
)

// The Recorder methods run on the server's hot paths: on an existing
// series they must not allocate.

func BenchmarkHandled(b *testing.B) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{})
	p.Handled("chat.room.join", "request", "OK", time.Millisecond)
	b.ReportAllocs()
	for b.Loop() {
		p.Handled("chat.room.join", "request", "OK", time.Millisecond)
	}
}

func BenchmarkHandledParallel(b *testing.B) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{})
	routes := make([]string, 16)
	for i := range routes {
		routes[i] = fmt.Sprintf("chat.room.m%d", i)
		p.Handled(routes[i], "request", "OK", time.Millisecond)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			p.Handled(routes[i%len(routes)], "request", "OK", time.Duration(i)*time.Microsecond)
			i++
		}
	})
}

func BenchmarkPushed(b *testing.B) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{})
	p.Pushed("onMessage", 10)
	b.ReportAllocs()
	for b.Loop() {
		p.Pushed("onMessage", 10)
	}
}

func BenchmarkConnOpened(b *testing.B) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{})
	b.ReportAllocs()
	for b.Loop() {
		p.ConnOpened("tcp")
	}
}

// BenchmarkWriteTo scrapes 100 routes with 2 codes each, and the gauges.
func BenchmarkWriteTo(b *testing.B) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{})
	for i := range 100 {
		route := fmt.Sprintf("chat.room.m%d", i)
		p.Handled(route, "request", "OK", time.Millisecond)
		p.Handled(route, "request", "GS-404", time.Millisecond)
	}
	p.Gauge("gamesrv_sessions", "Sessions.", func() float64 { return 1 }, "server", "a")
	b.ReportAllocs()
	for b.Loop() {
		_, _ = p.WriteTo(io.Discard)
	}
}

func TestHandledDoesNotAllocate(t *testing.T) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{})
	route, kind, code := "chat.room.join", "request", "OK"
	p.Handled(route, kind, code, 0)
	p.Pushed("onMessage", 1)
	p.Forwarded("room", "OK", 0)
	p.RemoteCall("room.room.stats", "OK", 0)
	p.LinkError("room-1")
	p.ConnOpened("tcp")
	allocs := testing.AllocsPerRun(100, func() {
		p.Handled(route, kind, code, time.Millisecond)
		p.Pushed("onMessage", 3)
		p.Forwarded("room", "OK", time.Millisecond)
		p.RemoteCall("room.room.stats", "OK", time.Millisecond)
		p.LinkError("room-1")
		p.ConnOpened("tcp")
		p.ConnClosed("tcp")
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per call on existing series", allocs)
	}
}
