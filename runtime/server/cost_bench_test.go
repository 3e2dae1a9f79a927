package server_test

import (
	"io"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// BenchmarkHandshakeMemory measures what connections that completed the
// largest handshake the server accepts (MaxHandshakeSize, 4 KiB by
// default) hold: it opens 300 of them and reports the growth of the
// process's heap and resident memory per connection (after returning
// freed memory to the OS, so that the figures are what stays held).
// The clients are plain sockets without buffers: the figures are mostly
// the server's.
func BenchmarkHandshakeMemory(b *testing.B) {
	const conns = 300
	srv := startServer(b, server.Options{})
	addr := strings.TrimPrefix(srv.tcpAddr, "tcp://")
	hs, err := wire.AppendPacket(nil, wire.PacketHandshake, []byte(paddedHandshake(4<<10)))
	if err != nil {
		b.Fatal(err)
	}
	ack := wire.HandshakeAckPacket()
	for b.Loop() {
		heap0, rss0 := heldMemory(b)
		open := make([]net.Conn, 0, conns)
		for range conns {
			nc, err := net.DialTimeout("tcp", addr, timeout)
			if err != nil {
				b.Fatal(err)
			}
			open = append(open, nc)
			handshakeRaw(b, nc, hs, ack)
		}
		waitSessions(b, srv, conns)
		heap1, rss1 := heldMemory(b)
		b.ReportMetric(float64(heap1-heap0)/conns, "heap-B/conn")
		b.ReportMetric(float64(rss1-rss0)/conns, "RSS-B/conn")
		b.ReportMetric(float64(rss1-rss0)/(1<<20), "RSS-MB/300conns")
		for _, nc := range open {
			_ = nc.Close()
		}
		waitSessions(b, srv, 0)
	}
}

// paddedHandshake returns a valid handshake body of exactly size bytes.
func paddedHandshake(size int) string {
	prefix, suffix := `{"sys":{"platform":"android","libVersion":"0.3.5"},"user":{"pad":"`, `"}}`
	return prefix + strings.Repeat("x", size-len(prefix)-len(suffix)) + suffix
}

// handshakeRaw sends the handshake packet, reads the answer and acks.
func handshakeRaw(b *testing.B, nc net.Conn, hs, ack []byte) {
	_ = nc.SetDeadline(time.Now().Add(timeout))
	if _, err := nc.Write(hs); err != nil {
		b.Fatal(err)
	}
	var hdr [wire.HeaderLen]byte
	if _, err := io.ReadFull(nc, hdr[:]); err != nil {
		b.Fatal(err)
	}
	t, n, err := wire.ParseHeader(hdr[:])
	if err != nil || t != wire.PacketHandshake {
		b.Fatalf("handshake answer: %s %v", t, err)
	}
	if _, err := io.CopyN(io.Discard, nc, int64(n)); err != nil {
		b.Fatal(err)
	}
	if _, err := nc.Write(ack); err != nil {
		b.Fatal(err)
	}
}

func waitSessions(b *testing.B, srv *testServer, n int) {
	deadline := time.Now().Add(timeout)
	for srv.Sessions() != n {
		if time.Now().After(deadline) {
			b.Fatalf("%d sessions, want %d", srv.Sessions(), n)
		}
		runtime.Gosched()
	}
}

// heldMemory returns the live heap and the resident set size, after a
// collection that returns freed memory to the OS.
func heldMemory(b *testing.B) (heap, rss int64) {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return int64(ms.HeapInuse), 0 // not Linux: no RSS figure
	}
	fields := strings.Fields(string(statm))
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return int64(ms.HeapInuse), pages * int64(os.Getpagesize())
}

// BenchmarkDispatchZlib is BenchmarkDispatch with a zlib-compressed
// payload, which the session's worker inflates.
func BenchmarkDispatchZlib(b *testing.B) {
	// No inflate budget: on a fast machine the benchmark inflates more
	// bytes per second than MaxInflatedBytesPerSecond's default lets one
	// connection (it then got GS-429); it measures the cost of an inflate,
	// not the limit, which TestInflateBudget covers.
	peer, conn, _ := openSessionWith(b, server.Options{MaxInflatedBytesPerSecond: -1})
	body, err := wire.AppendMessage(nil, &wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute, Zlib: true}, deflate(str("hello")))
	if err != nil {
		b.Fatal(err)
	}
	benchmarkDispatch(b, peer, conn, body)
}

// BenchmarkDispatchLargePayload is BenchmarkDispatch with a 4 KiB payload,
// which the I/O goroutine copies and the worker unmarshals.
func BenchmarkDispatchLargePayload(b *testing.B) {
	peer, conn, _ := openSession(b)
	body, err := wire.AppendMessage(nil, &wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str(strings.Repeat("x", 4<<10)))
	if err != nil {
		b.Fatal(err)
	}
	benchmarkDispatch(b, peer, conn, body)
}
