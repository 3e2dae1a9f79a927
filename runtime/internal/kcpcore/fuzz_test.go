package kcpcore

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"
)

// FuzzPacketInput feeds arbitrary datagrams from two addresses to a
// listener, in the clear or under AES with FEC: the ARQ, the FEC decoder
// and the session table take any input without panicking, every session
// opened is accepted, reads what it can and closes.
func FuzzPacketInput(f *testing.F) {
	seg := make([]byte, 24+5) // a PUSH of 5 bytes, conversation 1, sn 0
	seg[0], seg[4], seg[6], seg[20] = 1, 81, 128, 5
	copy(seg[24:], "hello")
	f.Add(byte(0), append([]byte{byte(len(seg))}, seg...))
	f.Add(byte(1), append([]byte{byte(len(seg))}, seg...))
	fec := append([]byte{0, 0, 0, 0, 0xf1, 0, byte(len(seg) + 2), 0}, seg...)
	f.Add(byte(2), append([]byte{byte(len(fec))}, fec...))
	f.Fuzz(func(t *testing.T, mode byte, in []byte) {
		var block BlockCrypt
		ds, ps := 0, 0
		if mode&1 == 1 {
			b, err := kcpgo.NewAESBlockCrypt([]byte("0123456789abcdef"))
			if err != nil {
				t.Fatal(err)
			}
			block = b
		}
		if mode&2 == 2 {
			ds, ps = 3, 2
		}
		l, err := newListener(block, ds, ps, discardConn{})
		if err != nil {
			t.Fatal(err)
		}
		addrs := []net.Addr{&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2}}
		for i := 0; len(in) > 0; i++ { // datagrams: a length byte, then the bytes
			n := min(int(in[0]), len(in)-1)
			d := append([]byte(nil), in[1:1+n]...) // packetInput decrypts in place
			in = in[1+n:]
			l.packetInput(d, addrs[i%2])
		}
		var sessions []*UDPSession
		for len(l.chAccepts) > 0 {
			sessions = append(sessions, <-l.chAccepts)
		}
		if uint64(len(sessions)) != l.Opened() {
			t.Fatalf("%d sessions accepted, %d opened", len(sessions), l.Opened())
		}
		buf := make([]byte, 64)
		for _, s := range sessions {
			_ = s.SetReadDeadline(time.Now())
			for {
				if _, err := s.Read(buf); err != nil {
					break
				}
			}
			_ = s.Close()
		}
		_ = l.Close()
	})
}

// discardConn is a packet connection that drops what is written to it.
type discardConn struct{ net.PacketConn }

func (discardConn) WriteTo(b []byte, _ net.Addr) (int, error) { return len(b), nil }
func (discardConn) LocalAddr() net.Addr                       { return &net.UDPAddr{} }

// FuzzReceiveMatchesKCPGo feeds the same data segments, in any order and
// with duplicates, to this ARQ and to kcp-go's, reading both after each
// one: they deliver the same messages in the same order. Each input byte
// is a segment: its sequence number (the low 6 bits, across the receive
// window's edge) and whether it is the last fragment of its message.
func FuzzReceiveMatchesKCPGo(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3})
	f.Add([]byte{3, 2, 1, 0, 0, 5, 4})
	f.Add([]byte{0x40 | 1, 0, 0x40 | 3, 2})
	f.Fuzz(func(t *testing.T, in []byte) {
		ours := NewKCP(1, func([]byte, int) {})
		theirs := kcpgo.NewKCP(1, func([]byte, int) {})
		ours.WndSize(32, 32)
		theirs.WndSize(32, 32)
		a, b := make([]byte, 4096), make([]byte, 4096)
		for i, c := range in {
			sn := uint32(c & 0x3f)
			frg := byte(0)
			if c&0x40 != 0 {
				frg = 1 // one more fragment follows
			}
			pkt := make([]byte, IKCP_OVERHEAD+2)
			binary.LittleEndian.PutUint32(pkt, 1)
			pkt[4], pkt[5] = IKCP_CMD_PUSH, frg
			binary.LittleEndian.PutUint16(pkt[6:], 32)
			binary.LittleEndian.PutUint32(pkt[12:], sn)
			binary.LittleEndian.PutUint32(pkt[20:], 2)
			pkt[24], pkt[25] = byte(sn), byte(i)
			if r1, r2 := ours.Input(pkt, true), theirs.Input(pkt, true, false); r1 != r2 {
				t.Fatalf("segment %d: Input %d, kcp-go %d", i, r1, r2)
			}
			for {
				n, m := ours.Recv(a), theirs.Recv(b)
				if n != m || (n > 0 && !bytes.Equal(a[:n], b[:m])) {
					t.Fatalf("segment %d: received % x (%d), kcp-go % x (%d)", i, a[:max(n, 0)], n, b[:max(m, 0)], m)
				}
				if n < 0 {
					break
				}
			}
		}
	})
}
