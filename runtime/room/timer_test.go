package room_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/room"
)

// TestTimer_After: an After timer runs once, on the room, d or more after
// it was set.
func TestTimer_After(t *testing.T) {
	t.Parallel()
	r := newRoom(t, room.Options{})
	const d = 20 * time.Millisecond
	start := time.Now()
	fired := make(chan time.Time, 2)
	tm, err := r.After(d, func() { fired <- time.Now() })
	if err != nil {
		t.Fatal(err)
	}
	if at := recv(t, fired, "the timer"); at.Sub(start) < d {
		t.Errorf("fired after %v, want at least %v", at.Sub(start), d)
	}
	later := make(chan struct{})
	_, _ = r.After(2*d, func() { close(later) })
	recv(t, later, "a later timer")
	if len(fired) != 0 {
		t.Error("an After timer fired twice")
	}
	if tm.Stop() {
		t.Error("Stop of a fired timer reported true")
	}
}

// TestTimer_Order: timers run in the order they are due, and a due timer
// waits behind the tasks already queued.
func TestTimer_Order(t *testing.T) {
	t.Parallel()
	r := newRoom(t, room.Options{})
	var order []string // room state
	done := make(chan struct{})
	_, _ = r.After(30*time.Millisecond, func() { order = append(order, "30ms"); close(done) })
	_, _ = r.After(10*time.Millisecond, func() { order = append(order, "10ms") })
	_, _ = r.After(20*time.Millisecond, func() { order = append(order, "20ms") })
	recv(t, done, "the last timer")
	release := block(t, r)
	_ = r.Submit(context.Background(), func() { order = append(order, "task 1") })
	_, _ = r.After(0, func() { order = append(order, "due timer") })
	_ = r.Submit(context.Background(), func() { order = append(order, "task 2") })
	release()
	flush(t, r)
	want := []string{"10ms", "20ms", "30ms", "task 1", "task 2", "due timer"}
	if got, _ := room.Call(context.Background(), r, func() ([]string, error) { return slices.Clone(order), nil }); !slices.Equal(got, want) {
		t.Errorf("ran %v, want %v", got, want)
	}
}

// TestTimer_Every: runs repeat, a tick apart or more, never overlap even
// when slower than the period, and stop when the timer is stopped from
// its own run.
func TestTimer_Every(t *testing.T) {
	t.Parallel()
	r := newRoom(t, room.Options{})
	const period, runs = 2 * time.Millisecond, 5
	var running, overlaps atomic.Int32
	var starts []time.Time // room state
	var self *room.Timer   // set on the room before the first run
	stopped := make(chan bool, 1)
	tick := func() {
		if running.Add(1) > 1 {
			overlaps.Add(1)
		}
		defer running.Add(-1)
		starts = append(starts, time.Now())
		time.Sleep(3 * time.Millisecond) // slower than the period: work, not synchronisation
		if len(starts) == runs {
			stopped <- self.Stop()
		}
	}
	_, err := room.Call(context.Background(), r, func() (*room.Timer, error) {
		var err error
		self, err = r.Every(period, tick)
		return self, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !recv(t, stopped, "five runs") {
		t.Error("Stop from its own run reported false")
	}
	later := make(chan struct{})
	_, _ = r.After(10*period, func() { close(later) })
	recv(t, later, "a later timer")
	got, _ := room.Call(context.Background(), r, func() ([]time.Time, error) { return slices.Clone(starts), nil })
	if len(got) != runs {
		t.Errorf("%d runs, want %d: Stop from the run did not stop it", len(got), runs)
	}
	for i := 1; i < len(got); i++ {
		if gap := got[i].Sub(got[i-1]); gap < period {
			t.Errorf("runs %d and %d are %v apart, less than the period", i-1, i, gap)
		}
	}
	if n := overlaps.Load(); n > 0 {
		t.Errorf("%d overlapping runs", n)
	}
}

// TestTimer_Every_DropsMissedTicks: after the room was held for many
// periods, the ticks missed are not made up in a burst: the run that was
// due happens, then the next ones come on the period's grid.
func TestTimer_Every_DropsMissedTicks(t *testing.T) {
	t.Parallel()
	r := newRoom(t, room.Options{})
	const period = 5 * time.Millisecond
	var starts []time.Time // room state
	var count atomic.Int32
	tm, err := r.Every(period, func() { starts = append(starts, time.Now()); count.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Stop()
	release := block(t, r)
	before := int(count.Load())
	for held := time.Now(); time.Since(held) < 20*period; {
		time.Sleep(period) // let 20 ticks pass while the room is held
	}
	release()
	eventually(t, func() bool { return int(count.Load()) >= before+4 }, "four runs after the hold")
	got, _ := room.Call(context.Background(), r, func() ([]time.Time, error) { return slices.Clone(starts[before:]), nil })
	burst := 0
	for _, at := range got {
		if at.Sub(got[0]) <= 2*period {
			burst++
		}
	}
	if burst > 3 { // the run due at the release, then at most 2 ticks
		t.Errorf("%d runs within 2 periods after the room was held for 20: missed ticks piled up", burst)
	}
}

// TestTimer_Every_StopFromOutside: after Stop returns, at most the run
// already started completes.
func TestTimer_Every_StopFromOutside(t *testing.T) {
	t.Parallel()
	r := newRoom(t, room.Options{})
	var runs atomic.Int32
	tm, err := r.Every(time.Millisecond, func() { runs.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return runs.Load() >= 3 }, "three runs")
	if !tm.Stop() {
		t.Fatal("Stop of a running Every timer reported false")
	}
	atStop := runs.Load()
	later := make(chan struct{})
	_, _ = r.After(20*time.Millisecond, func() { close(later) })
	recv(t, later, "a later timer")
	if n := runs.Load(); n > atStop+1 {
		t.Errorf("%d runs after Stop returned", n-atStop)
	}
	if tm.Stop() {
		t.Error("a second Stop reported true")
	}
}

// TestTimer_Stop: Stop before the run prevents it, wherever the timer is
// and whichever goroutine stops it.
func TestTimer_Stop(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		// stop sets a timer that calls f, stops it, and returns Stop's result.
		stop     func(t *testing.T, r *room.Room, f func()) bool
		want     bool
		wantRuns int32
	}{
		{"not yet due, from outside", func(t *testing.T, r *room.Room, f func()) bool {
			tm, _ := r.After(time.Hour, f)
			return tm.Stop()
		}, true, 0},
		{"due while the room is busy, from outside", func(t *testing.T, r *room.Room, f func()) bool {
			release := block(t, r)
			defer release()
			tm, _ := r.After(0, f)
			return tm.Stop()
		}, true, 0},
		{"taken by the room behind a running task, from outside", func(t *testing.T, r *room.Room, f func()) bool {
			release := block(t, r)
			tm, _ := r.After(0, f)
			started, hold := make(chan struct{}), make(chan struct{})
			_ = r.Submit(context.Background(), func() { close(started); <-hold })
			release() // the room takes the second blocker, then the due timer
			recv(t, started, "the second blocker")
			defer close(hold)
			return tm.Stop()
		}, true, 0},
		{"from a task before it", func(t *testing.T, r *room.Room, f func()) bool {
			release := block(t, r)
			tm, _ := r.After(0, f)
			res := make(chan bool, 1)
			_ = r.Submit(context.Background(), func() { res <- tm.Stop() })
			release()
			return recv(t, res, "Stop in the task")
		}, true, 0},
		{"from its own run", func(t *testing.T, r *room.Room, f func()) bool {
			res := make(chan bool, 1)
			_, _ = room.Call(context.Background(), r, func() (*room.Timer, error) {
				var tm *room.Timer
				tm, err := r.After(0, func() { f(); res <- tm.Stop() })
				return tm, err
			})
			return recv(t, res, "Stop in the run")
		}, false, 1},
		{"after it fired", func(t *testing.T, r *room.Room, f func()) bool {
			fired := make(chan struct{})
			tm, _ := r.After(0, func() { f(); close(fired) })
			recv(t, fired, "the timer")
			return tm.Stop()
		}, false, 1},
		{"twice", func(t *testing.T, r *room.Room, f func()) bool {
			tm, _ := r.After(time.Hour, f)
			tm.Stop()
			return tm.Stop()
		}, false, 0},
		{"an Every timer before its first run, from a task", func(t *testing.T, r *room.Room, f func()) bool {
			release := block(t, r)
			tm, _ := r.Every(time.Millisecond, f)
			for start := time.Now(); time.Since(start) < 2*time.Millisecond; {
				time.Sleep(time.Millisecond) // let it become due while the room is held
			}
			res := make(chan bool, 1)
			_ = r.Submit(context.Background(), func() { res <- tm.Stop() })
			release()
			return recv(t, res, "Stop in the task")
		}, true, 0},
		{"a nil timer", func(*testing.T, *room.Room, func()) bool {
			var tm *room.Timer
			return tm.Stop()
		}, false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRoom(t, room.Options{})
			var runs atomic.Int32
			if got := tt.stop(t, r, func() { runs.Add(1) }); got != tt.want {
				t.Errorf("Stop() = %v, want %v", got, tt.want)
			}
			later := make(chan struct{})
			_, _ = r.After(5*time.Millisecond, func() { close(later) })
			recv(t, later, "a later timer")
			if n := runs.Load(); n != tt.wantRuns {
				t.Errorf("ran %d times, want %d", n, tt.wantRuns)
			}
		})
	}
}

func TestTimer_Every_BadPeriod(t *testing.T) {
	t.Parallel()
	r := newRoom(t, room.Options{})
	for _, d := range []time.Duration{0, -time.Second} {
		if tm, err := r.Every(d, func() {}); tm != nil || !errors.Is(err, room.ErrBadPeriod) {
			t.Errorf("Every(%v): %v, %v; want ErrBadPeriod", d, tm, err)
		}
	}
}
