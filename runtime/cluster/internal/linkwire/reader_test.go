package linkwire

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"google.golang.org/protobuf/proto"
)

// TestReaderFrameSizes reads frames below, between and above the small
// and the large buffer, after bytes the handshake's reader had buffered,
// and checks that an idle reader gives its large buffer back.
func TestReaderFrameSizes(t *testing.T) {
	var frames []*gamesrvv1.Frame
	for _, size := range []int{0, 10, smallRead - 20, smallRead + 1, bigRead - 40, bigRead + 1, 3 * bigRead, 5} {
		frames = append(frames, &gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: &gamesrvv1.Call{Id: uint64(size + 1), Payload: bytes.Repeat([]byte{'x'}, size)}}})
	}
	var stream []byte
	for _, f := range frames {
		b, err := Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		stream = append(stream, b...)
	}
	src := bytes.NewReader(stream)
	handshake := bufio.NewReaderSize(src, 16)
	if _, err := handshake.Peek(16); err != nil { // the handshake read ahead
		t.Fatal(err)
	}
	var bufs ReadBuffers
	rd := NewReader(src, &bufs, handshake)
	for i, want := range frames {
		got, err := rd.Frame(Interner{})
		if err != nil || !proto.Equal(got, want) {
			t.Fatalf("frame %d: %v, %v", i, got.GetCall().GetId(), err)
		}
	}
	if _, err := rd.Frame(nil); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last frame: %v, want EOF", err)
	}
	if rd.big != nil {
		t.Error("an idle reader holds a large buffer")
	}
}

func TestReaderRefusesOversizedFrame(t *testing.T) {
	rd := NewReader(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff}), new(ReadBuffers), bufio.NewReader(bytes.NewReader(nil)))
	if _, err := rd.Frame(nil); err == nil {
		t.Fatal("a 4 GiB frame was accepted")
	}
}

func TestReaderTruncatedFrame(t *testing.T) {
	b, _ := Encode(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Cancel{Cancel: &gamesrvv1.Cancel{Id: 300}}})
	rd := NewReader(bytes.NewReader(b[:len(b)-1]), new(ReadBuffers), bufio.NewReader(bytes.NewReader(nil)))
	if _, err := rd.Frame(nil); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated frame: %v, want io.ErrUnexpectedEOF", err)
	}
}

// TestWriterCombinesSenders sends from many goroutines over loopback and
// reads every frame back whole; a failed writer refuses later sends.
func TestWriterCombinesSenders(t *testing.T) {
	c1, c2 := testkit.TCPPair(t)
	defer c2.Close()
	failed := make(chan error, 1)
	w := NewWriter(c1, 5*time.Second, 64<<10, func(err error) { failed <- err })
	const senders, each = 8, 50
	errs := make(chan error, senders)
	for s := range senders {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var err error
			for i := range each {
				f := &gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: &gamesrvv1.Call{Id: uint64(s*each + i + 1), Route: "a.b.c"}}}
				if err = w.Send(ctx, f); err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	rd := NewReader(c2, new(ReadBuffers), bufio.NewReader(bytes.NewReader(nil)))
	_ = c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	seen := map[uint64]bool{}
	for range senders * each {
		f, err := rd.Frame(nil)
		if err != nil {
			t.Fatal(err)
		}
		seen[f.GetCall().GetId()] = true
	}
	for range senders {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != senders*each {
		t.Fatalf("read %d distinct frames, want %d", len(seen), senders*each)
	}
	w.Fail(errors.New("closed"))
	if err := w.Send(context.Background(), &gamesrvv1.Frame{}); err == nil {
		t.Fatal("a failed writer accepted a frame")
	}
	select {
	case err := <-failed:
		t.Fatalf("onError called without a failed write: %v", err)
	default:
	}
}
