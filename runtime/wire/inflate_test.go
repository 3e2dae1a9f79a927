package wire

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"runtime"
	"sync"
	"testing"
)

func deflate(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestInflate(t *testing.T) {
	const max = 1000
	badSum := deflate(t, []byte("hello"))
	badSum[len(badSum)-1] ^= 1
	tests := []struct {
		name    string
		dst     []byte
		in      []byte
		want    []byte
		tooBig  bool
		invalid bool
	}{
		{name: "empty input", in: deflate(t, nil), want: []byte{}},
		{name: "small", in: deflate(t, []byte("hello")), want: []byte("hello")},
		{name: "exactly the limit", in: deflate(t, make([]byte, max)), want: make([]byte, max)},
		{name: "appends to dst", dst: []byte("ab"), in: deflate(t, []byte("cd")), want: []byte("abcd")},
		{name: "the limit excludes dst", dst: make([]byte, 10, 20), in: deflate(t, make([]byte, max)), want: make([]byte, 10+max)},
		{name: "one byte over", in: deflate(t, make([]byte, max+1)), tooBig: true},
		{name: "bomb", in: deflate(t, make([]byte, 1<<20)), tooBig: true},
		{name: "not zlib", in: []byte("not zlib at all"), invalid: true},
		{name: "no bytes", in: nil, invalid: true},
		{name: "truncated", in: deflate(t, []byte("hello"))[:8], invalid: true},
		{name: "bad checksum", in: badSum, invalid: true},
	}
	var f Inflater
	for round := range 2 { // the second round reuses the decompressor
		for _, tt := range tests {
			out, err := f.Inflate(tt.dst, tt.in, max)
			switch {
			case tt.tooBig:
				if !errors.Is(err, ErrInflatedTooLarge) || len(out) > 2*(max+1) {
					t.Errorf("round %d, %s: got %d bytes, %v; want ErrInflatedTooLarge after at most about %d bytes", round, tt.name, len(out), err, max)
				}
			case tt.invalid:
				if err == nil || errors.Is(err, ErrInflatedTooLarge) {
					t.Errorf("round %d, %s: got %v, want a zlib error", round, tt.name, err)
				}
			case err != nil || !bytes.Equal(out, tt.want):
				t.Errorf("round %d, %s: got %q, %v; want %q", round, tt.name, out, err, tt.want)
			}
		}
	}
}

// TestInflateNegativeMax: a negative limit is 0: only an empty payload
// inflates.
func TestInflateNegativeMax(t *testing.T) {
	var f Inflater
	if out, err := f.Inflate(nil, deflate(t, nil), -5); err != nil || len(out) != 0 {
		t.Errorf("empty payload: %q, %v", out, err)
	}
	if _, err := f.Inflate(nil, deflate(t, []byte("x")), -5); !errors.Is(err, ErrInflatedTooLarge) {
		t.Errorf("one byte: %v, want ErrInflatedTooLarge", err)
	}
}

// TestInflatersInPool: inflaters shared through a pool by concurrent
// goroutines (as the server uses them) each produce their own payload.
func TestInflatersInPool(t *testing.T) {
	pool := sync.Pool{New: func() any { return new(Inflater) }}
	var wg sync.WaitGroup
	for i := range 8 {
		want := bytes.Repeat([]byte{byte(i)}, 1000*(i+1))
		in := deflate(t, want)
		wg.Go(func() {
			for range 20 {
				f := pool.Get().(*Inflater)
				out, err := f.Inflate(nil, in, len(want))
				pool.Put(f)
				if err != nil || !bytes.Equal(out, want) {
					t.Errorf("goroutine %d: %d bytes, %v", i, len(out), err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// refInflate is the reference: the standard library, read to the end
// within the bound.
func refInflate(b []byte, max int) ([]byte, bool) {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, false
	}
	out, err := io.ReadAll(io.LimitReader(zr, int64(max)+1))
	if err != nil || len(out) > max {
		return nil, false
	}
	return out, zr.Close() == nil
}

// FuzzInflate checks Inflate on any bytes: nothing panics; it agrees with
// the standard library (the same data, the same failures, and
// ErrInflatedTooLarge exactly when the data inflates beyond the bound);
// it never returns more than the bound; what it returns compresses and
// inflates back to itself; and it allocates in proportion to the bound,
// not to what the data would inflate to.
func FuzzInflate(f *testing.F) {
	f.Add(deflate(f, []byte("hello")), uint16(1024))
	f.Add(deflate(f, []byte("hello")), uint16(3)) // over the bound
	f.Add(deflate(f, make([]byte, 1<<20)), uint16(65535))
	f.Add(deflate(f, make([]byte, 5000)), uint16(4096))
	f.Add(deflate(f, nil), uint16(0))
	f.Add([]byte("not zlib"), uint16(100))
	f.Add([]byte{0x78, 0x9c}, uint16(1))
	f.Add(deflate(f, []byte("hello"))[:8], uint16(100)) // truncated
	bad := deflate(f, []byte("hello"))
	bad[len(bad)-1] ^= 1 // checksum
	f.Add(bad, uint16(100))
	f.Add(append(deflate(f, []byte("hello")), "trailing"...), uint16(100))
	var inf Inflater // reused across inputs, as a pooled one is
	f.Fuzz(func(t *testing.T, b []byte, bound uint16) {
		max := int(bound)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		out, err := inf.Inflate(nil, b, max)
		runtime.ReadMemStats(&ms)
		if alloc := ms.TotalAlloc - before; alloc > uint64(4*max+128<<10) {
			t.Fatalf("Inflate allocated %d bytes for a %d-byte bound", alloc, max)
		}
		ref, ok := refInflate(b, max)
		if (err == nil) != ok || (ok && !bytes.Equal(out, ref)) {
			t.Fatalf("Inflate(%.64x, %d) = %d bytes, %v; the reference %d bytes, ok %v", b, max, len(out), err, len(ref), ok)
		}
		if errors.Is(err, ErrInflatedTooLarge) {
			checkOverBound(t, b, max, out)
		}
		if err != nil {
			return
		}
		if len(out) > max {
			t.Fatalf("Inflate returned %d bytes over the %d-byte bound", len(out), max)
		}
		back, err := inf.Inflate(nil, deflate(t, out), max)
		if err != nil || !bytes.Equal(back, out) {
			t.Fatalf("%d inflated bytes do not survive a round trip: %v", len(out), err)
		}
	})
}

// checkOverBound checks an ErrInflatedTooLarge: the standard library
// reads more than max bytes from b too, and they are the bytes returned.
func checkOverBound(t *testing.T, b []byte, max int, out []byte) {
	t.Helper()
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("ErrInflatedTooLarge, but the standard library fails: %v", err)
	}
	head, err := io.ReadAll(io.LimitReader(zr, int64(max)+1))
	if len(head) <= max || len(out) <= max || !bytes.Equal(out[:max+1], head) {
		t.Fatalf("ErrInflatedTooLarge with %d bytes; the standard library reads %d (%v)", len(out), len(head), err)
	}
}
