// Package testkit holds small helpers shared by gamesrv's tests: an
// "eventually" assertion instead of sleeps, and a raw wire-protocol
// connection for byte-level protocol tests.
package testkit

import (
	"testing"
	"time"
)

// Eventually fails the test if cond does not become true within timeout. It
// polls cond every few milliseconds.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
