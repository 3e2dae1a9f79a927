package transport

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/wire"
)

// TestConfigLinger: the bounds of a lingering close, defaults applied.
func TestConfigLinger(t *testing.T) {
	tests := []struct {
		cfg   Config
		d     time.Duration
		bytes int
	}{
		{Config{}, DefaultLingerTimeout, DefaultLingerBytes},
		{Config{LingerTimeout: time.Second, LingerBytes: 10}, time.Second, 10},
		{Config{LingerTimeout: -1, LingerBytes: -1}, DefaultLingerTimeout, DefaultLingerBytes},
	}
	for _, tt := range tests {
		if d, n := tt.cfg.Linger(); d != tt.d || n != tt.bytes {
			t.Errorf("%+v: Linger() = %v, %d; want %v, %d", tt.cfg, d, n, tt.d, tt.bytes)
		}
	}
	if DefaultLingerTimeout != 2*time.Second || DefaultLingerBytes != 4<<20 {
		t.Error("the defaults are not the documented 2 s and 4 MiB")
	}
}

func TestProtocolErrorWraps(t *testing.T) {
	err := error(&ProtocolError{Err: wire.ErrBodyTooLarge})
	if !errors.Is(err, wire.ErrBodyTooLarge) || err.Error() != "protocol violation: "+wire.ErrBodyTooLarge.Error() {
		t.Errorf("got %q", err)
	}
}

// refuser refuses every connection after writing a kick to it.
type refuser struct{ opened chan struct{} }

func (r *refuser) Open(c Conn) Peer {
	_ = c.Write(wire.KickPacket("server full"))
	close(r.opened)
	return nil
}

// TestServeConnRefused: a connection the handler refuses gets what the
// handler wrote, then its end; ServeConn returns.
func TestServeConnRefused(t *testing.T) {
	server, peer := net.Pipe()
	defer peer.Close()
	r := &refuser{opened: make(chan struct{})}
	done := make(chan struct{})
	go func() { ServeConn(server, &Config{Handler: r, MaxBody: 16}); close(done) }()
	_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(peer)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if want := wire.KickPacket("server full"); string(got) != string(want) {
		t.Errorf("got % x, want the kick % x", got, want)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ServeConn did not return")
	}
}

// failingPeer fails on every packet.
type failingPeer struct {
	recorder
	err error
}

func (p *failingPeer) Open(Conn) Peer                         { return p }
func (p *failingPeer) OnPacket(wire.PacketType, []byte) error { return p.err }

// TestServeConnPeerErrorCloses: an error from OnPacket closes the
// connection; OnDisconnect reports it as a protocol violation.
func TestServeConnPeerErrorCloses(t *testing.T) {
	errBad := errors.New("bad handshake")
	p := &failingPeer{recorder: recorder{closed: make(chan error, 1)}, err: errBad}
	server, peer := net.Pipe()
	defer peer.Close()
	go ServeConn(server, &Config{Handler: p, MaxBody: 16})
	go func() { _, _ = peer.Write(wire.HeartbeatPacket()) }()
	select {
	case err := <-p.closed:
		var pe *ProtocolError
		if !errors.As(err, &pe) || !errors.Is(err, errBad) {
			t.Errorf("OnDisconnect(%v), want a ProtocolError wrapping the peer's error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not closed")
	}
}

// TestServeConnIdleTimeout: a connection that sends nothing for
// IdleTimeout is closed with the deadline's error.
func TestServeConnIdleTimeout(t *testing.T) {
	rec, _ := serveStream(t, Config{MaxBody: 16, IdleTimeout: 50 * time.Millisecond})
	<-rec.opened
	select {
	case err := <-rec.closed:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("OnDisconnect(%v), want a deadline error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the idle connection was not closed")
	}
}

// TestServeConnWriteAfterClose: Write after Close fails with ErrClosed;
// Close again is a no-op.
func TestServeConnWriteAfterClose(t *testing.T) {
	rec, peer := serveStream(t, Config{MaxBody: 16})
	c := <-rec.opened
	if c.RemoteAddr() == nil {
		t.Error("no remote address")
	}
	_ = c.Close()
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := c.Write(wire.HeartbeatPacket()); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
	_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, err := io.ReadAll(peer); err != nil || len(b) != 0 {
		t.Errorf("after the close the peer read %q, %v; want a clean end", b, err)
	}
}
