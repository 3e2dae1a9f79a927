package kcpcore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"
)

// recordConn is a packet connection that records, in order, the segments
// of every datagram it reads and writes (in the clear: no encryption, no
// FEC), as "in ..." and "out ...".
type recordConn struct {
	net.PacketConn
	mu  sync.Mutex
	log []string
}

func (c *recordConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, addr, err := c.PacketConn.ReadFrom(b)
	if err == nil {
		c.add("in", b[:n])
	}
	return n, addr, err
}

func (c *recordConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	c.add("out", b)
	return c.PacketConn.WriteTo(b, addr)
}

func (c *recordConn) add(dir string, d []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, dir+" "+strings.Join(segments(d), "+"))
}

func (c *recordConn) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = nil
}

func (c *recordConn) datagrams() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.log)
}

// listenUDP returns a UDP socket on a free loopback port, closed at the
// end of the test.
func listenUDP(t *testing.T) net.PacketConn {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	return pc
}

// TestDialAcksRideWithRequests runs request/answer exchanges between a
// dialled session and a listener's and checks that each exchange after the
// first costs two datagrams: the request carries the acknowledgement of
// the answer before it, the answer the acknowledgement of its request.
// Each also acknowledges data (una), which made kcp-go flush the
// acknowledgements due at once, alone (KCP.Input).
func TestDialAcksRideWithRequests(t *testing.T) {
	rec := &recordConn{PacketConn: listenUDP(t)}
	l, err := ServeConn(nil, 0, 0, rec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	c, err := Dial(rec.LocalAddr().String(), nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	quiet(c)
	// The first exchange opens the listener's session, with kcp-go's
	// defaults until quiet: its updates, 100 ms apart, may send
	// acknowledgements. Once the client acknowledged the answer, the
	// session goes idle and leaves the scheduler.
	ping := func() {
		t.Helper()
		if _, err := c.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
	}
	ping()
	s, err := l.AcceptKCP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	buf := make([]byte, 16)
	answer := func() { // the server reads the ping and answers, the client reads the answer
		t.Helper()
		if n, err := s.Read(buf); err != nil || string(buf[:n]) != "ping" {
			t.Fatalf("server read %q, %v", buf[:n], err)
		}
		if _, err := s.Write([]byte("pong")); err != nil {
			t.Fatal(err)
		}
		if n, err := c.Read(buf); err != nil || string(buf[:n]) != "pong" {
			t.Fatalf("client read %q, %v", buf[:n], err)
		}
	}
	answer()
	c.flushAcks()
	eventually(t, "the listener's session to leave the scheduler", func() bool { return !s.pending() })
	quiet(s)
	rec.reset()

	const exchanges = 4
	for range exchanges {
		ping()
		answer()
	}
	want := []string{"in push 1", "out ack 1+push 1"} // answer 0 was acknowledged alone
	for i := 2; i <= exchanges; i++ {
		want = append(want, fmt.Sprintf("in ack %d+push %d", i-1, i), fmt.Sprintf("out ack %d+push %d", i, i))
	}
	eventually(t, "the last answer's datagram to be recorded", func() bool { return len(rec.datagrams()) >= len(want) })
	if got := rec.datagrams(); !slices.Equal(got, want) {
		t.Errorf("datagrams at the listener:\n%q\nwant\n%q", got, want)
	}
}

// quiet leaves sending to s's writes and its ack policy, whatever the
// machine's load: updates 5 s apart, retransmissions 10 s after, the
// acknowledgements held for the next datagram up to an hour.
func quiet(s *UDPSession) {
	s.SetNoDelay(1, 5000, 2, 1)
	s.SetACKNoDelay(true)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ackWindow = time.Hour
	s.kcp.rx_minrto, s.kcp.rx_rto = 10000, 10000
}

// BenchmarkDialIdle reports what a dialled session that has sent nothing
// holds (heap, goroutine stacks, goroutines), against kcp-go's
// DialWithOptions, which the Go client used before.
func BenchmarkDialIdle(b *testing.B) {
	for _, impl := range []struct {
		name string
		dial func(addr string) (io.Closer, error)
	}{
		{"kcpcore", func(addr string) (io.Closer, error) { return Dial(addr, nil, 0, 0) }},
		{"kcp-go", func(addr string) (io.Closer, error) { return kcpgo.DialWithOptions(addr, nil, 0, 0) }},
	} {
		b.Run(impl.name, func(b *testing.B) {
			pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer pc.Close()
			var sessions []io.Closer
			defer func() {
				for _, s := range sessions {
					_ = s.Close()
				}
			}()
			m0, g0 := memory()
			for b.Loop() {
				s, err := impl.dial(pc.LocalAddr().String())
				if err != nil {
					b.Fatal(err)
				}
				sessions = append(sessions, s)
			}
			m1, g1 := memory()
			n := float64(len(sessions))
			b.ReportMetric(float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc))/n, "heap-B/session")
			b.ReportMetric(float64(int64(m1.StackInuse)-int64(m0.StackInuse))/n, "stack-B/session")
			b.ReportMetric(float64(g1-g0)/n, "goroutines/session")
		})
	}
}

// memory collects garbage and returns the heap's figures and the number
// of goroutines.
func memory() (runtime.MemStats, int) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m, runtime.NumGoroutine()
}

// TestDialTalksToKCPGo exchanges messages between a dialled session and
// kcp-go's listener, in the clear, encrypted and with FEC: the wire is
// kcp-go's.
func TestDialTalksToKCPGo(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 16)
	for _, tc := range []struct {
		name         string
		crypt        bool
		data, parity int
	}{
		{"clear", false, 0, 0},
		{"aes", true, 0, 0},
		{"fec", false, 10, 3},
		{"aes+fec", true, 10, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var block BlockCrypt
			if tc.crypt {
				b, err := kcpgo.NewAESBlockCrypt(key)
				if err != nil {
					t.Fatal(err)
				}
				block = b
			}
			l, err := kcpgo.ListenWithOptions("127.0.0.1:0", block, tc.data, tc.parity)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = l.Close() })
			c, err := Dial(l.Addr().String(), block, tc.data, tc.parity)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = c.Close() })
			msg := bytes.Repeat([]byte("0123456789"), 500) // several segments
			if _, err := c.Write(msg); err != nil {
				t.Fatal(err)
			}
			s, err := l.AcceptKCP()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			deadline := time.Now().Add(20 * time.Second)
			_ = s.SetReadDeadline(deadline)
			_ = c.SetReadDeadline(deadline)
			got := make([]byte, len(msg))
			if _, err := io.ReadFull(s, got); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("kcp-go read %d bytes, %v; want the message", len(got), err)
			}
			if _, err := s.Write(msg); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("dialled session read %d bytes, %v; want the message", len(got), err)
			}
		})
	}
}

// TestDialNoServer: with no socket at the address, the ICMP error the
// connected socket receives fails Read at once, without a deadline.
func TestDialNoServer(t *testing.T) {
	pc := listenUDP(t)
	addr := pc.LocalAddr().String()
	_ = pc.Close() // the port is free: datagrams to it draw "port unreachable"
	c, err := Dial(addr, nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second)) // a bound, should the ICMP error not come
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 16)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Read: %v, want ECONNREFUSED", err)
	}
}

// TestDialClose: Close ends the reading goroutine and frees the socket;
// Read and Write then fail with io.ErrClosedPipe, as kcp-go's do.
func TestDialClose(t *testing.T) {
	pc := listenUDP(t)
	c, err := Dial(pc.LocalAddr().String(), nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := readLoops(); n == 0 {
		t.Fatal("no goroutine reads the dialled session's socket")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// Sessions of earlier tests end theirs as well.
	eventually(t, "the reading goroutine to end", func() bool { return readLoops() == 0 })
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Read after Close: %v, want io.ErrClosedPipe", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Write after Close: %v, want io.ErrClosedPipe", err)
	}
	if err := c.Close(); err == nil {
		t.Error("second Close succeeded")
	}
}

// readLoops counts the goroutines Dial started (each session's readLoop)
// that have not ended.
func readLoops() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "created by github.com/gamesrv/gamesrv/runtime/internal/kcpcore.Dial ")
}
