package gnetrun

import (
	"context"
	"net"
	"testing"

	"github.com/panjf2000/gnet/v2"
)

// handler is a gnet handler that only reports the boot.
type handler struct {
	gnet.BuiltinEventEngine
	e *Engine
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
