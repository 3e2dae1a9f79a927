package transport

import (
	"errors"
	"testing"
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
