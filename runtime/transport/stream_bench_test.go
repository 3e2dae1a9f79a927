package transport

import (
	"io"
	"net"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/wire"
)

// BenchmarkServeConnWrite measures Conn.Write on a stream connection over
// loopback TCP, the writer goroutine started and stopped as the queue fills
// and empties, with a client that reads everything.
func BenchmarkServeConnWrite(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	rec := &recorder{opened: make(chan Conn, 1), packets: make(chan string, 16), closed: make(chan error, 1)}
	cfg := Config{Handler: rec, MaxBody: 1 << 10, MaxPending: 64 << 20}
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			ServeConn(nc, &cfg)
		}
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	c := <-rec.opened
	pkt, _ := wire.AppendPacket(nil, wire.PacketData, make([]byte, 60))
	read := make(chan int64)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	go func() {
		n, _ := io.Copy(io.Discard, client)
		read <- n
	}()
	n := 0
	for b.Loop() {
		if err := c.Write(pkt); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.StopTimer()
	_ = c.Close()
	if got := <-read; got != int64(n*len(pkt)) {
		b.Fatalf("the client read %d bytes of %d", got, n*len(pkt))
	}
	_ = client.Close() // the server lingers until then
	<-rec.closed
}
