package server

import (
	"bytes"
	"testing"
)

func TestBufPool(t *testing.T) {
	var p bufPool
	for _, n := range []int{0, 1, 1 << 10, 1<<10 + 1, 300 << 10, 1 << 20, 1<<20 + 1} {
		in := bytes.Repeat([]byte{7}, n)
		box := p.copyOf(in)
		if !bytes.Equal(*box, in) {
			t.Fatalf("copy of %d bytes differs", n)
		}
		if n <= 1<<20 && (cap(*box) < n || cap(*box) >= 2*max(n, 1<<10)) {
			t.Errorf("%d bytes in a buffer of %d", n, cap(*box))
		}
		p.put(box)
		again := p.copyOf(in)
		if !bytes.Equal(*again, in) {
			t.Fatalf("a recycled copy of %d bytes differs", n)
		}
		p.put(again)
	}
	foreign := make([]byte, 0, 3000) // not a class size: dropped
	p.put(&foreign)
}

func TestBufClass(t *testing.T) {
	for n, want := range map[int]int{0: 10, 1024: 10, 1025: 11, 2048: 11, 2049: 12, 1 << 20: 20, 1<<20 + 1: 21} {
		if got := bufClass(n); got != want {
			t.Errorf("bufClass(%d) = %d, want %d", n, got, want)
		}
	}
}
