package gnetrun

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// handler is a gnet handler that reports the boot and, when opened is
// set, every accepted connection.
type handler struct {
	gnet.BuiltinEventEngine
	e      *Engine
	opened chan struct{}
}

func (h *handler) OnOpen(gnet.Conn) ([]byte, gnet.Action) {
	if h.opened != nil {
		h.opened <- struct{}{}
	}
	return nil, gnet.None
}

func (h *handler) OnBoot(eng gnet.Engine) gnet.Action {
	h.e.Booted(eng)
	return gnet.None
}

func TestRunReportsTheBoundPortAndStops(t *testing.T) {
	e := New()
	addr, err := e.Run(&handler{e: e}, "127.0.0.1:0", Options(1, 0, nil)...)
	if err != nil {
		t.Fatal(err)
	}
	port := addr.(*net.TCPAddr).Port
	if port == 0 {
		t.Fatalf("bound address %v has no port", addr)
	}
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatalf("dial the bound address: %v", err)
	}
	_ = c.Close()
	if err := e.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := e.Stop(context.Background()); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if c, err := net.Dial("tcp", addr.String()); err == nil {
		_ = c.Close()
		t.Fatal("the port still accepts after Stop")
	}
}

func TestRunFailsOnABusyAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	e := New()
	if _, err := e.Run(&handler{e: e}, ln.Addr().String(), Options(1, 0, nil)...); err == nil {
		_ = e.Stop(context.Background())
		t.Fatal("Run on an address in use succeeded")
	}
	if err := e.Stop(context.Background()); err != nil {
		t.Fatalf("Stop of an engine that never booted: %v", err)
	}
}

// TestRunRebindsAfterAStopWithAClientConnected is the restart case: the
// engine closes its connection first, so the server's side of it stays in
// TIME_WAIT (or FIN_WAIT_2), and a new engine must still bind the same
// address at once (SO_REUSEADDR).
func TestRunRebindsAfterAStopWithAClientConnected(t *testing.T) {
	h := &handler{e: New(), opened: make(chan struct{}, 1)}
	addr, err := h.e.Run(h, "127.0.0.1:0", Options(1, 0, nil)...)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case <-h.opened:
	case <-time.After(10 * time.Second):
		t.Fatal("the engine never accepted the connection")
	}
	if err := h.e.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("client read after Stop: %v, want EOF (the server closes first)", err)
	}
	_ = c.Close()

	h2 := &handler{e: New(), opened: make(chan struct{}, 1)}
	if _, err := h2.e.Run(h2, addr.String(), Options(1, 0, nil)...); err != nil {
		t.Fatalf("restart on %v: %v", addr, err)
	}
	defer h2.e.Stop(context.Background())
	c2, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatalf("dial the restarted engine: %v", err)
	}
	defer c2.Close()
	select {
	case <-h2.opened:
	case <-time.After(10 * time.Second):
		t.Fatal("the restarted engine never accepted the connection")
	}
}

// TestDefaultLoops: half of GOMAXPROCS, never zero.
func TestDefaultLoops(t *testing.T) {
	for _, tt := range []struct{ procs, want int }{{1, 1}, {2, 1}, {3, 1}, {4, 2}, {16, 8}} {
		prev := runtime.GOMAXPROCS(tt.procs)
		got := DefaultLoops()
		runtime.GOMAXPROCS(prev)
		if got != tt.want {
			t.Errorf("GOMAXPROCS %d: %d loops, want %d", tt.procs, got, tt.want)
		}
	}
}
