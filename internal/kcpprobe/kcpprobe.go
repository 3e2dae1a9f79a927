// Package kcpprobe is a KCP client without goroutines, for measuring what
// idle KCP sessions cost a server: kcp-go's ARQ core (kcp.KCP) driven by
// the caller over its own UDP socket. A client made with kcp-go's
// DialWithOptions holds two goroutines and some 250 KiB of buffers; a
// Session holds a socket and, until Idle, the ARQ core, so thousands of
// them fit beside the server they measure.
package kcpprobe

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"
)

// pump is how long a read waits before the ARQ core is updated again: the
// server's default update interval.
const pump = 10 * time.Millisecond

// Session is one client KCP session (no encryption, no FEC), with the
// server's default tuning.
type Session struct {
	conn *net.UDPConn
	kcp  *kcpgo.KCP
	buf  []byte
	got  []byte // the stream received and not yet consumed
}

// Dial opens a UDP socket from src (nil: any address) to addr and a KCP
// session over it with a random conversation id. Nothing is sent yet.
func Dial(addr *net.UDPAddr, src net.IP) (*Session, error) {
	conn, err := net.DialUDP("udp", &net.UDPAddr{IP: src}, addr)
	if err != nil {
		return nil, err
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		_ = conn.Close()
		return nil, err
	}
	s := &Session{conn: conn, buf: make([]byte, 1500)}
	s.kcp = kcpgo.NewKCP(binary.LittleEndian.Uint32(b[:])|1, func(buf []byte, size int) {
		_, _ = conn.Write(buf[:size]) // a lost datagram is retransmitted
	})
	s.kcp.NoDelay(1, 10, 2, 1)
	s.kcp.WndSize(128, 128)
	s.kcp.SetMtu(1200)
	return s, nil
}

// Exchange sends p and runs the session until the server acknowledged all
// of it and done, given the stream received so far, reports true (nil
// done: at once). It returns what done consumed: the stream up to the
// length done returns.
func (s *Session) Exchange(p []byte, done func(got []byte) (n int, ok bool), timeout time.Duration) ([]byte, error) {
	if s.kcp == nil {
		return nil, errors.New("kcpprobe: session is idle")
	}
	if len(p) > 0 && s.kcp.Send(p) < 0 {
		return nil, fmt.Errorf("kcpprobe: cannot send %d bytes", len(p))
	}
	end := time.Now().Add(timeout)
	for {
		s.kcp.Update()
		var out []byte
		finished := done == nil
		if done != nil {
			var n int
			if n, finished = done(s.got); finished {
				out = s.got[:n:n]
				s.got = s.got[n:]
			}
		}
		if finished && s.kcp.WaitSnd() == 0 {
			return out, nil
		}
		if time.Now().After(end) {
			return nil, fmt.Errorf("kcpprobe: no answer from %s within %v", s.conn.RemoteAddr(), timeout)
		}
		if err := s.receive(); err != nil {
			return nil, err
		}
	}
}

// receive reads what arrives within pump into the ARQ core and the
// stream.
func (s *Session) receive() error {
	_ = s.conn.SetReadDeadline(time.Now().Add(pump))
	n, err := s.conn.Read(s.buf)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil
	}
	if err != nil {
		return err
	}
	s.kcp.Input(s.buf[:n], true, true) // acknowledges at once
	for size := s.kcp.PeekSize(); size > 0; size = s.kcp.PeekSize() {
		b := make([]byte, size)
		s.kcp.Recv(b)
		s.got = append(s.got, b...)
	}
	return nil
}

// Idle drops the ARQ core and the buffers, keeping the socket: the server
// keeps its session, the client holds no memory for it but the socket.
// Call it after an Exchange, when nothing is in flight.
func (s *Session) Idle() { s.kcp, s.buf, s.got = nil, nil, nil }

// LocalAddr returns the client's address.
func (s *Session) LocalAddr() net.Addr { return s.conn.LocalAddr() }

// Close closes the socket. The server is not told (KCP has no FIN).
func (s *Session) Close() error { return s.conn.Close() }
