package kcpcore

import (
	"errors"
	"net"
	"testing"
	"time"
)

// TestDeadline: the channel of wait is closed exactly while the deadline
// has passed, whatever the order of changes.
func TestDeadline(t *testing.T) {
	past, far := time.Now().Add(-time.Second), time.Now().Add(time.Hour)
	for _, tc := range []struct {
		name   string
		sets   []time.Time
		passed bool
	}{
		{"none", nil, false},
		{"zero", []time.Time{{}}, false},
		{"past", []time.Time{past}, true},
		{"future", []time.Time{far}, false},
		{"past then future", []time.Time{past, far}, false},
		{"past then none", []time.Time{past, {}}, false},
		{"future then past", []time.Time{far, past}, true},
		{"past twice", []time.Time{past, past}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := deadline{cancel: make(chan struct{})}
			for _, at := range tc.sets {
				d.set(at)
			}
			if got := isClosed(d.cancel); got != tc.passed {
				t.Errorf("passed: %v, want %v", got, tc.passed)
			}
			d.set(time.Time{}) // stop the timer
		})
	}
}

// TestDeadlineFires: a waiter wakes when the deadline passes.
func TestDeadlineFires(t *testing.T) {
	d := deadline{cancel: make(chan struct{})}
	d.set(time.Now().Add(time.Millisecond))
	select {
	case <-d.wait():
	case <-time.After(20 * time.Second):
		t.Fatal("the deadline never passed")
	}
	// Moved into the future again: a new channel, open.
	d.set(time.Now().Add(time.Hour))
	if isClosed(d.wait()) {
		t.Fatal("the channel is still closed after the deadline moved later")
	}
	d.set(time.Time{})
}

// TestDeadlineStaleFire: the timer's func, run for a deadline that has
// moved since (the fire was under way when set ran), neither closes the
// channel early nor loses the new deadline.
func TestDeadlineStaleFire(t *testing.T) {
	d := deadline{cancel: make(chan struct{})}
	d.set(time.Now().Add(time.Hour))
	d.expire() // as if the timer had fired for an earlier deadline
	if isClosed(d.wait()) {
		t.Fatal("a stale fire closed the channel before the deadline")
	}
	if !d.armed {
		t.Fatal("a stale fire disarmed the deadline")
	}
	d.set(time.Time{})
	d.expire() // stopped: nothing to do
	if isClosed(d.wait()) {
		t.Fatal("a fire after the deadline was removed closed the channel")
	}
}

// TestDeadlineAllocs: moving a deadline that has not passed, and waiting
// under it, allocate nothing once the timer exists.
func TestDeadlineAllocs(t *testing.T) {
	d := deadline{cancel: make(chan struct{})}
	d.set(time.Now().Add(time.Hour))
	if n := testing.AllocsPerRun(100, func() {
		d.set(time.Now().Add(time.Hour))
		select {
		case <-d.wait():
		default:
		}
	}); n != 0 {
		t.Errorf("%v allocations per set and wait, want 0", n)
	}
	d.set(time.Time{})
}

// TestReadDeadline: a Read waiting for data returns a timeout when its
// deadline passes, and at once when the deadline is moved into the past
// while it waits, as the stream transport does to wake its reader.
func TestReadDeadline(t *testing.T) {
	l, _ := serve(t, nil, 0, 0)
	_, s := pinged(t, l, l.Addr())
	buf := make([]byte, 16)
	_ = s.SetReadDeadline(time.Now().Add(time.Millisecond))
	if _, err := s.Read(buf); !isTimeout(err) {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
	_ = s.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() {
		_, err := s.Read(buf)
		done <- err
	}()
	_ = s.SetReadDeadline(time.Now())
	select {
	case err := <-done:
		if !isTimeout(err) {
			t.Fatalf("woken read: %v, want a timeout", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the read was not woken by its deadline")
	}
	// A deadline still ahead when the session closes: its timer stops, so
	// that it does not keep the closed session alive until it fires.
	_ = s.SetReadDeadline(time.Now().Add(time.Hour))
	_ = s.Close()
	s.rd.mu.Lock()
	armed := s.rd.armed
	s.rd.mu.Unlock()
	if armed {
		t.Error("the read deadline's timer still runs after Close")
	}
}

// isTimeout reports whether err is, or wraps, a net.Error timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
