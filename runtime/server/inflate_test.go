package server

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"testing"
)

func deflateForTest(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func TestInflate(t *testing.T) {
	srv := &Server{}
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
				switch {
				case tt.tooBig:
					if !errors.Is(err, errInflatedTooLarge) || len(out) > 2*(max+1) {
						t.Fatalf("got %d bytes, %v; want errInflatedTooLarge after at most about %d bytes", len(out), err, max)
					}
				case tt.invalid:
					if err == nil || errors.Is(err, errInflatedTooLarge) {
						t.Fatalf("got %v, want an inflate error", err)
					}
				case err != nil || !bytes.Equal(out, tt.want):
					t.Fatalf("got %q, %v; want %q", out, err, tt.want)
				}
			})
		}
	}
}

// FuzzInflate checks the server's bounded inflate against the standard
// library: the same bytes within the limit, never more than the limit
// returned without an error.
func FuzzInflate(f *testing.F) {
	f.Add(deflateForTest([]byte("hello")), uint16(10))
	f.Add(deflateForTest(make([]byte, 5000)), uint16(4096))
	f.Add([]byte{0x78, 0x9c}, uint16(1))
	srv := &Server{}
	f.Fuzz(func(t *testing.T, in []byte, limit uint16) {
		max := int(limit)
		out, err := srv.inflate(in, max)
		if err == nil && len(out) > max {
			t.Fatalf("%d bytes returned, limit %d", len(out), max)
		}
		zr, zerr := zlib.NewReader(bytes.NewReader(in))
		var want []byte
		if zerr == nil {
			want, zerr = io.ReadAll(io.LimitReader(zr, int64(max)+1))
			if zerr == nil && len(want) <= max {
				zerr = zr.Close()
			}
		}
		switch {
		case zerr == nil && len(want) > max:
			if !errors.Is(err, errInflatedTooLarge) {
				t.Fatalf("inflates to more than %d bytes, got %v", max, err)
			}
		case zerr == nil:
			if err != nil || !bytes.Equal(out, want) {
				t.Fatalf("got %d bytes %v, want %d bytes", len(out), err, len(want))
			}
		case err == nil:
			t.Fatalf("the standard library fails (%v), inflate succeeded", zerr)
		}
	})
}
