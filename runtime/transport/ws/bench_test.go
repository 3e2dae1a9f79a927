package ws

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/transporttest"
	"github.com/gobwas/ws"
)

// BenchmarkEcho measures the listener's hot path over loopback: a batch
// of 16 binary messages of one small Data packet each in one write
// (readFrames' loop), each answered by the peer with a Write (queued and
// flushed by the loop as one message each), read back by the client. One
// op is one batch.
func BenchmarkEcho(b *testing.B) {
	h := transporttest.NewHandler()
	l := New("127.0.0.1:0", Options{EventLoops: 1})
	if err := l.Start(transport.Config{Handler: h, MaxBody: 1 << 16, MaxPending: 1 << 20, Logger: testkit.Logger(b)}); err != nil {
		b.Fatal(err)
	}
	defer l.Close(context.Background())
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	br := bufio.NewReader(nc)
	if _, err := nc.Write([]byte(upgradeRequest("/", ""))); err != nil {
		b.Fatal(err)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		if strings.TrimSpace(line) == "" {
			break
		}
	}
	h.Next(b)
	const batch = 16
	req := bytes.Repeat(frame(true, ws.OpBinary, transporttest.Packet("echo:0123456789abcdef"), true), batch)
	answer := transporttest.Packet("0123456789abcdef")
	want := bytes.Repeat(append(appendHeader(nil, ws.OpBinary, len(answer)), answer...), batch)
	got := make([]byte, len(want))
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nc.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(br, got); err != nil || !bytes.Equal(got, want) {
			b.Fatalf("%q, %v", got, err)
		}
	}
}
