package cluster_test

import (
	"context"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// benchClients is the number of concurrent clients of the throughput
// benchmarks.
const benchClients = 32

// BenchmarkSingleProcessRequest measures request throughput when the
// server that accepts the client also handles the route.
func BenchmarkSingleProcessRequest(b *testing.B) {
	srv, err := server.New(server.Options{Logger: testkit.Logger(b)})
	mustOK(b, err)
	mustOK(b, srv.RegisterService(&roomDesc, &roomHandler{srv: srv}))
	l := tcp.New("127.0.0.1:0", tcp.Options{})
	mustOK(b, srv.Start(l))
	b.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	benchmarkRequests(b, "tcp://"+l.Addr().String())
}

// BenchmarkForwardedRequest measures the same requests sent to a connector
// that forwards them to a room server over a cluster link.
func BenchmarkForwardedRequest(b *testing.B) {
	gate := startNode(b, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(b, nodeConfig{id: "room", typ: "room", seeds: gate.seed()})
	converge(b, 2, gate, room)
	benchmarkRequests(b, gate.addr)
}

func benchmarkRequests(b *testing.B, addr string) {
	clients := make(chan *client.Client, benchClients)
	for range benchClients {
		c, err := client.Dial(context.Background(), addr, client.Options{Logger: testkit.Logger(b)})
		mustOK(b, err)
		b.Cleanup(func() { _ = c.Close() })
		clients <- c
	}
	var failed atomic.Int64
	b.SetParallelism(benchClients / 2) // 2 CPUs: 32 goroutines
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := <-clients
		req, resp := wrapperspb.String("bench"), new(wrapperspb.StringValue)
		for pb.Next() {
			if err := c.Request(context.Background(), echoRoute, req, resp); err != nil {
				failed.Add(1)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N)/1e3, "cpu-µs/req")
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
}

// processCPU returns the CPU time (user + system) this process used, in
// nanoseconds: clients and servers together, but immune to the stolen time
// that makes wall-clock throughput noisy on a shared machine.
func processCPU() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
