package kcp_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/transporttest"
	"github.com/gamesrv/gamesrv/runtime/transport/kcp"
	"github.com/gamesrv/gamesrv/runtime/transport/kcpconf"
	kcpgo "github.com/xtaci/kcp-go/v5"
)

var testKey = []byte("0123456789abcdef")

// listen starts a KCP listener on 127.0.0.1 with the scripted handler.
func listen(t *testing.T, opts kcp.Options, cfg transport.Config) (*kcp.Listener, *transporttest.Handler) {
	t.Helper()
	return listenOn(t, "127.0.0.1:0", opts, cfg)
}

// listenOn starts a KCP listener on addr with the scripted handler.
func listenOn(t *testing.T, addr string, opts kcp.Options, cfg transport.Config) (*kcp.Listener, *transporttest.Handler) {
	t.Helper()
	h := transporttest.NewHandler()
	cfg.Handler, cfg.Logger, cfg.MaxBody = h, testkit.Logger(t), 1<<20
	l := kcp.New(addr, opts)
	if err := l.Start(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := l.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return l, h
}

// client is a KCP client session speaking packets.
type client struct {
	t  testing.TB
	s  *kcpgo.UDPSession
	br *bufio.Reader
}

// dial opens a client session over conn (a fresh UDP socket when nil).
func dial(t testing.TB, l *kcp.Listener, key []byte, conn net.PacketConn) *client {
	t.Helper()
	block, err := kcpconf.BlockCrypt(key)
	if err != nil {
		t.Fatal(err)
	}
	var s *kcpgo.UDPSession
	if conn == nil {
		s, err = kcpgo.DialWithOptions(l.Addr().String(), block, 0, 0)
	} else {
		var conv [4]byte
		_, _ = rand.Read(conv[:])
		s, err = kcpgo.NewConn4(binary.LittleEndian.Uint32(conv[:]), l.Addr(), block, 0, 0, true, conn)
	}
	if err != nil {
		t.Fatal(err)
	}
	kcp.Tuning{}.Apply(s)
	t.Cleanup(func() { _ = s.Close() })
	return &client{t: t, s: s, br: bufio.NewReader(s)}
}

func (c *client) send(body string) {
	c.t.Helper()
	_ = c.s.SetDeadline(time.Now().Add(transporttest.Timeout))
	if _, err := c.s.Write(transporttest.Packet(body)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// read reads n packets.
func (c *client) read(n int) []string {
	c.t.Helper()
	_ = c.s.SetDeadline(time.Now().Add(transporttest.Timeout))
	bodies, err := transporttest.ReadN(c.br, n)
	if err != nil {
		c.t.Fatalf("after %d packets: %v", len(bodies), err)
	}
	return bodies
}

// echo makes a round trip: every datagram sent before it has been through
// the listener's socket.
func (c *client) echo(s string) {
	c.t.Helper()
	c.send("echo:" + s)
	if got := c.read(1); got[0] != s {
		c.t.Fatalf("echo %q, got %q", s, got[0])
	}
}

// flood sends n datagrams of 24 bytes (a KCP header) to l from ports
// sockets: a new conversation in each, sequence number 0 (each one would
// make the KCP layer open a session; kcp-go's would also replace the
// address's session).
func flood(t *testing.T, l *kcp.Listener, n, ports int) {
	t.Helper()
	for p := range ports {
		u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 24)
		for range n / ports {
			_, _ = rand.Read(b[:4])                           // conv
			b[4], b[6] = 81, 128                              // cmd PUSH, window
			if _, err := u.WriteTo(b, l.Addr()); err != nil { // every port sends
				t.Fatalf("port %d: %v", p, err)
			}
		}
		_ = u.Close()
	}
}

// passiveOpens returns the sessions l's KCP layer opened.
func passiveOpens(l *kcp.Listener) uint64 { return kcp.Opened(l) }

// TestFloodBoundsHandshakes floods the listener with raw 24-byte
// datagrams, each able to open a kcp-go session, from one address and many
// ports: kcp-go opens at most MaxHandshakesPerIP sessions, the goroutines
// grow accordingly, and an established client is unaffected.
func TestFloodBoundsHandshakes(t *testing.T) {
	for _, tc := range []struct {
		name        string
		opts        kcp.Options
		ports, want int
	}{
		{"per IP, many ports", kcp.Options{}, 64, kcp.DefaultMaxHandshakesPerIP},
		{"per IP, a new conversation per datagram from few ports", kcp.Options{}, 4, kcp.DefaultMaxHandshakesPerIP},
		{"total", kcp.Options{MaxHandshakes: 5, MaxHandshakesPerIP: -1}, 64, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.HandshakeTimeout = time.Minute // none expires on a loaded machine
			l, h := listen(t, tc.opts, transport.Config{})
			probe := dial(t, l, nil, nil)
			probe.send("established")
			probe.echo("before")
			h.Next(t)
			if n := l.InHandshake(); n != 0 {
				t.Fatalf("%d sessions in handshake before the flood", n)
			}
			opens, goroutines := passiveOpens(l), runtime.NumGoroutine()

			flood(t, l, 2000, tc.ports)
			probe.echo("after") // the flood went through the socket before it

			opened := int(passiveOpens(l) - opens)
			if opened > tc.want || opened == 0 {
				t.Errorf("kcp-go opened %d sessions, limit %d", opened, tc.want)
			}
			t.Logf("kcp-go opened %d sessions", opened)
			if n := l.InHandshake(); n > tc.want {
				t.Errorf("%d sessions in handshake, limit %d", n, tc.want)
			}
			for range opened { // every session kcp-go opened reaches the handler
				h.Next(t)
			}
			// Each session in handshake: its reader (no writer while
			// nothing is queued, no goroutine of the KCP layer).
			if g := runtime.NumGoroutine() - goroutines; g > tc.want+10 {
				t.Errorf("%d more goroutines for %d sessions", g, opened)
			}
		})
	}
}

// TestNewConversationFromTheSameAddress: a client that starts over from
// the address and port of a session the server still holds (KCP has no
// FIN: the server learns of the old client's end only from its timeouts)
// gets a session at once, and a datagram of a new conversation forged with
// a live client's address (with the key, when there is one) leaves that
// client's session alone. kcp-go replaced the address's session; the gate
// used to drop the new conversation instead, which left a client that
// reused its port without an answer until the old session ended.
func TestNewConversationFromTheSameAddress(t *testing.T) {
	for _, key := range [][]byte{nil, testKey} {
		t.Run(fmt.Sprintf("key %t", key != nil), func(t *testing.T) {
			l, h := listen(t, kcp.Options{Key: key, HandshakeTimeout: time.Minute}, transport.Config{})
			first, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			old := dial(t, l, key, first) // owns first: its Close closes it
			old.send("established")
			old.echo("old")
			h.Next(t)
			_ = old.s.Close()

			again, err := net.ListenUDP("udp4", first.LocalAddr().(*net.UDPAddr))
			if err != nil {
				t.Fatal(err)
			}
			c := dial(t, l, key, again)
			c.send("established")
			c.echo("new, from the same port")
			h.Next(t)

			forged := make([]byte, 24) // conversation 7, sequence number 0
			binary.LittleEndian.PutUint32(forged, 7)
			forged[4], forged[6] = 81, 128
			if key != nil {
				forged = kcp.Seal(t, key, forged)
			}
			opens := passiveOpens(l)
			if _, err := again.WriteTo(forged, l.Addr()); err != nil {
				t.Fatal(err)
			}
			c.echo("after a forged new conversation") // the forged datagram went through before
			if n := passiveOpens(l) - opens; n != 1 {
				t.Errorf("the forged conversation opened %d sessions, want 1 of its own", n)
			}
			h.Next(t)
			if n := l.InHandshake(); n != 1 {
				t.Errorf("%d sessions in handshake, want the forged one", n)
			}
		})
	}
}

// TestDualStackListener: a listener on the IPv6 wildcard answers IPv4
// clients (their addresses come mapped to IPv6 and are unmapped, and the
// answers go back to them) and IPv6 ones.
func TestDualStackListener(t *testing.T) {
	if probe, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback}); err != nil {
		t.Skipf("no IPv6 here: %v", err)
	} else {
		_ = probe.Close()
	}
	l, h := listenOn(t, "[::]:0", kcp.Options{HandshakeTimeout: time.Minute}, transport.Config{})
	port := l.Addr().(*net.UDPAddr).Port
	for _, tt := range []struct{ network, ip string }{{"udp4", "127.0.0.1"}, {"udp6", "::1"}} {
		t.Run(tt.network, func(t *testing.T) {
			conn, err := net.ListenUDP(tt.network, &net.UDPAddr{IP: net.ParseIP(tt.ip)})
			if err != nil {
				t.Skipf("no %s socket here: %v", tt.network, err)
			}
			s, err := kcpgo.NewConn4(1, &net.UDPAddr{IP: net.ParseIP(tt.ip), Port: port}, nil, 0, 0, true, conn)
			if err != nil {
				t.Fatal(err)
			}
			kcp.Tuning{}.Apply(s)
			t.Cleanup(func() { _ = s.Close() })
			c := &client{t: t, s: s, br: bufio.NewReader(s)}
			c.echo("from " + tt.ip)
			h.Next(t)
		})
	}
}

// TestKeyMakesKCPUnforgeable: with a key, datagrams that do not decrypt
// open nothing; a client with the key works.
func TestKeyMakesKCPUnforgeable(t *testing.T) {
	l, h := listen(t, kcp.Options{Key: testKey, HandshakeTimeout: time.Minute}, transport.Config{})
	probe := dial(t, l, testKey, nil)
	probe.echo("keyed")
	h.Next(t)
	opens := passiveOpens(l)
	flood(t, l, 2000, 64)
	probe.echo("after")
	if n := passiveOpens(l) - opens; n != 0 {
		t.Errorf("forged datagrams opened %d sessions", n)
	}
	if n := l.InHandshake(); n != 1 { // the probe never sent "established"
		t.Errorf("%d sessions in handshake, want the probe's", n)
	}
}

// TestHandshakeTimeout: a session that does not complete the handshake in
// time is closed with ErrHandshakeTimeout and frees its place; an
// established one is not closed.
func TestHandshakeTimeout(t *testing.T) {
	l, h := listen(t, kcp.Options{HandshakeTimeout: time.Second, MaxHandshakesPerIP: 1}, transport.Config{})
	est := dial(t, l, nil, nil)
	est.send("established") // its first packet
	est.echo("a")
	pe := h.Next(t)

	slow := dial(t, l, nil, nil) // admitted after est: its deadline comes later
	slow.send("echo:b")
	ps := h.Next(t)
	if err := ps.Disconnected(t); !errors.Is(err, kcp.ErrHandshakeTimeout) {
		t.Errorf("OnDisconnect(%v), want ErrHandshakeTimeout", err)
	}
	est.echo("c") // past its own deadline: established sessions have none
	if n := l.InHandshake(); n != 0 {
		t.Errorf("%d sessions in handshake after the deadline", n)
	}
	next := dial(t, l, nil, nil) // the place is free again
	next.echo("d")
	h.Next(t)
	if pe.Packets() != 3 {
		t.Errorf("the established peer got %d packets, want 3", pe.Packets())
	}
}

// lossy is a client's UDP socket that drops every third datagram it
// receives.
type lossy struct {
	*net.UDPConn
	n atomic.Int64
}

func (c *lossy) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFrom(b)
		if err != nil || c.n.Add(1)%3 != 0 {
			return n, addr, err
		}
	}
}

// TestCloseWaitsForAcknowledgements: answers queued before a close reach
// a client that loses a third of the datagrams: the session waits for
// their acknowledgement (retransmitting) before it closes, where kcp-go's
// Close alone would send them once.
func TestCloseWaitsForAcknowledgements(t *testing.T) {
	l, h := listen(t, kcp.Options{HandshakeTimeout: time.Minute}, transport.Config{})
	u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, l, nil, &lossy{UDPConn: u})
	c.send("established")
	const n, size = 100, 1000
	c.send(fmt.Sprintf("close:%d:%d", n, size))
	p := h.Next(t)
	transporttest.CheckNumbered(t, c.read(n), n, size)
	if err := p.Disconnected(t); err != nil {
		t.Errorf("OnDisconnect(%v), want nil", err)
	}
	p.DisconnectedOnce(t)
}
