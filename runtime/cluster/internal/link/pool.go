package link

import "time"

// poolIdle is how long an idle pool goroutine waits for work before it
// ends.
const poolIdle = time.Second

// GoPool runs functions on goroutines that are reused while work keeps
// coming (incoming calls), so their grown stacks are too; idle ones end
// after poolIdle, or at once when the pool stops.
type GoPool struct {
	idle chan func()
	quit chan struct{}
}

// NewGoPool returns an empty pool; Stop ends its idle goroutines.
func NewGoPool() GoPool { return GoPool{idle: make(chan func()), quit: make(chan struct{})} }

// Run runs f on an idle goroutine of the pool, or a new one.
func (p GoPool) Run(f func()) {
	select {
	case p.idle <- f:
	default:
		go p.loop(f)
	}
}

func (p GoPool) loop(f func()) {
	t := time.NewTimer(poolIdle)
	defer t.Stop()
	for {
		f()
		t.Reset(poolIdle)
		select {
		case f = <-p.idle:
		case <-t.C:
			return
		case <-p.quit:
			return
		}
	}
}

// Stop ends the idle goroutines, and each busy one when its work ends.
func (p GoPool) Stop() { close(p.quit) }
