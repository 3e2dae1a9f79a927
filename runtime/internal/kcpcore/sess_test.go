package kcpcore

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"
)

// serve starts a listener on a loopback socket with block and FEC shards.
func serve(t *testing.T, block BlockCrypt, ds, ps int) (*Listener, *net.UDPConn) {
	t.Helper()
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := ServeConn(block, ds, ps, udp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close(); _ = udp.Close() })
	return l, udp
}

// TestEchoWithKCPGoClient: kcp-go clients talk to the trimmed server
// unchanged, in the clear, with AES, with FEC, and a message larger than
// the reader's buffer goes through the stream buffer, which is then
// dropped.
func TestEchoWithKCPGoClient(t *testing.T) {
	key := []byte("0123456789abcdef")
	for _, tc := range []struct {
		name   string
		key    []byte
		ds, ps int
	}{{"clear", nil, 0, 0}, {"aes", key, 0, 0}, {"aes with fec", key, 10, 3}, {"fec", nil, 4, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			var sb, cb BlockCrypt
			if tc.key != nil {
				var err error
				if sb, err = kcpgo.NewAESBlockCrypt(tc.key); err != nil {
					t.Fatal(err)
				}
				if cb, err = kcpgo.NewAESBlockCrypt(tc.key); err != nil {
					t.Fatal(err)
				}
			}
			l, _ := serve(t, sb, tc.ds, tc.ps)
			c, err := kcpgo.DialWithOptions(l.Addr().String(), cb, tc.ds, tc.ps)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(20 * time.Second))
			msg := make([]byte, 20_000) // 17 segments, one message
			_, _ = rand.Read(msg)
			if _, err := c.Write(msg); err != nil {
				t.Fatal(err)
			}
			s, err := l.AcceptKCP()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			_ = s.SetReadDeadline(time.Now().Add(20 * time.Second))
			got := make([]byte, len(msg))
			small := make([]byte, 4096) // smaller than the message: recvbuf
			for n := 0; n < len(msg); {
				k, err := s.Read(small)
				if err != nil {
					t.Fatal(err)
				}
				n += copy(got[n:], small[:k])
			}
			if !bytes.Equal(got, msg) {
				t.Fatal("server read a different message")
			}
			s.mu.Lock()
			held := s.recvbuf != nil || s.bufptr != nil
			s.mu.Unlock()
			if held {
				t.Error("the stream buffer is held after it was read out")
			}
			if _, err := s.Write(msg); err != nil {
				t.Fatal(err)
			}
			back := make([]byte, len(msg))
			if _, err := io.ReadFull(c, back); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, msg) {
				t.Fatal("client read a different message")
			}
			if l.Opened() != 1 {
				t.Errorf("opened %d sessions, want 1", l.Opened())
			}
		})
	}
}

// pinged dials l through addr with a kcp-go client, sends "ping" and
// returns the client and the accepted session, which has read it; both
// close when the test ends.
func pinged(t *testing.T, l *Listener, addr net.Addr) (*kcpgo.UDPSession, *UDPSession) {
	t.Helper()
	c, err := kcpgo.DialWithOptions(addr.String(), nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	s, err := l.AcceptKCP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Read(make([]byte, 16)); err != nil {
		t.Fatal(err)
	}
	return c, s
}

// TestIdleSessionHoldsNoQueues: once everything is acknowledged the ARQ's
// queues are dropped, and a session has no goroutine of its own.
func TestIdleSessionHoldsNoQueues(t *testing.T) {
	l, _ := serve(t, nil, 0, 0)
	before := runtime.NumGoroutine()
	c, s := pinged(t, l, l.Addr())
	buf := make([]byte, 16)
	if _, err := s.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, buf[:4]); err != nil {
		t.Fatal(err)
	}
	// kcp-go's client: its readLoop and postProcess; the server session: none.
	if g := runtime.NumGoroutine() - before; g > 2 {
		t.Errorf("%d more goroutines for one client and one server session", g)
	}
	eventually(t, "the session's queues to be dropped", s.idle) // the client's acknowledgement, then the next update
}

// idle reports whether the ARQ holds no queue.
func (s *UDPSession) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.kcp
	return k.snd_buf.elements == nil && k.snd_queue.elements == nil && k.rcv_queue.elements == nil
}

// TestRingBufferLazy: a ring made with size 0 allocates on its first push
// and release drops an empty ring's buffer only.
func TestRingBufferLazy(t *testing.T) {
	r := NewRingBuffer[int](0)
	if r.Len() != 0 || r.elements != nil {
		t.Fatalf("new ring: len %d, %d slots", r.Len(), len(r.elements))
	}
	if _, ok := r.Pop(); ok {
		t.Fatal("popped from an empty ring")
	}
	for i := range 20 {
		r.Push(i)
	}
	r.release()
	if r.Len() != 20 {
		t.Fatalf("release dropped a ring holding %d", r.Len())
	}
	for i := range 20 {
		if v, ok := r.Pop(); !ok || v != i {
			t.Fatalf("pop %d: %d %v", i, v, ok)
		}
	}
	r.release()
	if r.elements != nil {
		t.Fatal("an empty ring kept its buffer")
	}
	r.Push(7)
	if v, ok := r.Peek(); !ok || *v != 7 {
		t.Fatal("push after release")
	}
}

// TestIdleSessionLeavesTheScheduler: an idle session has no pending
// update; a write puts it back, so that a lost datagram is retransmitted.
func TestIdleSessionLeavesTheScheduler(t *testing.T) {
	l, udp := serve(t, nil, 0, 0)
	r := newDropRelay(t, udp.LocalAddr().(*net.UDPAddr))
	c, s := pinged(t, l, r.addr())
	buf := make([]byte, 16)
	eventually(t, "the idle session to leave the scheduler", func() bool { return !s.pending() })
	r.dropNext()
	if _, err := s.Write([]byte("late")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, buf[:4]); err != nil {
		t.Fatalf("the dropped datagram was never retransmitted: %v", err)
	}
	if string(buf[:4]) != "late" || r.dropped() != 1 {
		t.Errorf("read %q, %d datagrams dropped", buf[:4], r.dropped())
	}
}

// pending reports whether an update is scheduled.
func (s *UDPSession) pending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scheduled
}

// dropRelay forwards datagrams between one client and a server, and drops
// the next datagram from the server when told to.
type dropRelay struct {
	conn   *net.UDPConn
	mu     sync.Mutex
	client *net.UDPAddr
	drop   bool
	n      int
}

func newDropRelay(t *testing.T, server *net.UDPAddr) *dropRelay {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	r := &dropRelay{conn: conn}
	done := make(chan struct{})
	t.Cleanup(func() { _ = conn.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			r.mu.Lock()
			to := server
			if from.Port == server.Port && from.IP.Equal(server.IP) {
				to = r.client
				if r.drop {
					r.drop, to = false, nil
					r.n++
				}
			} else {
				r.client = from
			}
			r.mu.Unlock()
			if to != nil {
				_, _ = conn.WriteToUDP(buf[:n], to)
			}
		}
	}()
	return r
}

func (r *dropRelay) addr() net.Addr { return r.conn.LocalAddr() }

func (r *dropRelay) dropNext() {
	r.mu.Lock()
	r.drop = true
	r.mu.Unlock()
}

func (r *dropRelay) dropped() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// TestBufferPool: getBuf gives mtuLimit bytes; putBuf takes back what
// getBuf gave, however resliced, and leaves foreign slices alone.
func TestBufferPool(t *testing.T) {
	b := getBuf()
	if len(b) != mtuLimit || cap(b) != mtuLimit {
		t.Fatalf("getBuf: len %d cap %d, want %d", len(b), cap(b), mtuLimit)
	}
	putBuf(b[:10])
	putBuf(make([]byte, 10)) // not the pool's: dropped, no panic
	putBuf(nil)
	if n := testing.AllocsPerRun(100, func() { putBuf(getBuf()[:100]) }); n != 0 {
		t.Errorf("%v allocations per get and put, want 0", n)
	}
}

// TestAddrKey: a UDP address keys its session without String, an IPv4
// address the same whether mapped or not; other addresses parse.
func TestAddrKey(t *testing.T) {
	want := netip.MustParseAddrPort("192.0.2.1:4000")
	for _, tc := range []struct {
		name string
		addr net.Addr
		want netip.AddrPort
		ok   bool
	}{
		{"udp4", &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1).To4(), Port: 4000}, want, true},
		{"udp4 in 16 bytes", &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 4000}, want, true},
		{"udp6", &net.UDPAddr{IP: net.ParseIP("2001:db8::1"), Port: 4000}, netip.MustParseAddrPort("[2001:db8::1]:4000"), true},
		{"other", fakeAddr("192.0.2.1:4000"), want, true},
		{"unparsable", fakeAddr("pipe"), netip.AddrPort{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := addrKey(tc.addr)
			if got != tc.want || ok != tc.ok {
				t.Errorf("addrKey(%v) = %v %v, want %v %v", tc.addr, got, ok, tc.want, tc.ok)
			}
		})
	}
	ua := &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 4000}
	if n := testing.AllocsPerRun(100, func() { _, _ = addrKey(ua) }); n != 0 {
		t.Errorf("%v allocations per UDP address key, want 0", n)
	}
}

// fakeAddr is a net.Addr of another network.
type fakeAddr string

func (a fakeAddr) Network() string { return "fake" }
func (a fakeAddr) String() string  { return string(a) }

// TestTryWrite: TryWrite writes while the send window has room and
// returns 0, without waiting, once it is full; it fails on a closed
// session.
func TestTryWrite(t *testing.T) {
	l, err := newListener(nil, 0, 0, discardConn{}) // nothing is acknowledged
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	seg := make([]byte, 24+5) // a PUSH of 5 bytes, conversation 1, sn 0
	seg[0], seg[4], seg[6], seg[20] = 1, IKCP_CMD_PUSH, 128, 5
	l.packetInput(seg, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1})
	s, err := l.AcceptKCP()
	if err != nil {
		t.Fatal(err)
	}
	s.SetWindowSize(2, 32)
	for i, want := range []int{4, 4, 0} {
		if n, err := s.TryWrite([]byte("ping")); n != want || err != nil {
			t.Fatalf("try %d: %d, %v; want %d", i+1, n, err, want)
		}
	}
	_ = s.Close()
	if _, err := s.TryWrite([]byte("ping")); err == nil {
		t.Fatal("TryWrite on a closed session succeeded")
	}
}

// TestAckTravelsWithTheAnswer: with ACKNoDelay, the acknowledgement of a
// request leaves in the datagram of the answer when the answer comes
// within ackWindow, alone at its end otherwise, and waits for the update
// without it.
func TestAckTravelsWithTheAnswer(t *testing.T) {
	conn := &captureConn{sent: make(chan []byte, 64)}
	l, err := newListener(nil, 0, 0, conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	from := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	l.packetInput(pushSegment(0, "hello"), from)
	s, err := l.AcceptKCP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	s.SetNoDelay(1, 5000, 2, 1) // updates 5 s apart: only the ack policy sends
	s.SetACKNoDelay(true)
	eventually(t, "the session to go idle after acknowledging sn 0", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return !s.scheduled
	})
	drain(conn.sent)
	armed := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.ackArmed
	}

	s.mu.Lock()
	s.ackWindow = time.Hour // the answer comes first, whatever the machine's load
	s.mu.Unlock()
	l.packetInput(pushSegment(1, "ping"), from)
	if len(conn.sent) != 0 || !armed() {
		t.Fatalf("%d datagrams sent at once (armed %v), want none: the ack waits", len(conn.sent), armed())
	}
	if n, err := s.TryWrite([]byte("pong")); n != 4 || err != nil {
		t.Fatalf("TryWrite: %d, %v", n, err)
	}
	if got, want := segments(<-conn.sent), []string{"ack 1", "push 0"}; !slices.Equal(got, want) {
		t.Errorf("answer datagram %q, want %q", got, want)
	}
	if armed() {
		t.Error("the ack timer still runs after the answer took the ack")
	}

	s.mu.Lock()
	s.ackWindow = time.Millisecond
	s.mu.Unlock()
	ack := pushSegment(0, "") // the client acknowledges push 0: nothing to retransmit
	ack[4] = IKCP_CMD_ACK
	l.packetInput(ack, from)
	l.packetInput(pushSegment(2, "no answer"), from)
	select {
	case d := <-conn.sent:
		if got, want := segments(d), []string{"ack 2"}; !slices.Equal(got, want) {
			t.Errorf("datagram %q, want %q", got, want)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("an ack no answer took along was never sent")
	}

	s.SetACKNoDelay(false)
	l.packetInput(pushSegment(3, "later"), from)
	if armed() {
		t.Error("without ACKNoDelay, the ack timer was armed")
	}
}

// pushSegment is a PUSH of conversation 1 with sequence number sn.
func pushSegment(sn uint32, data string) []byte {
	b := make([]byte, IKCP_OVERHEAD+len(data))
	binary.LittleEndian.PutUint32(b, 1)
	b[4] = IKCP_CMD_PUSH
	binary.LittleEndian.PutUint16(b[6:], 128)
	binary.LittleEndian.PutUint32(b[12:], sn)
	binary.LittleEndian.PutUint32(b[20:], uint32(len(data)))
	copy(b[IKCP_OVERHEAD:], data)
	return b
}

// segments lists the segments of a datagram in the clear: "ack <sn>" or
// "push <sn>".
func segments(d []byte) []string {
	var out []string
	for len(d) >= IKCP_OVERHEAD {
		sn := binary.LittleEndian.Uint32(d[12:])
		n := int(binary.LittleEndian.Uint32(d[20:]))
		switch d[4] {
		case IKCP_CMD_ACK:
			out = append(out, fmt.Sprintf("ack %d", sn))
		case IKCP_CMD_PUSH:
			out = append(out, fmt.Sprintf("push %d", sn))
		default:
			out = append(out, fmt.Sprintf("cmd %d", d[4]))
		}
		d = d[IKCP_OVERHEAD+min(n, len(d)-IKCP_OVERHEAD):]
	}
	return out
}

// captureConn is a packet connection that hands what is written to it to
// the test.
type captureConn struct {
	net.PacketConn
	sent chan []byte
}

func (c *captureConn) WriteTo(b []byte, _ net.Addr) (int, error) {
	c.sent <- append([]byte(nil), b...)
	return len(b), nil
}

func (c *captureConn) LocalAddr() net.Addr { return &net.UDPAddr{} }

// drain empties c.
func drain(c chan []byte) {
	for len(c) > 0 {
		<-c
	}
}

// eventually waits until cond holds, failing the test after 20 s
// (testkit.Eventually would import this package back, through its server).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestListenerKeysConversations: a new conversation from an address that
// has a session opens a session of its own and leaves the first one
// alone, whatever its sequence number (kcp-go replaced the first on
// sequence number 0); each conversation's datagrams reach its session.
func TestListenerKeysConversations(t *testing.T) {
	l, err := newListener(nil, 0, 0, discardConn{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	from := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	conv := func(c uint32, seg []byte) []byte {
		binary.LittleEndian.PutUint32(seg, c)
		return seg
	}
	accept := func() *UDPSession {
		t.Helper()
		select {
		case s := <-l.chAccepts:
			t.Cleanup(func() { _ = s.Close() })
			return s
		default:
			t.Fatal("no session opened")
			return nil
		}
	}
	l.packetInput(conv(1, pushSegment(0, "one")), from)
	first := accept()
	l.packetInput(conv(2, pushSegment(0, "two")), from)
	second := accept()
	if first.GetConv() != 1 || second.GetConv() != 2 {
		t.Fatalf("conversations %d and %d, want 1 and 2", first.GetConv(), second.GetConv())
	}
	l.packetInput(conv(1, pushSegment(1, "one again")), from)
	l.packetInput(conv(2, pushSegment(1, "two again")), from)
	if got := l.Opened(); got != 2 {
		t.Errorf("%d sessions opened, want 2", got)
	}
	for _, tt := range []struct {
		s    *UDPSession
		want []string
	}{{first, []string{"one", "one again"}}, {second, []string{"two", "two again"}}} {
		buf := make([]byte, 64)
		_ = tt.s.SetReadDeadline(time.Now().Add(10 * time.Second))
		for _, want := range tt.want {
			n, err := tt.s.Read(buf)
			if err != nil || string(buf[:n]) != want {
				t.Fatalf("conversation %d read %q, %v; want %q", tt.s.GetConv(), buf[:n], err, want)
			}
		}
	}
	_ = second.Close()
	l.sessionLock.RLock()
	_, firstKept := l.sessions[first.key]
	_, secondKept := l.sessions[second.key]
	newest, _ := l.byAddress.Newest(first.key.Addr)
	l.sessionLock.RUnlock()
	if !firstKept || secondKept || newest != first {
		t.Errorf("after the second closed: first kept %v, second kept %v, newest %p; want true, false, the first (%p)", firstKept, secondKept, newest, first)
	}
	_ = first.Close()
	l.sessionLock.RLock()
	newest, _ = l.byAddress.Newest(first.key.Addr)
	l.sessionLock.RUnlock()
	if newest != nil {
		t.Errorf("after both closed: newest %p, want none", newest)
	}
}
