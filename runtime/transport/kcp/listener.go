package kcp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gamesrv/gamesrv/runtime/internal/kcpcore"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/accept"
)

// Defaults of [Options].
const (
	DefaultMaxHandshakes      = 1024
	DefaultMaxHandshakesPerIP = 16
	DefaultHandshakeTimeout   = 3 * time.Second
)

// Options configures a KCP listener. The zero value gives low-latency game
// settings; clients must use the same Key and FEC shards.
type Options struct {
	// Tuning sets the per-session KCP parameters. Zero fields take the
	// defaults of [Tuning].
	Tuning Tuning
	// Key enables AES encryption of every datagram (16, 24 or 32 bytes for
	// AES-128/192/256), and it is what makes KCP unforgeable: a datagram
	// that does not decrypt with the key (a CRC32 under the cipher) creates
	// nothing and reaches no session, so without the key nobody can open a
	// session or inject data into one. Without a key, one
	// 24-byte datagram from any address opens a session (within
	// MaxHandshakes). There is no replay protection: the protocol's
	// handshake authenticates the client. Clients must use the same key
	// (client.KCPOptions.Key). Default: no encryption.
	Key []byte
	// DataShards and ParityShards enable forward error correction. Default
	// off.
	DataShards, ParityShards int
	// SocketBuffer sets the UDP socket's receive and send buffers. Default
	// 4 MiB.
	SocketBuffer int
	// MaxHandshakes bounds the sessions that have not completed the
	// handshake (the session layer has not seen the client's HandshakeAck),
	// in total. KCP has no connection set-up: the first datagram from an
	// address opens a session, which costs its reader goroutine and the
	// session's state (about 12 KiB). A datagram from a new address over
	// the limit is dropped before the KCP layer sees it; a real client's
	// KCP retransmits it. Default 1024; negative: no limit.
	MaxHandshakes int
	// MaxHandshakesPerIP bounds the sessions that have not completed the
	// handshake per source IPv4 address, or IPv6 /64 (the port, and the
	// rest of an IPv6 address, are the sender's choice). Default 16;
	// negative: no limit.
	MaxHandshakesPerIP int
	// HandshakeTimeout closes a session that has not completed the
	// handshake that long after its first datagram (the session layer's
	// OnDisconnect gets ErrHandshakeTimeout). It is shorter than the
	// server's own handshake timeout because a KCP session costs more than
	// a TCP connection and anybody can open one without a key; it must
	// still cover the server's handshake validators. Default 3 s.
	HandshakeTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxHandshakes == 0 {
		o.MaxHandshakes = DefaultMaxHandshakes
	}
	if o.MaxHandshakesPerIP == 0 {
		o.MaxHandshakesPerIP = DefaultMaxHandshakesPerIP
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = DefaultHandshakeTimeout
	}
	return o
}

// Listener accepts game clients over KCP. Create it with [New] and hand it
// to the server, which starts and stops it.
type Listener struct {
	addr     string
	opts     Options
	gate     *gate
	ln       *kcpcore.Listener
	sessions *accept.Loop
}

var _ transport.Listener = (*Listener)(nil)

// New returns a listener for addr. Nothing is bound until the server starts
// it.
func New(addr string, opts Options) *Listener {
	return &Listener{addr: addr, opts: opts.withDefaults()}
}

// Network returns "kcp".
func (l *Listener) Network() string { return "kcp" }

// Addr returns the bound UDP address, or nil before Start.
func (l *Listener) Addr() net.Addr {
	if l.gate == nil {
		return nil
	}
	return l.gate.LocalAddr()
}

// Start binds the UDP socket and starts accepting sessions.
func (l *Listener) Start(cfg transport.Config) error {
	block, err := lockedBlockCrypt(l.opts.Key)
	if err != nil {
		return err
	}
	udp, err := listenUDP(l.addr, l.opts.SocketBuffer)
	if err != nil {
		return err
	}
	lim := limits{total: l.opts.MaxHandshakes, perIP: l.opts.MaxHandshakesPerIP, timeout: l.opts.HandshakeTimeout}
	g, err := newGate(udp, l.opts.Key, lim, cfg.Logger)
	if err != nil {
		_ = udp.Close()
		return err
	}
	ln, err := kcpcore.ServeDecrypted(block, l.opts.DataShards, l.opts.ParityShards, g)
	if err != nil {
		_ = udp.Close()
		return fmt.Errorf("kcp: listen %s: %w", l.addr, err)
	}
	l.gate, l.ln = g, ln // before the loop starts: accept reads them
	l.sessions = accept.Start(closer{ln, g}, l.accept, cfg)
	return nil
}

// listenUDP binds the socket with its buffers (default 4 MiB).
func listenUDP(addr string, buffer int) (*net.UDPConn, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("kcp: listen %s: %w", addr, err)
	}
	udp, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("kcp: listen %s: %w", addr, err)
	}
	if buffer <= 0 {
		buffer = 4 << 20
	}
	_ = udp.SetReadBuffer(buffer)
	_ = udp.SetWriteBuffer(buffer)
	return udp, nil
}

// closer closes kcp-go's listener, then the socket it does not own.
type closer struct {
	ln *kcpcore.Listener
	g  *gate
}

func (c closer) Close() error {
	return errors.Join(c.ln.Close(), c.g.Close())
}

// accept returns the next session the gate admitted, tuned.
func (l *Listener) accept() (net.Conn, error) {
	for {
		ks, err := l.ln.AcceptKCP()
		if err != nil {
			return nil, err
		}
		l.opts.Tuning.Apply(ks)
		s := newSession(ks, l.gate, l.opts.Tuning.WithDefaults().SendWindow)
		if l.gate.attach(s) {
			return s, nil
		}
		_ = ks.Close()
	}
}

// InHandshake returns the number of sessions that have not completed the
// handshake (those MaxHandshakes bounds).
func (l *Listener) InHandshake() int {
	if l.gate == nil {
		return 0
	}
	return l.gate.inHandshake()
}

// Close closes the socket and every session, then waits for their
// goroutines or ctx.
func (l *Listener) Close(ctx context.Context) error {
	if l.sessions == nil {
		return nil
	}
	return l.sessions.Close(ctx)
}
