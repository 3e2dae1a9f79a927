package gossip

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
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

// TestNewPacket: a received packet is copied whole into a buffer of its own
// size (its capacity too, so memberlist cannot write past it), in one
// allocation with the Packet up to 1400 bytes (UDPBufferSize) and two
// above, with From as ReadFromUDP gives it.
func TestNewPacket(t *testing.T) {
	now := time.Now()
	for _, from := range []string{"10.1.2.3:7946", "[::ffff:10.1.2.3]:7946", "[fe80::1%lo]:7946", "[2001:db8::1]:1"} {
		ap := netip.MustParseAddrPort(from)
		want := net.UDPAddrFromAddrPort(ap)
		for _, n := range []int{1, 32, 33, 64, 65, 128, 129, 384, 385, 1144, 1145, 1400, 1401, maxPacketSize} {
			in := bytes.Repeat([]byte{byte(n)}, n)
			p := newPacket(in, ap, now)
			in[0]++ // the Packet holds a copy
			if len(p.Buf) != n || cap(p.Buf) != n || !bytes.Equal(p.Buf, bytes.Repeat([]byte{byte(n)}, n)) {
				t.Errorf("%s, %d bytes: got %d bytes (cap %d), or other bytes", from, n, len(p.Buf), cap(p.Buf))
			}
			if got, ok := p.From.(*net.UDPAddr); !ok || !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %d bytes: From %#v, want %#v", from, n, p.From, want)
			}
			if !p.Timestamp.Equal(now) {
				t.Errorf("%s, %d bytes: Timestamp %v, want %v", from, n, p.Timestamp, now)
			}
			wantAllocs := 1.0
			if n > 1400 {
				wantAllocs = 2
			}
			if allocs := testing.AllocsPerRun(10, func() { _ = newPacket(in, ap, now) }); allocs != wantAllocs {
				t.Errorf("%s, %d bytes: %v allocations, want %v", from, n, allocs, wantAllocs)
			}
		}
	}
}

// TestTransportPacketFrom: From is the address ReadFromUDP gives, on an IPv4
// socket, a dual-stack one (0.0.0.0: IPv4-mapped, 16 bytes) and an IPv6
// one.
func TestTransportPacketFrom(t *testing.T) {
	for _, tc := range []struct{ bind, loopback string }{
		{"127.0.0.1", "127.0.0.1"},
		{"0.0.0.0", "127.0.0.1"},
		{"::1", "::1"},
	} {
		t.Run(tc.bind, func(t *testing.T) {
			tr, err := listenPacketTransport(tc.bind, 0, log.New(io.Discard, "", 0))
			if err != nil {
				t.Skipf("no %s socket here: %v", tc.bind, err)
			}
			t.Cleanup(func() { _ = tr.Shutdown() })
			// The reference: a plain socket bound alike, read with ReadFromUDP.
			ref, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(tc.bind)})
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close()
			sender, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(tc.loopback)})
			if err != nil {
				t.Fatal(err)
			}
			defer sender.Close()
			lo := netip.MustParseAddr(tc.loopback)
			for _, port := range []int{tr.Port(), ref.LocalAddr().(*net.UDPAddr).Port} {
				if _, err := sender.WriteToUDPAddrPort([]byte{1}, netip.AddrPortFrom(lo, uint16(port))); err != nil {
					t.Fatal(err)
				}
			}
			if err := ref.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
				t.Fatal(err)
			}
			_, want, err := ref.ReadFromUDP(make([]byte, 1))
			if err != nil {
				t.Fatal(err)
			}
			p := receive(t, tr)
			if got, ok := p.From.(*net.UDPAddr); !ok || !reflect.DeepEqual(got, want) || got.String() != want.String() {
				t.Errorf("From %#v (%v), want %#v (%v)", p.From, p.From, want, want)
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

// receiveLoops returns what the receiving goroutines of the transports
// started by the calling goroutine wait in, by function (receivePackets,
// acceptStreams): the wait reason runtime.Stack prints, "IO wait" in a read
// or an accept, "select" handing a packet or a stream over. A loop that
// ended is absent.
func receiveLoops(t testing.TB) map[string]string {
	t.Helper()
	self := make([]byte, 64)
	self = self[:runtime.Stack(self, false)] // "goroutine 7 [running]:..."
	id, _, ok := strings.Cut(strings.TrimPrefix(string(self), "goroutine "), " ")
	if !ok {
		t.Fatalf("no goroutine id in %q", self)
	}
	createdBy := " in goroutine " + id + "\n" // "created by gossip.listenPacketTransport in goroutine 7"
	all := make([]byte, 1<<16)
	for {
		n := runtime.Stack(all, true)
		if n < len(all) {
			all = all[:n]
			break
		}
		all = make([]byte, 2*len(all))
	}
	loops := make(map[string]string)
	for g := range strings.SplitSeq(string(all), "\n\n") {
		if !strings.Contains(g, createdBy) {
			continue
		}
		// "goroutine 9 [IO wait, 2 minutes]:"
		_, state, _ := strings.Cut(g, "[")
		state, _, _ = strings.Cut(state, "]")
		state, _, _ = strings.Cut(state, ",")
		for _, loop := range []string{"receivePackets", "acceptStreams"} {
			if strings.Contains(g, ".(*packetTransport)."+loop+"(") {
				if _, dup := loops[loop]; dup {
					t.Fatalf("two %s goroutines", loop)
				}
				loops[loop] = state
			}
		}
	}
	return loops
}

// TestTransportShutdown: Shutdown ends both receiving goroutines wherever
// they wait: blocked in their reads (closing the sockets must wake them),
// or handing a packet and a stream over to a reader that never comes
// (the stream is then closed). Each case first sees both loops waiting
// there, then shuts down, twice (Shutdown is idempotent), and sees them
// gone and the sockets closed.
func TestTransportShutdown(t *testing.T) {
	for _, tc := range []struct {
		name  string
		take  bool   // receive the packet and the stream before Shutdown
		state string // where both loops then wait
	}{
		{"blocked in read", true, "IO wait"},
		{"blocked handing over", false, "select"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gossipCheckGoroutines(t)
			tr := newTestTransport(t)
			udp, err := net.DialUDP("udp", nil, tr.udp.LocalAddr().(*net.UDPAddr))
			if err != nil {
				t.Fatal(err)
			}
			defer udp.Close()
			if _, err := udp.Write([]byte{1}); err != nil {
				t.Fatal(err)
			}
			tcp, err := net.DialTimeout("tcp", tr.addr(), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer tcp.Close()
			if tc.take {
				// Both loops went round once: the next wait is their read.
				receive(t, tr)
				select {
				case s := <-tr.StreamCh():
					_ = s.Close()
				case <-time.After(5 * time.Second):
					t.Fatal("no stream")
				}
			}
			testkit.Eventually(t, 5*time.Second, func() bool {
				loops := receiveLoops(t)
				return loops["receivePackets"] == tc.state && loops["acceptStreams"] == tc.state
			}, "both receive loops waiting in "+tc.state)

			done := make(chan struct{})
			go func() {
				_ = tr.Shutdown()
				_ = tr.Shutdown()
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("Shutdown blocked; receive loops: %v", receiveLoops(t))
			}
			testkit.Eventually(t, 5*time.Second, func() bool { return len(receiveLoops(t)) == 0 }, "the receive loops to end")

			if c, err := net.DialTimeout("tcp", tr.addr(), 5*time.Second); err == nil {
				_ = c.Close()
				t.Error("the TCP listener still accepts")
			}
			if _, err := tr.WriteTo([]byte{1}, udp.LocalAddr().String()); !errors.Is(err, net.ErrClosed) {
				t.Errorf("writing to the UDP socket: %v, want %v", err, net.ErrClosed)
			}
			if !tc.take {
				// The stream never handed over was closed.
				if err := tcp.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
					t.Fatal(err)
				}
				if n, err := tcp.Read(make([]byte, 1)); err != io.EOF {
					t.Errorf("reading the stream not handed over: %d bytes, %v, want EOF", n, err)
				}
			}
		})
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

// BenchmarkTransportReceive receives packets of the sizes memberlist sends
// (an ack, a ping with a node name, a full compound of UDPBufferSize) from a
// plain connected UDP socket, whose writes allocate nothing: allocs/op and
// B/op are what one received packet costs the transport.
func BenchmarkTransportReceive(b *testing.B) {
	for _, size := range []int{32, 200, 1400} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			to := newTestTransport(b)
			c, err := net.DialUDP("udp", nil, to.udp.LocalAddr().(*net.UDPAddr))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			msg := bytes.Repeat([]byte{7}, size)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
				if p := <-to.PacketCh(); len(p.Buf) != size {
					b.Fatalf("received %d bytes, want %d", len(p.Buf), size)
				}
			}
		})
	}
}
