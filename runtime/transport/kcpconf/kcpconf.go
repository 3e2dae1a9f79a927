// Package kcpconf holds the KCP settings both ends of a session must
// agree on: the session parameters ([Tuning]) and the block cipher of a
// pre-shared key ([BlockCrypt]). The server's KCP listener
// (runtime/transport/kcp) and the Go client (runtime/client) both import
// it; it imports only kcp-go, so a client binary does not link the
// listener, its accept loop or the server.
package kcpconf

import (
	"fmt"

	kcpgo "github.com/xtaci/kcp-go/v5"
)

// Tuning holds the per-session KCP parameters. Both ends should use the same
// values. Zero fields take the defaults, which favour latency: no-delay
// mode, a 10 ms update interval, fast resend after 2 duplicate ACKs, no
// congestion window, 128-packet windows, a 1200-byte MTU and ACKs without
// delay.
type Tuning struct {
	// Interval is the internal update interval in milliseconds (10..5000).
	// It is the main CPU knob: raise it to 20-40 for thousands of
	// sessions per core. Default 10.
	Interval int
	// Resend triggers fast retransmission after this many duplicate ACKs;
	// -1 disables it. Default 2.
	Resend int
	// SendWindow and RecvWindow are the window sizes in packets. Default
	// 128.
	SendWindow, RecvWindow int
	// MTU is the largest datagram. Default 1200, which leaves room for the
	// crypto and FEC headers under common path MTUs.
	MTU int
	// Normal disables no-delay mode and enables the congestion window.
	Normal bool
	// DelayedACK batches ACKs until the next update (Interval) instead of
	// sending them without delay. Without it, both the server's listener
	// and the Go client send an ACK within 1 ms, in the next datagram they
	// send by then: the answer carries the request's, the next request
	// the answer's, so an exchange costs two datagrams. A kcp-go peer
	// sends each ACK at once, in a datagram of its own.
	DelayedACK bool
}

// WithDefaults returns t with its zero fields set to the defaults, and
// Resend -1 turned into kcp-go's 0 (fast resend off).
func (t Tuning) WithDefaults() Tuning {
	if t.Interval <= 0 {
		t.Interval = 10
	}
	if t.Resend == 0 {
		t.Resend = 2
	} else if t.Resend < 0 {
		t.Resend = 0
	}
	if t.SendWindow <= 0 {
		t.SendWindow = 128
	}
	if t.RecvWindow <= 0 {
		t.RecvWindow = 128
	}
	if t.MTU <= 0 {
		t.MTU = 1200
	}
	return t
}

// Session is what Apply configures: the sessions of the listener and of
// the Go client (runtime/internal/kcpcore, a trimmed copy of kcp-go's)
// and kcp-go's *UDPSession all have these methods.
type Session interface {
	SetNoDelay(nodelay, interval, resend, nc int)
	SetWindowSize(sndwnd, rcvwnd int)
	SetMtu(mtu int) bool
	SetACKNoDelay(nodelay bool)
	SetWriteDelay(delay bool)
}

// Apply configures s with t (its defaults for zero fields). The Go client
// applies it to the session it dials, the listener to every session it
// accepts.
func (t Tuning) Apply(s Session) {
	t = t.WithDefaults()
	nodelay, nc := 1, 1
	if t.Normal {
		nodelay, nc = 0, 0
	}
	s.SetNoDelay(nodelay, t.Interval, t.Resend, nc)
	s.SetWindowSize(t.SendWindow, t.RecvWindow)
	s.SetMtu(t.MTU)
	s.SetACKNoDelay(!t.DelayedACK)
	s.SetWriteDelay(false)
}

// BlockCrypt returns the AES block cipher for key, or nil (no encryption)
// for an empty key; a key that is not 16, 24 or 32 bytes long is an
// error. kcp-go's ciphers are not safe for concurrent use (the listener
// serializes its own).
func BlockCrypt(key []byte) (kcpgo.BlockCrypt, error) {
	if len(key) == 0 {
		return nil, nil
	}
	switch len(key) {
	case 16, 24, 32:
		return kcpgo.NewAESBlockCrypt(key)
	}
	return nil, fmt.Errorf("kcp: AES key must be 16, 24 or 32 bytes, got %d", len(key))
}
