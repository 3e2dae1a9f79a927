package server_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/kcp"
	"github.com/gamesrv/gamesrv/runtime/transport/stdnet"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
	"github.com/gamesrv/gamesrv/runtime/transport/ws"
	"github.com/gamesrv/gamesrv/runtime/wire"
	gobws "github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestRestartRebindsAtOnce is the restart of a server on the same address
// right after a graceful shutdown with a client connected. The client
// never closes first, so the server's side of the connection is the one
// left in TIME_WAIT (FIN_WAIT_2 until the client closes), and the new
// listener must still bind the address at once: SO_REUSEADDR, which the
// gnet listeners (tcp, ws) did not set, which cost 64 s of "address
// already in use" after one WebSocket client. KCP (UDP, no TIME_WAIT) and
// TLS (net.Listen sets SO_REUSEADDR) are checked too.
func TestRestartRebindsAtOnce(t *testing.T) {
	serverTLS, clientTLS := testkit.TLSConfigs(t)
	tests := []struct {
		name   string
		scheme string // client address prefix
		path   string // client address suffix
		listen func(addr string) transport.Listener
		raw    func(t *testing.T, addr string) *packetStream // nil: UDP, no TIME_WAIT to check
		tls    *tls.Config
	}{
		{
			name: "tcp", scheme: "tcp://",
			listen: func(a string) transport.Listener { return tcp.New(a, tcp.Options{EventLoops: 2}) },
			raw: func(t *testing.T, a string) *packetStream {
				nc, err := net.DialTimeout("tcp", a, timeout)
				if err != nil {
					t.Fatal(err)
				}
				return streamOf(nc)
			},
		},
		{
			name: "ws", scheme: "ws://", path: "/ws",
			listen: func(a string) transport.Listener {
				return ws.New(a, ws.Options{EventLoops: 2, Path: "/ws"})
			},
			raw: dialRawWS,
		},
		{
			name: "tls", scheme: "tls://", tls: clientTLS,
			listen: func(a string) transport.Listener { return stdnet.New(a, stdnet.Options{TLS: serverTLS}) },
			raw: func(t *testing.T, a string) *packetStream {
				d := tls.Dialer{NetDialer: &net.Dialer{Timeout: timeout}, Config: clientTLS}
				nc, err := d.Dial("tcp", a)
				if err != nil {
					t.Fatal(err)
				}
				return streamOf(nc)
			},
		},
		{
			name: "kcp", scheme: "kcp://",
			listen: func(a string) transport.Listener { return kcp.New(a, kcp.Options{}) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			copts := client.Options{Logger: quietLogger(t), TLS: tt.tls}
			first := tt.listen("127.0.0.1:0")
			srv := startOn(t, first)
			addr := first.Addr().String()
			var raw *packetStream
			var c *client.Client
			if tt.raw != nil {
				raw = tt.raw(t, addr)
				t.Cleanup(func() { _ = raw.conn.Close() })
				raw.handshake(t)
				raw.echo(t) // the server has read everything the client sent
			} else {
				c = dialEcho(t, tt.scheme+addr+tt.path, copts)
			}

			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			if tt.raw != nil {
				// The server closed first; closing now puts its side in
				// TIME_WAIT.
				raw.expectEOF(t)
				_ = raw.tcp.Close() // below TLS: no close_notify to a closed socket
				port := first.Addr().(*net.TCPAddr).Port
				testkit.Eventually(t, timeout, func() bool { return testkit.Lingering(port) },
					"the server's closed connection to linger in TIME_WAIT or FIN_WAIT_2")
			} else {
				recv(t, c.Done(), "the client to see the shutdown")
				if ke := (*client.KickError)(nil); !errors.As(c.Err(), &ke) {
					t.Fatalf("client ended with %v, want the shutdown's kick", c.Err())
				}
			}

			second := tt.listen(addr)
			startOn(t, second)
			if got := second.Addr().String(); got != addr {
				t.Fatalf("restarted on %s, want %s", got, addr)
			}
			dialEcho(t, tt.scheme+addr+tt.path, copts)
		})
	}
}

// packetStream is a client connection that never closes by itself: it
// writes packets and reads the server's bytes.
type packetStream struct {
	conn  net.Conn // closes the connection
	tcp   net.Conn // the TCP connection under conn, read until the server closes
	write func(pkt []byte) error
	read  func() ([]byte, error) // the next bytes of the packet stream
	buf   []byte                 // read, not yet returned by next
}

func streamOf(nc net.Conn) *packetStream {
	tcp := nc
	if tc, ok := nc.(*tls.Conn); ok {
		tcp = tc.NetConn()
	}
	return &packetStream{
		conn:  nc,
		tcp:   tcp,
		write: func(p []byte) error { _, err := nc.Write(p); return err },
		read: func() ([]byte, error) {
			b := make([]byte, 4096)
			n, err := nc.Read(b)
			return b[:n], err
		},
	}
}

// dialRawWS opens a WebSocket whose binary messages carry the packets.
func dialRawWS(t *testing.T, addr string) *packetStream {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	nc, br, _, err := gobws.Dialer{}.Dial(ctx, "ws://"+addr+"/ws")
	if err != nil {
		t.Fatal(err)
	}
	var src io.Reader = nc
	if br != nil {
		src = io.MultiReader(br, nc)
	}
	rw := struct {
		io.Reader
		io.Writer
	}{src, nc}
	return &packetStream{
		conn:  nc,
		tcp:   nc,
		write: func(p []byte) error { return wsutil.WriteClientBinary(nc, p) },
		read: func() ([]byte, error) {
			b, _, err := wsutil.ReadServerData(rw)
			return b, err
		},
	}
}

// handshake completes the Pomelo handshake.
func (s *packetStream) handshake(t *testing.T) {
	t.Helper()
	s.send(t, wire.PacketHandshake, []byte(`{"sys":{}}`))
	if typ, _ := s.next(t); typ != wire.PacketHandshake {
		t.Fatalf("got a %s packet, want the handshake response", typ)
	}
	s.send(t, wire.PacketHandshakeAck, nil)
}

// echo sends a request and waits for its response.
func (s *packetStream) echo(t *testing.T) {
	t.Helper()
	pkt, err := wire.AppendDataPacket(nil, &wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.write(pkt); err != nil {
		t.Fatalf("send a request: %v", err)
	}
	for {
		typ, body := s.next(t)
		if typ != wire.PacketData {
			continue // a heartbeat
		}
		m, err := wire.DecodeMessage(body)
		if err != nil || m.ID != 1 || m.Error || unstr(t, m.Payload) != "hi" {
			t.Fatalf("echo response %+v, %v", m, err)
		}
		return
	}
}

func (s *packetStream) send(t *testing.T, typ wire.PacketType, body []byte) {
	t.Helper()
	pkt, err := wire.AppendPacket(nil, typ, body)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.conn.SetDeadline(time.Now().Add(timeout))
	if err := s.write(pkt); err != nil {
		t.Fatalf("send a %s packet: %v", typ, err)
	}
}

// next returns the next packet from the server.
func (s *packetStream) next(t *testing.T) (wire.PacketType, []byte) {
	t.Helper()
	_ = s.conn.SetDeadline(time.Now().Add(timeout))
	for {
		typ, body, n, err := wire.SplitPacket(s.buf, wire.MaxBodyLen)
		if err != nil {
			t.Fatalf("bad packet from the server: %v", err)
		}
		if n > 0 {
			body = append([]byte(nil), body...)
			s.buf = s.buf[n:]
			return typ, body
		}
		b, err := s.read()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		s.buf = append(s.buf, b...)
	}
}

// expectEOF reads the TCP connection until the server closes it. It reads
// below TLS and WebSocket framing so that the client sends nothing back (a
// close frame or alert arriving after the server's close would make it
// answer with a reset, which leaves no TIME_WAIT).
func (s *packetStream) expectEOF(t *testing.T) {
	t.Helper()
	_ = s.tcp.SetDeadline(time.Now().Add(timeout))
	b := make([]byte, 4096)
	for {
		_, err := s.tcp.Read(b)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("read until the server closes: %v, want EOF", err)
		}
	}
}

// startOn starts an echo server on l and shuts it down when the test ends
// (unless the test did).
func startOn(t *testing.T, l transport.Listener) *server.Server {
	t.Helper()
	srv, err := server.New(server.Options{Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.RegisterService(&echoDesc, newEchoHandler()); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(l); err != nil {
		t.Fatalf("start on %s: %v", l.Network(), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		_ = srv.Shutdown(ctx) // ErrServerNotRunning when the test shut it down
	})
	return srv
}

// dialEcho connects a client to addr, checks that it is served with one
// request, and closes it when the test ends.
func dialEcho(t *testing.T, addr string, opts client.Options) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := client.Dial(ctx, addr, opts)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	var resp wrapperspb.StringValue
	if err := c.Request(ctx, echoRoute, wrapperspb.String("hi"), &resp); err != nil || resp.GetValue() != "hi" {
		t.Fatalf("echo on %s: %q, %v", addr, resp.GetValue(), err)
	}
	return c
}
