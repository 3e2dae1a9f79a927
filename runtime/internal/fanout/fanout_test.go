package fanout

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// TestEach: every item runs once, errors are joined, and no more than Max
// run at once (the first Max block until all of them have started).
func TestEach(t *testing.T) {
	for _, n := range []int{0, 1, 2, Max, 3 * Max} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			items := make([]int, n)
			for i := range items {
				items[i] = i
			}
			var (
				mu            sync.Mutex
				seen          = map[int]int{}
				running, peak atomic.Int32
			)
			errOdd := errors.New("odd")
			err := Each(items, func(i int) error {
				r := running.Add(1)
				defer running.Add(-1)
				for {
					p := peak.Load()
					if r <= p || peak.CompareAndSwap(p, r) {
						break
					}
				}
				mu.Lock()
				seen[i]++
				mu.Unlock()
				if i%2 == 1 {
					return fmt.Errorf("item %d: %w", i, errOdd)
				}
				return nil
			})
			for _, i := range items {
				if seen[i] != 1 {
					t.Errorf("item %d ran %d times", i, seen[i])
				}
			}
			if got := peak.Load(); got > Max {
				t.Errorf("%d ran at once, want at most %d", got, Max)
			}
			if (n > 1) != errors.Is(err, errOdd) {
				t.Errorf("err %v with %d items", err, n)
			}
		})
	}
}

// TestEachInParallel: Max items that each wait for all the others to
// start finish, which they could not one after another.
func TestEachInParallel(t *testing.T) {
	var started sync.WaitGroup
	started.Add(Max)
	items := make([]int, Max)
	err := Each(items, func(int) error {
		started.Done()
		started.Wait()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
