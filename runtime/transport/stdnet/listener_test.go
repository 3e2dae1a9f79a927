package stdnet_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/transporttest"
	"github.com/gamesrv/gamesrv/runtime/transport/stdnet"
)

// TestListenerBeforeStart: the network name says whether TLS is on;
// nothing is bound before Start, and closing then does nothing.
func TestListenerBeforeStart(t *testing.T) {
	for _, tt := range []struct {
		tls  *tls.Config
		want string
	}{{nil, "tcp-std"}, {&tls.Config{}, "tls"}} {
		l := stdnet.New("127.0.0.1:0", stdnet.Options{TLS: tt.tls})
		if l.Network() != tt.want || l.Addr() != nil {
			t.Errorf("network %q addr %v, want %q and none", l.Network(), l.Addr(), tt.want)
		}
		if err := l.Close(context.Background()); err != nil {
			t.Errorf("close before start: %v", err)
		}
	}
}

// TestStartOnATakenAddress fails and names the address.
func TestStartOnATakenAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	l := stdnet.New(ln.Addr().String(), stdnet.Options{})
	err = l.Start(transport.Config{Handler: transporttest.NewHandler(), MaxBody: 1024})
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Fatalf("Start on a taken address: %v", err)
	}
}

// TestIdleConnectionCloses: a connection that sends nothing for
// IdleTimeout is closed, with a timeout as the reason.
func TestIdleConnectionCloses(t *testing.T) {
	h, dial := start(t, transport.Config{IdleTimeout: 200 * time.Millisecond}, nil, nil)
	nc := dial(t)
	defer nc.Close()
	p := h.Next(t)
	err := p.Disconnected(t)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("OnDisconnect(%v), want a timeout", err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(transporttest.Timeout))
	if _, err := nc.Read(make([]byte, 1)); err == nil {
		t.Error("the idle connection is still open")
	}
}

// TestPlainClientOnTLSListener: the packets of a client that does not
// speak TLS reach nobody; its connection ends with the TLS error.
func TestPlainClientOnTLSListener(t *testing.T) {
	srvTLS, _ := testkit.TLSConfigs(t)
	h := transporttest.NewHandler()
	l := stdnet.New("127.0.0.1:0", stdnet.Options{TLS: srvTLS})
	if err := l.Start(transport.Config{Handler: h, MaxBody: 1024, Logger: testkit.Logger(t)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = l.Close(ctx)
	})
	nc, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write(transporttest.Packet("echo:plain")); err != nil {
		t.Fatal(err)
	}
	p := h.Next(t)
	if err := p.Disconnected(t); err == nil || !strings.Contains(err.Error(), "tls") {
		t.Errorf("OnDisconnect(%v), want the TLS handshake's error", err)
	}
	if n := p.Packets(); n != 0 {
		t.Errorf("%d packets got through without TLS", n)
	}
}
