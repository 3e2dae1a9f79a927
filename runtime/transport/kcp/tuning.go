package kcp

import (
	"fmt"
	"sync"

	kcpgo "github.com/xtaci/kcp-go/v5"
)

// Tuning holds the per-session KCP parameters. Both ends should use the same
// values. Zero fields take the defaults, which favour latency: no-delay
// mode, a 10 ms update interval, fast resend after 2 duplicate ACKs, no
// congestion window, 128-packet windows, a 1200-byte MTU and immediate
// ACKs.
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
	// DelayedACK batches ACKs instead of sending each at once.
	DelayedACK bool
}

func (t Tuning) withDefaults() Tuning {
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

// Apply configures s. The Go client applies the same tuning to its side.
func (t Tuning) Apply(s *kcpgo.UDPSession) { t.apply(s) }

func (t Tuning) apply(s *kcpgo.UDPSession) {
	t = t.withDefaults()
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
// for an empty key.
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

// lockedBlockCrypt returns BlockCrypt(key) made safe for concurrent use,
// or nil for an empty key.
func lockedBlockCrypt(key []byte) (kcpgo.BlockCrypt, error) {
	b, err := BlockCrypt(key)
	if b == nil || err != nil {
		return nil, err
	}
	return &lockedCrypt{b: b}, nil
}

// lockedCrypt serializes a kcp-go cipher's encryptions, and its
// decryptions. kcp-go v5.6.35's ciphers keep their CFB feedback block in the
// cipher value, and a listener hands its one cipher to every session, whose
// goroutines encrypt concurrently: datagrams would go out corrupted (the
// client's CRC drops them and KCP retransmits). See xtaci/kcp-go#183, fixed
// upstream after v5.6.35.
type lockedCrypt struct {
	enc, dec sync.Mutex
	b        kcpgo.BlockCrypt
}

func (c *lockedCrypt) Encrypt(dst, src []byte) {
	c.enc.Lock()
	defer c.enc.Unlock()
	c.b.Encrypt(dst, src)
}

func (c *lockedCrypt) Decrypt(dst, src []byte) {
	c.dec.Lock()
	defer c.dec.Unlock()
	c.b.Decrypt(dst, src)
}
