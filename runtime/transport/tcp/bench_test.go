package tcp_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/transporttest"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
)

// BenchmarkEcho measures the listener's hot path over loopback: a batch
// of 16 small Data packets in one write (OnTraffic's loop), each answered
// by the peer with a Write (the direct write or the loop's flush), read
// back by the client. One op is one batch.
func BenchmarkEcho(b *testing.B) {
	h := transporttest.NewHandler()
	l := tcp.New("127.0.0.1:0", tcp.Options{EventLoops: 1})
	if err := l.Start(transport.Config{Handler: h, MaxBody: 1 << 16, MaxPending: 1 << 20, Logger: testkit.Logger(b)}); err != nil {
		b.Fatal(err)
	}
	defer l.Close(context.Background())
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	h.Next(b)
	const batch = 16
	req := bytes.Repeat(transporttest.Packet("echo:0123456789abcdef"), batch)
	want := bytes.Repeat(transporttest.Packet("0123456789abcdef"), batch)
	got := make([]byte, len(want))
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nc.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(nc, got); err != nil || !bytes.Equal(got, want) {
			b.Fatalf("%q, %v", got, err)
		}
	}
}
