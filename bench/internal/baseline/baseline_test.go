package baseline_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/bench/internal/baseline"
	"github.com/gamesrv/gamesrv/runtime/client"
)

// TestEcho drives the baseline with the Go client: handshake, sequential
// and concurrent requests answered with their payloads, notifies ignored.
func TestEcho(t *testing.T) {
	testEcho(t, baseline.Options{Addr: "127.0.0.1:0", Dict: map[string]uint16{"echo.echoservice.echo": 1}})
}

// TestForward: the same through the forwarding baseline, a frontend that
// forwards every request to a ServeLink backend, with clients that come
// and go between the frontend's answers.
func TestForward(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- baseline.ServeLink(ln) }()
	defer func() {
		_ = ln.Close()
		if err := <-served; err != nil {
			t.Errorf("ServeLink: %v", err)
		}
	}()
	opts := baseline.Options{Addr: "127.0.0.1:0", Dict: map[string]uint16{"echo.echoservice.echo": 1}, Backend: ln.Addr().String()}
	for range 3 {
		testEcho(t, opts)
	}
}

// testEcho starts a server with opts and drives it with 8 concurrent
// callers on one client, then with clients that close at once.
func testEcho(t *testing.T, opts baseline.Options) {
	t.Helper()
	srv, err := baseline.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "tcp://"+srv.Addr().String(), client.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.NotifyRaw(ctx, "echo.echoservice.echo", []byte("ignored")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				want := fmt.Appendf(nil, "payload %d/%d", i, j)
				got, err := c.RequestRaw(ctx, "echo.echoservice.echo", want)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("request %d/%d: %q, %v", i, j, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	var gone sync.WaitGroup
	for i := range 20 { // a client gone before its answer arrives
		c, err := client.Dial(ctx, "tcp://"+srv.Addr().String(), client.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		gone.Go(func() { _, _ = c.RequestRaw(ctx, "echo.echoservice.echo", []byte{byte(i)}) })
		c.Close()
	}
	gone.Wait()
	if got, err := c.RequestRaw(ctx, "echo.echoservice.echo", []byte("still")); err != nil || string(got) != "still" {
		t.Errorf("after clients left: %q, %v", got, err)
	}
}
