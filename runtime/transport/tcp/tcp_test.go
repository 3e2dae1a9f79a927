package tcp_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// sink is a Handler whose Peer ignores packets and hands over its Conn.
type sink struct{ conns chan transport.Conn }

func (s *sink) Open(c transport.Conn) transport.Peer { s.conns <- c; return s }
func (*sink) OnPacket(wire.PacketType, []byte) error { return nil }
func (*sink) OnDisconnect(error)                     {}

// TestManyQueuedPackets queues more packets than one writev takes while
// the loop cannot flush (the socket is not read), then checks every byte
// arrives in order.
func TestManyQueuedPackets(t *testing.T) {
	h := &sink{conns: make(chan transport.Conn, 1)}
	l := tcp.New("127.0.0.1:0", tcp.Options{EventLoops: 1})
	if err := l.Start(transport.Config{Handler: h, MaxBody: 1 << 20, MaxPending: 64 << 20, Logger: testkit.Logger(t)}); err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c := <-h.conns
	const packets = 10000 // 10 MB: more than the socket buffers, so packets queue
	for i := range packets {
		payload := make([]byte, 1000)
		payload[0], payload[1] = byte(i), byte(i>>8)
		p, _ := wire.AppendDataPacket(nil, &wire.Header{Type: wire.MessagePush, Route: "r"}, payload)
		if err := c.Write(p); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	buf := make([]byte, 0, 1<<20)
	tmp := make([]byte, 1<<16)
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for got := 0; got < packets; {
		n, err := nc.Read(tmp)
		if err != nil {
			t.Fatalf("after %d packets: %v", got, err)
		}
		buf = append(buf, tmp[:n]...)
		for {
			_, body, m, err := wire.SplitPacket(buf, 0)
			if err != nil || m == 0 {
				break
			}
			msg, _ := wire.DecodeMessage(body)
			if v := int(msg.Payload[0]) | int(msg.Payload[1])<<8; v != got&0xffff {
				t.Fatalf("packet %d carries %d", got, v)
			}
			got++
			buf = buf[m:]
		}
	}
}
