package kcp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/gamesrv/gamesrv/runtime/transport"
	kcpgo "github.com/xtaci/kcp-go/v5"
)

// Options configures a KCP listener. The zero value gives low-latency game
// settings; clients must use the same Key and FEC shards.
type Options struct {
	// Tuning sets the per-session KCP parameters. Zero fields take the
	// defaults of [Tuning].
	Tuning Tuning
	// Key enables AES encryption of every datagram (16, 24 or 32 bytes for
	// AES-128/192/256). Default: no encryption.
	Key []byte
	// DataShards and ParityShards enable forward error correction. Default
	// off.
	DataShards, ParityShards int
	// SocketBuffer sets the UDP socket's receive and send buffers. Default
	// 4 MiB.
	SocketBuffer int
}

// Listener accepts game clients over KCP. Create it with [New] and hand it
// to the server, which starts and stops it.
type Listener struct {
	addr string
	opts Options
	cfg  transport.Config
	ln   *kcpgo.Listener
	wg   sync.WaitGroup

	mu       sync.Mutex
	sessions map[*kcpgo.UDPSession]struct{}
	closed   bool
}

var _ transport.Listener = (*Listener)(nil)

// New returns a listener for addr. Nothing is bound until the server starts
// it.
func New(addr string, opts Options) *Listener {
	return &Listener{addr: addr, opts: opts, sessions: make(map[*kcpgo.UDPSession]struct{})}
}

// Network returns "kcp".
func (l *Listener) Network() string { return "kcp" }

// Addr returns the bound UDP address, or nil before Start.
func (l *Listener) Addr() net.Addr {
	if l.ln == nil {
		return nil
	}
	return l.ln.Addr()
}

// Start binds the UDP socket and starts accepting sessions.
func (l *Listener) Start(cfg transport.Config) error {
	block, err := BlockCrypt(l.opts.Key)
	if err != nil {
		return err
	}
	ln, err := kcpgo.ListenWithOptions(l.addr, block, l.opts.DataShards, l.opts.ParityShards)
	if err != nil {
		return fmt.Errorf("kcp: listen %s: %w", l.addr, err)
	}
	buf := l.opts.SocketBuffer
	if buf <= 0 {
		buf = 4 << 20
	}
	_ = ln.SetReadBuffer(buf)
	_ = ln.SetWriteBuffer(buf)
	l.cfg, l.ln = cfg, ln
	l.wg.Add(1)
	go l.acceptLoop()
	return nil
}

func (l *Listener) acceptLoop() {
	defer l.wg.Done()
	for {
		s, err := l.ln.AcceptKCP()
		if err != nil {
			return // the listener was closed
		}
		if !l.track(s) {
			_ = s.Close()
			return
		}
		l.opts.Tuning.apply(s)
		l.wg.Add(1)
		go l.serve(s)
	}
}

func (l *Listener) serve(s *kcpgo.UDPSession) {
	defer l.wg.Done()
	transport.ServeConn(s, &l.cfg)
	l.mu.Lock()
	delete(l.sessions, s)
	l.mu.Unlock()
}

// track records a session so that Close can end it; false once closed.
func (l *Listener) track(s *kcpgo.UDPSession) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.sessions[s] = struct{}{}
	return true
}

// Close closes the socket and every session, then waits for their
// goroutines or ctx.
func (l *Listener) Close(ctx context.Context) error {
	if l.ln == nil {
		return nil
	}
	l.mu.Lock()
	l.closed = true
	for s := range l.sessions {
		_ = s.Close()
	}
	l.mu.Unlock()
	err := l.ln.Close()
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
