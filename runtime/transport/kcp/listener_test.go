package kcp_test

import (
	"bufio"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/transporttest"
	"github.com/gamesrv/gamesrv/runtime/transport/kcp"
	"github.com/gamesrv/gamesrv/runtime/transport/kcpconf"
	"github.com/gamesrv/gamesrv/runtime/wire"
	kcpgo "github.com/xtaci/kcp-go/v5"
)

// TestListenerBeforeStart: a listener binds nothing until started, and
// closing it then does nothing.
func TestListenerBeforeStart(t *testing.T) {
	l := kcp.New("127.0.0.1:0", kcp.Options{})
	if l.Network() != "kcp" || l.Addr() != nil || l.InHandshake() != 0 {
		t.Errorf("network %q addr %v in handshake %d", l.Network(), l.Addr(), l.InHandshake())
	}
	if err := l.Close(context.Background()); err != nil {
		t.Errorf("close before start: %v", err)
	}
}

// TestStartErrors: a bad key or address fails Start and binds nothing.
func TestStartErrors(t *testing.T) {
	for _, tt := range []struct {
		name, addr string
		key        []byte
		want       string
	}{
		{"bad key", "127.0.0.1:0", []byte("short"), "AES key"},
		{"bad address", "127.0.0.1:99999", nil, "listen"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := kcp.New(tt.addr, kcp.Options{Key: tt.key})
			err := l.Start(transport.Config{Handler: transporttest.NewHandler(), MaxBody: 1024})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Start: %v, want an error about %q", err, tt.want)
			}
			if l.Addr() != nil {
				t.Errorf("bound %v after a failed Start", l.Addr())
			}
		})
	}
}

// TestEchoAcrossOptions: sessions work with every combination a client may
// match: encryption, forward error correction, and tuning, with a packet
// larger than the MTU (fragmented by KCP) among small ones.
func TestEchoAcrossOptions(t *testing.T) {
	key32 := []byte("0123456789abcdef0123456789abcdef")
	tests := []struct {
		name string
		opts kcp.Options
	}{
		{"plain", kcp.Options{}},
		{"aes-128", kcp.Options{Key: testKey}},
		{"aes-256 with fec", kcp.Options{Key: key32, DataShards: 10, ParityShards: 3}},
		{"normal mode", kcp.Options{Tuning: kcp.Tuning{Normal: true, DelayedACK: true, Interval: 20, MTU: 576}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.HandshakeTimeout = time.Minute
			l, h := listen(t, tt.opts, transport.Config{})
			block, err := kcpconf.BlockCrypt(tt.opts.Key)
			if err != nil {
				t.Fatal(err)
			}
			s, err := kcpgo.DialWithOptions(l.Addr().String(), block, tt.opts.DataShards, tt.opts.ParityShards)
			if err != nil {
				t.Fatal(err)
			}
			tt.opts.Tuning.Apply(s)
			t.Cleanup(func() { _ = s.Close() })
			c := &client{t: t, s: s, br: bufio.NewReader(s)}
			big := strings.Repeat("x", 20_000)
			for _, body := range []string{"a", big, "b"} {
				c.echo(body)
			}
			if p := h.Next(t); p.Packets() != 3 {
				t.Errorf("the peer got %d packets, want 3", p.Packets())
			}
		})
	}
}

// TestProtocolViolationClosesTheSession: a packet header declaring more
// than MaxBody closes the session; OnDisconnect reports the violation.
func TestProtocolViolationClosesTheSession(t *testing.T) {
	l, h := listen(t, kcp.Options{HandshakeTimeout: time.Minute}, transport.Config{})
	c := dial(t, l, nil, nil)
	c.echo("first")
	p := h.Next(t)
	hdr := []byte{byte(wire.PacketData), 0x7f, 0xff, 0xff} // 8 MiB declared, over the 1 MiB limit
	_ = c.s.SetDeadline(time.Now().Add(transporttest.Timeout))
	if _, err := c.s.Write(hdr); err != nil {
		t.Fatal(err)
	}
	var perr *transport.ProtocolError
	if err := p.Disconnected(t); !errors.As(err, &perr) {
		t.Errorf("OnDisconnect(%v), want a protocol violation", err)
	}
}

// TestEstablishedLeavesTheLimits: sessions count against the handshake
// limits until the session layer calls Established; an established
// session makes room for another one from the same address.
func TestEstablishedLeavesTheLimits(t *testing.T) {
	l, h := listen(t, kcp.Options{MaxHandshakesPerIP: 2, HandshakeTimeout: time.Minute}, transport.Config{})
	a, b := dial(t, l, nil, nil), dial(t, l, nil, nil)
	a.echo("a")
	b.echo("b")
	h.Next(t)
	h.Next(t)
	if n := l.InHandshake(); n != 2 {
		t.Fatalf("%d sessions in handshake, want 2", n)
	}
	a.send("established")
	a.echo("a again") // after "established" on the same stream
	if n := l.InHandshake(); n != 1 {
		t.Errorf("%d sessions in handshake after one was established, want 1", n)
	}
	c := dial(t, l, nil, nil) // within the per-address limit again
	c.echo("c")
	h.Next(t)
	if n := l.InHandshake(); n != 2 {
		t.Errorf("%d sessions in handshake, want 2", n)
	}
}

// TestCloseEndsEverySession: Close ends the sessions (the session layer
// sees each one disconnect), stops counting handshakes, and returns once
// their goroutines ended.
func TestCloseEndsEverySession(t *testing.T) {
	h := transporttest.NewHandler()
	l := kcp.New("127.0.0.1:0", kcp.Options{HandshakeTimeout: time.Minute})
	if err := l.Start(transport.Config{Handler: h, MaxBody: 1 << 10}); err != nil {
		t.Fatal(err)
	}
	var peers []*transporttest.Peer
	for _, name := range []string{"a", "b"} {
		c := dial(t, l, nil, nil)
		c.echo(name)
		peers = append(peers, h.Next(t))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	for i, p := range peers {
		p.Disconnected(t) // within transporttest.Timeout, else the test fails
		if n := p.Packets(); n != 1 {
			t.Errorf("peer %d got %d packets, want 1", i, n)
		}
	}
	if n := l.InHandshake(); n != 0 {
		t.Errorf("%d sessions in handshake after Close", n)
	}
}
