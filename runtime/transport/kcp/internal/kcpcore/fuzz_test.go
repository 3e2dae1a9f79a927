package kcpcore

import (
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
