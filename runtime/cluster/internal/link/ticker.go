package link

import (
	"context"
	"sync/atomic"
	"time"
)

// Ticker calls a function every period while there is work for it, and
// costs nothing otherwise: the link set's deadline sweeper and the
// readers' Watchdog are Tickers. Arm starts it; each tick reports whether
// work remains, and the ticker stops after a tick that found none unless
// it was armed again meanwhile.
//
// armed is true while the ticker ticks, so arming it then is one atomic
// load (a wake per arm was a goroutine switch per call). Each tick clears
// armed before it looks, so an Arm during the look wakes it again and no
// work is missed.
type Ticker struct {
	period time.Duration
	tick   func(now time.Time) (busy bool)
	wake   chan struct{} // buffered 1: Arm's wake-up
	armed  atomic.Bool   // it ticks, or a wake is on its way
}

// NewTicker returns a stopped ticker that calls tick every period once
// armed; Run runs it.
func NewTicker(period time.Duration, tick func(now time.Time) (busy bool)) *Ticker {
	return &Ticker{period: period, tick: tick, wake: make(chan struct{}, 1)}
}

// Run ticks, while armed, until ctx is done.
func (k *Ticker) Run(ctx context.Context) {
	t := time.NewTicker(k.period)
	t.Stop()
	defer t.Stop()
	for {
		select {
		case <-k.wake:
			t.Reset(k.period)
		case now := <-t.C:
			k.armed.Store(false)
			if k.tick(now) {
				k.armed.Store(true) // still ticking: arming need not wake it
			} else {
				t.Stop() // an Arm since the look sent a wake
			}
		case <-ctx.Done():
			return
		}
	}
}

// Arm makes sure the ticker ticks. While it ticks this is one atomic
// load; otherwise one goroutine wakes it (a send to a full channel fails
// fast).
func (k *Ticker) Arm() {
	if k.armed.Load() || !k.armed.CompareAndSwap(false, true) {
		return
	}
	select {
	case k.wake <- struct{}{}:
	default:
	}
}
