package link

import "time"

// poolIdle is how long an idle pool goroutine waits for work before it
// ends.
const poolIdle = time.Second

// Task is what a GoPool runs: an incoming call, which holds its own state,
// so handing it to the pool allocates nothing.
type Task interface{ Run() }

// GoPool runs tasks on goroutines that are reused while work keeps coming
// (incoming calls), so their grown stacks are too; idle ones end after
// poolIdle, or at once when the pool stops.
type GoPool struct {
	idle chan Task
	quit chan struct{}
}

// NewGoPool returns an empty pool; Stop ends its idle goroutines.
func NewGoPool() GoPool { return GoPool{idle: make(chan Task), quit: make(chan struct{})} }

// Run runs t on an idle goroutine of the pool, or a new one.
func (p GoPool) Run(t Task) {
	select {
	case p.idle <- t:
	default:
		go p.loop(t)
	}
}

func (p GoPool) loop(f Task) {
	t := time.NewTimer(poolIdle)
	defer t.Stop()
	for {
		f.Run()
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
