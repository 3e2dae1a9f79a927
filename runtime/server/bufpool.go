package server

import (
	"math/bits"
	"sync"
)

// Size classes of bufPool: powers of two from 1 KiB to 1 MiB.
const (
	minBufClass = 10
	maxBufClass = 20
)

// bufPool recycles the buffers that hold payloads between the I/O
// goroutine and the session's worker (see loopDecodeMax), by power-of-two
// size class, so that a buffer never holds much more than its payload
// while it waits in a queue. A buffer travels in a box (the *[]byte the
// pool stores), so that recycling allocates nothing.
type bufPool struct {
	classes [maxBufClass - minBufClass + 1]sync.Pool
}

// copyOf returns a box holding a copy of b.
func (p *bufPool) copyOf(b []byte) *[]byte {
	c := bufClass(len(b))
	if c > maxBufClass {
		buf := append([]byte(nil), b...)
		return &buf
	}
	box, _ := p.classes[c-minBufClass].Get().(*[]byte)
	if box == nil {
		buf := make([]byte, 0, 1<<c)
		box = &buf
	}
	*box = append((*box)[:0], b...)
	return box
}

// put recycles a box copyOf returned; nothing may use its bytes after.
func (p *bufPool) put(box *[]byte) {
	c := bufClass(cap(*box))
	if c > maxBufClass || cap(*box) != 1<<c {
		return // not one of ours
	}
	*box = (*box)[:0]
	p.classes[c-minBufClass].Put(box)
}

// bufClass returns the smallest class whose buffers hold n bytes.
func bufClass(n int) int {
	if n <= 1<<minBufClass {
		return minBufClass
	}
	return bits.Len(uint(n - 1))
}
