package linkwire

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
)

func idFrame(id uint64) *gamesrvv1.Frame {
	return &gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: &gamesrvv1.Call{Id: id, Route: "a.b.c"}}}
}

// readIDs reads n frames from c and returns their call ids, in order.
func readIDs(t *testing.T, c net.Conn, n int) []uint64 {
	t.Helper()
	rd := NewReader(c, new(ReadBuffers), bufio.NewReader(bytes.NewReader(nil)))
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var ids []uint64
	for range n {
		f, err := rd.Frame(nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.GetCall().GetId())
	}
	return ids
}

// TestWriterQueueAndSendAll: frames queued (written by a goroutine of the
// writer's) and frames sent together arrive whole and in order.
func TestWriterQueueAndSendAll(t *testing.T) {
	c1, c2 := testkit.TCPPair(t)
	w := NewWriter(c1, 5*time.Second, 64<<10, func(err error) { t.Errorf("write failed: %v", err) })
	for id := uint64(1); id <= 3; id++ {
		if err := w.Queue(idFrame(id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.SendAll(context.Background(), []*gamesrvv1.Frame{idFrame(4), idFrame(5)}); err != nil {
		t.Fatal(err)
	}
	if err := w.Send(context.Background(), idFrame(6)); err != nil {
		t.Fatal(err)
	}
	got := readIDs(t, c2, 6)
	for i, id := range got {
		if id != uint64(i+1) {
			t.Fatalf("frames arrived as %v, want 1 to 6 in order", got)
		}
	}
	awaitIdle(t, w)
	w.Fail(errors.New("closed"))
	if err := w.Queue(idFrame(7)); err == nil {
		t.Fatal("a failed writer queued a frame")
	}
}

// gateConn is a connection whose writes each wait for a release, and
// announce that they started.
type gateConn struct {
	net.Conn
	started chan int // the length of each write that started
	release chan struct{}
}

func (c *gateConn) Write(b []byte) (int, error) {
	c.started <- len(b)
	<-c.release
	return len(b), nil
}

func (c *gateConn) SetWriteDeadline(time.Time) error { return nil }

// TestWriterFull: frames waiting beyond the limit make the writer full
// (a sender would wait; TryCallAsync backs off) until a write takes them.
func TestWriterFull(t *testing.T) {
	c := &gateConn{started: make(chan int), release: make(chan struct{})}
	w := NewWriter(c, 5*time.Second, 8, func(err error) { t.Errorf("write failed: %v", err) })
	if w.Full() {
		t.Fatal("an empty writer is full")
	}
	if err := w.Queue(idFrame(1)); err != nil {
		t.Fatal(err)
	}
	<-c.started // the write of frame 1 is under way
	if w.Full() {
		t.Fatal("full while nothing waits")
	}
	if err := w.Queue(idFrame(2)); err != nil {
		t.Fatal(err)
	}
	if !w.Full() {
		t.Fatal("not full with a frame over the 8-byte limit waiting")
	}
	c.release <- struct{}{}
	<-c.started // frame 2's write took it
	if w.Full() {
		t.Fatal("still full once the waiting frame is being written")
	}
	c.release <- struct{}{}
	awaitIdle(t, w)
}

// awaitIdle waits until no write is under way: the goroutine Queue
// started has ended its last write.
func awaitIdle(t *testing.T, w *Writer) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return !w.writing
	}, "the writer's goroutine to finish")
}
