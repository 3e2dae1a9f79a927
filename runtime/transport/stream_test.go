package transport

import (
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/wire"
)

// recorder is a Handler and Peer that hands what happens to the test.
type recorder struct {
	opened  chan Conn
	packets chan string
	closed  chan error
}

func (r *recorder) Open(c Conn) Peer { r.opened <- c; return r }

func (r *recorder) OnPacket(t wire.PacketType, body []byte) error {
	r.packets <- t.String() + ":" + string(body)
	return nil
}

func (r *recorder) OnDisconnect(err error) { r.closed <- err }

func serveStream(t *testing.T, cfg Config) (*recorder, net.Conn) {
	t.Helper()
	rec := &recorder{opened: make(chan Conn, 1), packets: make(chan string, 16), closed: make(chan error, 1)}
	cfg.Handler = rec
	server, peer := net.Pipe()
	go ServeConn(server, &cfg)
	t.Cleanup(func() { _ = peer.Close() })
	return rec, peer
}

func TestServeConnSplitsPackets(t *testing.T) {
	rec, peer := serveStream(t, Config{MaxBody: 1 << 10})
	var stream []byte
	for _, body := range []string{"one", "", "three"} {
		stream, _ = wire.AppendPacket(stream, wire.PacketData, []byte(body))
	}
	go func() {
		for _, b := range stream { // one byte per write: packets span reads
			if _, err := peer.Write([]byte{b}); err != nil {
				return
			}
		}
	}()
	for _, want := range []string{"data:one", "data:", "data:three"} {
		select {
		case got := <-rec.packets:
			if got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("packet %q missing", want)
		}
	}
}

func TestServeConnOversizedCloses(t *testing.T) {
	rec, peer := serveStream(t, Config{MaxBody: 16})
	go func() { _, _ = peer.Write([]byte{byte(wire.PacketData), 0, 1, 0}) }() // 256 bytes declared
	select {
	case err := <-rec.closed:
		var pe *ProtocolError
		if !errors.As(err, &pe) || !errors.Is(err, wire.ErrBodyTooLarge) {
			t.Errorf("closed with %v, want a *ProtocolError wrapping wire.ErrBodyTooLarge", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not closed")
	}
}

func TestServeConnCloseFlushes(t *testing.T) {
	rec, peer := serveStream(t, Config{MaxBody: 16})
	conn := <-rec.opened
	_ = conn.Write(wire.HeartbeatPacket())
	_ = conn.Write(wire.KickPacket(""))
	_ = conn.Close()
	buf := make([]byte, 8)
	_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	n := 0
	for n < 8 {
		m, err := peer.Read(buf[n:])
		if err != nil {
			t.Fatalf("read after %d bytes: %v", n, err)
		}
		n += m
	}
	if buf[0] != byte(wire.PacketHeartbeat) || buf[4] != byte(wire.PacketKick) {
		t.Errorf("got % x", buf)
	}
	if err := <-rec.closed; err != nil {
		t.Errorf("a requested close reports %v", err)
	}
}

// TestWriterExitsWhenIdle: the writer goroutine runs only while something
// is queued, and whatever is written meanwhile from many goroutines arrives
// whole.
func TestWriterExitsWhenIdle(t *testing.T) {
	rec, peer := serveStream(t, Config{MaxBody: 16})
	c := (<-rec.opened).(*streamConn)
	const writers, each = 8, 50
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, writers*each*8)
		n := 0
		_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
		for n < len(buf) {
			m, err := peer.Read(buf[n:])
			if err != nil {
				t.Errorf("read after %d bytes: %v", n, err)
				return
			}
			n += m
		}
		for off := 0; off < n; off += 8 { // every packet whole: a heartbeat then a kick
			if buf[off] != byte(wire.PacketHeartbeat) || buf[off+4] != byte(wire.PacketKick) {
				t.Errorf("at %d: % x", off, buf[off:off+8])
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				_ = c.Write(append(wire.HeartbeatPacket(), wire.KickPacket("")...))
			}
		})
	}
	wg.Wait()
	<-done
	eventually(t, func() bool {
		c.wmu.Lock()
		defer c.wmu.Unlock()
		return !c.writing
	}, "the writer to exit")
}

// eventually is testkit.Eventually, which this package cannot import (it
// imports the server, which imports this package).
func eventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDirectWrite: on a connection that can try a write, a packet written
// while nothing is queued is written by the caller; one the connection
// cannot take at once goes to the writer goroutine, and so does every
// packet after it until the writer has written them all, in order.
func TestDirectWrite(t *testing.T) {
	server, peer := net.Pipe()
	fc := &tryConn{Conn: server, release: make(chan struct{})}
	var released sync.Once
	release := func() { released.Do(func() { close(fc.release) }) }
	rec := &recorder{opened: make(chan Conn, 1), packets: make(chan string, 16), closed: make(chan error, 1)}
	go ServeConn(fc, &Config{Handler: rec, MaxBody: 16})
	t.Cleanup(func() { // the writer, then the reader, end; ServeConn returns
		release()
		_ = peer.Close()
		<-rec.closed
	})
	c := (<-rec.opened).(*streamConn)
	writerRuns := func() bool {
		c.wmu.Lock()
		defer c.wmu.Unlock()
		return c.writing
	}

	if err := c.Write([]byte("p1")); err != nil {
		t.Fatal(err)
	}
	if writerRuns() {
		t.Fatal("a writer goroutine started for a packet written directly")
	}
	fc.full.Store(true) // the next try fails: p2 goes to the writer, which blocks
	if err := c.Write([]byte("p2")); err != nil {
		t.Fatal(err)
	}
	if err := c.Write([]byte("p3")); err != nil { // queued behind p2, not tried
		t.Fatal(err)
	}
	if n := fc.tries.Load(); n != 2 {
		t.Fatalf("%d tries, want 2 (p1, p2): p3 was tried while p2 waited", n)
	}
	fc.full.Store(false)
	release()
	eventually(t, func() bool { return !writerRuns() }, "the writer to exit")
	if err := c.Write([]byte("p4")); err != nil { // idle again: direct
		t.Fatal(err)
	}
	want := []string{"direct p1", "writer p2", "writer p3", "direct p4"}
	if got := fc.log(); !slices.Equal(got, want) {
		t.Fatalf("writes %q, want %q", got, want)
	}
}

// tryConn is a net.Conn that can try a write (tryWriter) and logs the
// writes, by whom; while full, tries fail and the writer's writes wait
// for release.
type tryConn struct {
	net.Conn
	full    atomic.Bool
	tries   atomic.Int32
	release chan struct{}
	mu      sync.Mutex
	writes  []string
}

func (f *tryConn) TryWrite(p []byte) (int, error) {
	f.tries.Add(1)
	if f.full.Load() {
		return 0, nil
	}
	f.add("direct " + string(p))
	return len(p), nil
}

func (f *tryConn) Write(p []byte) (int, error) {
	<-f.release
	f.add("writer " + string(p))
	return len(p), nil
}

func (f *tryConn) add(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes = append(f.writes, s)
}

func (f *tryConn) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.writes)
}
