package cluster

import "time"

// poolIdle is how long an idle pool goroutine waits for work before it
// ends.
const poolIdle = time.Second

// goPool runs functions on goroutines that are reused while work keeps
// coming (incoming calls), so their grown stacks are too; idle ones end
// after poolIdle, or at once when the pool stops.
type goPool struct {
	idle chan func()
	quit chan struct{}
}

func newGoPool() goPool { return goPool{idle: make(chan func()), quit: make(chan struct{})} }

// run runs f on an idle goroutine of the pool, or a new one.
func (p goPool) run(f func()) {
	select {
	case p.idle <- f:
	default:
		go p.loop(f)
	}
}

func (p goPool) loop(f func()) {
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

func (p goPool) stop() { close(p.quit) }
