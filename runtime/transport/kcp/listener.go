package kcp

import (
	"context"
	"fmt"
	"net"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/accept"
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
	addr     string
	opts     Options
	ln       *kcpgo.Listener
	sessions *accept.Loop
}

var _ transport.Listener = (*Listener)(nil)

// New returns a listener for addr. Nothing is bound until the server starts
// it.
func New(addr string, opts Options) *Listener {
	return &Listener{addr: addr, opts: opts}
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
	l.ln = ln // before the loop starts: accept reads it
	l.sessions = accept.Start(ln, l.accept, cfg)
	return nil
}

// accept returns the next session, tuned.
func (l *Listener) accept() (net.Conn, error) {
	s, err := l.ln.AcceptKCP()
	if err != nil {
		return nil, err
	}
	l.opts.Tuning.apply(s)
	return s, nil
}

// Close closes the socket and every session, then waits for their
// goroutines or ctx.
func (l *Listener) Close(ctx context.Context) error {
	if l.sessions == nil {
		return nil
	}
	return l.sessions.Close(ctx)
}
