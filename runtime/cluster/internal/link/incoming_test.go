package link

import (
	"context"
	"errors"
	"testing"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
)

// TestIncomingContext: the context of an incoming call reports the
// caller's deadline, ends once (Done closed, Err Canceled), cancels the
// contexts derived from it through AfterFunc (no goroutine watches it),
// and reports DeadlineExceeded from the deadline on.
func TestIncomingContext(t *testing.T) {
	d := time.Now().Add(time.Hour)
	in := &incoming{c: &gamesrvv1.Call{Route: "r"}, deadline: d, dl: d.UnixNano()}
	if got, ok := in.Deadline(); !ok || !got.Equal(d) {
		t.Fatalf("Deadline() = %v, %v; want %v", got, ok, d)
	}
	if in.Err() != nil {
		t.Fatalf("Err() = %v before the end", in.Err())
	}
	child, cancelChild := context.WithCancel(in)
	defer cancelChild()
	timed, cancelTimed := context.WithTimeout(in, 2*time.Hour) // later than the parent's: a plain child
	defer cancelTimed()
	ran := make(chan struct{})
	context.AfterFunc(in, func() { close(ran) })
	stopped := false
	stop := context.AfterFunc(in, func() { stopped = true })
	in.mu.Lock()
	hooks := len(in.afters)
	in.mu.Unlock()
	if hooks != 4 {
		t.Fatalf("%d AfterFunc registrations, want 4 (the derived contexts hook in without a goroutine)", hooks)
	}
	if !stop() {
		t.Fatal("stop() of a registration not run yet reported false")
	}
	if dl, ok := timed.Deadline(); !ok || !dl.Equal(d) {
		t.Fatalf("a derived context's deadline is %v, %v; want the caller's %v", dl, ok, d)
	}
	in.cancel()
	in.cancel() // once
	select {
	case <-in.Done():
	default:
		t.Fatal("Done not closed after the end")
	}
	if !errors.Is(in.Err(), context.Canceled) {
		t.Fatalf("Err() = %v after the end, want Canceled", in.Err())
	}
	if !errors.Is(child.Err(), context.Canceled) || !errors.Is(timed.Err(), context.Canceled) {
		t.Fatalf("derived contexts after the end: %v, %v; want Canceled", child.Err(), timed.Err())
	}
	<-ran
	if stopped {
		t.Fatal("a stopped AfterFunc ran")
	}
	late := make(chan struct{})
	context.AfterFunc(in, func() { close(late) }) // after the end: runs at once
	<-late

	past := time.Now().Add(-time.Millisecond)
	expired := &incoming{c: &gamesrvv1.Call{}, deadline: past, dl: past.UnixNano()}
	if !errors.Is(expired.Err(), context.DeadlineExceeded) {
		t.Fatalf("Err() past the deadline = %v, want DeadlineExceeded", expired.Err())
	}
	if _, ok := (&incoming{c: &gamesrvv1.Call{}}).Deadline(); ok {
		t.Fatal("a call without a deadline reports one")
	}
}
