package cluster_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"google.golang.org/protobuf/proto"
)

// cutProxy forwards TCP connections to a target set after it started, and
// cuts all of them on demand: a network failure between two live servers.
type cutProxy struct {
	ln       net.Listener
	target   atomic.Pointer[string]
	accepted atomic.Int32
	mu       sync.Mutex
	conns    []net.Conn
	pushes   []int // per "@push" frame from the target, its number of session ids
	wg       sync.WaitGroup
}

func newCutProxy(t *testing.T) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	mustOK(t, err)
	p := &cutProxy{ln: ln}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() { _ = ln.Close(); p.cut(); p.wg.Wait() })
	return p
}

func (p *cutProxy) accept() {
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
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(up, c)
		go p.inspect(c, up)
	}
}

func (p *cutProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
}

// inspect copies frames from the target and records its "@push" calls.
func (p *cutProxy) inspect(dst, src net.Conn) {
	defer p.wg.Done()
	defer dst.Close()
	br := bufio.NewReader(src)
	for {
		var n [4]byte
		if _, err := io.ReadFull(br, n[:]); err != nil {
			return
		}
		b := make([]byte, binary.BigEndian.Uint32(n[:]))
		if _, err := io.ReadFull(br, b); err != nil {
			return
		}
		if _, err := dst.Write(append(n[:], b...)); err != nil {
			return
		}
		var f gamesrvv1.Frame
		if proto.Unmarshal(b, &f) == nil && f.GetCall().GetRoute() == "@push" {
			var push gamesrvv1.PushRequest
			_ = proto.Unmarshal(f.GetCall().GetPayload(), &push)
			p.mu.Lock()
			p.pushes = append(p.pushes, len(push.GetSessionIds()))
			p.mu.Unlock()
		}
	}
}

// pushFrames returns the session-id counts of the "@push" frames seen.
func (p *cutProxy) pushFrames() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.pushes)
}

// cut closes every forwarded connection.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}
