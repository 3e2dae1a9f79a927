package server

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"
)

// idleWorkers returns the parked workers, oldest first.
func (w *workers) idleWorkers() []*worker {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*worker(nil), w.idle...)
}

// waitParked waits until n workers are parked.
func waitParked(t *testing.T, w *workers, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for w.parked() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d workers parked, want %d", w.parked(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// closed reports whether wk's mailbox was closed (the worker was ended).
func closed(wk *worker) bool {
	select {
	case _, ok := <-wk.next:
		return !ok
	default:
		return false
	}
}

func TestWorkersReuseTheParkedWorker(t *testing.T) {
	srv := &Server{started: time.Now()}
	defer srv.workers.stop()
	s := &session{srv: srv}
	srv.workers.run(s)
	waitParked(t, &srv.workers, 1)
	first := srv.workers.idleWorkers()[0]
	srv.workers.run(s)
	if n := srv.workers.parked(); n != 0 {
		t.Fatalf("%d workers parked right after a handoff, want 0 (the parked one took it)", n)
	}
	waitParked(t, &srv.workers, 1)
	if again := srv.workers.idleWorkers()[0]; again != first {
		t.Fatal("a new worker ran the session while one was parked")
	}
}

func TestWorkersReapThoseIdleLongest(t *testing.T) {
	var w workers
	old, recent := &worker{next: make(chan *session, 1)}, &worker{next: make(chan *session, 1)}
	w.park(old, 0)
	w.park(recent, int64(workerIdle/2))
	tests := []struct {
		now         time.Duration
		parked      int
		oldEnded    bool
		recentEnded bool
	}{
		{now: workerIdle - time.Nanosecond, parked: 2},
		{now: workerIdle, parked: 1, oldEnded: true},
		{now: workerIdle + workerIdle/2, parked: 0, oldEnded: true, recentEnded: true},
	}
	for _, tt := range tests {
		w.reap(int64(tt.now))
		if got := w.parked(); got != tt.parked {
			t.Fatalf("at %v: %d parked, want %d", tt.now, got, tt.parked)
		}
		if tt.oldEnded && !closed(old) || tt.recentEnded && !closed(recent) {
			t.Fatalf("at %v: a worker idle for workerIdle was not ended", tt.now)
		}
		if !tt.oldEnded && closed(old) || !tt.recentEnded && closed(recent) {
			t.Fatalf("at %v: a worker idle for less than workerIdle was ended", tt.now)
		}
	}
}

func TestWorkersStopEndsIdleWorkersAndParking(t *testing.T) {
	srv := &Server{started: time.Now()}
	s := &session{srv: srv}
	srv.workers.run(s)
	waitParked(t, &srv.workers, 1)
	wk := srv.workers.idleWorkers()[0]
	srv.workers.stop()
	if srv.workers.parked() != 0 || !closed(wk) {
		t.Fatal("stop left an idle worker")
	}
	if srv.workers.park(&worker{next: make(chan *session, 1)}, 0) {
		t.Fatal("a worker parked after stop")
	}
	srv.workers.run(s) // still runs the session (a job queued during shutdown), then ends
	if srv.workers.parked() != 0 {
		t.Fatal("a worker parked after stop")
	}
}

// waitFor waits until cond holds.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestTimersSleepWithNothingToTime: with no connection and no parked
// worker the timer goroutine sleeps; a connection wakes it with the clock
// brought up to date (its handshake deadline is enforced), and once it is
// gone and its worker ended the timers sleep again.
func TestTimersSleepWithNothingToTime(t *testing.T) {
	srv, err := New(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), HandshakeTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Shutdown(context.Background()) }()
	waitFor(t, srv.asleep.Load, "the timers to sleep with no connection")
	at := srv.precise()
	conn := &countConn{}
	peer := srv.open(conn, "mem")
	if srv.asleep.Load() {
		t.Fatal("a connection opened and the timers still sleep")
	}
	if now := srv.now(); now < at {
		t.Fatalf("the clock reads %v after the connection opened at %v: not brought up to date", time.Duration(now), time.Duration(at))
	}
	waitFor(t, func() bool { return conn.closes.Load() == 1 }, "the silent connection's handshake deadline")
	peer.OnDisconnect(nil)
	waitFor(t, srv.asleep.Load, "the timers to sleep again once the connection and its worker are gone")
	if n := srv.workers.parked(); n != 0 {
		t.Fatalf("%d workers parked while the timers sleep: nobody would end them", n)
	}
}
