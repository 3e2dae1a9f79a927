package baseline_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/bench/internal/baseline"
	"github.com/gamesrv/gamesrv/runtime/client"
)

// TestEcho drives the baseline with the Go client: handshake, sequential
// and concurrent requests answered with their payloads, notifies ignored.
func TestEcho(t *testing.T) {
	srv, err := baseline.New(baseline.Options{Addr: "127.0.0.1:0", Dict: map[string]uint16{"echo.echoservice.echo": 1}})
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
}
