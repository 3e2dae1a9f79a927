package accept

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// peers records the connections the loop opens and closes.
type peers struct{ opened, closed chan struct{} }

func (p *peers) Open(transport.Conn) transport.Peer     { p.opened <- struct{}{}; return p }
func (p *peers) OnPacket(wire.PacketType, []byte) error { return nil }
func (p *peers) OnDisconnect(error)                     { p.closed <- struct{}{} }
func (p *peers) wait(t *testing.T, ch chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("no connection %s", what)
	}
}

func TestCloseEndsEveryConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &peers{opened: make(chan struct{}, 2), closed: make(chan struct{}, 2)}
	loop := Start(ln, ln.Accept, transport.Config{Handler: p, MaxBody: 1 << 10, MaxPending: 1 << 10, IdleTimeout: time.Minute, WriteTimeout: time.Second})
	var clients []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
		p.wait(t, p.opened, "opened")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := loop.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for range clients {
		p.wait(t, p.closed, "closed")
	}
	for _, c := range clients {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatal("a client connection is still open after Close")
		}
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		_ = c.Close()
		t.Fatal("the listener still accepts after Close")
	}
}
