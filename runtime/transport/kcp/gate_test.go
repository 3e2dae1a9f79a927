package kcp

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/transport/kcpconf"
)

func TestConvOf(t *testing.T) {
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
			conv, ok := convOf(tt.data)
			if conv != tt.conv || ok != tt.ok {
				t.Errorf("convOf = %d, %v; want %d, %v", conv, ok, tt.conv, tt.ok)
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

// TestGateOpensDecrypts: with a key, only a datagram sealed with it opens
// a session, and the gate reads its conversation.
func TestGateOpensDecrypts(t *testing.T) {
	key := []byte("0123456789abcdef")
	g, err := newGate(nil, key, limits{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	segment := make([]byte, kcpHeader)
	binary.LittleEndian.PutUint32(segment, 42)
	if conv, ok := g.opens(seal(t, key, segment)); !ok || conv != 42 {
		t.Errorf("sealed with the key: %d, %v", conv, ok)
	}
	if _, ok := g.opens(seal(t, []byte("fedcba9876543210"), segment)); ok {
		t.Error("sealed with another key: opens a session")
	}
	if _, ok := g.opens(segment); ok {
		t.Error("plaintext: opens a session")
	}
}

func FuzzGateOpens(f *testing.F) {
	key := []byte("0123456789abcdef")
	segment := make([]byte, kcpHeader)
	f.Add(segment)
	f.Add(seal(f, key, segment))
	f.Add([]byte{})
	plain, _ := newGate(nil, nil, limits{}, nil)
	keyed, _ := newGate(nil, key, limits{}, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		conv, ok := plain.opens(data)
		if c, o := convOf(data); c != conv || o != ok {
			t.Fatalf("without a key opens = %d, %v, convOf = %d, %v", conv, ok, c, o)
		}
		orig := bytes.Clone(data)
		keyed.opens(data)
		if !bytes.Equal(data, orig) {
			t.Fatal("opens modified the datagram kcp-go reads next")
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
		if !g.admit(segment, known) {
			b.Fatal("not admitted")
		}
		b.ReportAllocs()
		for b.Loop() {
			if !g.admit(segment, known) {
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
			if g.admit(segment, netip.AddrPortFrom(known.Addr(), port)) {
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
