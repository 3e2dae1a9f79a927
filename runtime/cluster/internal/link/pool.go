package link

import (
	"sync"
	"sync/atomic"
	"time"
)

// poolIdle is how long the pool keeps goroutines it did not need: each
// poolIdle, the goroutines beyond the most that ran at once meanwhile end.
const poolIdle = time.Second

// Task is what a GoPool runs: an incoming call, which holds its own state,
// so handing it to the pool allocates nothing.
type Task interface{ Run() }

// GoPool runs tasks on goroutines that are reused while work keeps coming
// (incoming calls), so their grown stacks are too. An idle goroutine waits
// on one channel, with no timer of its own (a timer in that wait cost a
// timer-heap insertion and removal per task); instead one timer per pool,
// armed only while the pool has goroutines, ends every poolIdle those that
// were not needed. A pool without goroutines does no periodic work.
type GoPool struct{ p *goPool }

type goPool struct {
	idle chan Task // hands a task to an idle goroutine; nil ends it
	quit chan struct{}
	busy atomic.Int64 // goroutines running a task
	peak atomic.Int64 // most goroutines busy at once since the last reap

	mu      sync.Mutex
	alive   int         // goroutines of the pool
	reaper  *time.Timer // runs reap; made by the first goroutine
	armed   bool
	stopped bool
}

// NewGoPool returns an empty pool; Stop ends its goroutines.
func NewGoPool() GoPool {
	return GoPool{&goPool{idle: make(chan Task), quit: make(chan struct{})}}
}

// Run runs t on an idle goroutine of the pool, or a new one.
func (g GoPool) Run(t Task) {
	p := g.p
	select {
	case p.idle <- t:
		return
	default:
	}
	p.mu.Lock()
	p.alive++
	if !p.armed && !p.stopped {
		p.armed = true
		if p.reaper == nil {
			p.reaper = time.AfterFunc(poolIdle, p.reap)
		} else {
			p.reaper.Reset(poolIdle)
		}
	}
	p.mu.Unlock()
	go p.loop(t)
}

func (p *goPool) loop(t Task) {
	defer p.exit()
	for {
		n := p.busy.Add(1)
		for pk := p.peak.Load(); n > pk && !p.peak.CompareAndSwap(pk, n); pk = p.peak.Load() {
		}
		t.Run()
		p.busy.Add(-1)
		select {
		case t = <-p.idle:
			if t == nil {
				return // reaped
			}
		case <-p.quit:
			return
		}
	}
}

// exit forgets a goroutine that ends.
func (p *goPool) exit() {
	p.mu.Lock()
	p.alive--
	p.mu.Unlock()
}

// reap ends the idle goroutines beyond the most that were busy at once
// since the last reap, and arms itself again while goroutines remain.
func (p *goPool) reap() {
	peak := p.peak.Swap(p.busy.Load())
	p.mu.Lock()
	extra := p.alive - int(peak)
	p.mu.Unlock()
	for ; extra > 0; extra-- {
		select {
		case p.idle <- nil: // only a goroutine waiting for work takes it
		default:
			extra = 0
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.alive > 0 && !p.stopped {
		p.reaper.Reset(poolIdle)
	} else {
		p.armed = false
	}
}

// Stop ends the idle goroutines, and each busy one when its task ends.
func (g GoPool) Stop() {
	p := g.p
	p.mu.Lock()
	p.stopped = true
	if p.reaper != nil {
		p.reaper.Stop()
	}
	p.armed = false
	p.mu.Unlock()
	close(p.quit)
}

// goroutines returns the number of goroutines of the pool, for tests.
func (g GoPool) goroutines() int {
	g.p.mu.Lock()
	defer g.p.mu.Unlock()
	return g.p.alive
}
