package link

import (
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
)

// blockTask waits for release, after telling started.
type blockTask struct {
	started chan<- struct{}
	release <-chan struct{}
	wg      *sync.WaitGroup
}

func (t blockTask) Run() {
	defer t.wg.Done()
	t.started <- struct{}{}
	<-t.release
}

// TestGoPoolRunsConcurrentlyAndRetiresIdle: tasks that block run at once,
// each on its own goroutine; once they end, the goroutines the pool no
// longer needs end within a few poolIdle, and the pool still runs tasks
// afterwards. Stop ends the goroutines.
func TestGoPoolRunsConcurrentlyAndRetiresIdle(t *testing.T) {
	p := NewGoPool()
	started, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	const n = 8
	wg.Add(n)
	for range n {
		p.Run(blockTask{started: started, release: release, wg: &wg})
	}
	for range n {
		<-started // all eight run at once: none waits for another
	}
	if got := p.goroutines(); got != n {
		t.Fatalf("%d goroutines for %d blocked tasks", got, n)
	}
	close(release)
	wg.Wait()
	testkit.Eventually(t, 5*poolIdle, func() bool { return p.goroutines() == 0 }, "the idle goroutines to end")

	again := make(chan struct{})
	wg.Add(1)
	p.Run(blockTask{started: again, release: release, wg: &wg})
	<-again
	wg.Wait()
	p.Stop()
	testkit.Eventually(t, 5*time.Second, func() bool { return p.goroutines() == 0 }, "Stop to end the goroutines")
	p.p.mu.Lock()
	armed := p.p.armed
	p.p.mu.Unlock()
	if armed {
		t.Fatal("a stopped pool keeps its reaper armed")
	}
}
