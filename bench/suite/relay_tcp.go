package main

import (
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// tcpRelay models TCP under packet loss, which cannot be reproduced by
// dropping bytes in user space: TCP would simply not lose them. The model:
// each chunk the relay reads from one side (a Read on loopback returns what
// the peer wrote, here one Pomelo packet or a few: one segment) is "lost"
// with probability loss; a lost chunk is delivered only after a
// retransmission timeout, the Linux minimum RTO (200 ms), doubled for each
// time the retransmission is lost again (exponential backoff). Byte order is
// preserved: a chunk is never delivered before the chunks read before it,
// so the chunks behind a lost one wait for it (head-of-line blocking).
// What it leaves out makes TCP look better, not worse: lost ACKs, tail-loss
// probes firing late, and RTOs above the minimum.
type tcpRelay struct {
	ln       net.Listener
	upstream string
	loss     float64
	rto      time.Duration

	mu    sync.Mutex
	rng   *rand.Rand
	conns map[net.Conn]struct{}

	wg              sync.WaitGroup
	forwarded, lost atomic.Int64
	closed          atomic.Bool
}

// newTCPRelay listens on 127.0.0.1:0 and relays to upstream.
func newTCPRelay(upstream string, loss float64, rto time.Duration, seed uint64) (*tcpRelay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &tcpRelay{
		ln: ln, upstream: upstream, loss: loss, rto: rto,
		rng: rand.New(rand.NewPCG(seed, seed^0x6a09e667f3bcc909)), conns: map[net.Conn]struct{}{},
	}
	r.wg.Go(r.accept)
	return r, nil
}

// Addr returns the address clients dial.
func (r *tcpRelay) Addr() string { return r.ln.Addr().String() }

func (r *tcpRelay) accept() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return // closed
		}
		up, err := net.Dial("tcp", r.upstream)
		if err != nil {
			_ = c.Close()
			continue
		}
		if !r.track(c, up) {
			return
		}
		r.wg.Go(func() { r.pipe(c, up) })
		r.wg.Go(func() { r.pipe(up, c) })
	}
}

// track records the connections so that Close can close them.
func (r *tcpRelay) track(cs ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		for _, c := range cs {
			_ = c.Close()
		}
		return false
	}
	for _, c := range cs {
		r.conns[c] = struct{}{}
	}
	return true
}

// chunk is bytes read from one side and when they may be delivered.
type chunk struct {
	b  []byte
	at time.Time
}

// pipe copies src to dst through the loss model: a reader that stamps each
// chunk with its delivery time, and a writer that delivers them in order.
func (r *tcpRelay) pipe(src, dst net.Conn) {
	q := make(chan chunk, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for c := range q {
			time.Sleep(time.Until(c.at))
			if _, err := dst.Write(c.b); err != nil {
				_ = src.Close()
				for range q { // drain so the reader never blocks
				}
				return
			}
		}
	}()
	var last time.Time
	for {
		buf := make([]byte, 32<<10)
		n, err := src.Read(buf)
		if n > 0 {
			last = r.schedule(last, time.Now())
			q <- chunk{b: buf[:n], at: last}
		}
		if err != nil {
			break
		}
	}
	close(q)
	<-done
	_ = dst.Close()
}

// schedule returns when a chunk read at now is delivered: at once, or
// after the retransmission timeouts of each loss, never before the chunk
// delivered before it (prev).
func (r *tcpRelay) schedule(prev, now time.Time) time.Time {
	var delay time.Duration
	rto := r.rto
	r.mu.Lock()
	for r.rng.Float64() < r.loss {
		delay += rto
		rto *= 2
	}
	r.mu.Unlock()
	if delay > 0 {
		r.lost.Add(1)
	} else {
		r.forwarded.Add(1)
	}
	at := now.Add(delay)
	if at.Before(prev) {
		return prev
	}
	return at
}

// Close stops the relay, closes every connection and waits.
func (r *tcpRelay) Close() error {
	err := r.ln.Close()
	r.mu.Lock()
	r.closed.Store(true)
	for c := range r.conns {
		_ = c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return err
}
