package link

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
)

// TestTickerTicksWhileBusy: an armed ticker ticks until a tick finds no
// work, then stops (no tick without an Arm), and an Arm starts it again.
func TestTickerTicksWhileBusy(t *testing.T) {
	var ticks, busyUntil atomic.Int64
	busyUntil.Store(3)
	k := NewTicker(time.Millisecond, func(time.Time) bool { return ticks.Add(1) < busyUntil.Load() })
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		k.Run(ctx)
	}()
	defer func() { stop(); <-done }()

	if ticks.Load() != 0 || k.armed.Load() {
		t.Fatal("a ticker never armed ticked")
	}
	k.Arm()
	testkit.Eventually(t, 10*time.Second, func() bool { return ticks.Load() == 3 && !k.armed.Load() }, "three ticks, then a stop")
	busyUntil.Store(5)
	k.Arm()
	testkit.Eventually(t, 10*time.Second, func() bool { return ticks.Load() == 5 && !k.armed.Load() }, "two more ticks once armed again")
}
