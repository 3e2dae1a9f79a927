package kcp

import (
	"sync"

	"github.com/gamesrv/gamesrv/runtime/transport/kcpconf"
	kcpgo "github.com/xtaci/kcp-go/v5"
)

// Tuning holds the per-session KCP parameters; see [kcpconf.Tuning]. It
// is an alias so that a server's options read kcp.Options{Tuning:
// kcp.Tuning{...}}: the type lives in package kcpconf, which the Go client
// shares without linking this listener.
type Tuning = kcpconf.Tuning

// lockedBlockCrypt returns kcpconf.BlockCrypt(key) made safe for
// concurrent use, or nil for an empty key.
func lockedBlockCrypt(key []byte) (kcpgo.BlockCrypt, error) {
	b, err := kcpconf.BlockCrypt(key)
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
