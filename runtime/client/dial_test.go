package client_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/transport/kcpconf"
	"github.com/gamesrv/gamesrv/runtime/wire"
	kcpgo "github.com/xtaci/kcp-go/v5"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// serveOn runs script on the first connection ln accepts (a TLS or a KCP
// listener) and closes ln when the test ends.
func serveOn(t *testing.T, ln net.Listener, script func(s *fakeServer)) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		script(&fakeServer{t: t, ln: ln, conn: nc, br: bufio.NewReader(nc)})
	}()
	t.Cleanup(func() { _ = ln.Close(); <-done })
}

// echo is a fake server that answers each request with its payload.
func echo(s *fakeServer) {
	if s.accept(30, nil) {
		echoLoop(s)
	}
}

// echoLoop answers each request with its payload, after the handshake.
func echoLoop(s *fakeServer) {
	for {
		m, ok := s.nextData()
		if !ok {
			return
		}
		s.sendMessage(&wire.Header{Type: wire.MessageResponse, ID: m.ID}, m.Payload)
	}
}

// echoWS is echo behind a WebSocket upgrade.
func echoWS(ln net.Listener) func() error {
	done := make(chan error, 1)
	go func() { done <- fakeWSServer(ln) }()
	return func() error { _ = ln.Close(); return <-done }
}

// roundTrip sends one request and checks its echo.
func roundTrip(t *testing.T, c *client.Client) {
	t.Helper()
	resp := new(wrapperspb.StringValue)
	if err := c.Request(context.Background(), "a.b.c", wrapperspb.String("echo me"), resp); err != nil || resp.GetValue() != "echo me" {
		t.Fatalf("round trip: %v %v", resp, err)
	}
}

// redirect is a DialContext that records what it was asked for and dials
// to instead.
type redirect struct {
	to    string
	mu    sync.Mutex
	calls []string
}

func (r *redirect) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	r.mu.Lock()
	r.calls = append(r.calls, network+" "+addr)
	r.mu.Unlock()
	var d net.Dialer
	return d.DialContext(ctx, "tcp", r.to)
}

func (r *redirect) called() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.calls, ",")
}

// TestDialContextOpensTheConnection: Options.DialContext opens the
// connection of every stream scheme with the network "tcp" and the
// address's host:port; the client runs TLS and the WebSocket upgrade over
// what it returns, and TLS verifies the host of the address it was given.
func TestDialContextOpensTheConnection(t *testing.T) {
	serverTLS, clientTLS := testkit.TLSConfigs(t) // a certificate for 127.0.0.1
	named := clientTLS.Clone()
	named.ServerName = "127.0.0.1"
	tests := []struct {
		name    string
		addr    string
		tls     *tls.Config
		listen  func(t *testing.T) net.Listener
		ws      bool
		call    string // what DialContext was asked for
		wantErr string // "" for success
	}{
		{name: "tcp", addr: "tcp://game.test:3250", call: "tcp game.test:3250"},
		{name: "plain host:port", addr: "game.test:3250", call: "tcp game.test:3250"},
		{name: "ws", addr: "ws://game.test:3252/ws", ws: true, call: "tcp game.test:3252"},
		{name: "ws default port", addr: "ws://game.test/", ws: true, call: "tcp game.test:80"},
		{name: "tls by IP", addr: "tls://127.0.0.1:3253", tls: clientTLS, listen: tlsListener(serverTLS), call: "tcp 127.0.0.1:3253"},
		{name: "tls verifies the address's host", addr: "tls://game.test:3253", tls: clientTLS, listen: tlsListener(serverTLS),
			call: "tcp game.test:3253", wantErr: "game.test"},
		{name: "tls with a ServerName", addr: "tls://game.test:3253", tls: named, listen: tlsListener(serverTLS), call: "tcp game.test:3253"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			if tt.listen != nil {
				ln = tt.listen(t)
			}
			if tt.ws {
				stop := echoWS(ln)
				defer func() { _ = stop() }()
			} else {
				serveOn(t, ln, echo)
			}
			r := &redirect{to: ln.Addr().String()}
			o := opts()
			o.TLS, o.DialContext = tt.tls, r.dial
			c, err := client.Dial(context.Background(), tt.addr, o)
			if got := r.called(); got != tt.call {
				t.Errorf("DialContext called with %q, want %q", got, tt.call)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Dial: %v, want an error about %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			roundTrip(t, c)
		})
	}
}

// tlsListener returns a TLS listener on a loopback port.
func tlsListener(cfg *tls.Config) func(t *testing.T) net.Listener {
	return func(t *testing.T) net.Listener {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return tls.NewListener(ln, cfg)
	}
}

// TestDialContextErrors: the error of DialContext is Dial's and the
// client's; a kcp:// address refuses a DialContext at New.
func TestDialContextErrors(t *testing.T) {
	errNoRoute := errors.New("no route to the game")
	o := opts()
	o.DialContext = func(context.Context, string, string) (net.Conn, error) { return nil, errNoRoute }
	for _, addr := range []string{"tcp://x:1", "tls://x:1", "ws://x:1/"} {
		c, err := client.New(addr, o)
		if err != nil {
			t.Fatalf("New(%s): %v", addr, err)
		}
		if err := c.Connect(context.Background()); !errors.Is(err, errNoRoute) {
			t.Errorf("Connect(%s): %v, want the dialer's error", addr, err)
		}
		if !errors.Is(c.Err(), errNoRoute) {
			t.Errorf("%s: the client ended with %v", addr, c.Err())
		}
	}
	if _, err := client.New("kcp://127.0.0.1:1", o); err == nil || !strings.Contains(err.Error(), "kcp") {
		t.Errorf("kcp:// with a DialContext: %v, want an error", err)
	}
}

// TestTLSDialFailures: a tls:// client fails cleanly against a server it
// does not trust, and against a server that does not speak TLS.
func TestTLSDialFailures(t *testing.T) {
	serverTLS, _ := testkit.TLSConfigs(t)
	ln := tlsListener(serverTLS)(t)
	serveOn(t, ln, echo)
	o := opts() // the system roots: the test certificate is not trusted
	if _, err := client.Dial(context.Background(), "tls://"+ln.Addr().String(), o); err == nil || !strings.Contains(err.Error(), "tls") {
		t.Errorf("an untrusted certificate: %v, want a TLS error", err)
	}
	plain := serve(t, echo)
	_, clientTLS := testkit.TLSConfigs(t)
	o.TLS, o.DialTimeout = clientTLS, 2*time.Second
	if _, err := client.Dial(context.Background(), "tls://"+strings.TrimPrefix(plain, "tcp://"), o); err == nil {
		t.Error("a TLS handshake with a plain TCP server succeeded")
	}
}

// TestKCPDial: a kcp:// client reaches a KCP server with the same key and
// forward error correction, and its handshake gets no answer from a
// server with another key.
func TestKCPDial(t *testing.T) {
	key16, key32 := []byte("0123456789abcdef"), []byte("0123456789abcdef0123456789abcdef")
	tests := []struct {
		name              string
		serverKey, cliKey []byte
		data, parity      int
		tuning            kcpconf.Tuning
		wantErr           bool
	}{
		{name: "plain"},
		{name: "aes-128", serverKey: key16, cliKey: key16},
		{name: "aes-256 with fec", serverKey: key32, cliKey: key32, data: 10, parity: 3},
		{name: "tuned", tuning: kcpconf.Tuning{Interval: 20, MTU: 1000, SendWindow: 64, RecvWindow: 64}},
		{name: "wrong key", serverKey: key16, cliKey: []byte("fedcba9876543210"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			block, err := kcpconf.BlockCrypt(tt.serverKey)
			if err != nil {
				t.Fatal(err)
			}
			ln, err := kcpgo.ListenWithOptions("127.0.0.1:0", block, tt.data, tt.parity)
			if err != nil {
				t.Fatal(err)
			}
			serveOn(t, ln, echo)
			o := opts()
			o.KCP = client.KCPOptions{Key: tt.cliKey, DataShards: tt.data, ParityShards: tt.parity, Tuning: tt.tuning}
			if tt.wantErr {
				o.DialTimeout = 300 * time.Millisecond // fails faster: nothing answers
			}
			c, err := client.Dial(context.Background(), "kcp://"+ln.Addr().String(), o)
			if tt.wantErr {
				if err == nil {
					c.Close()
					t.Fatal("handshake answered across different keys")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			roundTrip(t, c)
		})
	}
}

// TestKCPDialNothingListening: a kcp:// address where no socket listens
// fails with the ICMP error ("connection refused") the client's connected
// UDP socket receives, not at the dial timeout.
func TestKCPDialNothingListening(t *testing.T) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	_ = pc.Close()
	o := opts()
	o.DialTimeout = time.Minute // a bound only: the refusal comes first
	c, err := client.Dial(context.Background(), "kcp://"+addr, o)
	if err == nil {
		c.Close()
		t.Fatal("a client connected to a closed port")
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Dial: %v, want ECONNREFUSED", err)
	}
}

// TestNewChecksTheAddress: New refuses what it cannot dial, without I/O.
func TestNewChecksTheAddress(t *testing.T) {
	tests := []struct {
		addr string
		key  []byte
		ok   bool
	}{
		{"127.0.0.1:3250", nil, true},
		{"tcp://127.0.0.1:3250", nil, true},
		{"tls://example.com:443", nil, true},
		{"ws://127.0.0.1:3252/ws", nil, true},
		{"kcp://127.0.0.1:3251", nil, true},
		{"kcp://127.0.0.1:3251", []byte("0123456789abcdef"), true},
		{"kcp://127.0.0.1:3251", []byte("short"), false},
		{"udp://127.0.0.1:3251", nil, false},
		{"wss://example.com/ws", nil, false},
		{"http://example.com", nil, false},
	}
	for _, tt := range tests {
		o := opts()
		o.KCP.Key = tt.key
		c, err := client.New(tt.addr, o)
		if (err == nil) != tt.ok {
			t.Errorf("New(%q, key %q): %v, want ok=%v", tt.addr, tt.key, err, tt.ok)
		}
		if c != nil {
			_ = c.Close()
		}
	}
}
