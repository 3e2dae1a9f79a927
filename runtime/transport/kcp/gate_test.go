package kcp

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/internal/kcpcore"
	"github.com/gamesrv/gamesrv/runtime/transport/kcpconf"
)

// Sizes of kcp-go's datagram layout (kcp-go v5.6.35: sess.go, fec.go).
const (
	nonceSize = 16                    // crypto header: a random nonce...
	crcSize   = 4                     // ...then the CRC32 of the rest
	kcpHeader = kcpcore.IKCP_OVERHEAD // conv, cmd, frg, wnd, ts, sn, una, len
	fecHeader = 8                     // FEC seqid, flag and the 2-byte size of a data shard
	fecData   = 0xf1                  // FEC flag of a data shard (at offset 4)
	fecParity = 0xf2                  // FEC flag of a parity shard
)

// TestConversation: the gate reads a datagram's conversation as kcp-go's
// listener does.
func TestConversation(t *testing.T) {
	seg := func(conv uint32, n int) []byte {
		b := make([]byte, n)
		binary.LittleEndian.PutUint32(b, conv)
		b[4] = 81 // PUSH
		return b
	}
	fec := func(flag uint16, inner []byte) []byte {
		b := make([]byte, fecHeader, fecHeader+len(inner))
		binary.LittleEndian.PutUint16(b[4:], flag)
		return append(b, inner...)
	}
	tests := []struct {
		name string
		data []byte
		conv uint32
		ok   bool
	}{
		{"segment", seg(7, kcpHeader), 7, true},
		{"segment with data", seg(8, kcpHeader+100), 8, true},
		{"short", seg(7, kcpHeader-1), 0, false},
		{"fec data shard", fec(fecData, seg(9, kcpHeader)), 9, true},
		{"short fec data shard", fec(fecData, seg(9, kcpHeader-1)), 0, false},
		{"fec parity shard", fec(fecParity, make([]byte, kcpHeader)), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conv, ok := kcpcore.Conversation(tt.data)
			if conv != tt.conv || ok != tt.ok {
				t.Errorf("Conversation = %d, %v; want %d, %v", conv, ok, tt.conv, tt.ok)
			}
		})
	}
}

// seal encrypts a KCP segment as kcp-go does: nonce, CRC32, segment.
func seal(t testing.TB, key, segment []byte) []byte {
	t.Helper()
	b, err := kcpconf.BlockCrypt(key)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, nonceSize+crcSize+len(segment))
	copy(buf[nonceSize+crcSize:], segment)
	binary.LittleEndian.PutUint32(buf[nonceSize:], crc32.ChecksumIEEE(buf[nonceSize+crcSize:]))
	b.Encrypt(buf, buf)
	return buf
}

// TestGateOpenDecrypts: with the gate's key, only a datagram sealed with
// it reaches the KCP layer, decrypted; without one, a datagram passes as
// it is.
func TestGateOpenDecrypts(t *testing.T) {
	key := []byte("0123456789abcdef")
	g, err := newGate(nil, key, limits{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	segment := make([]byte, kcpHeader)
	binary.LittleEndian.PutUint32(segment, 42)
	if plain, ok := kcpcore.Open(g.block, seal(t, key, segment)); !ok || !bytes.Equal(plain, segment) {
		t.Errorf("sealed with the key: % x, %v; want the segment", plain, ok)
	}
	if _, ok := kcpcore.Open(g.block, seal(t, []byte("fedcba9876543210"), segment)); ok {
		t.Error("sealed with another key: passes")
	}
	if _, ok := kcpcore.Open(g.block, bytes.Clone(segment)); ok {
		t.Error("plaintext: passes")
	}
	if _, ok := kcpcore.Open(g.block, make([]byte, nonceSize+crcSize-1)); ok {
		t.Error("shorter than the crypto header: passes")
	}
	plain, _ := newGate(nil, nil, limits{}, nil)
	if got, ok := kcpcore.Open(plain.block, segment); !ok || !bytes.Equal(got, segment) {
		t.Errorf("without a key: % x, %v; want the segment", got, ok)
	}
}

// segmentOf returns a datagram of conversation conv (a KCP data segment,
// or an FEC data shard holding one) and an FEC parity shard.
func segmentOf(conv uint32) (segment, fecShard, parity []byte) {
	segment = make([]byte, kcpHeader)
	binary.LittleEndian.PutUint32(segment, conv)
	segment[4] = 81 // PUSH
	fecShard = make([]byte, fecHeader, fecHeader+kcpHeader)
	binary.LittleEndian.PutUint16(fecShard[4:], fecData)
	fecShard = append(fecShard, segment...)
	parity = make([]byte, fecHeader+kcpHeader)
	binary.LittleEndian.PutUint16(parity[4:], fecParity)
	return segment, fecShard, parity
}

// TestGateConversations: each conversation from an address is a peer of
// its own, within the per-IP limit; a new one leaves the others alone;
// datagrams without a conversation go to the address's newest peer, and
// to the one before it once the newest has left.
func TestGateConversations(t *testing.T) {
	g, _ := newGate(nil, nil, limits{total: -1, perIP: 2, timeout: time.Hour}, nil)
	defer g.stop()
	addr := netip.MustParseAddrPort("10.0.0.1:5000")
	other := netip.MustParseAddrPort("10.0.0.2:5000")
	one, oneFEC, parity := segmentOf(1)
	two, _, _ := segmentOf(2)
	three, _, _ := segmentOf(3)

	p1 := g.admit(one, addr)
	if p1 == nil || p1.key != (kcpcore.SessionKey{Addr: addr, Conv: 1}) {
		t.Fatalf("the first conversation: %+v", p1)
	}
	if g.admit(parity, other) != nil {
		t.Error("a parity shard from an address without a peer passes")
	}
	p2 := g.admit(two, addr)
	if p2 == nil || p2 == p1 || p2.key != (kcpcore.SessionKey{Addr: addr, Conv: 2}) {
		t.Fatalf("a second conversation from the same address: %+v", p2)
	}
	tests := []struct {
		name string
		data []byte
		want *peer
	}{
		{"the first conversation again", one, p1},
		{"its FEC data shard", oneFEC, p1},
		{"the second conversation", two, p2},
		{"a parity shard: the newest", parity, p2},
		{"a third conversation, over the per-IP limit", three, nil},
		{"shorter than a segment", one[:kcpHeader-1], nil},
	}
	for _, tt := range tests {
		if got := g.admit(tt.data, addr); got != tt.want {
			t.Errorf("%s: peer %p, want %p", tt.name, got, tt.want)
		}
	}
	if n := g.inHandshake(); n != 2 {
		t.Errorf("%d conversations in handshake, want 2", n)
	}
	g.mu.Lock()
	g.release(p2)
	g.mu.Unlock()
	if got := g.admit(parity, addr); got != p1 {
		t.Errorf("a parity shard once the newest peer left: peer %p, want the first, %p", got, p1)
	}
	if got := g.admit(one, addr); got != p1 {
		t.Errorf("the first conversation once the second left: peer %p, want %p", got, p1)
	}
	p3 := g.admit(three, addr)
	if p3 == nil {
		t.Fatal("a third conversation once the second left: refused")
	}
	if got := g.admit(parity, addr); got != p3 {
		t.Errorf("a parity shard after a third conversation: peer %p, want the third, %p", got, p3)
	}
	g.mu.Lock()
	g.release(p1)
	g.release(p3)
	g.mu.Unlock()
	if got := g.admit(parity, addr); got != nil {
		t.Errorf("a parity shard once every peer left: peer %p, want none", got)
	}
}

// FuzzGateAdmit feeds any datagram, sealed or not, from one of a few
// addresses to a keyed and a plain gate: nothing panics, and a datagram
// that passes goes to its own conversation's peer, or, carrying none, to
// its address's newest.
func FuzzGateAdmit(f *testing.F) {
	key := []byte("0123456789abcdef")
	segment, fecShard, parity := segmentOf(42)
	for _, d := range [][]byte{segment, fecShard, parity, {}} {
		f.Add(d, uint8(0), false)
		f.Add(seal(f, key, d), uint8(1), true)
	}
	plain, _ := newGate(nil, nil, limits{total: 64, perIP: 4, timeout: time.Hour}, nil)
	keyed, _ := newGate(nil, key, limits{total: 64, perIP: 4, timeout: time.Hour}, nil)
	f.Cleanup(func() { plain.stop(); keyed.stop() })
	f.Fuzz(func(t *testing.T, data []byte, port uint8, sealed bool) {
		g := plain
		if sealed {
			g = keyed
		}
		from := netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), uint16(port%4))
		data, ok := kcpcore.Open(g.block, bytes.Clone(data))
		if !ok {
			return
		}
		p := g.admit(data, from)
		if p == nil {
			return
		}
		g.mu.Lock()
		latest, _ := g.byAddr.Newest(from)
		g.mu.Unlock()
		if conv, ok := kcpcore.Conversation(data); ok && p.key != (kcpcore.SessionKey{Addr: from, Conv: conv}) {
			t.Fatalf("conversation %d from %v went to %+v", conv, from, p.key)
		} else if !ok && p != latest {
			t.Fatalf("a datagram without a conversation went to %+v, not the newest peer", p.key)
		}
	})
}

// TestLockedCryptConcurrent: sessions of one listener encrypt with its one
// cipher from their own goroutines; every datagram must come out as if
// encrypted alone.
func TestLockedCryptConcurrent(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	shared, err := lockedBlockCrypt(key)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := kcpconf.BlockCrypt(key)
	src := make([]byte, 1200)
	for i := range src {
		src[i] = byte(i)
	}
	want := make([]byte, len(src))
	ref.Encrypt(want, src)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			dst := make([]byte, len(src))
			for range 200 {
				shared.Encrypt(dst, src)
				if !bytes.Equal(dst, want) {
					t.Error("a concurrent encryption differs")
					return
				}
				shared.Decrypt(dst, dst)
				if !bytes.Equal(dst, src) {
					t.Error("a concurrent decryption differs")
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkGateAdmit measures the gate's decision for every datagram: from
// a known address (the hot path), and from a new address over the limits
// (a flood).
func BenchmarkGateAdmit(b *testing.B) {
	segment := make([]byte, kcpHeader+100)
	binary.LittleEndian.PutUint32(segment, 42)
	known := netip.MustParseAddrPort("10.0.0.1:5000")
	b.Run("known address", func(b *testing.B) {
		g, _ := newGate(nil, nil, limits{total: -1, perIP: -1, timeout: time.Hour}, nil)
		defer g.stop()
		if g.admit(segment, known) == nil {
			b.Fatal("not admitted")
		}
		b.ReportAllocs()
		for b.Loop() {
			if g.admit(segment, known) == nil {
				b.Fatal("not admitted")
			}
		}
	})
	b.Run("new address over the limit", func(b *testing.B) {
		g, _ := newGate(nil, nil, limits{total: 0, perIP: 0, timeout: time.Hour}, nil)
		defer g.stop()
		b.ReportAllocs()
		port := uint16(0)
		for b.Loop() {
			port++
			if g.admit(segment, netip.AddrPortFrom(known.Addr(), port)) != nil {
				b.Fatal("admitted")
			}
		}
	})
}

func TestSource(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"10.1.2.3:5", "10.1.2.3"},
		{"[2001:db8:1:2:aaaa::1]:5", "2001:db8:1:2::"},
		{"[2001:db8:1:2:bbbb::9]:7", "2001:db8:1:2::"},
	} {
		if got := source(netip.MustParseAddrPort(tt.addr)); got.String() != tt.want {
			t.Errorf("source(%s) = %s, want %s", tt.addr, got, tt.want)
		}
	}
}
