package server

import (
	"bytes"
	"compress/zlib"
	"errors"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/wire"
)

func deflateForTest(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

// TestInflate: the server's inflate (wire.Inflater with pooled inflaters
// and buffers, bounded concurrency) keeps the limit and the errors, with
// fresh and with recycled inflaters and buffers.
func TestInflate(t *testing.T) {
	srv := &Server{inflateSlots: newInflateSlots()}
	const max = 1000
	tests := []struct {
		name    string
		in      []byte
		want    []byte
		tooBig  bool
		invalid bool
	}{
		{"empty input", deflateForTest(nil), []byte{}, false, false},
		{"small", deflateForTest([]byte("hello")), []byte("hello"), false, false},
		{"exactly the limit", deflateForTest(make([]byte, max)), make([]byte, max), false, false},
		{"one byte over", deflateForTest(make([]byte, max+1)), nil, true, false},
		{"bomb", deflateForTest(make([]byte, 1<<20)), nil, true, false},
		{"not zlib", []byte("not zlib at all"), nil, false, true},
		{"no bytes", nil, nil, false, true},
		{"bad checksum", func() []byte { b := deflateForTest([]byte("hello")); b[len(b)-1] ^= 1; return b }(), nil, false, true},
	}
	for range 2 { // the second round reuses pooled inflaters
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out, err := srv.inflate(tt.in, max)
				defer srv.recycleInflated(out)
				switch {
				case tt.tooBig:
					if !errors.Is(err, wire.ErrInflatedTooLarge) || len(out) > 2*(max+1) {
						t.Fatalf("got %d bytes, %v; want wire.ErrInflatedTooLarge after at most about %d bytes", len(out), err, max)
					}
				case tt.invalid:
					if err == nil || errors.Is(err, wire.ErrInflatedTooLarge) {
						t.Fatalf("got %v, want an inflate error", err)
					}
				case err != nil || !bytes.Equal(out, tt.want):
					t.Fatalf("got %q, %v; want %q", out, err, tt.want)
				}
			})
		}
	}
}
