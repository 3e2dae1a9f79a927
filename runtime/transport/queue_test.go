package transport

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestQueue(t *testing.T) {
	var q Queue
	if s, err := q.Push([]byte("ab"), 10); !s || err != nil {
		t.Fatalf("first push: schedule %v err %v", s, err)
	}
	if s, _ := q.Push([]byte("cd"), 10); s {
		t.Error("second push scheduled a second flush")
	}
	bufs, closing := q.Take()
	if len(bufs) != 2 || closing || q.Len() != 0 {
		t.Fatalf("take: %q %v %d", bufs, closing, q.Len())
	}
	q.Recycle(bufs)
	if s, _ := q.Push([]byte("e"), 10); !s {
		t.Error("push after take did not schedule")
	}
}

func TestQueueLimit(t *testing.T) {
	var q Queue
	_, _ = q.Push(make([]byte, 8), 10)
	s, err := q.Push(make([]byte, 8), 10)
	if !errors.Is(err, ErrSlowConsumer) || s {
		t.Fatalf("over the limit: schedule %v err %v", s, err)
	}
	if _, closing := q.Take(); !closing {
		t.Error("a slow consumer must be closed")
	}
	if _, err := q.Push([]byte("x"), 10); !errors.Is(err, ErrClosed) {
		t.Errorf("push after close: %v", err)
	}
}

func TestQueueCloseAfterFlush(t *testing.T) {
	var q Queue
	_, _ = q.Push([]byte("last words"), 0)
	if q.Close() {
		t.Error("close with a flush already pending scheduled another")
	}
	if q.Close() {
		t.Error("second close scheduled")
	}
	var idle Queue
	if !idle.Close() {
		t.Error("closing an idle queue must wake the flusher")
	}
	bufs, closing := q.Take()
	if len(bufs) != 1 || !closing {
		t.Errorf("take: %q %v", bufs, closing)
	}
}

func TestQueuePushDirect(t *testing.T) {
	var q Queue
	var wrote [][]byte
	write := func(n int) func([]byte) (int, error) {
		return func(p []byte) (int, error) {
			if q.mu.TryLock() { // Close must wait for a write under way
				q.mu.Unlock()
				t.Error("a direct write runs without the queue's lock")
			}
			wrote = append(wrote, p)
			return min(n, len(p)), nil
		}
	}
	if s, err := q.PushDirect([]byte("a"), 0, write(1)); s || err != nil || len(wrote) != 1 {
		t.Fatalf("idle queue: schedule %v err %v, %d writes; want one direct write", s, err, len(wrote))
	}
	if s, _ := q.PushDirect([]byte("bcd"), 0, write(1)); !s || q.Len() != 2 {
		t.Fatalf("partial write: schedule %v, %d bytes queued; want the 2 unsent bytes queued", s, q.Len())
	}
	if _, _ = q.PushDirect([]byte("e"), 0, write(1)); len(wrote) != 2 {
		t.Fatal("wrote directly while the socket holds a backlog")
	}
	bufs, _ := q.Take()
	if got := string(bytes.Join(bufs, nil)); got != "cde" {
		t.Fatalf("took %q, want cde", got)
	}
	if _, _ = q.PushDirect([]byte("f"), 0, write(1)); len(wrote) != 2 {
		t.Fatal("wrote directly while the flusher writes what it took")
	}
	q.SetBacklog(false)
	q.Take()
	q.SetBacklog(false)
	if _, _ = q.PushDirect([]byte("g"), 0, write(1)); len(wrote) != 3 {
		t.Fatal("no direct write once the flusher is done")
	}
	q.Close()
	if _, err := q.PushDirect([]byte("h"), 0, write(1)); !errors.Is(err, ErrClosed) || len(wrote) != 3 {
		t.Fatalf("after Close: %v, %d writes", err, len(wrote))
	}
}

func TestQueuePushDirectError(t *testing.T) {
	var q Queue
	s, err := q.PushDirect([]byte("a"), 0, func([]byte) (int, error) { return 0, errors.New("broken pipe") })
	if !errors.Is(err, ErrClosed) || !s {
		t.Fatalf("failed write: schedule %v err %v; want ErrClosed and a flush to close", s, err)
	}
	if _, closing := q.Take(); !closing {
		t.Error("a failed write must close the connection")
	}
}

// TestQueueTakeDuringDirectWrite: the I/O loop's Take does not wait for a
// direct write under way (PushDirect holds the lock across the system
// call) when nothing is queued, and sees what is queued or closing.
func TestQueueTakeDuringDirectWrite(t *testing.T) {
	var q Queue
	writing, release := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = q.PushDirect([]byte("a"), 0, func(p []byte) (int, error) {
			close(writing)
			<-release
			return len(p), nil
		})
	}()
	<-writing
	took := make(chan bool, 1)
	go func() {
		bufs, closing := q.Take()
		took <- bufs == nil && !closing
	}()
	waited := false
	select {
	case empty := <-took:
		if !empty {
			t.Error("Take during a direct write returned something; want nothing")
		}
	case <-time.After(5 * time.Second):
		t.Error("Take waited for the direct write")
		waited = true
	}
	close(release)
	<-done
	if waited {
		<-took // it ends with the write
	}

	if _, err := q.Push([]byte("b"), 0); err != nil {
		t.Fatal(err)
	}
	if bufs, _ := q.Take(); string(bytes.Join(bufs, nil)) != "b" {
		t.Fatalf("took %q, want the queued b", bufs)
	}
	q.SetBacklog(false)
	if bufs, closing := q.Take(); bufs != nil || closing {
		t.Fatalf("second Take: %q, closing %v; want nothing", bufs, closing)
	}
	q.Close()
	if _, closing := q.Take(); !closing {
		t.Fatal("Take after Close: not closing")
	}
}
