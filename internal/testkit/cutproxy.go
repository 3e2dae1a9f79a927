package testkit

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// CutProxy forwards the TCP connections it accepts on loopback to a target
// and cuts all of them on demand: a network failure between two live
// peers. It closes its listener and every connection when the test ends.
type CutProxy struct {
	ln         net.Listener
	target     atomic.Pointer[string]
	accepted   atomic.Int32
	fromTarget func(dst io.Writer, src io.Reader) // copies what the target sends
	mu         sync.Mutex
	conns      []net.Conn
	closed     bool // the test ended: accept pipes nothing more
	wg         sync.WaitGroup
}

// NewCutProxy starts a proxy to target, which may be empty and set later
// with SetTarget (a connection accepted before is closed). fromTarget, if
// not nil, copies what the target sends to the client instead of io.Copy,
// so a test can read the traffic on its way; it returns when either side
// fails.
func NewCutProxy(t testing.TB, target string, fromTarget func(dst io.Writer, src io.Reader)) *CutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &CutProxy{ln: ln, fromTarget: fromTarget}
	if p.fromTarget == nil {
		p.fromTarget = copyAll
	}
	p.SetTarget(target)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		p.closed = true // a connection accepted meanwhile is not piped
		p.mu.Unlock()
		p.Cut()
		p.wg.Wait()
	})
	return p
}

// Addr is the address the proxy listens on.
func (p *CutProxy) Addr() string { return p.ln.Addr().String() }

// SetTarget sets the address connections accepted from now on go to.
func (p *CutProxy) SetTarget(addr string) { p.target.Store(&addr) }

// Accepted returns the number of connections accepted so far.
func (p *CutProxy) Accepted() int { return int(p.accepted.Load()) }

// Cut closes every connection forwarded so far; later ones go through.
func (p *CutProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

func (p *CutProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		up, err := net.Dial("tcp", *p.target.Load())
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			_, _ = c.Close(), up.Close()
			return
		}
		p.conns = append(p.conns, c, up)
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pipe(up, c, copyAll)
		go p.pipe(c, up, p.fromTarget)
	}
}

// copyAll copies src to dst until either ends.
func copyAll(dst io.Writer, src io.Reader) { _, _ = io.Copy(dst, src) }

// pipe copies src to dst with cp, then closes both ends.
func (p *CutProxy) pipe(dst, src net.Conn, cp func(io.Writer, io.Reader)) {
	defer p.wg.Done()
	cp(dst, src)
	_ = dst.Close()
	_ = src.Close()
}
