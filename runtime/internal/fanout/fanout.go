// Package fanout sends one thing to many servers at once, bounded: the
// server's group broadcasts and the cluster's pushes and session-closed
// notices use it, so that one slow or unreachable server delays only
// itself.
package fanout

import (
	"errors"
	"sync"
)

// Max bounds the calls Each runs at once.
const Max = 16

// Each runs f for every item, in parallel (at most Max at once), and
// returns the errors joined. A single item runs on the caller's goroutine.
func Each[T any](items []T, f func(T) error) error {
	switch len(items) {
	case 0:
		return nil
	case 1:
		return f(items[0])
	}
	errs := make([]error, len(items))
	sem := make(chan struct{}, Max)
	var wg sync.WaitGroup
	for i, item := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = f(item)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
