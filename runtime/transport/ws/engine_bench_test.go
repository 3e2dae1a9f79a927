package ws

import (
	"bytes"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"github.com/gobwas/ws"
	"github.com/panjf2000/gnet/v2"
)

// echoPeer answers every Data packet with one fixed packet.
type echoPeer struct {
	conn   transport.Conn
	answer []byte
}

func (p *echoPeer) Open(c transport.Conn) transport.Peer { p.conn = c; return p }
func (p *echoPeer) OnPacket(wire.PacketType, []byte) error {
	return p.conn.Write(p.answer)
}
func (p *echoPeer) OnDisconnect(error) {}

// BenchmarkEngineEcho is the event loop's CPU cost per batch, without
// sockets: OnTraffic reads 16 binary messages (readFrames), the peer
// queues an answer to each, and the OnTraffic the wake causes flushes them
// (writeMessages and what follows a flush). One op is one batch.
func BenchmarkEngineEcho(b *testing.B) {
	l := New("bench", Options{})
	answer, _ := wire.AppendPacket(nil, wire.PacketData, []byte("0123456789abcdef"))
	peer := &echoPeer{answer: answer}
	l.base.Cfg = transport.Config{Handler: peer, MaxBody: 1 << 16, MaxPending: 1 << 20} // as Start sets it
	e := &engine{l: l}
	gc := &fakeGnet{}
	e.OnOpen(gc)
	gc.in = append(gc.in, upgradeRequest("/", "")...)
	if a := e.OnTraffic(gc); a != gnet.None {
		b.Fatal("upgrade failed")
	}
	pkt, _ := wire.AppendPacket(nil, wire.PacketData, []byte("echo:0123456789abcdef"))
	batch := bytes.Repeat(frame(true, ws.OpBinary, pkt, true), 16)
	in := make([]byte, 0, len(batch))
	b.ReportAllocs()
	for b.Loop() {
		gc.out.Reset()
		gc.in = append(in, batch...)
		if a := e.OnTraffic(gc); a != gnet.None {
			b.Fatal("read failed")
		}
		for gc.woken.Swap(false) {
			if a := e.OnTraffic(gc); a != gnet.None {
				b.Fatal("flush failed")
			}
		}
		if gc.out.Len() != 16*(2+len(answer)) {
			b.Fatalf("%d bytes out", gc.out.Len())
		}
	}
	e.OnClose(gc, nil)
}
