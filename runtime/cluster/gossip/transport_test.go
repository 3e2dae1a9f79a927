package gossip

import (
	"bytes"
	"io"
	"log"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

func newTestTransport(t testing.TB) *packetTransport {
	t.Helper()
	tr, err := listenPacketTransport("127.0.0.1", 0, log.New(io.Discard, "", 0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Shutdown() })
	return tr
}

func (t *packetTransport) addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(t.Port()))
}

func receive(t testing.TB, tr *packetTransport) *memberlist.Packet {
	t.Helper()
	select {
	case p := <-tr.PacketCh():
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("no packet")
		return nil
	}
}

// TestTransportPackets: packets arrive whole, each in its own buffer of its
// own size (the receive buffer is reused), with the sender's address.
func TestTransportPackets(t *testing.T) {
	a, b := newTestTransport(t), newTestTransport(t)
	first := bytes.Repeat([]byte{1}, 1000)
	second := []byte{2, 2, 2}
	for _, tc := range []struct {
		name string
		send func([]byte) (time.Time, error)
	}{
		{"WriteToAddress", func(p []byte) (time.Time, error) {
			return a.WriteToAddress(p, memberlist.Address{Addr: b.addr(), Name: "b"})
		}},
		{"WriteTo a host name", func(p []byte) (time.Time, error) {
			return a.WriteTo(p, net.JoinHostPort("localhost", strconv.Itoa(b.Port())))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.send(first); err != nil {
				t.Fatal(err)
			}
			p1 := receive(t, b)
			if _, err := tc.send(second); err != nil {
				t.Fatal(err)
			}
			p2 := receive(t, b)
			if !bytes.Equal(p1.Buf, first) || cap(p1.Buf) > 2*len(first) {
				t.Errorf("first packet: %d bytes (cap %d), want %d ones", len(p1.Buf), cap(p1.Buf), len(first))
			}
			if !bytes.Equal(p2.Buf, second) {
				t.Errorf("second packet: %v", p2.Buf)
			}
			if p1.From.String() != a.addr() || p1.Timestamp.IsZero() {
				t.Errorf("from %v at %v, want %s", p1.From, p1.Timestamp, a.addr())
			}
		})
	}
}

// TestTransportStreams: a dialled stream is accepted on StreamCh.
func TestTransportStreams(t *testing.T) {
	a, b := newTestTransport(t), newTestTransport(t)
	c, err := a.DialAddressTimeout(memberlist.Address{Addr: b.addr()}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-b.StreamCh():
		defer s.Close()
		buf := make([]byte, 2)
		if _, err := io.ReadFull(s, buf); err != nil || string(buf) != "hi" {
			t.Fatalf("read %q, %v", buf, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no stream")
	}
}

// TestTransportShutdown: Shutdown returns while a packet and a stream wait
// for a reader that never comes, closes both sockets, and is idempotent.
func TestTransportShutdown(t *testing.T) {
	a, b := newTestTransport(t), newTestTransport(t)
	if _, err := a.WriteTo([]byte{1}, b.addr()); err != nil {
		t.Fatal(err)
	}
	c, err := a.DialTimeout(b.addr(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	done := make(chan struct{})
	go func() {
		_ = b.Shutdown()
		_ = b.Shutdown()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown blocked")
	}
	if c, err := net.DialTimeout("tcp", b.addr(), time.Second); err == nil {
		_ = c.Close()
		t.Error("the TCP listener still accepts")
	}
}

// TestTransportAdvertise: an explicit address wins; otherwise the bound IP
// and port.
func TestTransportAdvertise(t *testing.T) {
	tr := newTestTransport(t)
	for _, tc := range []struct {
		ip       string
		port     int
		wantIP   string
		wantPort int
		err      bool
	}{
		{"10.1.2.3", 9000, "10.1.2.3", 9000, false},
		{"", 0, "127.0.0.1", tr.Port(), false},
		{"not-an-ip", 1, "", 0, true},
	} {
		ip, port, err := tr.FinalAdvertiseAddr(tc.ip, tc.port)
		if tc.err {
			if err == nil {
				t.Errorf("%q: no error", tc.ip)
			}
			continue
		}
		if err != nil || ip.String() != tc.wantIP || port != tc.wantPort {
			t.Errorf("%q %d: %v %d %v, want %s %d", tc.ip, tc.port, ip, port, err, tc.wantIP, tc.wantPort)
		}
	}
}

// BenchmarkTransportPacket sends a ping-sized packet and receives it: the
// path every probe, ack and gossip packet takes.
func BenchmarkTransportPacket(b *testing.B) {
	from, to := newTestTransport(b), newTestTransport(b)
	dst := memberlist.Address{Addr: to.addr()}
	msg := bytes.Repeat([]byte{7}, 120)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := from.WriteToAddress(msg, dst); err != nil {
			b.Fatal(err)
		}
		<-to.PacketCh()
	}
}
